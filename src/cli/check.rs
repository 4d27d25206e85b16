//! `frontline check [DIR]`: lint the FAQ like a compiler would.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;

use std::sync::Arc;

use crate::brain::Brain;
use crate::cli::settings::Settings;
use crate::knowledge::{Knowledge, load_dir};
use crate::ranking::Thresholds;
use crate::semantic::Semantic;

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
    /// Show the hand-over line of the lexical ranking only, without loading
    /// the sentence encoders (faster; the bot uses the encoders' lines).
    #[arg(long)]
    pub lexical: bool,
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
        if let Some(k) = &loaded.knowledge
            && errors == 0
        {
            let model = if args.lexical {
                None
            } else {
                super::load_model(settings)
            };
            print_operating_point(settings, k, &dir, model);
        }
    }
    let failed = errors > 0 || (args.deny_warnings && warnings > 0);
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// The operating points this FAQ calibrates itself to, on every scale the
/// bot ranks it on (lexical alone without `model`), and the entries its
/// questions confuse.
fn print_operating_point(
    settings: &Settings,
    knowledge: &Knowledge,
    dir: &std::path::Path,
    model: Option<Arc<Semantic>>,
) {
    // Shown whether or not the calibrated thresholds decide, and where the
    // settings fix the thresholds by hand.
    let mut brain_settings = settings.brain();
    brain_settings.handover.calibrate = true;
    brain_settings.thresholds = Thresholds::default();
    brain_settings.hybrid_thresholds = Thresholds::hybrid();
    brain_settings.companion_thresholds = Thresholds::companion();
    brain_settings.multilingual_thresholds = Thresholds::multilingual();
    let brain = match Brain::new(knowledge.clone(), brain_settings, model) {
        Ok(b) => b,
        Err(e) => {
            println!("hand-over: the index could not be built: {e}");
            return;
        }
    };
    let calibration = brain.calibration();
    let target = settings.handover.target;
    let lines = calibration.lines();
    if lines.is_empty() {
        println!(
            "hand-over: too few listed questions to calibrate (need {}); the static thresholds decide",
            settings.handover.min_samples
        );
    }
    for line in lines {
        println!(
            "hand-over{} (target {target:.2}) {line}",
            if settings.handover.calibrate {
                ""
            } else {
                " as calibrated (not in use: [handover] calibrate = false)"
            },
        );
    }
    if !calibration.confusable.is_empty() {
        println!("confusable entries (held-out questions ranking the other first):");
    }
    for c in &calibration.confusable {
        let at = |id: &str| {
            knowledge
                .position(id)
                .map(|i| {
                    let o = &knowledge.entry(i).origin;
                    format!("{}:{}", dir.join(&o.path).display(), o.line)
                })
                .unwrap_or_default()
        };
        println!(
            "  {} ({}) <-> {} ({}): {} question(s)",
            c.a,
            at(&c.a),
            c.b,
            at(&c.b),
            c.count
        );
    }
}
