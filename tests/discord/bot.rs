//! Starting a real serenity client against the fake, built by the adapter's
//! own `connect` functions, with a guard that turns serenity's silent drop of
//! an unparsable dispatch (`Event::Unknown`) into a failure of the test,
//! naming the field serenity missed, and records every dispatch serenity did
//! parse as `CLIENT /KIND`.

use std::collections::BTreeMap;
use std::sync::Arc;

use frontline::adapters::discord::connect;
use frontline::adapters::discord::{DiscordConfig, DiscordSettings};
use serenity::all::{
    ChannelId, Client, Context, Event, EventHandler, Http, Interaction, Message, RawEventHandler,
    RoleId, ShardManager,
};
use serenity::async_trait;
use serenity::model::event::{ResumedEvent, UnknownEvent};
use serenity::model::gateway::Ready;
use tokio::task::JoinHandle;

use crate::fake::FakeDiscord;

/// The adapter's checked configuration, pointed at `fake`.
pub fn config_for(fake: &FakeDiscord) -> DiscordConfig {
    config_with(fake, |_| {})
}

/// [`config_for`], with `change` applied to the settings first.
pub fn config_with(fake: &FakeDiscord, change: impl FnOnce(&mut DiscordSettings)) -> DiscordConfig {
    let world = fake.world();
    let mut settings = DiscordSettings {
        api_base_url: fake.url(),
        support_channels: vec![ChannelId::new(world.support.id)],
        forum_channels: vec![ChannelId::new(world.forum.id)],
        dms: true,
        staff_channel: Some(ChannelId::new(world.staff_channel.id)),
        staff_role: Some(RoleId::new(world.staff_role)),
        channel_lang: BTreeMap::new(),
        shard: None,
        // Off unless a test is about it: reading back the channels at READY
        // would race with what a test has the customers write.
        catch_up_hours: 0,
        announce_channel: None,
    };
    change(&mut settings);
    DiscordConfig::from_settings(&settings, Some("fake-token".to_owned())).expect("valid settings")
}

/// A serenity client running against the fake.
pub struct Bot {
    /// The client's HTTP side.
    pub http: Arc<Http>,
    shards: Arc<ShardManager>,
    task: JoinHandle<()>,
}

impl Drop for Bot {
    fn drop(&mut self) {
        self.task.abort();
        let shards = self.shards.clone();
        tokio::spawn(async move { shards.shutdown_all().await });
    }
}

/// Starts a client with `handler` and waits until serenity has taken READY
/// (so it knows its application id).
pub async fn start_bot(fake: &FakeDiscord, handler: impl EventHandler + 'static) -> Bot {
    init_test_log();
    let config = config_for(fake);
    let mut client: Client = connect::client_builder(&config, connect::intents())
        .expect("client builder")
        .event_handler(handler)
        .raw_event_handler(Guard(fake.clone()))
        .await
        .expect("serenity client");
    let http = client.http.clone();
    let shards = client.shard_manager.clone();
    let reporter = fake.clone();
    let task = tokio::spawn(async move {
        if let Err(e) = client.start().await {
            reporter.report_problem(format!("the client stopped: {e}"));
        }
    });
    fake.next_call("GET /gateway").await;
    fake.next_call("DISPATCH /READY").await;
    fake.next_call("CLIENT /READY").await;
    Bot { http, shards, task }
}

/// Logs (serenity's too) only when `TEST_LOG` is set, e.g. `TEST_LOG=serenity=debug`.
pub fn init_test_log() {
    if let Ok(filter) = std::env::var("TEST_LOG") {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .with_test_writer()
            .try_init();
    }
}

/// Fails the test when serenity could not parse a dispatch.
pub struct Guard(pub FakeDiscord);

#[async_trait]
impl RawEventHandler for Guard {
    async fn raw_event(&self, _ctx: Context, event: Event) {
        match event {
            Event::Unknown(unknown) => self.0.report_problem(explain(&unknown)),
            known => self.0.client_saw(&known.name().unwrap_or_default()),
        }
    }
}

/// Which field serenity missed: the payload parsed again as what it should be.
fn explain(unknown: &UnknownEvent) -> String {
    let value = unknown.value.clone();
    let why = match unknown.kind.as_str() {
        "MESSAGE_CREATE" | "MESSAGE_UPDATE" => serde_json::from_value::<Message>(value).err(),
        "INTERACTION_CREATE" => serde_json::from_value::<Interaction>(value).err(),
        "READY" => serde_json::from_value::<Ready>(value).err(),
        "RESUMED" => serde_json::from_value::<ResumedEvent>(value).err(),
        _ => None,
    };
    let why = why.map_or("an event serenity does not know".to_owned(), |e| {
        e.to_string()
    });
    format!(
        "serenity dropped {} ({why}): {}",
        unknown.kind, unknown.value
    )
}
