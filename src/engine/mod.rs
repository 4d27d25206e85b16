//! The engine: the conversation rules, transport-agnostic and deterministic.
//! It takes an inbound event ([`Inbound`]) with the current time and returns
//! the [`Action`]s to carry out, after writing them to the outbox together
//! with the state change that caused them. It never reads the clock, knows
//! no platform, and sees the database only through [`Store`].
//!
//! The flow (see ARCHITECTURE.md, "The life of one message"):
//! - a message about a maintenance window or outage that holds gets the
//!   notice first, with *Talk to a human* (no ticket unless they insist);
//! - a message is triaged with the conversation so far: a documented fix
//!   (*Fixed it* / *Still broken*), an FAQ answer (*Solved* /
//!   *Not what I asked* / *Talk to a human*), *did you mean*, or a ticket;
//!   greetings and thanks ask for the problem instead, empty and huge
//!   messages are refused politely;
//! - *Not what I asked* shows the next candidate; *Still broken*,
//!   *Talk to a human* and no match open a ticket carrying the transcript
//!   and what the bot already suggested;
//! - staff claim (one owner), unclaim, note, reply, resolve (then the
//!   customer rates 1–5) and reopen;
//! - ticks remind staff of unclaimed tickets, twice, and close quiet
//!   conversations after a notice.
//!
//! Files: `clean` (control characters out of inbound text), `message`
//! (customer messages), `notices` (notices told, linked, published by
//! staff), `press` (buttons), `escalate`
//! (tickets and cards), `staff`, `timers`, `turn` (one transaction),
//! `phrases` (the bot's words), `small_talk`, `question` (one open
//! question per customer in a support channel).

mod clean;
mod contracts;
mod details;
mod escalate;
mod human;
mod message;
mod notices;
mod offline;
pub mod phrases;
mod press;
mod queries;
mod question;
pub mod small_talk;
mod staff;
mod timers;
mod turn;

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use escalate::Asked;
use message::Said;
pub use message::with_links;
use serde::{Deserialize, Serialize};

// The domain's nouns, re-exported: they are the engine's vocabulary too.
pub use crate::domain::{
    Action, AnswerId, Awaiting, Button, Card, CardStatus, Conversation, ConversationId, Decided,
    Detail, Elsewhere, Feedback, Inbound, NewNotice, NoticeCommand, Offer, Offered, OutboxId,
    Person, PingLevel, Pressed, Rating, Reason, Refusal, Route, Ruling, Source, SourceKey,
    StaffButton, StaffCommand, State, Status, Suggested, ThreadRef, TicketId, UserId,
};
pub use escalate::card;
pub use offline::Offline;
pub use queries::Queries;
pub use question::Placement;
pub use staff::Relayed;

use arc_swap::ArcSwap;

use crate::brain::LiveBrain;
use crate::ranking::feedback::{FeedbackPrior, FeedbackSettings};
use crate::store::{Store, StoreError};

/// How often a change that lost a race with another instance is retried.
const ATTEMPTS: usize = 5;

/// The engine's settings: timers, the staff role, message limits.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EngineSettings {
    /// An unclaimed ticket pings the staff role after this many minutes.
    pub ping_after_minutes: u64,
    /// ... and again, louder, after this many.
    pub loud_ping_after_minutes: u64,
    /// A quiet conversation gets a notice after this many hours.
    pub notice_after_hours: u64,
    /// ... and is closed this many hours after the notice.
    pub close_after_notice_hours: u64,
    /// The staff role pinged for unclaimed tickets.
    pub staff_role: String,
    /// Longer customer messages are refused.
    pub max_message_chars: usize,
    /// A customer's further messages in a support channel within this many
    /// seconds of opening a thread there join that conversation instead of
    /// opening another (0: every message opens a thread).
    pub new_thread_cooldown_secs: u64,
}

impl Default for EngineSettings {
    fn default() -> Self {
        EngineSettings {
            ping_after_minutes: 15,
            loud_ping_after_minutes: 60,
            notice_after_hours: 24,
            close_after_notice_hours: 24,
            staff_role: "support".to_string(),
            max_message_chars: 4000,
            new_thread_cooldown_secs: 120,
        }
    }
}

impl EngineSettings {
    /// How long a ticket without a contract may wait for a claim before it
    /// is overdue: until the loud reminder.
    pub fn default_response(&self) -> Duration {
        Self::minutes(self.loud_ping_after_minutes)
    }

    fn minutes(n: u64) -> Duration {
        Duration::minutes(i64::try_from(n).unwrap_or(i64::MAX / 60_000))
    }
    fn hours(n: u64) -> Duration {
        Duration::hours(i64::try_from(n).unwrap_or(i64::MAX / 3_600_000))
    }
}

/// The engine failed to handle an event.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Other instances kept changing the conversation.
    #[error("gave up after {ATTEMPTS} attempts: the conversation kept changing")]
    Contended,
}

impl EngineError {
    /// Whether the database could not be reached: the event can be handled
    /// again when it is back.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, EngineError::Store(e) if e.is_unavailable())
    }

    /// Whether the event's change may have been saved all the same (its
    /// commit was cut off); see [`StoreError::is_commit_uncertain`].
    pub fn is_uncertain(&self) -> bool {
        matches!(self, EngineError::Store(e) if e.is_commit_uncertain())
    }
}

