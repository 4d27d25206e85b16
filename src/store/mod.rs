//! The store: all state that must survive a restart or be shared between
//! instances — conversations, their events (transcript and audit log),
//! tickets, every answer given with its feedback, the notices staff
//! published, and the outbox of actions not yet delivered.
//!
//! The engine sees it through two small traits: [`Store`] for reads and the
//! outbox, [`Tx`] for one atomic change. Everything two instances could race
//! on is settled inside the database: each inbound event is recorded once
//! (unique source key), a ticket is opened once per source and once per
//! conversation (unique keys), a claim is a conditional update, a
//! conversation is saved only over the version it was read at, a customer's
//! new question in a place is claimed once (an upsert), and outbox
//! rows are taken with `FOR UPDATE SKIP LOCKED` on PostgreSQL. Actions are
//! enqueued in the same transaction as the change that caused them.
//!
//! [`SqlStore`] implements both on SQLite (the default, one file) and
//! PostgreSQL (several instances).

mod records;
mod sql;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::knowledge::Notice;
use crate::ranking::feedback::EntryFeedback;

pub use records::*;
// The domain's ticket, re-exported: the store is where it is read.
pub use crate::domain::{Ticket, TicketState};
pub use sql::{Found, GivenAnswer, Listed, Posted, SqlStore, WebSession, WebStaff};

use crate::domain::{
    Action, AnswerId, Conversation, ConversationId, Feedback, OutboxId, Person, Rating, SourceKey,
    ThreadRef, TicketId, UserId,
};

