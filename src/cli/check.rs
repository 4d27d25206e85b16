//! `frontline check [DIR]`: lint the FAQ like a compiler would.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;

use crate::knowledge::load_dir;
use crate::settings::Settings;

/// Arguments of `check`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The FAQ directory (default: the configured one, `faq`).
    pub dir: Option<PathBuf>,
    /// Print the findings as JSON.
    #[arg(long)]
    pub json: bool,
    /// Treat warnings as errors.
    #[arg(long)]
    pub deny_warnings: bool,
}

pub fn run(settings: &Settings, args: Args) -> anyhow::Result<ExitCode> {
    let dir = args.dir.unwrap_or_else(|| settings.faq_dir.clone());
    let loaded = load_dir(&dir, settings.default_lang.0)
        .with_context(|| format!("reading the FAQ in {}", dir.display()))?;
    let errors = loaded.error_count();
    let warnings = loaded.diagnostics.len() - errors;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&loaded.diagnostics)?);
    } else {
        let color = std::io::stdout().is_terminal();
        for d in &loaded.diagnostics {
            println!("{}", d.render(color));
        }
        let entries = loaded.knowledge.as_ref().map_or(0, |k| k.entries().len());
        println!(
            "{}: {} file(s), {} entries, {errors} error(s), {warnings} warning(s)",
            dir.display(),
            loaded.files,
            entries
        );
    }
    let failed = errors > 0 || (args.deny_warnings && warnings > 0);
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
