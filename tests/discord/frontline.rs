//! The whole bot (handler, engine, store, outbox, transport) running against
//! the fake Discord, on SQLite or PostgreSQL, as `frontline run` runs it.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use frontline::adapters::discord::runner::{self, BotParts, RunningBot};
use frontline::brain::{BrainSettings, LiveBrain};
use frontline::delivery::DeliverySettings;
use frontline::engine::{Engine, EngineSettings};
use frontline::flood::FloodSettings;
use frontline::intake::IntakeSettings;
use frontline::knowledge::Lang;
use frontline::metrics::Metrics;
use frontline::store::SqlStore;
use serde_json::Value;

use crate::bot::{Guard, config_with, init_test_log};
use crate::fake::FakeDiscord;
use crate::support::{Backend, TestDb};

pub use crate::support::{faq_dir, thresholds};

/// What people do on the fake Discord before the bot connects.
pub type BeforeStart = Box<dyn FnOnce(&FakeDiscord) + Send>;

/// How a scenario's bot differs from the usual one.
pub struct Options {
    /// The per-user message limit.
    pub flood: FloodSettings,
    /// Whether DMs are served.
    pub dms: bool,
    /// Languages per channel id.
    pub channel_lang: BTreeMap<String, Lang>,
    /// The engine's timers.
    pub engine: EngineSettings,
    /// How often the timers are checked.
    pub tick: Duration,
    /// `[discord] shard`.
    pub shard: Option<[u32; 2]>,
    /// `[discord] catch_up_hours` (off in other scenarios).
    pub catch_up_hours: u64,
    /// `[discord] announce_channel` (none in other scenarios).
    pub announce_channel: Option<u64>,
    /// On PostgreSQL, the bot connects on this loopback port (a proxy that
    /// can cut the database away) instead of the database's own.
    pub database_port: Option<u16>,
    /// What people do on the fake Discord before the bot connects.
    pub before_start: Option<BeforeStart>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            flood: FloodSettings::default(),
            dms: true,
            channel_lang: BTreeMap::new(),
            engine: EngineSettings::default(),
            tick: Duration::from_secs(3600),
            shard: None,
            catch_up_hours: 0,
            announce_channel: None,
            database_port: None,
            before_start: None,
        }
    }
}

/// The bot running against a fake Discord.
pub struct Frontline {
    /// The fake Discord.
    pub fake: FakeDiscord,
    /// The bot's store.
    pub store: Arc<SqlStore>,
    /// The bot's counters.
    pub metrics: Metrics,
    bot: Option<RunningBot>,
    db: Option<TestDb>,
}

impl Frontline {
    /// Starts the bot on `backend` (`None`: PostgreSQL is not reachable here).
    pub async fn start(backend: Backend) -> Option<Frontline> {
        Self::start_opts(backend, Options::default()).await
    }

    /// Starts the bot as `options` say.
    pub async fn start_opts(backend: Backend, options: Options) -> Option<Frontline> {
        let Options {
            flood,
            dms,
            channel_lang,
            engine: engine_settings,
            tick,
            shard,
            catch_up_hours,
            announce_channel,
            database_port,
            before_start,
        } = options;
        init_test_log();
        let db = match (backend, database_port) {
            (Backend::Postgres, Some(port)) => TestDb::postgres_at(Some(port)).await?,
            _ => TestDb::on(backend).await?,
        };
        let fake = FakeDiscord::start().await;
        if let Some(before_start) = before_start {
            before_start(&fake);
        }
        let store = db.store.clone();
        let settings = BrainSettings {
            thresholds: thresholds(),
            ..BrainSettings::default()
        };
        let (brain, _) =
            LiveBrain::start(&faq_dir(), settings, None).expect("the fixture FAQ loads");
        let brain = Arc::new(brain);
        let engine = Arc::new(Engine::new(brain.clone(), store.clone(), engine_settings));
        let metrics = Metrics::new();
        let config = config_with(&fake, |s| {
            s.dms = dms;
            s.channel_lang = channel_lang;
            s.shard = shard;
            s.catch_up_hours = catch_up_hours;
            s.announce_channel = announce_channel.map(serenity::all::ChannelId::new);
        });
        let parts = BotParts {
            config: Arc::new(config),
            engine,
            brain,
            store: store.clone(),
            delivery: DeliverySettings {
                backoff_base_secs: 0,
                ..DeliverySettings::default()
            },
            flood,
            metrics: metrics.clone(),
            faq_dir: faq_dir(),
            default_lang: Lang::En,
            tick,
            poll: Duration::from_millis(20),
            workers: 4,
            intake: IntakeSettings {
                retry_ms: 50,
                ..IntakeSettings::default()
            },
            web: frontline::adapters::web::WebSettings {
                public_url: "http://desk.test".to_owned(),
                ..Default::default()
            },
            instance: "test-instance".to_owned(),
        };
        let guard = Guard(fake.clone());
        let bot = runner::start_with(parts, |b| b.raw_event_handler(guard))
            .await
            .expect("the bot starts");
        fake.next_call("CLIENT /READY").await;
        fake.next_call("PUT /applications/*/commands").await;
        Some(Frontline {
            fake,
            store,
            metrics,
            bot: Some(bot),
            db: Some(db),
        })
    }

