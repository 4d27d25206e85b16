//! The whole Discord bot driven through the fake Discord on loopback: N
//! customers (default 50, `FRONTLINE_BENCH_CUSTOMERS`) each ask M FAQ
//! questions (default 10, `FRONTLINE_BENCH_QUESTIONS`) one after the other,
//! each in a new thread of the support channel, all customers at once.
//! Reports messages per second and the reply latency (the customer's
//! MESSAGE_CREATE sent until the answer's POST reached the fake), p50/p99.
//! Run: `cargo bench --bench discord`. SQLite by default; set
//! `FRONTLINE_BENCH_WORKERS` sets the delivery workers (default 4), and
//! `FRONTLINE_BENCH_DATABASE_URL` another database (it is migrated and
//! filled: give it an empty database or schema of its own).
//!
//! By default each customer asks again the moment the answer arrives (a
//! closed loop): then latency is at least customers / throughput, whatever
//! the bot does. `FRONTLINE_BENCH_RATE` (messages per second, all customers
//! together) paces them instead, as people are paced: customer `n` asks
//! question `q` at `(q × customers + n) / rate` seconds, or when its previous
//! answer came if that is later, and the latency counts from the planned
//! moment, so a bot that falls behind is not let off.

#[allow(dead_code, unused_imports)]
#[path = "../tests/discord/fake/mod.rs"]
mod fake;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use frontline::adapters::discord::DiscordConfig;
use frontline::adapters::discord::DiscordSettings;
use frontline::adapters::discord::runner::{self, BotParts};
use frontline::brain::{BrainSettings, LiveBrain};
use frontline::delivery::DeliverySettings;
use frontline::engine::{Engine, EngineSettings};
use frontline::flood::FloodSettings;
use frontline::intake::IntakeSettings;
use frontline::knowledge::Lang;
use frontline::metrics::Metrics;
use frontline::ranking::Thresholds;
use frontline::store::SqlStore;
use serenity::all::{ChannelId, RoleId};

use fake::FakeDiscord;
use fake::world::User;

const QUESTIONS: [&str; 6] = [
    "I forgot my password",
    "where can I get an invoice copy",
    "how do I add a printer",
    "what is the guest wifi password",
    "my mailbox is full",
    "how do I connect to the VPN from home",
];

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(run());
}

async fn start(fake: &FakeDiscord, dir: &tempfile::TempDir) -> runner::RunningBot {
    let url = std::env::var("FRONTLINE_BENCH_DATABASE_URL").unwrap_or_else(|_| {
        format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("bench.db").display()
        )
    });
    let store = Arc::new(SqlStore::connect(&url).await.expect("the database"));
    let faq = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/faq");
    let settings = BrainSettings {
        thresholds: Thresholds {
            answer: 0.42,
            margin: 0.1,
            suggest: 0.25,
            fix_text: 0.6,
            other_language: 0.8,
        },
        ..BrainSettings::default()
    };
    let (brain, _) = LiveBrain::start(&faq, settings, None).expect("the fixture FAQ");
    let brain = Arc::new(brain);
    let engine = Arc::new(Engine::new(
        brain.clone(),
        store.clone(),
        EngineSettings::default(),
    ));
    let w = fake.world();
    let discord = DiscordSettings {
        api_base_url: fake.url(),
        support_channels: vec![ChannelId::new(w.support.id)],
        forum_channels: vec![ChannelId::new(w.forum.id)],
        dms: true,
        staff_channel: Some(ChannelId::new(w.staff_channel.id)),
        staff_role: Some(RoleId::new(w.staff_role)),
        channel_lang: Default::default(),
        shard: None,
        catch_up_hours: 24,
        announce_channel: None,
    };
    let config = DiscordConfig::from_settings(&discord, Some("bench".to_owned())).expect("valid");
    runner::start(BotParts {
        config: Arc::new(config),
        engine,
        brain,
        store,
        delivery: DeliverySettings::default(),
        flood: FloodSettings {
            burst: 10_000,
            refill_seconds: 1,
        },
        metrics: Metrics::new(),
        faq_dir: faq,
        default_lang: Lang::En,
        tick: Duration::from_secs(3600),
        poll: Duration::from_millis(50),
        workers: env_number("FRONTLINE_BENCH_WORKERS", 4),
        intake: IntakeSettings::default(),
        web: frontline::adapters::web::WebSettings::default(),
        instance: "bench".to_owned(),
    })
    .await
    .expect("the bot starts")
}

/// One question: sent, then waited for until its answer is posted; the
/// latency counts from `planned` (now, for a closed loop).
async fn ask(
    fake: &FakeDiscord,
    channel: u64,
    who: &User,
    text: &str,
    planned: Instant,
) -> Duration {
    let sent = planned.min(Instant::now());
    let message = fake.says(channel, who, text);
    let id = message["id"].as_str().expect("an id");
    fake.next_call(&format!("POST /channels/{id}/messages"))
        .await;
    sent.elapsed()
}

async fn run() {
    let customers = env_number("FRONTLINE_BENCH_CUSTOMERS", 50);
    let per = env_number("FRONTLINE_BENCH_QUESTIONS", 10);
    let fake = FakeDiscord::start().await;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let _bot = start(&fake, &dir).await;
    fake.next_call("PUT /applications/*/commands").await;
    let support = fake.world().support.id;
    let warm = fake.world().alice().clone();
    ask(&fake, support, &warm, QUESTIONS[0], Instant::now()).await;
    let rate = env_number("FRONTLINE_BENCH_RATE", 0);

    let began = Instant::now();
    let tasks: Vec<_> = (0..customers)
        .map(|n| {
            let fake = fake.clone();
            let who = User {
                id: 1_200_000_000_000_000_000 + n as u64,
                name: format!("customer{n}"),
                roles: vec![],
                bot: false,
            };
            tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(per);
                for q in 0..per {
                    let text = QUESTIONS[(n + q) % QUESTIONS.len()];
                    let planned = if rate == 0 {
                        Instant::now()
                    } else {
                        let at = (q * customers + n) as f64 / rate as f64;
                        let planned = began + Duration::from_secs_f64(at);
                        tokio::time::sleep_until(planned.into()).await;
                        planned
                    };
                    latencies.push(ask(&fake, support, &who, text, planned).await);
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(customers * per);
    for task in tasks {
        latencies.extend(task.await.expect("a customer"));
    }
    let elapsed = began.elapsed();
    latencies.sort();
    let pick = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    let pace = match rate {
        0 => "closed loop".to_owned(),
        r => format!("paced at {r} msg/s"),
    };
    println!(
        "discord ({pace}): {} customers x {} questions = {} messages in {:.2} s: {:.0} msg/s, reply latency p50 {:.1} ms, p99 {:.1} ms",
        customers,
        per,
        latencies.len(),
        elapsed.as_secs_f64(),
        latencies.len() as f64 / elapsed.as_secs_f64(),
        pick(0.50).as_secs_f64() * 1000.0,
        pick(0.99).as_secs_f64() * 1000.0,
    );
}
