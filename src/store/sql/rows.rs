//! Rows as the database returns them, and their conversion to the store's
//! records. The column lists live next to the row types so that a query and
//! the type it fills cannot drift apart.

use chrono::{DateTime, Utc};

use crate::domain::{
    AnswerId, Conversation, ConversationId, Feedback, Person, Reason, State, Status, ThreadRef,
    TicketId,
};
use crate::knowledge::Lang;
use crate::store::{AnswerRecord, Event, StoreError, Ticket, TicketState};

/// Columns of [`ConversationRow`].
pub const CONVERSATION_COLUMNS: &str = "id, thread, customer_id, customer_name, lang, status, \
     state, ticket_id, opened_at, last_activity_at, notice_sent_at, version";

#[derive(sqlx::FromRow)]
pub struct ConversationRow {
    id: i64,
    thread: String,
    customer_id: String,
    customer_name: String,
    lang: String,
    status: String,
    state: String,
    ticket_id: Option<i64>,
    opened_at: DateTime<Utc>,
    last_activity_at: DateTime<Utc>,
    notice_sent_at: Option<DateTime<Utc>>,
    version: i64,
}

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} `{value}`"))
}

impl TryFrom<ConversationRow> for Conversation {
    type Error = StoreError;
    fn try_from(r: ConversationRow) -> Result<Self, StoreError> {
        Ok(Conversation {
            id: ConversationId(r.id),
            thread: ThreadRef(r.thread),
            customer: Person::new(r.customer_id, r.customer_name),
            lang: r
                .lang
                .parse::<Lang>()
                .map_err(|_| corrupt("language", &r.lang))?,
            status: Status::parse(&r.status).ok_or_else(|| corrupt("status", &r.status))?,
            state: serde_json::from_str::<State>(&r.state)
                .map_err(|e| StoreError::Corrupt(format!("conversation state: {e}")))?,
            ticket: r.ticket_id.map(TicketId),
            opened_at: r.opened_at,
            last_activity_at: r.last_activity_at,
            notice_sent_at: r.notice_sent_at,
            version: r.version,
        })
    }
}

/// The state column's text.
pub fn state_json(state: &State) -> String {
    serde_json::to_string(state).expect("conversation state serialises")
}

/// Select list of [`TicketRow`]: tickets `t` joined with conversations `c`.
pub const TICKET_SELECT: &str = "SELECT t.id, t.conversation_id, c.thread, c.customer_id, \
     c.customer_name, t.reason, t.customer_wrote, t.suggested, t.state, t.claimed_by_id, \
     t.claimed_by_name, t.resolved_by_id, t.resolved_by_name, t.resolution, t.rating, \
     t.opened_at, t.waiting_since, t.first_claimed_at, t.resolved_at, t.ping_level, t.contract, t.details \
     FROM tickets t JOIN conversations c ON c.id = t.conversation_id";

#[derive(sqlx::FromRow)]
pub struct TicketRow {
    id: i64,
    conversation_id: i64,
    thread: String,
    customer_id: String,
    customer_name: String,
    reason: String,
    customer_wrote: String,
    suggested: String,
    state: String,
    claimed_by_id: Option<String>,
    claimed_by_name: Option<String>,
    resolved_by_id: Option<String>,
    resolved_by_name: Option<String>,
    resolution: Option<String>,
    rating: Option<i64>,
    opened_at: DateTime<Utc>,
    waiting_since: DateTime<Utc>,
    first_claimed_at: Option<DateTime<Utc>>,
    resolved_at: Option<DateTime<Utc>>,
    ping_level: i64,
    contract: Option<String>,
    details: Option<String>,
}

fn person(id: Option<String>, name: Option<String>) -> Option<Person> {
    let id = id?;
    let name = name.unwrap_or_else(|| id.clone());
    Some(Person::new(id, name))
}

impl TryFrom<TicketRow> for Ticket {
    type Error = StoreError;
    fn try_from(r: TicketRow) -> Result<Self, StoreError> {
        let json = |what: &str, e: serde_json::Error| StoreError::Corrupt(format!("{what}: {e}"));
        Ok(Ticket {
            id: TicketId(r.id),
            conversation: ConversationId(r.conversation_id),
            thread: ThreadRef(r.thread),
            customer: Person::new(r.customer_id, r.customer_name),
            state: TicketState::parse(&r.state).ok_or_else(|| corrupt("ticket state", &r.state))?,
            reason: Reason::parse(&r.reason).ok_or_else(|| corrupt("reason", &r.reason))?,
            customer_wrote: serde_json::from_str(&r.customer_wrote)
                .map_err(|e| json("customer_wrote", e))?,
            suggested: serde_json::from_str(&r.suggested).map_err(|e| json("suggested", e))?,
            claimed_by: person(r.claimed_by_id, r.claimed_by_name),
            resolved_by: person(r.resolved_by_id, r.resolved_by_name),
            resolution: r.resolution,
            rating: r.rating.and_then(|n| u8::try_from(n).ok()),
            opened_at: r.opened_at,
            waiting_since: r.waiting_since,
            first_claimed_at: r.first_claimed_at,
            resolved_at: r.resolved_at,
            ping_level: r.ping_level,
            contract: r
                .contract
                .as_deref()
                .map(serde_json::from_str)
                .transpose()
                .map_err(|e| json("contract", e))?,
            details: r
                .details
                .as_deref()
                .map(serde_json::from_str)
                .transpose()
                .map_err(|e| json("details", e))?
                .unwrap_or_default(),
        })
    }
}

/// Select list of [`EventRow`].
pub const EVENT_SELECT: &str =
    "SELECT id, conversation_id, ticket_id, at, actor, actor_name, kind, text FROM events";

#[derive(sqlx::FromRow)]
pub struct EventRow {
    id: i64,
    conversation_id: i64,
    ticket_id: Option<i64>,
    at: DateTime<Utc>,
    actor: String,
    actor_name: Option<String>,
    kind: String,
    text: String,
}

impl From<EventRow> for Event {
    fn from(r: EventRow) -> Self {
        Event {
            id: r.id,
            conversation: ConversationId(r.conversation_id),
            ticket: r.ticket_id.map(TicketId),
            at: r.at,
            actor: r.actor,
            actor_name: r.actor_name,
            kind: r.kind,
            text: r.text,
        }
    }
}

/// Select list of [`AnswerRow`].
pub const ANSWER_SELECT: &str = "SELECT id, conversation_id, entry_id, title, kind, via, \
     question, given_at, feedback FROM answers";

#[derive(sqlx::FromRow)]
pub struct AnswerRow {
    id: i64,
    conversation_id: i64,
    entry_id: String,
    title: String,
    kind: String,
    via: String,
    question: String,
    given_at: DateTime<Utc>,
    feedback: Option<String>,
}

impl TryFrom<AnswerRow> for AnswerRecord {
    type Error = StoreError;
    fn try_from(r: AnswerRow) -> Result<Self, StoreError> {
        let feedback = match r.feedback {
            Some(f) => Some(Feedback::parse(&f).ok_or_else(|| corrupt("feedback", &f))?),
            None => None,
        };
        Ok(AnswerRecord {
            id: AnswerId(r.id),
            conversation: ConversationId(r.conversation_id),
            entry_id: r.entry_id,
            title: r.title,
            kind: r.kind,
            via: r.via,
            question: r.question,
            given_at: r.given_at,
            feedback,
        })
    }
}
