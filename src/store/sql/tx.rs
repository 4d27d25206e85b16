//! [`SqlTx`]: one atomic change. Every race the engine could lose to
//! another instance is decided here by the database: unique keys for events
//! and tickets, conditional updates for claims and conversation versions.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{AssertSqlSafe, Postgres, Sqlite, Transaction};

use super::Pool;
use super::rows::{CONVERSATION_COLUMNS, ConversationRow, state_json};
use crate::domain::{
    Action, AnswerId, Conversation, ConversationId, Feedback, OutboxId, Person, Rating, TicketId,
};
use crate::store::{
    Claim, Guarded, NewAnswer, NewConversation, NewEvent, NewTicket, Opened, StoreError, Tx,
};

/// Runs `$body` with `$c` bound to the transaction's connection, once per backend.
macro_rules! on_tx {
    ($tx:expr, |$c:ident| $body:expr) => {
        match &mut $tx.inner {
            $crate::store::sql::tx::Inner::Sqlite(t) => {
                let $c = &mut **t;
                $body
            }
            $crate::store::sql::tx::Inner::Postgres(t) => {
                let $c = &mut **t;
                $body
            }
        }
    };
}

pub(super) use on_tx;

pub(super) enum Inner {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

/// A transaction on either backend.
pub struct SqlTx {
    pub(super) inner: Inner,
}

impl SqlTx {
    /// Begins; on SQLite as the writer at once, so two writers never
    /// deadlock upgrading from read to write.
    pub async fn begin(pool: &Pool) -> Result<Self, StoreError> {
        let inner = match pool {
            Pool::Sqlite(p) => Inner::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Pool::Postgres(p) => Inner::Postgres(p.begin().await?),
        };
        Ok(SqlTx { inner })
    }
}

#[async_trait]
impl Tx for SqlTx {
    async fn record_event(&mut self, e: &NewEvent) -> Result<bool, StoreError> {
        let sql = "INSERT INTO events (conversation_id, ticket_id, at, actor, actor_id, \
                   actor_name, kind, text, source_platform, source_id) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                   ON CONFLICT DO NOTHING RETURNING id";
        let id: Option<i64> = on_tx!(self, |c| {
            sqlx::query_scalar(sql)
                .bind(e.conversation.0)
                .bind(e.ticket.map(|t| t.0))
                .bind(e.at)
                .bind(e.actor.as_str())
                .bind(e.person.as_ref().map(|p| p.id.0.as_str()))
                .bind(e.person.as_ref().map(|p| p.name.as_str()))
                .bind(e.kind)
                .bind(&e.text)
                .bind(e.source.as_ref().map(|s| s.platform.as_str()))
                .bind(e.source.as_ref().map(|s| s.id.as_str()))
                .fetch_optional(c)
                .await?
        });
        Ok(id.is_some())
    }

    async fn create_conversation(
        &mut self,
        new: &NewConversation,
    ) -> Result<Conversation, StoreError> {
        let insert = format!(
            "INSERT INTO conversations (thread, customer_id, customer_name, lang, status, state, \
             opened_at, last_activity_at) VALUES ($1, $2, $3, $4, 'open', $5, $6, $6) \
             ON CONFLICT (thread) DO NOTHING RETURNING {CONVERSATION_COLUMNS}"
        );
        let select = format!("SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE thread = $1");
        let state = state_json(&Default::default());
        let row: ConversationRow = on_tx!(self, |c| {
            let created = sqlx::query_as(AssertSqlSafe(insert))
                .bind(&new.thread.0)
                .bind(&new.customer.id.0)
                .bind(&new.customer.name)
                .bind(new.lang.code())
                .bind(&state)
                .bind(new.at)
                .fetch_optional(&mut *c)
                .await?;
            match created {
                Some(row) => row,
                None => {
                    sqlx::query_as(AssertSqlSafe(select))
                        .bind(&new.thread.0)
                        .fetch_one(&mut *c)
                        .await?
                }
            }
        });
        Conversation::try_from(row)
    }

    async fn save_conversation(&mut self, conv: &Conversation) -> Result<(), StoreError> {
        let sql = "UPDATE conversations SET lang = $2, status = $3, state = $4, ticket_id = $5, \
                   last_activity_at = $6, notice_sent_at = $7, version = version + 1 \
                   WHERE id = $1 AND version = $8";
        let state = state_json(&conv.state);
        let done = on_tx!(self, |c| {
            sqlx::query(sql)
                .bind(conv.id.0)
                .bind(conv.lang.code())
                .bind(conv.status.as_str())
                .bind(&state)
                .bind(conv.ticket.map(|t| t.0))
                .bind(conv.last_activity_at)
                .bind(conv.notice_sent_at)
                .bind(conv.version)
                .execute(c)
                .await?
                .rows_affected()
        });
        if done == 1 {
            Ok(())
        } else {
            Err(StoreError::Conflict)
        }
    }

