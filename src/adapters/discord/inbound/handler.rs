//! The inbound side of the Discord adapter: serenity events become engine
//! events. A message in a support channel gets a thread (named from the
//! question) and the conversation lives there; a message in a conversation's
//! thread, a forum post, a thread a customer made in a support channel or
//! (when enabled) a DM is handed over as it is; a member of staff's message
//! in a DM ticket's relay thread goes to [`super::relay`]; bots, the bot
//! itself and channels the bot does not serve are ignored. Button
//! presses and slash commands are in [`super::press`] and [`super::commands`].
//! Each customer (not staff) is held to a flood limit, with one polite
//! notice that the engine words and the outbox delivers; messages over the
//! limit make no thread and reach no engine. Before a question in a support
//! channel gets a thread, the engine says whether it should: a customer's
//! further messages there soon after their last question join its
//! conversation instead. The configured language of a
//! support or forum channel goes with the message that starts a
//! conversation there. After every handled event the delivery loop is woken.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use chrono::Utc;
use serenity::all::{
    Channel, ChannelId, ChannelType, ConnectionStage, Context, CreateThread, EventHandler,
    GuildChannel, Interaction, Message, MessageType, Ready, ShardStageUpdateEvent,
};
use serenity::async_trait;

use super::commands;
use super::failure::{Failure, THREAD_ALREADY_CREATED};
use super::ids::{channel_of, is_staff, person, role_ids, source_key, thread_ref};
use super::interactions::Interactions;
use super::settings::{ChannelRole, DiscordConfig};
use super::thread_name::thread_name;
use crate::brain::LiveBrain;
use crate::domain::{Elsewhere, Inbound, ThreadRef};
use crate::engine::{Engine, Placement};
use crate::flood::{FloodGuard, Verdict};
use crate::intake::{Handled, Intake};
use crate::knowledge::Lang;
use crate::metrics::Metrics;
use crate::store::SqlStore;

/// How many channels [`Handler`] remembers the place of.
const THREADS_REMEMBERED: usize = 100_000;

/// How many locks share out the customers whose new questions are placed.
const PLACING_STRIPES: usize = 64;

/// The serenity event handler of the bot.
pub struct Handler {
    pub(crate) engine: Arc<Engine>,
    /// The way into the engine that survives a database outage.
    pub(crate) intake: Arc<Intake>,
    pub(crate) brain: Arc<LiveBrain>,
    pub(crate) config: Arc<DiscordConfig>,
    pub(crate) interactions: Arc<Interactions>,
    pub(crate) flood: FloodGuard<u64>,
    pub(crate) metrics: Metrics,
    pub(crate) faq_dir: PathBuf,
    pub(crate) default_lang: Lang,
    /// The store, for what the adapter keeps itself (relay threads).
    pub(crate) store: Arc<SqlStore>,
    /// The staff desk in a browser, for `/web` links.
    pub(crate) web: crate::adapters::web::WebSettings,
    /// Whether a catch-up runs (one at a time).
    pub(crate) catching_up: std::sync::atomic::AtomicBool,
    /// Channels seen: a thread in a forum or support channel → that
    /// channel; any other channel a message came from → `None`.
    served_threads: Mutex<HashMap<ChannelId, Option<ChannelId>>>,
    /// Customers' new questions in support channels are placed one at a
    /// time per customer (a customer's id picks the lock).
    placing: Vec<tokio::sync::Mutex<()>>,
}

/// What the handler needs.
pub struct HandlerParts {
    /// The engine.
    pub engine: Arc<Engine>,
    /// The way into it.
    pub intake: Arc<Intake>,
    /// The live brain, for `/faq reload` and `/faq check`.
    pub brain: Arc<LiveBrain>,
    /// The checked Discord settings.
    pub config: Arc<DiscordConfig>,
    /// Interaction tokens for private notices.
    pub interactions: Arc<Interactions>,
    /// Per-user message limit.
    pub flood: FloodGuard<u64>,
    /// Counters.
    pub metrics: Metrics,
    /// The FAQ directory, for `/faq check`.
    pub faq_dir: PathBuf,
    /// The language of entries that do not say, for `/faq check`.
    pub default_lang: Lang,
    /// The store, for what the adapter keeps itself (relay threads).
    pub store: Arc<SqlStore>,
    /// The staff desk in a browser, for `/web` links.
    pub web: crate::adapters::web::WebSettings,
}

