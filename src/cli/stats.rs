//! `frontline stats`: how the front line is doing.

use std::process::ExitCode;

use crate::cli::settings::Settings;
use crate::maintain::stats;
use crate::store::Store;

/// Arguments of `stats`.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(settings: &Settings, _args: Args) -> anyhow::Result<ExitCode> {
    super::block_on(async {
        let store = super::open_store(settings).await?;
        let answers = store.answers().await?;
        let tickets = store.tickets(&[]).await?;
        print!("{}", stats::render(&stats::compute(&answers, &tickets)));
        Ok(ExitCode::SUCCESS)
    })
}