    /// Stops the bot and drops its database.
    pub async fn stop(mut self) {
        drop(self.bot.take());
        if let Some(db) = self.db.take() {
            db.cleanup().await;
        }
    }
}

/// The `custom_id` of the button labelled `label` on a posted message.
pub fn button(message: &Value, label: &str) -> String {
    message["components"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row["components"].as_array().into_iter().flatten())
        .find(|b| b["label"] == label)
        .unwrap_or_else(|| panic!("no button {label:?} on {message}"))["custom_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The private follow-up to the press or command with `token`: its text.
pub async fn private_reply(fake: &FakeDiscord, token: &str) -> String {
    let app = fake.world().application_id;
    let sent = fake
        .next_call(&format!("POST /webhooks/{app}/{token}"))
        .await;
    assert_eq!(sent.body["flags"], 64, "private: {}", sent.body);
    sent.body["content"].as_str().unwrap_or_default().to_owned()
}

/// The labels of the buttons on a posted message.
pub fn labels(message: &Value) -> Vec<String> {
    message["components"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row["components"].as_array().into_iter().flatten())
        .map(|b| b["label"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The id of a message or channel JSON.
pub fn id(value: &Value) -> u64 {
    value["id"].as_str().unwrap().parse().unwrap()
}

/// Alice's question nobody can answer in the support channel: a ticket.
/// Returns her thread and the card's call.
pub async fn unanswered(fake: &FakeDiscord) -> (u64, crate::fake::recorder::Call) {
    let w = fake.world().clone();
    let m = id(&fake.says(
        w.support.id,
        w.alice(),
        "zorglub quantum marmalade overflow",
    ));
    let card = fake
        .next_call(&format!("POST /channels/{}/messages", w.staff_channel.id))
        .await;
    (m, card)
}

/// Alice's DM nobody can answer, a ticket whose card gets a relay thread,
/// claimed by Sam; returns once Alice is told. Returns the DM and the
/// relay thread.
pub async fn claimed_dm_ticket(fake: &FakeDiscord) -> (u64, u64) {
    let w = fake.world().clone();
    let dm = w.dm_with(w.alice()).id;
    let staff = w.staff_channel.id;
    fake.says(dm, w.alice(), "zorglub quantum marmalade overflow");
    let card = fake
        .next_call(&format!("POST /channels/{staff}/messages"))
        .await;
    let made = fake
        .next_call(&format!(
            "POST /channels/{staff}/messages/{}/threads",
            id(&card.response)
        ))
        .await;
    fake.press(w.sam(), &card.response, &button(&card.body, "Claim"));
    let to_alice = format!("POST /channels/{dm}/messages");
    eventually("Alice told that Sam has her ticket", || async {
        fake.matching(&to_alice).iter().any(|c| {
            c.body["content"]
                .as_str()
                .is_some_and(|t| t.contains("has taken over"))
        })
    })
    .await;
    (dm, id(&made.response))
}

/// Waits until `check` holds (what the bot stores is not a Discord call to
/// wait for); panics naming `what` after 30 s.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    while !check().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "waited 30 s for: {what}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}
