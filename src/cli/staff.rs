//! `frontline staff`: the staff desk in the terminal, against the same
//! database as `frontline chat`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use crate::adapters::console::{StaffOptions, run_staff};
use crate::cli::settings::Settings;
use crate::delivery::Delivery;

/// Arguments of `staff`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Your name, as customers and colleagues will see it.
    #[arg(long, default_value = "staff")]
    pub name: String,
    /// The FAQ directory (default: the configured one).
    #[arg(long)]
    pub faq: Option<PathBuf>,
    /// How often to look for new tickets, in milliseconds.
    #[arg(long, default_value_t = 500)]
    pub poll_ms: u64,
}

pub fn run(settings: &Settings, args: Args) -> anyhow::Result<ExitCode> {
    let brain = super::start_brain(settings, args.faq)?;
    let opts = StaffOptions {
        name: args.name,
        poll: Duration::from_millis(args.poll_ms.max(10)),
        interactive: super::interactive(),
        default_lang: settings.default_lang.0,
    };
    super::block_on(async {
        let store = super::open_store(settings).await?;
        let engine = super::start_engine(brain, store.clone(), settings).await?;
        let delivery = Delivery::new(store, settings.delivery.clone());
        run_staff(Arc::new(engine), delivery, opts).await?;
        Ok(ExitCode::SUCCESS)
    })
}
