//! The running Discord bot: the serenity client with the [`Handler`], the
//! delivery loop carrying the outbox out through [`DiscordTransport`] (woken
//! after every handled event, polling for retries that came due), and the
//! tick loop that lets the engine's timers fire. `frontline run` and the
//! tests start it the same way.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use serenity::all::{ClientBuilder, Http, ShardManager};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use super::connect;
use super::handler::{Handler, HandlerParts};
use super::interactions::Interactions;
use super::settings::DiscordConfig;
use super::transport::DiscordTransport;
use crate::brain::LiveBrain;
use crate::delivery::{Delivery, DeliverySettings, Outcome};
use crate::engine::{Engine, Inbound};
use crate::flood::{FloodGuard, FloodSettings};
use crate::knowledge::Lang;
use crate::metrics::Metrics;
use crate::store::{Scope, SqlStore, Store};

/// Everything the bot is made of.
pub struct BotParts {
    /// Checked Discord settings.
    pub config: Arc<DiscordConfig>,
    /// The engine.
    pub engine: Arc<Engine>,
    /// The live brain.
    pub brain: Arc<LiveBrain>,
    /// The store (also the engine's).
    pub store: Arc<SqlStore>,
    /// Retries of deliveries.
    pub delivery: DeliverySettings,
    /// Per-user message limit.
    pub flood: FloodSettings,
    /// Counters.
    pub metrics: Metrics,
    /// The FAQ directory.
    pub faq_dir: PathBuf,
    /// Language of entries that do not say.
    pub default_lang: Lang,
    /// How often the engine's timers are checked.
    pub tick: Duration,
    /// How often the outbox is looked at for retries that came due.
    pub poll: Duration,
    /// Delivery workers (rows of one route are still delivered in order).
    pub workers: usize,
}

/// The bot could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The HTTP client could not be built.
    #[error(transparent)]
    Connect(#[from] connect::ConnectError),
    /// serenity refused to build the client.
    #[error("building the Discord client")]
    Client(#[from] serenity::Error),
}

/// A running bot; dropping it stops it.
pub struct RunningBot {
    /// The client's HTTP side.
    pub http: Arc<Http>,
    shards: Arc<ShardManager>,
    tasks: Vec<JoinHandle<()>>,
}

impl RunningBot {
    /// Waits until the client stops (it reconnects by itself on dropped connections).
    pub async fn wait(mut self) {
        if let Some(client) = self.tasks.first_mut() {
            let _ = client.await;
        }
    }
}

impl Drop for RunningBot {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
        let shards = self.shards.clone();
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            handle.spawn(async move { shards.shutdown_all().await });
        }
    }
}

/// Connects the bot and starts its loops.
pub async fn start(parts: BotParts) -> Result<RunningBot, StartError> {
    start_with(parts, |builder| builder).await
}

/// [`start`], with `customise` applied to the client builder (tests add a
/// raw event handler that catches payloads serenity could not parse).
pub async fn start_with(
    parts: BotParts,
    customise: impl FnOnce(ClientBuilder) -> ClientBuilder,
) -> Result<RunningBot, StartError> {
    let interactions = Arc::new(Interactions::new(parts.store.clone()));
    let wake = Arc::new(Notify::new());
    let handler = Handler::new(HandlerParts {
        engine: parts.engine.clone(),
        brain: parts.brain.clone(),
        config: parts.config.clone(),
        interactions: interactions.clone(),
        flood: FloodGuard::new(parts.flood),
        wake: wake.clone(),
        metrics: parts.metrics.clone(),
        faq_dir: parts.faq_dir.clone(),
        default_lang: parts.default_lang,
        store: parts.store.clone(),
    });
    let builder =
        connect::client_builder(&parts.config, connect::intents())?.event_handler(handler);
    let mut client = customise(builder).await?;
    let http = client.http.clone();
    let shards = client.shard_manager.clone();
    let transport = Arc::new(DiscordTransport::new(
        http.clone(),
        parts.store.clone(),
        parts.config.clone(),
        interactions,
        parts.metrics.clone(),
    ));
    let store: Arc<dyn Store> = parts.store.clone();
    let shard = parts.config.shard;
    let client_task = tokio::spawn(async move {
        let started = match shard {
            Some((shard, count)) => client.start_shard(shard, count).await,
            None => client.start().await,
        };
        if let Err(e) = started {
            tracing::error!(error = %e, "the Discord client stopped");
        }
    });
    let mut tasks = vec![client_task];
    for _ in 0..parts.workers.max(1) {
        let delivery = Delivery::new(store.clone(), parts.delivery.clone());
        let worker = deliver_forever(delivery, transport.clone(), wake.clone(), parts.poll);
        tasks.push(tokio::spawn(worker));
    }
    tasks.push(tokio::spawn(tick_forever(
        parts.engine.clone(),
        store,
        parts.metrics.clone(),
        wake,
        parts.tick,
    )));
    Ok(RunningBot {
        http,
        shards,
        tasks,
    })
}

async fn deliver_forever(
    delivery: Delivery,
    transport: Arc<DiscordTransport>,
    wake: Arc<Notify>,
    poll: Duration,
) {
    loop {
        match delivery.try_deliver_one(&*transport, Utc::now()).await {
            Ok(Outcome::Idle) => {
                let _ = tokio::time::timeout(poll, wake.notified()).await;
            }
            Ok(_) => {}
            Err(e) => {
                tracing::error!(error = %e, "the outbox could not be read");
                tokio::time::sleep(poll).await;
            }
        }
    }
}

async fn tick_forever(
    engine: Arc<Engine>,
    store: Arc<dyn Store>,
    metrics: Metrics,
    wake: Arc<Notify>,
    every: Duration,
) {
    let mut interval = tokio::time::interval(every);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        match engine.handle(&Inbound::Tick, Utc::now()).await {
            Ok(actions) if !actions.is_empty() => wake.notify_one(),
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "the timers failed"),
        }
        if let Ok(depth) = store.pending_actions(&Scope::All).await {
            metrics.set_outbox_depth(depth);
        }
    }
}

/// How `frontline run` runs: the metrics port and the loops' pace.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RunSettings {
    /// Where `/metrics` and `/healthz` are served (a local address).
    pub metrics_addr: String,
    /// How often the engine's timers are checked, in seconds.
    pub tick_secs: u64,
    /// How often the outbox is looked at for due retries, in milliseconds.
    pub poll_ms: u64,
    /// Delivery workers.
    pub delivery_workers: usize,
}

impl Default for RunSettings {
    fn default() -> Self {
        RunSettings {
            metrics_addr: "127.0.0.1:9464".to_owned(),
            tick_secs: 30,
            poll_ms: 250,
            delivery_workers: 4,
        }
    }
}
