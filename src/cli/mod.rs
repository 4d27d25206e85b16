//! The `frontline` command line: one file per command. Commands parse their
//! arguments, call into the library and print; they hold no rules of their own.

mod ask;
mod bench;
mod chat;
mod check;
mod eval;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};

use std::sync::Arc;

use crate::brain::Brain;
use crate::semantic::Semantic;
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

/// Loads the configured sentence-embedding model, if any. Without one (or
/// when it cannot be loaded) the bot ranks lexically and says so.
fn load_model(settings: &Settings) -> Option<Arc<Semantic>> {
    let Some(dir) = &settings.semantic.model_dir else {
        tracing::warn!("no model_dir configured (FRONTLINE_MODEL_DIR): ranking lexically only");
        return None;
    };
    if !dir.join("model.safetensors").exists() {
        tracing::warn!(
            dir = %dir.display(),
            "model directory missing or incomplete (run scripts/fetch-model.sh): ranking lexically only"
        );
        return None;
    }
    match Semantic::load_from(dir, &settings.semantic) {
        Ok(model) => Some(Arc::new(model)),
        Err(e) => {
            tracing::warn!(error = %e, dir = %dir.display(), "model not usable: ranking lexically only");
            None
        }
    }
}

/// One line saying how the brain ranks, for the start of a command's output.
fn ranking_line(brain: &Brain) -> String {
    match brain.semantic() {
        Some((model, index)) => format!(
            "ranking: hybrid (lexical + semantic model {} [{}] for {}; {} texts embedded, {} new)",
            model.dir.display(),
            model.encoder.id(),
            model
                .langs
                .iter()
                .map(|l| l.code())
                .collect::<Vec<_>>()
                .join(", "),
            index.stats.texts,
            index.stats.computed
        ),
        None => "ranking: lexical only (no semantic model; set FRONTLINE_MODEL_DIR, see scripts/fetch-model.sh)".to_string(),
    }
}

/// Loads the brain for a command, printing the findings if the FAQ has errors.
fn load_brain(settings: &Settings, dir: Option<PathBuf>) -> anyhow::Result<Brain> {
    let dir = dir.unwrap_or_else(|| settings.faq_dir.clone());
    match Brain::load(&dir, settings.brain(), load_model(settings)) {
        Ok((brain, _warnings)) => Ok(brain),
        Err(crate::brain::BrainError::Invalid { errors, dir }) => {
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
