//! What the store keeps and hands back: new rows the engine asks for and the
//! records it reads. Plain data; the SQL lives in `sql`.

use chrono::{DateTime, Utc};

use crate::domain::{
    Action, AnswerId, ConversationId, Detail, Feedback, OutboxId, Person, Reason, SourceKey,
    Suggested, ThreadRef, Ticket, TicketId, UserId,
};
use crate::knowledge::{ContractTerms, Kind, Lang};

/// A conversation to start.
#[derive(Debug, Clone)]
pub struct NewConversation {
    /// Its thread.
    pub thread: ThreadRef,
    /// Who started it.
    pub customer: Person,
    /// The language to speak.
    pub lang: Lang,
    /// When.
    pub at: DateTime<Utc>,
}

/// Who did something in a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActorKind {
    /// The customer.
    Customer,
    /// Someone else writing in the customer's thread.
    Other,
    /// The bot.
    Bot,
    /// A member of staff.
    Staff,
    /// The clock (pings, notices, closing).
    System,
}

impl ActorKind {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            ActorKind::Customer => "customer",
            ActorKind::Other => "other",
            ActorKind::Bot => "bot",
            ActorKind::Staff => "staff",
            ActorKind::System => "system",
        }
    }
}

/// One line of the transcript and audit log, to be written.
#[derive(Debug, Clone)]
pub struct NewEvent {
    /// The conversation.
    pub conversation: ConversationId,
    /// The ticket it concerns, if any.
    pub ticket: Option<TicketId>,
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub actor: ActorKind,
    /// Their identity (none for the bot and the clock).
    pub person: Option<Person>,
    /// What happened (`message`, `answer`, `claimed`, ...).
    pub kind: &'static str,
    /// The words, if any.
    pub text: String,
    /// The inbound event it records; each source is kept once.
    pub source: Option<SourceKey>,
}

/// One line of the transcript and audit log, as read.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Its number.
    pub id: i64,
    /// The conversation.
    pub conversation: ConversationId,
    /// The ticket it concerns, if any.
    pub ticket: Option<TicketId>,
    /// When.
    pub at: DateTime<Utc>,
    /// `customer`, `bot`, `staff` or `system`.
    pub actor: String,
    /// Their name, if a person.
    pub actor_name: Option<String>,
    /// What happened.
    pub kind: String,
    /// The words.
    pub text: String,
}

/// How an answer came to be given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// Triage chose it for a message.
    Triage,
    /// The customer picked it from *did you mean*.
    Choice,
    /// It was the next candidate after *Not what I asked*.
    Next,
}

impl Via {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Via::Triage => "triage",
            Via::Choice => "choice",
            Via::Next => "next",
        }
    }
}

/// An answer the bot gives, to be logged.
#[derive(Debug, Clone)]
pub struct NewAnswer {
    /// The conversation.
    pub conversation: ConversationId,
    /// The entry.
    pub entry_id: String,
    /// Its title.
    pub title: String,
    /// FAQ answer or documented fix.
    pub kind: Kind,
    /// How it was chosen.
    pub via: Via,
    /// The customer's words it answers.
    pub question: String,
    /// Triage's confidence.
    pub confidence: f32,
    /// The customer's language.
    pub lang: Lang,
    /// When.
    pub at: DateTime<Utc>,
}

/// An answer given, with the feedback on it.
#[derive(Debug, Clone, PartialEq)]
pub struct AnswerRecord {
    /// Its number.
    pub id: AnswerId,
    /// The conversation.
    pub conversation: ConversationId,
    /// The entry.
    pub entry_id: String,
    /// Its title.
    pub title: String,
    /// `faq` or `fix`.
    pub kind: String,
    /// `triage`, `choice` or `next`.
    pub via: String,
    /// The customer's words it answered.
    pub question: String,
    /// When.
    pub given_at: DateTime<Utc>,
    /// What the customer said to it.
    pub feedback: Option<Feedback>,
}

/// A ticket to open.
#[derive(Debug, Clone)]
pub struct NewTicket {
    /// The conversation.
    pub conversation: ConversationId,
    /// The inbound event that escalated; one ticket per source.
    pub source: SourceKey,
    /// Why.
    pub reason: Reason,
    /// What the customer wrote about the problem, oldest first.
    pub customer_wrote: Vec<String>,
    /// What the bot suggested.
    pub suggested: Vec<Suggested>,
    /// The customer's maintenance contract, if any.
    pub contract: Option<ContractTerms>,
    /// The details staff need, as the customer gave them.
    pub details: Vec<Detail>,
    /// When.
    pub at: DateTime<Utc>,
}

/// What opening a ticket did.
#[derive(Debug, Clone, PartialEq)]
pub enum Opened {
    /// A new ticket.
    New(Box<Ticket>),
    /// The source already had one, or the conversation has an open one.
    Existing(Box<Ticket>),
}

/// What a claim did.
#[derive(Debug, Clone, PartialEq)]
pub enum Claim {
    /// The claimer has it now.
    Won(Box<Ticket>),
    /// Someone had it already.
    AlreadyClaimed {
        /// Who.
        by: Person,
    },
    /// It is resolved.
    Resolved,
    /// There is no such ticket.
    Missing,
}

/// What a conditional change of a ticket did.
#[derive(Debug, Clone, PartialEq)]
pub enum Guarded {
    /// Changed; the ticket as it is now.
    Done(Box<Ticket>),
    /// Not allowed now; the ticket as it is.
    Refused(Box<Ticket>),
    /// There is no such ticket.
    Missing,
}

/// An unclaimed ticket due for a reminder.
#[derive(Debug, Clone, PartialEq)]
pub struct DuePing {
    /// The ticket.
    pub ticket: TicketId,
    /// Its conversation.
    pub conversation: ConversationId,
    /// The reminder it is due for (1 normal, 2 loud).
    pub level: i64,
}

/// An outbox row taken for delivery.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxItem {
    /// Its number.
    pub id: OutboxId,
    /// The action.
    pub action: Action,
    /// How many times it was taken, this one included.
    pub attempts: i64,
}

/// Which outbox rows a transport delivers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every row (the Discord adapter).
    All,
    /// Rows for these routes only (`Route::key`), e.g. one console session.
    Routes(Vec<String>),
}

/// A delivery worker's hold on an outbox row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// Until when no other worker takes the row.
    pub until: DateTime<Utc>,
    /// Who holds it: a name that stays the same when the process restarts
    /// (see `RunSettings::instance`), so the restarted process can take its
    /// rows back at once.
    pub holder: String,
}

/// How a delivery attempt ended, for the outbox.
#[derive(Debug, Clone, PartialEq)]
pub enum Finish {
    /// Delivered; never again.
    Delivered,
    /// Failed; try again at this time.
    RetryAt(DateTime<Utc>, String),
    /// Failed for good.
    GiveUp(String),
}

/// A customer's new question in a place, about to get a thread of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOpening {
    /// The place (a support channel).
    pub place: ThreadRef,
    /// The customer.
    pub customer: UserId,
    /// The thread the question would open.
    pub thread: ThreadRef,
    /// When.
    pub at: DateTime<Utc>,
}