/// Something went wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The conversation changed since it was read; read it again and retry.
    #[error("the conversation changed concurrently")]
    Conflict,
    /// The database failed.
    #[error("database error")]
    Database(#[from] sqlx::Error),
    /// The connection failed while a change was being committed: it may
    /// or may not be saved.
    #[error("the database went away during a commit; the change may be saved")]
    CommitUncertain(#[source] sqlx::Error),
    /// The schema could not be brought up to date.
    #[error("running database migrations")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A stored value could not be read back.
    #[error("unreadable value in the database: {0}")]
    Corrupt(String),
    /// The database URL names no supported database (the URL's scheme).
    #[error("unsupported database URL scheme `{0}` (expected sqlite:… or postgres://…)")]
    UnsupportedUrl(String),
    /// The directory a SQLite database was to be created in does not exist.
    #[error("the directory {} for the SQLite database does not exist", .0.display())]
    NoDirectory(std::path::PathBuf),
    /// A SQLite URL with no file in it (`sqlite://`).
    #[error("the SQLite URL `{0}` names no database file (e.g. sqlite://frontline.db)")]
    NoFile(String),
}

impl StoreError {
    /// Whether the database could not be reached (connection refused or
    /// lost, pool timed out, the server shutting down), as opposed to a
    /// statement that failed on a database that answers. Work that failed
    /// this way can be done again when the database is back.
    pub fn is_unavailable(&self) -> bool {
        let (StoreError::Database(e) | StoreError::CommitUncertain(e)) = self else {
            return false;
        };
        Self::is_unavailable_error(e)
    }

    /// Whether a commit was cut off, so the change may or may not be saved.
    pub fn is_commit_uncertain(&self) -> bool {
        matches!(self, StoreError::CommitUncertain(_))
    }

    /// Whether `e` says the database could not be reached; see
    /// [`StoreError::is_unavailable`].
    pub(crate) fn is_unavailable_error(e: &sqlx::Error) -> bool {
        match e {
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::Protocol(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed => true,
            // SQLSTATE class 08 (connection exception), 57P01–57P03 (admin
            // or crash shutdown, cannot connect now), 53300 (too many connections).
            sqlx::Error::Database(db) => db.code().is_some_and(|code| {
                code.starts_with("08") || matches!(&*code, "57P01" | "57P02" | "57P03" | "53300")
            }),
            _ => false,
        }
    }
}

/// Reads, the outbox, and the start of atomic changes.
#[async_trait]
pub trait Store: Send + Sync {
    /// Starts an atomic change.
    async fn begin(&self) -> Result<Box<dyn Tx>, StoreError>;

    /// The conversation in `thread`.
    async fn conversation_by_thread(
        &self,
        thread: &ThreadRef,
    ) -> Result<Option<Conversation>, StoreError>;
    /// Conversation `id`.
    async fn conversation(&self, id: ConversationId) -> Result<Option<Conversation>, StoreError>;
    /// Ticket `id`.
    async fn ticket(&self, id: TicketId) -> Result<Option<Ticket>, StoreError>;
    /// Tickets, newest first; only those in `states` unless it is empty.
    async fn tickets(&self, states: &[TicketState]) -> Result<Vec<Ticket>, StoreError>;
    /// The newest ticket of the conversation in `thread`, if any.
    async fn latest_ticket_of(&self, thread: &ThreadRef) -> Result<Option<Ticket>, StoreError>;
    /// A conversation's transcript and audit log, oldest first.
    async fn events(&self, conversation: ConversationId) -> Result<Vec<Event>, StoreError>;
    /// Every answer given, oldest first.
    async fn answers(&self) -> Result<Vec<AnswerRecord>, StoreError>;
    /// Customers' feedback per entry id: distinct customers who marked an
    /// answer from it *Solved* / *Fixed it*, and who said *Not what I asked*.
    async fn entry_feedback(&self) -> Result<Vec<(String, EntryFeedback)>, StoreError>;

    /// Unclaimed tickets due at `now` for a first reminder or a loud one,
    /// by [`Ticket::reminders`]: after `first` and `loud` of waiting, or
    /// sooner where their contract promises a short response.
    async fn due_pings(
        &self,
        now: DateTime<Utc>,
        first: chrono::Duration,
        loud: chrono::Duration,
    ) -> Result<Vec<DuePing>, StoreError>;
    /// Open conversations without an open ticket that are quiet since
    /// `notice_before` (and were not told yet) or were told before `close_before`.
    async fn quiet_conversations(
        &self,
        notice_before: DateTime<Utc>,
        close_before: DateTime<Utc>,
    ) -> Result<Vec<Conversation>, StoreError>;

    /// Takes the oldest deliverable outbox row in `scope` under a lease held
    /// by `lease.holder` (another worker will not take it before
    /// `lease.until`). A row is deliverable when it is due and every older
    /// row of its route is delivered.
    async fn take_action(
        &self,
        scope: &Scope,
        now: DateTime<Utc>,
        lease: &Lease,
    ) -> Result<Option<OutboxItem>, StoreError>;
    /// Extends the lease on row `id` while its delivery takes long; `false`
    /// if the row is no longer leased by `lease.holder` (delivered, or taken
    /// by another worker after the lease ran out).
    async fn renew_lease(&self, id: OutboxId, lease: &Lease) -> Result<bool, StoreError>;
    /// Frees every pending row leased by `instance` or one of its workers
    /// (holders named `instance/…`): a restarted process takes back what it
    /// held when it stopped. Returns how many were freed.
    async fn release_leases(&self, instance: &str) -> Result<u64, StoreError>;
    /// Records how delivering row `id`, taken as its attempt number
    /// `attempt` ([`OutboxItem::attempts`]), ended; `false`, changing
    /// nothing, if the row was taken again since (its lease ran out and
    /// another worker has it now: that one's outcome counts).
    async fn finish_action(
        &self,
        id: OutboxId,
        attempt: i64,
        finish: Finish,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// How many outbox rows in `scope` are neither delivered nor given up.
    async fn pending_actions(&self, scope: &Scope) -> Result<i64, StoreError>;
    /// The numeric id of the inbound event from `platform` recorded last
    /// among those that happened before `before` (on Discord, ids grow with
    /// time: about the newest message handled before then).
    async fn newest_source(
        &self,
        platform: &str,
        before: DateTime<Utc>,
    ) -> Result<Option<u64>, StoreError>;
    /// Whether an inbound event from `source` was recorded (handled) before.
    async fn recorded(&self, source: &SourceKey) -> Result<bool, StoreError>;
    /// The threads of open conversations active since `since`, most recent
    /// first, at most `limit`: where a bot that was away looks for what it missed.
    async fn open_threads(
        &self,
        since: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<ThreadRef>, StoreError>;
    /// Whether the database answers (one trivial query).
    async fn ping(&self) -> Result<(), StoreError>;
    /// Every notice staff published (planned, active and ended), by start.
    async fn notices(&self) -> Result<Vec<Notice>, StoreError>;

    /// Claims the customer's new question in a place for `opening.thread`,
    /// unless they opened one there at or after `since`; returns the thread
    /// that holds the claim (`opening.thread` when it won, or when it held
    /// it already). Atomic: of questions claimed at the same moment, one wins.
    async fn open_question(
        &self,
        opening: &NewOpening,
        since: DateTime<Utc>,
    ) -> Result<ThreadRef, StoreError>;
    /// Gives up the claim of `thread` on `customer`'s questions in `place`
    /// (its thread could not be made).
    async fn forget_question(
        &self,
        place: &ThreadRef,
        customer: &UserId,
        thread: &ThreadRef,
    ) -> Result<(), StoreError>;
}

/// One atomic change. Dropped without [`Tx::commit`], nothing happened.
#[async_trait]
pub trait Tx: Send {
    /// Records an event; `false` if its source was recorded before (the
    /// inbound event is a repeat and must not be handled again).
    async fn record_event(&mut self, event: &NewEvent) -> Result<bool, StoreError>;
    /// Starts the conversation of a thread, or returns the one it has.
    async fn create_conversation(
        &mut self,
        new: &NewConversation,
    ) -> Result<Conversation, StoreError>;
    /// Saves a conversation over the version it was read at;
    /// [`StoreError::Conflict`] if it changed meanwhile.
    async fn save_conversation(&mut self, conversation: &Conversation) -> Result<(), StoreError>;
    /// Logs an answer given.
    async fn record_answer(&mut self, answer: &NewAnswer) -> Result<AnswerId, StoreError>;
    /// Records the customer's feedback on an answer.
    async fn record_feedback(
        &mut self,
        answer: AnswerId,
        feedback: Feedback,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Opens a ticket, unless its source or its conversation already has one.
    async fn open_ticket(&mut self, new: &NewTicket) -> Result<Opened, StoreError>;
    /// Claims an open ticket for `staff`; exactly one claimer wins.
    async fn claim(
        &mut self,
        ticket: TicketId,
        staff: &Person,
        at: DateTime<Utc>,
    ) -> Result<Claim, StoreError>;
    /// Gives a ticket claimed by `staff` back to the queue.
    async fn unclaim(
        &mut self,
        ticket: TicketId,
        staff: &Person,
        at: DateTime<Utc>,
    ) -> Result<Guarded, StoreError>;
    /// Resolves a ticket that is unclaimed or claimed by `staff`.
    async fn resolve(
        &mut self,
        ticket: TicketId,
        staff: &Person,
        note: &str,
        at: DateTime<Utc>,
    ) -> Result<Guarded, StoreError>;
    /// Opens a resolved ticket again, if its conversation has no other open ticket.
    async fn reopen(&mut self, ticket: TicketId, at: DateTime<Utc>) -> Result<Guarded, StoreError>;
    /// Records the customer's rating of a resolved ticket, once.
    async fn rate(&mut self, ticket: TicketId, rating: Rating) -> Result<bool, StoreError>;
    /// Raises an unclaimed ticket's reminder level to `level`; `false` if it
    /// is claimed, resolved or already reminded (another instance did it).
    async fn mark_pinged(&mut self, ticket: TicketId, level: i64) -> Result<bool, StoreError>;
    /// Publishes `notice`, replacing a published one with the same id.
    async fn publish_notice(&mut self, notice: &Notice) -> Result<(), StoreError>;
    /// Ends published notice `id` at `at`; `false` if there is none or it
    /// ended already.
    async fn end_notice(&mut self, id: &str, at: DateTime<Utc>) -> Result<bool, StoreError>;
    /// Records that `notice` (its id and start) is announced at `at`;
    /// `false` if it was announced before: each is announced once.
    async fn announce_notice(
        &mut self,
        notice: &Notice,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Puts an action in the outbox.
    async fn enqueue(
        &mut self,
        action: &Action,
        conversation: Option<ConversationId>,
        at: DateTime<Utc>,
    ) -> Result<OutboxId, StoreError>;
    /// Makes the change durable.
    async fn commit(self: Box<Self>) -> Result<(), StoreError>;
}

/// Connects to `url` (`sqlite:…` or `postgres://…`) and brings the schema up to date.
pub async fn connect(url: &str) -> Result<SqlStore, StoreError> {
    SqlStore::connect(url).await
}
