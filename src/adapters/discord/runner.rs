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
use crate::delivery::{Delivery, DeliverySettings, Outcome, host_name};
use crate::domain::Inbound;
use crate::engine::Engine;
use crate::flood::{FloodGuard, FloodSettings};
use crate::intake::{Intake, IntakeSettings};
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
    /// How events wait while the database is unreachable.
    pub intake: IntakeSettings,
    /// The staff desk in a browser, for `/web` links.
    pub web: crate::adapters::web::WebSettings,
    /// This process's name for its outbox leases, the same across restarts
    /// (see [`RunSettings::instance`]).
    pub instance: String,
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
    let intake = Arc::new(Intake::new(
        parts.engine.clone(),
        parts.metrics.clone(),
        parts.intake.clone(),
        wake.clone(),
    ));
    let handler = Handler::new(HandlerParts {
        engine: parts.engine.clone(),
        intake: intake.clone(),
        brain: parts.brain.clone(),
        config: parts.config.clone(),
        interactions: interactions.clone(),
        flood: FloodGuard::new(parts.flood),
        metrics: parts.metrics.clone(),
        faq_dir: parts.faq_dir.clone(),
        default_lang: parts.default_lang,
        store: parts.store.clone(),
        web: parts.web.clone(),
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
    intake.deliver_through(transport.clone());
    let store: Arc<dyn Store> = parts.store.clone();
    if let Err(e) = Delivery::take_back(&*store, &parts.instance).await {
        tracing::warn!(error = %e, "taking back the outbox rows of the previous run");
    }
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
    for worker in 0..parts.workers.max(1) {
        let holder = format!("{}/w{worker}", parts.instance);
        let delivery = Delivery::new(store.clone(), parts.delivery.clone()).holder(holder);
        let worker = deliver_forever(delivery, transport.clone(), wake.clone(), parts.poll);
        tasks.push(tokio::spawn(worker));
    }
    tasks.push(tokio::spawn(intake.clone().recover_forever()));
    tasks.push(tokio::spawn(tick_forever(
        intake,
        store,
        parts.metrics.clone(),
        parts.tick,
    )));
    Ok(RunningBot {
        http,
        shards,
        tasks,
    })
}

/// Delivers the outbox for good. While the outbox cannot be read (the
/// database is away) it says so once and looks again less and less often,
/// up to every few seconds.
async fn deliver_forever(
    delivery: Delivery,
    transport: Arc<DiscordTransport>,
    wake: Arc<Notify>,
    poll: Duration,
) {
    let mut failing = 0u32;
    loop {
        match delivery.try_deliver_one(&*transport, Utc::now()).await {
            Ok(outcome) => {
                if failing > 0 {
                    tracing::info!("the outbox can be read again");
                    failing = 0;
                }
                if outcome == Outcome::Idle {
                    let _ = tokio::time::timeout(poll, wake.notified()).await;
                }
            }
            Err(e) => {
                if failing == 0 {
                    tracing::error!(error = %e, "the outbox could not be read");
                }
                failing = failing.saturating_add(1);
                let wait = poll
                    .saturating_mul(1 << failing.min(5))
                    .min(OUTBOX_RETRY_MAX);
                tokio::time::sleep(wait).await;
            }
        }
    }
}

/// The longest wait between two looks at an outbox that cannot be read.
const OUTBOX_RETRY_MAX: Duration = Duration::from_secs(2);

/// Lets the engine's timers fire; skipped while events wait for the
/// database (they would only fail).
async fn tick_forever(
    intake: Arc<Intake>,
    store: Arc<dyn Store>,
    metrics: Metrics,
    every: Duration,
) {
    let mut interval = tokio::time::interval(every);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        if intake.is_down() {
            continue;
        }
        intake.handle(&Inbound::Tick, false).await;
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
    /// This process's name for its outbox leases. It must stay the same
    /// when the process restarts (so it takes back at once the rows it held
    /// when it stopped) and differ between processes sharing a database.
    /// Empty: the machine's host name, with the shard if one is set.
    pub instance: String,
}

impl RunSettings {
    /// The lease holder name: [`RunSettings::instance`], or the host name
    /// (and shard).
    pub fn instance_name(&self, shard: Option<(u32, u32)>) -> String {
        if !self.instance.trim().is_empty() {
            return self.instance.trim().to_owned();
        }
        match shard {
            Some((shard, count)) => format!("{}/shard-{shard}-of-{count}", host_name()),
            None => host_name(),
        }
    }
}

impl Default for RunSettings {
    fn default() -> Self {
        RunSettings {
            metrics_addr: "127.0.0.1:9464".to_owned(),
            tick_secs: 30,
            poll_ms: 250,
            delivery_workers: 4,
            instance: String::new(),
        }
    }
}
