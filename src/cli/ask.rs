//! `frontline ask "text"`: one triage decision with its scores, for maintainers.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::cli::settings::Settings;
use crate::knowledge::Lang;
use crate::triage::{Context, Decision, Level};

/// Arguments of `ask`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What a customer wrote.
    pub text: String,
    /// The FAQ directory (default: the configured one).
    #[arg(long)]
    pub faq: Option<PathBuf>,
    /// Answer in this language instead of detecting it (en, de).
    #[arg(long)]
    pub lang: Option<Lang>,
    /// Print the decision as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(settings: &Settings, args: Args) -> anyhow::Result<ExitCode> {
    let brain = super::load_brain(settings, args.faq)?;
    let ctx = Context {
        lang: args.lang,
        ..Context::default()
    };
    let decision = brain.triage(&args.text, &ctx);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&decision)?);
    } else {
        print!("{}", crate::terminal::terminal_safe(&describe(&decision)));
    }
    Ok(ExitCode::SUCCESS)
}

/// A human-readable account of a decision.
pub fn describe(d: &Decision) -> String {
    let mut out = format!(
        "level: {}\nlanguage: {}\nmode: {}\nconfidence: {:.3}\nwhy: {}\n",
        level_name(d.level),
        d.lang,
        match d.mode {
            crate::ranking::fusion::Mode::Lexical => "lexical",
            crate::ranking::fusion::Mode::Hybrid => "hybrid",
        },
        d.confidence,
        d.why.reason
    );
    for s in &d.why.symptoms {
        out.push_str(&format!(
            "symptom: `{}` of {} matched \"{}\"\n",
            s.symptom, s.entry_id, s.matched
        ));
    }
    out.push_str("ranking:\n");
    for (i, c) in d.ranking.iter().enumerate() {
        out.push_str(&format!(
            "  {}. {:.3}  {}  ({:?}, {}, matched {:?} in {:?})\n",
            i + 1,
            c.score,
            c.id,
            c.kind,
            c.lang,
            c.matched_terms,
            c.part
        ));
    }
    out
}

/// The level as maintainers say it.
pub fn level_name(level: Level) -> &'static str {
    match level {
        Level::Fix => "2nd level: documented fix",
        Level::Answer => "1st level: FAQ answer",
        Level::DidYouMean => "did you mean",
        Level::Handover => "3rd level: hand over to a human",
    }
}