impl Handler {
    /// A handler from its parts.
    pub fn new(parts: HandlerParts) -> Self {
        Handler {
            engine: parts.engine,
            intake: parts.intake,
            brain: parts.brain,
            config: parts.config,
            interactions: parts.interactions,
            flood: parts.flood,
            metrics: parts.metrics,
            faq_dir: parts.faq_dir,
            default_lang: parts.default_lang,
            store: parts.store,
            web: parts.web,
            served_threads: Mutex::default(),
            catching_up: std::sync::atomic::AtomicBool::new(false),
            placing: (0..PLACING_STRIPES).map(|_| Default::default()).collect(),
        }
    }

    /// Hands `event` to the engine (through the intake, which wakes the
    /// delivery loop); what became of it.
    pub(crate) async fn handle(&self, event: &Inbound) -> Handled {
        self.intake.handle(event, false).await
    }

    async fn on_message(&self, ctx: &Context, msg: &Message) {
        self.serve(ctx, msg, Arrival::Live).await;
    }

    /// Serves a message as it arrived: live, or read back by the catch-up
    /// (then it is not held to the flood limit, which is about how fast
    /// someone writes now, and it counts at the time it was written).
    pub(crate) async fn serve(&self, ctx: &Context, msg: &Message, arrival: Arrival) {
        if msg.author.bot || msg.author.id == ctx.cache.current_user().id {
            return;
        }
        // Only what people write: not Discord's notes that someone made a
        // thread, renamed one, pinned a message.
        if !matches!(msg.kind, MessageType::Regular | MessageType::InlineReply) {
            return;
        }
        let Some(place) = self.place_of(ctx, msg).await else {
            self.on_relay_message(ctx, msg).await;
            return;
        };
        let lang = place.lang();
        let staff = is_staff(msg.member.as_deref(), self.config.staff_role);
        if staff && matches!(place, Place::NewThread(..)) {
            // Staff do not start conversations as customers.
            return;
        }
        let at = match arrival {
            Arrival::Live => Utc::now(),
            Arrival::Missed => chrono::DateTime::from_timestamp(msg.timestamp.unix_timestamp(), 0)
                .unwrap_or_else(Utc::now),
        };
        if !staff && arrival == Arrival::Live {
            match self.flood.check(&msg.author.id.get()) {
                Verdict::Allow => {}
                Verdict::Notice => {
                    // The notice goes out through the outbox like every other
                    // message; the flooding message itself is dropped.
                    let event = Inbound::Flooding {
                        thread: thread_ref(msg.channel_id),
                        author: person(&msg.author),
                        lang,
                    };
                    self.handle(&event).await;
                    return;
                }
                Verdict::Drop => return,
            }
        }
        // A customer's new questions are placed one at a time, so that the
        // thread of the first exists before the next joins it.
        let _placing = match place {
            Place::NewQuestion(_) => Some(self.placing(msg.author.id.get()).lock().await),
            _ => None,
        };
        // A thread made from this message, or a forum post this message
        // opens, holds no conversation yet: while the database is away the
        // FAQ may answer it at once.
        let (thread, elsewhere, starts_thread) = match place {
            Place::NewQuestion(_) => match self.new_question(ctx, msg, at).await {
                Some((thread, elsewhere)) => {
                    let starts = elsewhere.is_none();
                    (thread, elsewhere, starts)
                }
                None => return,
            },
            Place::NewThread(thread, _) => (thread, None, msg.channel_id.get() == msg.id.get()),
            Place::Conversation(thread, _) => (thread, None, false),
        };
        let event = Inbound::Message {
            source: source_key(msg.id),
            thread,
            author: person(&msg.author),
            text: msg.content.clone(),
            attachments: msg.attachments.iter().map(|a| a.url.clone()).collect(),
            lang,
            elsewhere,
            roles: role_ids(msg.member.as_deref()),
        };
        self.intake.handle_at(&event, at, starts_thread).await;
    }

