//! `frontline draft-fix TICKET`: write a documented fix drafted from a
//! resolved ticket into `faq/fixes/`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;

use crate::cli::settings::Settings;
use crate::domain::TicketId;
use crate::maintain::draft_fix;

/// Arguments of `draft-fix`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The resolved ticket's number.
    pub ticket: i64,
    /// The FAQ directory (default: the configured one).
    #[arg(long)]
    pub faq: Option<PathBuf>,
    /// Replace a file of the same name.
    #[arg(long)]
    pub force: bool,
    /// Print the draft instead of writing it.
    #[arg(long)]
    pub stdout: bool,
}

pub fn run(settings: &Settings, args: Args) -> anyhow::Result<ExitCode> {
    let faq = args.faq.unwrap_or_else(|| settings.faq_dir.clone());
    // Only `fixes/` inside it is made: a mistyped FAQ path must not grow a
    // tree of its own that the bot never reads.
    if !args.stdout && !faq.is_dir() {
        anyhow::bail!("{} is not an FAQ directory", faq.display());
    }
    let draft = super::block_on(async {
        let store = super::open_store(settings).await?;
        let ticket = TicketId(args.ticket);
        Ok(draft_fix::draft_ticket(&*store, ticket, settings.default_lang.0).await?)
    })?;
    if args.stdout {
        print!("{}", crate::terminal::terminal_safe(&draft.markdown));
        return Ok(ExitCode::SUCCESS);
    }
    let path = faq.join(&draft.path);
    if path.exists() && !args.force {
        anyhow::bail!("{} exists; use --force to replace it", path.display());
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    std::fs::write(&path, &draft.markdown)
        .with_context(|| format!("writing {}", path.display()))?;
    println!(
        "wrote {} ({} symptom(s)); review it, then run `frontline check {}`",
        path.display(),
        draft.symptoms.len(),
        faq.display()
    );
    Ok(ExitCode::SUCCESS)
}
