//! `frontline notices [DIR]`: every maintenance window and outage notice,
//! from `notices/` in the knowledge directory and published by staff (in
//! the database), with where each stands now.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use chrono::Utc;

use crate::adapters::console::notice::notice_line;
use crate::cli::settings::Settings;
use crate::knowledge::load_dir;
use crate::knowledge::notices::merge_notices;
use crate::store::Store;

/// Arguments of `notices`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The knowledge directory (default: the configured one, `faq`).
    pub dir: Option<PathBuf>,
}

pub fn run(settings: &Settings, args: Args) -> anyhow::Result<ExitCode> {
    let dir = args.dir.unwrap_or_else(|| settings.faq_dir.clone());
    let loaded = load_dir(&dir, settings.default_lang.0)
        .with_context(|| format!("reading the knowledge in {}", dir.display()))?;
    let broken = loaded.knowledge.is_none();
    let files = match &loaded.knowledge {
        Some(k) => k.notices().to_vec(),
        None => {
            eprintln!(
                "{} has {} error(s) (see `frontline check`); its notices are left out",
                dir.display(),
                loaded.error_count()
            );
            Vec::new()
        }
    };
    super::block_on(async {
        let store = super::open_store(settings).await?;
        let published = store
            .notices()
            .await
            .context("reading the published notices")?;
        let notices = merge_notices(published, &files);
        if notices.is_empty() {
            println!("no notices");
        }
        let now = Utc::now();
        for n in &notices {
            println!("{}", notice_line(n, now));
        }
        // The list lacks the files' notices: a script must not take it as whole.
        Ok(if broken {
            ExitCode::FAILURE
        } else {
            ExitCode::SUCCESS
        })
    })
}