    /// The lock that places one customer's new questions one at a time.
    fn placing(&self, user: u64) -> &tokio::sync::Mutex<()> {
        let stripe = usize::try_from(user % PLACING_STRIPES as u64).unwrap_or_default();
        &self.placing[stripe]
    }

    /// Where a new question in a support channel goes, as the engine
    /// decides: a thread of its own (made here), or the customer's question
    /// opened there moments ago. `None` if the thread could not be made.
    async fn new_question(
        &self,
        ctx: &Context,
        msg: &Message,
        at: chrono::DateTime<Utc>,
    ) -> Option<(ThreadRef, Option<Elsewhere>)> {
        let here = thread_ref(msg.channel_id);
        let customer = person(&msg.author);
        // On Discord a thread made from a message has the message's id.
        let would_be = thread_ref(ChannelId::new(msg.id.get()));
        // While the database is away nothing can be placed: a thread of its
        // own, answered from the FAQ if it can be (see `intake`).
        let placed = if self.intake.is_down() {
            Ok(Placement::NewThread)
        } else {
            self.engine
                .place_question(&here, &customer, &would_be, at)
                .await
        };
        match placed {
            Ok(Placement::Join(thread)) => {
                let link =
                    channel_of(&thread).map_or_else(|_| thread.to_string(), |c| format!("<#{c}>"));
                return Some((thread, Some(Elsewhere { place: here, link })));
            }
            Ok(Placement::NewThread) => {}
            // Without the store the engine cannot handle the message either;
            // the thread is made as before, for when it can.
            Err(e) => {
                if e.is_unavailable() {
                    self.intake.database_unreachable();
                }
                tracing::warn!(error = %e, "placing a new question");
            }
        }
        let made = self.open_thread(ctx, msg).await;
        if made.is_none()
            && let Err(e) = self
                .engine
                .question_not_opened(&here, &customer, &would_be)
                .await
        {
            tracing::warn!(error = %e, "forgetting a thread that was not made");
        }
        made.map(|thread| (thread, None))
    }

    /// Where a message belongs, or `None` if the bot does not serve the
    /// channel it was written in. Makes no thread, and calls Discord only
    /// for the first message from a channel it has not seen before.
    async fn place_of(&self, ctx: &Context, msg: &Message) -> Option<Place> {
        let here = thread_ref(msg.channel_id);
        if msg.guild_id.is_none() {
            return self.config.dms.then_some(Place::Conversation(here, None));
        }
        match self.config.channel_role(msg.channel_id) {
            Some(ChannelRole::Support) => {
                return Some(Place::NewQuestion(self.config.lang_of(msg.channel_id)));
            }
            // A forum channel has no messages of its own, only posts (threads).
            Some(ChannelRole::Forum) => return None,
            None => {}
        }
        // While the database is away the thread's place is asked of Discord
        // (the message waits in the intake either way).
        let known = if self.intake.is_down() {
            Ok(None)
        } else {
            self.engine.queries().conversation_by_thread(&here).await
        };
        match known {
            Ok(Some(_)) => return Some(Place::Conversation(here, None)),
            Ok(None) => {}
            // The database is away: the thread's place is asked of Discord,
            // and the message waits for the database in the intake.
            Err(e) if e.is_unavailable() => self.intake.database_unreachable(),
            Err(e) => {
                tracing::error!(error = %e, "reading the conversation of a thread");
                return None;
            }
        }
        let parent = self.parent_of_thread(ctx, msg).await?;
        Some(Place::NewThread(here, self.config.lang_of(parent)))
    }

    /// The served channel a message's thread is in: a forum (the thread is
    /// a post) or a support channel (a thread a customer made there).
    /// serenity runs the handlers of THREAD_CREATE and of the thread's first
    /// message concurrently, and a THREAD_CREATE sent while the bot was
    /// reconnecting is never seen: a channel not known yet is looked up on
    /// Discord once, and the answer (also "not a served thread") kept.
    async fn parent_of_thread(&self, ctx: &Context, msg: &Message) -> Option<ChannelId> {
        let known = self
            .served_threads
            .lock()
            .expect("not poisoned")
            .get(&msg.channel_id)
            .copied();
        if let Some(known) = known {
            return known;
        }
        let parent = match ctx.http.get_channel(msg.channel_id).await {
            Ok(Channel::Guild(thread)) if thread.kind == ChannelType::PublicThread => thread
                .parent_id
                .filter(|p| self.config.channel_role(*p).is_some()),
            Ok(_) => None,
            Err(e) => {
                self.metrics.discord_error("channel");
                tracing::warn!(error = %e, "looking up the thread a message is in");
                // Not remembered: the next message asks again.
                return None;
            }
        };
        self.remember_thread(msg.channel_id, parent);
        parent
    }

