//! `frontline chat`: questions typed in the terminal answered from the FAQ.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use crate::brain::Brain;
use crate::settings::Settings;
use crate::triage::{Candidate, Context, Level};

/// Arguments of `chat`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The FAQ directory (default: the configured one).
    #[arg(long)]
    pub faq: Option<PathBuf>,
}

pub fn run(settings: &Settings, args: Args) -> anyhow::Result<ExitCode> {
    let brain = super::load_brain(settings, args.faq)?;
    let interactive = std::io::stdin().is_terminal();
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "frontline: ask a question ({} entries loaded). Empty line or Ctrl-D ends.",
        brain.knowledge().entries().len()
    )?;
    writeln!(out, "{}", super::ranking_line(&brain))?;
    let mut history: Vec<String> = Vec::new();
    let mut choices: Vec<Candidate> = Vec::new();
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    loop {
        if interactive {
            write!(out, "> ")?;
            out.flush()?;
        }
        let Some(line) = lines.next().transpose()? else {
            break;
        };
        let line = line.trim().to_string();
        if line.is_empty() {
            break;
        }
        if let Some(choice) = line
            .parse::<usize>()
            .ok()
            .and_then(|n| choices.get(n.wrapping_sub(1)))
        {
            show_entry(&mut out, &brain, choice)?;
            choices.clear();
            continue;
        }
        let decision = brain.triage(
            &line,
            &Context {
                history: &history,
                ..Context::default()
            },
        );
        history.push(line);
        choices.clear();
        match decision.level {
            Level::Fix | Level::Answer => {
                if let Some(c) = decision.top() {
                    show_entry(&mut out, &brain, c)?;
                }
                for s in &decision.why.symptoms {
                    writeln!(out, "(recognised \"{}\")", s.matched)?;
                }
            }
            Level::DidYouMean => {
                writeln!(out, "Did you mean:")?;
                for (i, c) in decision.chosen.iter().enumerate() {
                    writeln!(out, "  {}. {}", i + 1, c.title)?;
                }
                writeln!(out, "Type a number, or ask again in other words.")?;
                choices = decision.chosen.clone();
            }
            Level::Handover => {
                writeln!(
                    out,
                    "I would hand this to a human: no entry answers it well enough."
                )?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn show_entry(out: &mut impl Write, brain: &Brain, c: &Candidate) -> std::io::Result<()> {
    let entry = brain.knowledge().entry(c.entry);
    let level = super::ask::level_name(if entry.kind == crate::knowledge::Kind::Fix {
        Level::Fix
    } else {
        Level::Answer
    });
    writeln!(out, "{}\n", entry.title)?;
    writeln!(out, "{}\n", entry.answer_markdown)?;
    writeln!(
        out,
        "-- {level}; source: {} ({}:{})",
        entry.id,
        entry.origin.path.display(),
        entry.origin.line
    )
}
