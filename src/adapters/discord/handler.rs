//! The inbound side of the Discord adapter: serenity events become engine
//! events. A message in a support channel gets a thread (named from the
//! question) and the conversation lives there; a message in a conversation's
//! thread, a forum post or (when enabled) a DM is handed over as it is; bots,
//! the bot itself and channels the bot does not serve are ignored. Button
//! presses and slash commands are in [`super::press`] and [`super::commands`].
//! Each customer is held to a flood limit, with one polite notice. After
//! every handled event the delivery loop is woken.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use chrono::Utc;
use serenity::all::{
    ChannelId, ChannelType, Context, CreateMessage, CreateThread, EventHandler, GuildChannel,
    Interaction, Message, Ready, User,
};
use serenity::async_trait;
use tokio::sync::Notify;

use super::commands;
use super::failure::{Failure, THREAD_ALREADY_CREATED};
use super::interactions::Interactions;
use super::mentions::no_pings;
use super::settings::{ChannelRole, DiscordConfig};
use super::thread_name::thread_name;
use super::transport::{PLATFORM, thread_ref};
use crate::brain::LiveBrain;
use crate::engine::{Engine, Inbound, Person, SourceKey, ThreadRef};
use crate::flood::{FloodGuard, Verdict};
use crate::knowledge::Lang;
use crate::metrics::Metrics;

/// What a flooding customer reads, once.
const SLOW_DOWN: &str =
    "You are sending messages faster than I can read them; I will look at new ones in a moment.";

/// The serenity event handler of the bot.
pub struct Handler {
    pub(super) engine: Arc<Engine>,
    pub(super) brain: Arc<LiveBrain>,
    pub(super) config: Arc<DiscordConfig>,
    pub(super) interactions: Arc<Interactions>,
    pub(super) flood: FloodGuard<u64>,
    pub(super) wake: Arc<Notify>,
    pub(super) metrics: Metrics,
    pub(super) faq_dir: PathBuf,
    pub(super) default_lang: Lang,
    forum_threads: Mutex<HashSet<ChannelId>>,
}

/// What the handler needs.
pub struct HandlerParts {
    /// The engine.
    pub engine: Arc<Engine>,
    /// The live brain, for `/faq reload` and `/faq check`.
    pub brain: Arc<LiveBrain>,
    /// The checked Discord settings.
    pub config: Arc<DiscordConfig>,
    /// Interaction tokens for private notices.
    pub interactions: Arc<Interactions>,
    /// Per-user message limit.
    pub flood: FloodGuard<u64>,
    /// Woken after each handled event.
    pub wake: Arc<Notify>,
    /// Counters.
    pub metrics: Metrics,
    /// The FAQ directory, for `/faq check`.
    pub faq_dir: PathBuf,
    /// The language of entries that do not say, for `/faq check`.
    pub default_lang: Lang,
}

impl Handler {
    /// A handler from its parts.
    pub fn new(parts: HandlerParts) -> Self {
        Handler {
            engine: parts.engine,
            brain: parts.brain,
            config: parts.config,
            interactions: parts.interactions,
            flood: parts.flood,
            wake: parts.wake,
            metrics: parts.metrics,
            faq_dir: parts.faq_dir,
            default_lang: parts.default_lang,
            forum_threads: Mutex::default(),
        }
    }

    /// Hands `event` to the engine and wakes the delivery loop.
    pub(super) async fn handle(&self, event: &Inbound) -> bool {
        match self.engine.handle(event, Utc::now()).await {
            Ok(actions) => {
                super::counting::count(&self.metrics, &actions);
                self.wake.notify_one();
                !actions.is_empty()
            }
            Err(e) => {
                tracing::error!(error = %e, "the engine failed to handle an event");
                false
            }
        }
    }

