//! `frontline chat`: the whole bot in the terminal on the FAQ, with tickets
//! in the configured database (a local SQLite file by default). Run
//! `frontline staff` in a second terminal to take the tickets.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use crate::adapters::console::{ChatOptions, run_chat};
use crate::cli::settings::Settings;
use crate::delivery::Delivery;

/// Arguments of `chat`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The FAQ directory (default: the configured one).
    #[arg(long)]
    pub faq: Option<PathBuf>,
    /// Continue the conversation of this session (default: a new one).
    #[arg(long)]
    pub session: Option<String>,
    /// Your name, as staff will see it; also who you are for the maintenance
    /// contracts under `contracts/` (their `names:`), so `--as berger` acts
    /// as that customer.
    #[arg(long, visible_alias = "as", default_value = "customer")]
    pub name: String,
    /// How often to look for replies from staff, in milliseconds.
    #[arg(long, default_value_t = 500)]
    pub poll_ms: u64,
    /// Crash tests only: commit the first event, then wait without delivering.
    #[arg(long, hide = true)]
    pub hold_before_delivery: bool,
}

pub fn run(settings: &Settings, args: Args) -> anyhow::Result<ExitCode> {
    let brain = super::start_brain(settings, args.faq)?;
    let session = args.session.unwrap_or_else(|| {
        format!(
            "chat-{}-{}",
            chrono::Utc::now().format("%Y%m%d-%H%M%S"),
            std::process::id()
        )
    });
    let opts = ChatOptions {
        session,
        name: args.name,
        poll: Duration::from_millis(args.poll_ms.max(10)),
        interactive: super::interactive(),
        hold_before_delivery: args.hold_before_delivery,
    };
    super::block_on(async {
        let store = super::open_store(settings).await?;
        let engine = super::start_engine(brain.clone(), store.clone(), settings).await?;
        let delivery = Delivery::new(store, settings.delivery.clone());
        let _watch = brain
            .watch(Duration::from_millis(settings.reload_debounce_ms))
            .inspect_err(|e| tracing::warn!(error = %e, "not watching the FAQ for changes"));
        run_chat(Arc::new(engine), delivery, opts).await?;
        Ok(ExitCode::SUCCESS)
    })
}
