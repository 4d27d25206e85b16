//! `frontline gaps`: unanswered questions grouped by similarity.

use std::process::ExitCode;

use crate::cli::settings::Settings;
use crate::maintain::gaps;
use crate::store::Store;

/// Arguments of `gaps`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Show at most this many groups.
    #[arg(long, default_value_t = 10)]
    pub limit: usize,
    /// How similar (cosine, 0..1) a question must be to join a group.
    #[arg(long, default_value_t = gaps::DEFAULT_SIMILARITY)]
    pub similarity: f32,
}

pub fn run(settings: &Settings, args: Args) -> anyhow::Result<ExitCode> {
    super::block_on(async {
        let store = super::open_store(settings).await?;
        let answers = store.answers().await?;
        let tickets = store.tickets(&[]).await?;
        let questions = gaps::unanswered(&answers, &tickets);
        let groups = gaps::group(questions, args.similarity, settings.default_lang.0);
        print!("{}", gaps::render(&groups, args.limit));
        Ok(ExitCode::SUCCESS)
    })
}