    /// Remembers the served channel `thread` is in (`None`: it is not a
    /// thread of a served channel). The memory is emptied when it holds
    /// [`THREADS_REMEMBERED`] channels, so it cannot grow without end.
    fn remember_thread(&self, thread: ChannelId, parent: Option<ChannelId>) {
        let mut threads = self.served_threads.lock().expect("not poisoned");
        if threads.len() >= THREADS_REMEMBERED {
            threads.clear();
        }
        threads.insert(thread, parent);
    }

    /// The served channel the thread `channel` is in, from what the
    /// handler saw.
    pub(crate) fn known_thread_parent(&self, channel: ChannelId) -> Option<ChannelId> {
        self.served_threads
            .lock()
            .expect("not poisoned")
            .get(&channel)
            .copied()
            .flatten()
    }

    /// Starts the thread of a question in a support channel. On Discord a
    /// thread made from a message has the message's id, so a message seen
    /// twice (a re-sent MESSAGE_CREATE) finds its thread again: Discord
    /// refuses the second thread, and the engine knows the message already.
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
}

/// How a message reached the handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Arrival {
    /// As it was written (MESSAGE_CREATE).
    Live,
    /// Read back after the bot was away.
    Missed,
}

/// Where a served message goes.
enum Place {
    /// A new question in a support channel (of this language): it gets a
    /// thread of its own.
    NewQuestion(Option<Lang>),
    /// A conversation's thread or a DM.
    Conversation(ThreadRef, Option<Lang>),
    /// A forum post or a thread someone made in a support channel that is
    /// not a conversation yet (in that channel's language).
    NewThread(ThreadRef, Option<Lang>),
}

impl Place {
    /// The configured language of the place.
    fn lang(&self) -> Option<Lang> {
        match self {
            Place::NewQuestion(lang) | Place::Conversation(_, lang) | Place::NewThread(_, lang) => {
                *lang
            }
        }
    }
}

#[async_trait]
impl EventHandler for Handler {
    async fn ready(&self, ctx: Context, ready: Ready) {
        let ready_at = Utc::now();
        tracing::info!(user = %ready.user.name, "connected to Discord");
        if let Err(e) = commands::register(&ctx).await {
            self.metrics.discord_error("commands");
            tracing::error!(error = %e, "registering the slash commands");
        }
        self.metrics.set_ready(true);
        self.catch_up(&ctx, ready_at).await;
    }

    /// Remembers a new thread in a forum or support channel: a forum post,
    /// a thread a customer made in a support channel (or one the bot made,
    /// which its conversation finds first).
    async fn thread_create(&self, _ctx: Context, thread: GuildChannel) {
        let parent = thread
            .parent_id
            .filter(|p| self.config.channel_role(*p).is_some());
        if let (ChannelType::PublicThread, Some(parent)) = (thread.kind, parent) {
            self.remember_thread(thread.id, Some(parent));
        }
    }

    /// `/healthz` says `ok` only while the gateway is connected: after a
    /// lost connection it reports the outage until the session is back.
    async fn shard_stage_update(&self, _ctx: Context, event: ShardStageUpdateEvent) {
        let connected = event.new == ConnectionStage::Connected;
        if !connected && event.old == ConnectionStage::Connected {
            tracing::warn!(stage = ?event.new, "lost the connection to Discord's gateway");
        }
        self.metrics.set_ready(connected);
    }

    async fn message(&self, ctx: Context, msg: Message) {
        self.on_message(&ctx, &msg).await;
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        match interaction {
            Interaction::Component(press) => self.on_press(&ctx, &press).await,
            Interaction::Modal(form) => self.on_form(&ctx, &form).await,
            Interaction::Command(command) => self.on_command(&ctx, &command).await,
            _ => {}
        }
    }
}