    async fn record_answer(&mut self, a: &NewAnswer) -> Result<AnswerId, StoreError> {
        let sql = "INSERT INTO answers (conversation_id, entry_id, title, kind, via, question, \
                   confidence, lang, given_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                   RETURNING id";
        let kind = match a.kind {
            crate::knowledge::Kind::Faq => "faq",
            crate::knowledge::Kind::Fix => "fix",
        };
        let id: i64 = on_tx!(self, |c| {
            sqlx::query_scalar(sql)
                .bind(a.conversation.0)
                .bind(&a.entry_id)
                .bind(&a.title)
                .bind(kind)
                .bind(a.via.as_str())
                .bind(&a.question)
                .bind(f64::from(a.confidence))
                .bind(a.lang.code())
                .bind(a.at)
                .fetch_one(c)
                .await?
        });
        Ok(AnswerId(id))
    }

    async fn record_feedback(
        &mut self,
        answer: AnswerId,
        feedback: Feedback,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let sql = "UPDATE answers SET feedback = $2, feedback_at = $3 WHERE id = $1";
        on_tx!(self, |c| {
            sqlx::query(sql)
                .bind(answer.0)
                .bind(feedback.as_str())
                .bind(at)
                .execute(c)
                .await?;
        });
        Ok(())
    }

    async fn open_ticket(&mut self, new: &NewTicket) -> Result<Opened, StoreError> {
        self.insert_ticket(new).await
    }

    async fn claim(
        &mut self,
        ticket: TicketId,
        staff: &Person,
        at: DateTime<Utc>,
    ) -> Result<Claim, StoreError> {
        self.claim_ticket(ticket, staff, at).await
    }

    async fn unclaim(
        &mut self,
        ticket: TicketId,
        staff: &Person,
        at: DateTime<Utc>,
    ) -> Result<Guarded, StoreError> {
        self.unclaim_ticket(ticket, staff, at).await
    }

    async fn resolve(
        &mut self,
        ticket: TicketId,
        staff: &Person,
        note: &str,
        at: DateTime<Utc>,
    ) -> Result<Guarded, StoreError> {
        self.resolve_ticket(ticket, staff, note, at).await
    }

    async fn reopen(&mut self, ticket: TicketId, at: DateTime<Utc>) -> Result<Guarded, StoreError> {
        self.reopen_ticket(ticket, at).await
    }

    async fn rate(&mut self, ticket: TicketId, rating: Rating) -> Result<bool, StoreError> {
        self.rate_ticket(ticket, rating).await
    }

    async fn mark_pinged(&mut self, ticket: TicketId, level: i64) -> Result<bool, StoreError> {
        self.mark_ticket_pinged(ticket, level).await
    }

    async fn publish_notice(
        &mut self,
        notice: &crate::knowledge::Notice,
    ) -> Result<(), StoreError> {
        self.upsert_notice(notice).await
    }

    async fn end_notice(&mut self, id: &str, at: DateTime<Utc>) -> Result<bool, StoreError> {
        self.end_notice_at(id, at).await
    }

    async fn announce_notice(
        &mut self,
        notice: &crate::knowledge::Notice,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.record_announcement(notice, at).await
    }

    async fn enqueue(
        &mut self,
        action: &Action,
        conversation: Option<ConversationId>,
        at: DateTime<Utc>,
    ) -> Result<OutboxId, StoreError> {
        let sql = "INSERT INTO outbox (route, kind, payload, conversation_id, created_at, \
                   next_attempt_at) VALUES ($1, $2, $3, $4, $5, $5) RETURNING id";
        let payload = serde_json::to_string(action).expect("actions serialise");
        let id: i64 = on_tx!(self, |c| {
            sqlx::query_scalar(sql)
                .bind(action.route().key())
                .bind(action.kind())
                .bind(&payload)
                .bind(conversation.map(|c| c.0))
                .bind(at)
                .fetch_one(c)
                .await?
        });
        Ok(OutboxId(id))
    }

    async fn commit(self: Box<Self>) -> Result<(), StoreError> {
        let committed = match self.inner {
            Inner::Sqlite(t) => t.commit().await,
            Inner::Postgres(t) => t.commit().await,
        };
        committed.map_err(|e| {
            if StoreError::is_unavailable_error(&e) {
                // Cut off mid-commit: the server may have saved the change.
                StoreError::CommitUncertain(e)
            } else {
                StoreError::Database(e)
            }
        })
    }
}
