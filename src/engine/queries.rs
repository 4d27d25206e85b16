//! What the adapters may read, and nothing more: the few queries they need
//! to translate (the conversation or ticket behind a thread, the ticket
//! list, what was missed while the bot was away, a drafted fix). Read-only:
//! everything that changes state goes through [`Engine::handle`], which
//! writes it in one transaction with the actions it causes.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::Engine;
use crate::domain::{Conversation, ConversationId, SourceKey, ThreadRef, Ticket, TicketId};
use crate::knowledge::Lang;
use crate::maintain::draft_fix::{self, Draft, DraftError};
use crate::store::{AnswerRecord, Event, Store, StoreError, TicketState};

/// Read-only queries for adapters (see the module documentation).
#[derive(Clone)]
pub struct Queries {
    store: Arc<dyn Store>,
}

impl Engine {
    /// The queries adapters may make.
    pub fn queries(&self) -> Queries {
        Queries {
            store: Arc::clone(&self.store),
        }
    }
}

impl Queries {
    /// The conversation in `thread`, if any.
    pub async fn conversation_by_thread(
        &self,
        thread: &ThreadRef,
    ) -> Result<Option<Conversation>, StoreError> {
        self.store.conversation_by_thread(thread).await
    }

    /// Ticket `id`, if it exists.
    pub async fn ticket(&self, id: TicketId) -> Result<Option<Ticket>, StoreError> {
        self.store.ticket(id).await
    }

    /// Tickets, newest first; only those in `states` unless it is empty.
    pub async fn tickets(&self, states: &[TicketState]) -> Result<Vec<Ticket>, StoreError> {
        self.store.tickets(states).await
    }

    /// The newest ticket of the conversation in `thread`, if any.
    pub async fn latest_ticket_of(&self, thread: &ThreadRef) -> Result<Option<Ticket>, StoreError> {
        self.store.latest_ticket_of(thread).await
    }

    /// A conversation's transcript and audit log, oldest first.
    pub async fn events(&self, conversation: ConversationId) -> Result<Vec<Event>, StoreError> {
        self.store.events(conversation).await
    }

    /// Every answer given, oldest first.
    pub async fn answers(&self) -> Result<Vec<AnswerRecord>, StoreError> {
        self.store.answers().await
    }

    /// The newest event id recorded from `platform` among those that
    /// happened before `before` (where a bot that was away starts reading back).
    pub async fn newest_source(
        &self,
        platform: &str,
        before: DateTime<Utc>,
    ) -> Result<Option<u64>, StoreError> {
        self.store.newest_source(platform, before).await
    }

    /// Whether an event from `source` was handled before.
    pub async fn recorded(&self, source: &SourceKey) -> Result<bool, StoreError> {
        self.store.recorded(source).await
    }

    /// The threads of open conversations active since `since`, most recent
    /// first, at most `limit`.
    pub async fn open_threads(
        &self,
        since: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<ThreadRef>, StoreError> {
        self.store.open_threads(since, limit).await
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.store.ping().await
    }

    /// A documented fix drafted from resolved ticket `id`.
    pub async fn draft_fix(&self, id: TicketId, default_lang: Lang) -> Result<Draft, DraftError> {
        draft_fix::draft_ticket(&*self.store, id, default_lang).await
    }
}
