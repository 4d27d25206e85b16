//! The `frontline` command line: one file per command. Commands parse their
//! arguments, call into the library and print; they hold no rules of their own.

mod ask;
mod bench;
mod chat;
mod check;
mod eval;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};

use crate::brain::{Brain, BrainError, LiveBrain};
use crate::settings::Settings;

/// The front line of your support: FAQ answers, documented fixes and tickets.
#[derive(Debug, Parser)]
#[command(name = "frontline", version, about)]
pub struct Cli {
    /// Settings file (TOML). Default: ./frontline.toml if it exists.
    #[arg(long, global = true, env = "FRONTLINE_CONFIG")]
    pub config: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Lint an FAQ directory: errors and warnings with file and line.
    Check(check::Args),
    /// One triage decision for a question, with its scores.
    Ask(ask::Args),
    /// Talk to the bot in the terminal.
    Chat(chat::Args),
    /// Answer quality on labelled queries.
    Eval(eval::Args),
    /// Index build time and triage latency.
    Bench(bench::Args),
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let settings = Settings::load(cli.config.as_deref()).context("loading settings")?;
    match cli.command {
        Command::Check(args) => check::run(&settings, args),
        Command::Ask(args) => ask::run(&settings, args),
        Command::Chat(args) => chat::run(&settings, args),
        Command::Eval(args) => eval::run(&settings, args),
        Command::Bench(args) => bench::run(&settings, args),
    }
}

/// Loads the brain for a command, printing the findings if the FAQ has errors.
fn load_brain(settings: &Settings, dir: Option<PathBuf>) -> anyhow::Result<Brain> {
    let dir = dir.unwrap_or_else(|| settings.faq_dir.clone());
    explain(
        Brain::load(&dir, settings.brain()).map(|(brain, _)| brain),
        &dir,
    )
}

/// Loads a brain that follows changes of the FAQ directory.
fn load_live_brain(settings: &Settings, dir: &Path) -> anyhow::Result<LiveBrain> {
    explain(
        LiveBrain::start(dir, settings.brain()).map(|(live, _)| live),
        dir,
    )
}

/// Turns a brain error into words, printing every finding of an invalid FAQ.
fn explain<T>(result: Result<T, BrainError>, dir: &Path) -> anyhow::Result<T> {
    match result {
        Ok(value) => Ok(value),
        Err(BrainError::Invalid { errors, dir }) => {
            let color = std::io::IsTerminal::is_terminal(&std::io::stderr());
            for d in errors.iter().filter(|d| d.is_error()) {
                eprint!("{}", d.render(color));
            }
            anyhow::bail!(
                "{} has errors; run `frontline check {}`",
                dir.display(),
                dir.display()
            )
        }
        Err(e) => Err(e).with_context(|| format!("loading the FAQ from {}", dir.display())),
    }
}
