//! [`SqlTx`]: one atomic change. Every race the engine could lose to
//! another instance is decided here by the database: unique keys for events
//! and tickets, conditional updates for claims and conversation versions.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{AssertSqlSafe, Postgres, Sqlite, Transaction};

use super::Pool;
use super::rows::{CONVERSATION_COLUMNS, ConversationRow, TICKET_SELECT, TicketRow, state_json};
use crate::engine::{
    Action, AnswerId, Conversation, ConversationId, Feedback, OutboxId, Person, Rating, TicketId,
};
use crate::store::{
    Claim, Guarded, NewAnswer, NewConversation, NewEvent, NewTicket, Opened, StoreError, Ticket,
    TicketState, Tx,
};

/// Runs `$body` with `$c` bound to the transaction's connection, once per backend.
macro_rules! on_tx {
    ($tx:expr, |$c:ident| $body:expr) => {
        match &mut $tx.inner {
            Inner::Sqlite(t) => {
                let $c = &mut **t;
                $body
            }
            Inner::Postgres(t) => {
                let $c = &mut **t;
                $body
            }
        }
    };
}

enum Inner {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

/// A transaction on either backend.
pub struct SqlTx {
    inner: Inner,
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

    async fn ticket(&mut self, id: i64) -> Result<Option<Ticket>, StoreError> {
        let sql = format!("{TICKET_SELECT} WHERE t.id = $1");
        let row: Option<TicketRow> = on_tx!(self, |c| {
            sqlx::query_as(AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(c)
                .await?
        });
        row.map(Ticket::try_from).transpose()
    }

    async fn must_ticket(&mut self, id: i64) -> Result<Ticket, StoreError> {
        self.ticket(id)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("ticket {id} vanished in its transaction")))
    }

    /// Runs a conditional `UPDATE tickets … RETURNING id` and reports what it did.
    async fn guarded(&mut self, id: TicketId, changed: Option<i64>) -> Result<Guarded, StoreError> {
        Ok(match (changed, self.ticket(id.0).await?) {
            (_, None) => Guarded::Missing,
            (Some(_), Some(t)) => Guarded::Done(Box::new(t)),
            (None, Some(t)) => Guarded::Refused(Box::new(t)),
        })
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
        let insert = "INSERT INTO tickets (conversation_id, source_platform, source_id, reason, \
                      customer_wrote, suggested, state, opened_at, waiting_since) \
                      VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, $7) \
                      ON CONFLICT DO NOTHING RETURNING id";
        let existing = "SELECT id FROM tickets WHERE (source_platform = $1 AND source_id = $2) \
                        OR (conversation_id = $3 AND state <> 'resolved') ORDER BY id LIMIT 1";
        let wrote = serde_json::to_string(&new.customer_wrote).expect("strings serialise");
        let suggested = serde_json::to_string(&new.suggested).expect("suggestions serialise");
        let (created, found): (Option<i64>, Option<i64>) = on_tx!(self, |c| {
            let created: Option<i64> = sqlx::query_scalar(insert)
                .bind(new.conversation.0)
                .bind(&new.source.platform)
                .bind(&new.source.id)
                .bind(new.reason.as_str())
                .bind(&wrote)
                .bind(&suggested)
                .bind(new.at)
                .fetch_optional(&mut *c)
                .await?;
            let found = match created {
                Some(_) => None,
                None => {
                    sqlx::query_scalar(existing)
                        .bind(&new.source.platform)
                        .bind(&new.source.id)
                        .bind(new.conversation.0)
                        .fetch_optional(&mut *c)
                        .await?
                }
            };
            (created, found)
        });
        match (created, found) {
            (Some(id), _) => Ok(Opened::New(Box::new(self.must_ticket(id).await?))),
            (None, Some(id)) => Ok(Opened::Existing(Box::new(self.must_ticket(id).await?))),
            (None, None) => Err(StoreError::Corrupt(
                "a ticket insert conflicted with no ticket".into(),
            )),
        }
    }

    async fn claim(
        &mut self,
        ticket: TicketId,
        staff: &Person,
        at: DateTime<Utc>,
    ) -> Result<Claim, StoreError> {
        let sql = "UPDATE tickets SET state = 'claimed', claimed_by_id = $2, claimed_by_name = $3, \
                   first_claimed_at = COALESCE(first_claimed_at, $4) \
                   WHERE id = $1 AND state = 'open' RETURNING id";
        let won: Option<i64> = on_tx!(self, |c| {
            sqlx::query_scalar(sql)
                .bind(ticket.0)
                .bind(&staff.id.0)
                .bind(&staff.name)
                .bind(at)
                .fetch_optional(c)
                .await?
        });
        let Some(current) = self.ticket(ticket.0).await? else {
            return Ok(Claim::Missing);
        };
        Ok(match (won, current.state, current.claimed_by.clone()) {
            (Some(_), _, _) => Claim::Won(Box::new(current)),
            (None, TicketState::Resolved, _) => Claim::Resolved,
            (None, _, Some(by)) => Claim::AlreadyClaimed { by },
            // Unclaimed again between our update and our read: try again.
            (None, _, None) => return Err(StoreError::Conflict),
        })
    }