    async fn on_message(&self, ctx: &Context, msg: &Message) {
        if msg.author.bot || msg.author.id == ctx.cache.current_user().id {
            return;
        }
        let Some(thread) = self.thread_of(ctx, msg).await else {
            return;
        };
        match self.flood.check(&msg.author.id.get()) {
            Verdict::Allow => {}
            Verdict::Notice => return self.slow_down(ctx, msg).await,
            Verdict::Drop => return,
        }
        let event = Inbound::Message {
            source: SourceKey::new(PLATFORM, msg.id.to_string()),
            thread,
            author: person(&msg.author),
            text: msg.content.clone(),
        };
        self.handle(&event).await;
    }

    /// The conversation thread a message belongs to, creating the thread for
    /// a new question in a support channel; `None` if the bot does not serve it.
    async fn thread_of(&self, ctx: &Context, msg: &Message) -> Option<ThreadRef> {
        if msg.guild_id.is_none() {
            return self.config.dms.then(|| thread_ref(msg.channel_id));
        }
        match self.config.channel_role(msg.channel_id) {
            Some(ChannelRole::Support) => return self.open_thread(ctx, msg).await,
            Some(ChannelRole::Forum) | None => {}
        }
        let thread = thread_ref(msg.channel_id);
        let known = self
            .forum_threads
            .lock()
            .expect("not poisoned")
            .contains(&msg.channel_id);
        if known {
            return Some(thread);
        }
        match self.engine.store().conversation_by_thread(&thread).await {
            Ok(Some(_)) => Some(thread),
            Ok(None) => None,
            Err(e) => {
                tracing::error!(error = %e, "reading the conversation of a thread");
                None
            }
        }
    }

    /// Starts the thread of a question in a support channel. On Discord a
    /// thread made from a message has the message's id, so a message seen
    /// twice finds its thread again.
    async fn open_thread(&self, ctx: &Context, msg: &Message) -> Option<ThreadRef> {
        let name = thread_name(&msg.content, "Question");
        let made = msg
            .channel_id
            .create_thread_from_message(&ctx.http, msg.id, CreateThread::new(name))
            .await;
        match made {
            Ok(thread) => Some(thread_ref(thread.id)),
            Err(e) => match Failure::of(&e) {
                Failure::Permanent { code, .. } if code == THREAD_ALREADY_CREATED => {
                    Some(thread_ref(ChannelId::new(msg.id.get())))
                }
                _ => {
                    self.metrics.discord_error("thread");
                    tracing::error!(error = %e, "creating a thread for a question");
                    None
                }
            },
        }
    }

    async fn slow_down(&self, ctx: &Context, msg: &Message) {
        let notice = CreateMessage::new()
            .content(SLOW_DOWN)
            .allowed_mentions(no_pings());
        if let Err(e) = msg.channel_id.send_message(&ctx.http, notice).await {
            tracing::warn!(error = %e, "telling a customer to slow down");
        }
    }
}

#[async_trait]
impl EventHandler for Handler {
    async fn ready(&self, ctx: Context, ready: Ready) {
        tracing::info!(user = %ready.user.name, "connected to Discord");
        if let Err(e) = commands::register(&ctx).await {
            self.metrics.discord_error("commands");
            tracing::error!(error = %e, "registering the slash commands");
        }
        self.metrics.set_ready(true);
    }

    async fn thread_create(&self, _ctx: Context, thread: GuildChannel) {
        let in_forum = thread
            .parent_id
            .is_some_and(|p| self.config.channel_role(p) == Some(ChannelRole::Forum));
        if in_forum && thread.kind == ChannelType::PublicThread {
            self.forum_threads
                .lock()
                .expect("not poisoned")
                .insert(thread.id);
        }
    }

    async fn message(&self, ctx: Context, msg: Message) {
        self.on_message(&ctx, &msg).await;
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        match interaction {
            Interaction::Component(press) => self.on_press(&ctx, &press).await,
            Interaction::Command(command) => self.on_command(&ctx, &command).await,
            _ => {}
        }
    }
}

/// The engine's view of a Discord user.
pub(super) fn person(user: &User) -> Person {
    let name = user
        .global_name
        .clone()
        .unwrap_or_else(|| user.name.clone());
    Person::new(format!("{PLATFORM}:{}", user.id), name)
}