/// The conversation rules, with the brain to triage and the store to remember.
pub struct Engine {
    brain: Arc<LiveBrain>,
    store: Arc<dyn Store>,
    settings: EngineSettings,
    feedback_settings: FeedbackSettings,
    /// Customers' feedback per entry as a mild ranking prior, read from the
    /// store on every tick.
    prior: ArcSwap<FeedbackPrior>,
    /// Answers given while the database was unreachable, until their events
    /// are handled.
    offline_given: offline::Given,
    /// Every notice as last read (published ones from the store, merged
    /// with the files'): what answers while the database is away.
    known_notices: arc_swap::ArcSwapOption<Vec<crate::knowledge::Notice>>,
}

impl Engine {
    /// An engine answering from `brain`, remembering in `store`.
    pub fn new(brain: Arc<LiveBrain>, store: Arc<dyn Store>, settings: EngineSettings) -> Self {
        Engine {
            brain,
            store,
            settings,
            feedback_settings: FeedbackSettings::default(),
            prior: ArcSwap::from_pointee(FeedbackPrior::default()),
            offline_given: offline::Given::default(),
            known_notices: arc_swap::ArcSwapOption::empty(),
        }
    }

    /// The settings it runs with.
    pub fn settings(&self) -> &EngineSettings {
        &self.settings
    }

    /// Sets how much customers' feedback may move scores (default: ±5 %).
    pub fn with_feedback_settings(mut self, settings: FeedbackSettings) -> Self {
        self.feedback_settings = settings;
        self
    }

    /// Reads customers' feedback from the store into the ranking prior.
    /// Ticks do this; call it at start-up to use the feedback at once.
    pub async fn refresh_feedback(&self) -> Result<(), StoreError> {
        let counts = self.store.entry_feedback().await?;
        let prior = FeedbackPrior::new(counts, self.feedback_settings.clone());
        self.prior.store(Arc::new(prior));
        Ok(())
    }

    /// Handles `event` at time `now`: decides, writes the state change and
    /// the actions atomically, and returns the actions. A repeated event
    /// (same source) returns no actions. The texts the event carries lose
    /// their control characters first ([`Inbound::cleaned`]).
    pub async fn handle(
        &self,
        event: &Inbound,
        now: DateTime<Utc>,
    ) -> Result<Vec<Action>, EngineError> {
        Ok(self.decide(event, now).await?.actions)
    }

    /// [`Engine::handle`], also saying whether the event acted or was
    /// refused and why ([`Decided`]): what an adapter needs to show the
    /// outcome (take the buttons off a pressed message) without deciding it.
    pub async fn decide(
        &self,
        event: &Inbound,
        now: DateTime<Utc>,
    ) -> Result<Decided, EngineError> {
        use tracing::Instrument as _;
        let span = tracing::debug_span!("event", kind = event_kind(event));
        let event = event.cleaned();
        self.handle_with_retries(&event, now).instrument(span).await
    }

    async fn handle_with_retries(
        &self,
        event: &Inbound,
        now: DateTime<Utc>,
    ) -> Result<Decided, EngineError> {
        for _ in 0..ATTEMPTS {
            let outcome = match event {
                Inbound::Message {
                    source,
                    thread,
                    author,
                    text,
                    attachments,
                    lang,
                    elsewhere,
                    roles,
                } => {
                    let said = Said {
                        text,
                        attachments,
                        elsewhere: elsewhere.as_ref(),
                        roles: roles.as_deref(),
                    };
                    self.on_message(source, thread, author, said, *lang, now)
                        .await
                }
                Inbound::Ticket {
                    source,
                    thread,
                    by,
                    summary,
                    lang,
                    roles,
                } => {
                    let asked = Asked {
                        summary: summary.as_deref(),
                        roles: roles.as_deref(),
                    };
                    self.on_ticket(source, thread, by, asked, *lang, now).await
                }
                Inbound::Flooding { thread, lang, .. } => {
                    self.on_flooding(thread, *lang, now).await
                }
                Inbound::Press {
                    source,
                    thread,
                    by,
                    button,
                    offer,
                } => {
                    self.on_press(source, thread, by, (button, *offer), now)
                        .await
                }
                Inbound::Details {
                    source,
                    thread,
                    by,
                    details,
                    offer,
                } => {
                    self.on_details(source, thread, by, (details, *offer), now)
                        .await
                }
                Inbound::Staff {
                    source,
                    ticket,
                    staff,
                    command,
                } => self.on_staff(source, *ticket, staff, command, now).await,
                Inbound::Tick => self.on_tick(now).await,
            };
            match outcome {
                Err(StoreError::Conflict) => {
                    tracing::debug!("lost a race; handling the event again");
                    continue;
                }
                Ok(outcome) => {
                    if let Inbound::Message { source, .. } = event {
                        self.offline_given.forget(source);
                    }
                    return Ok(outcome);
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(EngineError::Contended)
    }
}

fn event_kind(event: &Inbound) -> &'static str {
    match event {
        Inbound::Message { .. } => "message",
        Inbound::Ticket { .. } => "ticket",
        Inbound::Flooding { .. } => "flooding",
        Inbound::Press { .. } => "press",
        Inbound::Details { .. } => "details",
        Inbound::Staff { .. } => "staff",
        Inbound::Tick => "tick",
    }
}