    async fn unclaim(
        &mut self,
        ticket: TicketId,
        staff: &Person,
        at: DateTime<Utc>,
    ) -> Result<Guarded, StoreError> {
        let sql = "UPDATE tickets SET state = 'open', claimed_by_id = NULL, claimed_by_name = NULL, \
                   waiting_since = $3, ping_level = 0 \
                   WHERE id = $1 AND state = 'claimed' AND claimed_by_id = $2 RETURNING id";
        let changed: Option<i64> = on_tx!(self, |c| {
            sqlx::query_scalar(sql)
                .bind(ticket.0)
                .bind(&staff.id.0)
                .bind(at)
                .fetch_optional(c)
                .await?
        });
        self.guarded(ticket, changed).await
    }

    async fn resolve(
        &mut self,
        ticket: TicketId,
        staff: &Person,
        note: &str,
        at: DateTime<Utc>,
    ) -> Result<Guarded, StoreError> {
        let sql = "UPDATE tickets SET state = 'resolved', \
                   claimed_by_id = COALESCE(claimed_by_id, $2), \
                   claimed_by_name = COALESCE(claimed_by_name, $3), \
                   first_claimed_at = COALESCE(first_claimed_at, $5), \
                   resolved_by_id = $2, resolved_by_name = $3, resolution = $4, resolved_at = $5 \
                   WHERE id = $1 AND state <> 'resolved' \
                   AND (claimed_by_id IS NULL OR claimed_by_id = $2) RETURNING id";
        let changed: Option<i64> = on_tx!(self, |c| {
            sqlx::query_scalar(sql)
                .bind(ticket.0)
                .bind(&staff.id.0)
                .bind(&staff.name)
                .bind(note)
                .bind(at)
                .fetch_optional(c)
                .await?
        });
        self.guarded(ticket, changed).await
    }

    async fn reopen(&mut self, ticket: TicketId, at: DateTime<Utc>) -> Result<Guarded, StoreError> {
        let others = "SELECT COUNT(*) FROM tickets WHERE state <> 'resolved' AND id <> $1 \
                      AND conversation_id = (SELECT conversation_id FROM tickets WHERE id = $1)";
        let sql = "UPDATE tickets SET \
                   state = CASE WHEN claimed_by_id IS NULL THEN 'open' ELSE 'claimed' END, \
                   resolved_by_id = NULL, resolved_by_name = NULL, resolution = NULL, \
                   resolved_at = NULL, rating = NULL, waiting_since = $2, ping_level = 0 \
                   WHERE id = $1 AND state = 'resolved' RETURNING id";
        let changed: Option<i64> = on_tx!(self, |c| {
            let open: i64 = sqlx::query_scalar(others)
                .bind(ticket.0)
                .fetch_one(&mut *c)
                .await?;
            if open > 0 {
                None
            } else {
                sqlx::query_scalar(sql)
                    .bind(ticket.0)
                    .bind(at)
                    .fetch_optional(&mut *c)
                    .await?
            }
        });
        self.guarded(ticket, changed).await
    }

    async fn rate(&mut self, ticket: TicketId, rating: Rating) -> Result<bool, StoreError> {
        let sql = "UPDATE tickets SET rating = $2 \
                   WHERE id = $1 AND state = 'resolved' AND rating IS NULL";
        let done = on_tx!(self, |c| {
            sqlx::query(sql)
                .bind(ticket.0)
                .bind(i64::from(rating.stars()))
                .execute(c)
                .await?
                .rows_affected()
        });
        Ok(done == 1)
    }

    async fn mark_pinged(&mut self, ticket: TicketId, level: i64) -> Result<bool, StoreError> {
        let sql = "UPDATE tickets SET ping_level = $2 \
                   WHERE id = $1 AND state = 'open' AND ping_level < $2";
        let done = on_tx!(self, |c| {
            sqlx::query(sql)
                .bind(ticket.0)
                .bind(level)
                .execute(c)
                .await?
                .rows_affected()
        });
        Ok(done == 1)
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
        match self.inner {
            Inner::Sqlite(t) => t.commit().await?,
            Inner::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }
}
