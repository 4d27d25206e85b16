//! `frontline run`: the Discord bot. The Discord settings are checked first
//! (a missing token or a broken setting stops here, before connecting); then
//! the database is opened, the FAQ loaded and watched, the metrics server
//! started on its local address, and the bot connected. It runs until Ctrl-C.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;

use crate::adapters::discord::DiscordConfig;
use crate::adapters::discord::runner::{self, BotParts};
use crate::cli::settings::Settings;
use crate::metrics::{self, Metrics};

/// Arguments of `frontline run`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// FAQ directory (default: the configured one).
    #[arg(long)]
    pub faq: Option<std::path::PathBuf>,
}

pub fn run(settings: &Settings, args: Args) -> anyhow::Result<ExitCode> {
    let config = match DiscordConfig::load(&settings.discord) {
        Ok(config) => Arc::new(config),
        Err(e) => {
            eprintln!("frontline run: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    let faq_dir = args.faq.clone().unwrap_or_else(|| settings.faq_dir.clone());
    let brain = super::start_brain(settings, args.faq)?;
    super::block_on(async {
        let store = super::open_store(settings).await?;
        let listener = tokio::net::TcpListener::bind(&settings.run.metrics_addr)
            .await
            .with_context(|| format!("serving metrics on {}", settings.run.metrics_addr))?;
        let metrics = Metrics::new();
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        let served = metrics.clone();
        tokio::spawn(async move {
            if let Err(e) = metrics::serve(listener, served, shutdown).await {
                tracing::error!(error = %e, "the metrics server stopped");
            }
        });
        let _watch = brain
            .watch(Duration::from_millis(settings.reload_debounce_ms))
            .inspect_err(|e| tracing::warn!(error = %e, "not watching the FAQ for changes"));
        let engine = Arc::new(super::start_engine(brain.clone(), store.clone(), settings).await?);
        if settings.web.in_run {
            let staff = super::web::discord_staff(&config)?;
            serve_desk(settings, engine.clone(), brain.clone(), &store, staff).await;
        }
        let config_shard = config.shard;
        let bot = runner::start(BotParts {
            config,
            engine,
            brain,
            store,
            delivery: settings.delivery.clone(),
            flood: settings.flood,
            metrics,
            faq_dir,
            default_lang: settings.default_lang.0,
            tick: Duration::from_secs(settings.run.tick_secs.max(1)),
            poll: Duration::from_millis(settings.run.poll_ms.max(10)),
            workers: settings.run.delivery_workers,
            intake: settings.intake.clone(),
            web: settings.web.clone(),
            instance: settings.run.instance_name(config_shard),
        })
        .await
        .context("starting the Discord bot")?;
        eprintln!("frontline run: connecting to Discord");
        tokio::select! {
            _ = bot.wait() => anyhow::bail!("the Discord client stopped"),
            _ = tokio::signal::ctrl_c() => Ok(ExitCode::SUCCESS),
        }
    })
}

/// Serves the staff desk beside the bot on `[web] addr`. An address taken
/// (another instance on the machine) is reported and the bot runs on: the
/// desk is the same from any instance.
async fn serve_desk(
    settings: &Settings,
    engine: Arc<crate::engine::Engine>,
    brain: Arc<crate::brain::LiveBrain>,
    store: &crate::store::SqlStore,
    staff: crate::adapters::web::StaffCheck,
) {
    let addr = &settings.web.addr;
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(listener) => listener,
        Err(e) => {
            tracing::warn!(error = %e, addr, "not serving the staff desk");
            return;
        }
    };
    let web = settings.web.clone();
    let desk = Arc::new(super::web::desk(settings, web, engine, brain, store, staff));
    eprintln!(
        "frontline run: the staff desk is on {}",
        settings.web.public_url()
    );
    tokio::spawn(async move {
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        if let Err(e) = crate::adapters::web::serve(listener, desk, shutdown).await {
            tracing::error!(error = %e, "the staff desk stopped");
        }
    });
}
