//! Reads outside transactions: conversations, tickets, transcripts, answers,
//! and what the timers are due for.

use chrono::{DateTime, Duration, Utc};
use sqlx::AssertSqlSafe;

use super::rows::{
    ANSWER_SELECT, AnswerRow, CONVERSATION_COLUMNS, ConversationRow, EVENT_SELECT, EventRow,
    TICKET_SELECT, TicketRow,
};
use super::{SqlStore, on_pool};
use crate::domain::{Conversation, ConversationId, SourceKey, ThreadRef, TicketId, reminders};
use crate::knowledge::ContractTerms;
use crate::ranking::feedback::EntryFeedback;
use crate::store::{AnswerRecord, DuePing, Event, StoreError, Ticket, TicketState};

/// A ticket waiting for a claim: id, conversation, reminders sent, since
/// when, and its contract's terms (JSON).
type WaitingRow = (i64, i64, i64, DateTime<Utc>, Option<String>);

/// Placeholders `$from, $from+1, …` for `n` values.
pub fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl SqlStore {
    pub(super) async fn read_recorded(&self, source: &SourceKey) -> Result<bool, StoreError> {
        let found: Option<i64> = on_pool!(self, |p| {
            sqlx::query_scalar(
                "SELECT id FROM events WHERE source_platform = $1 AND source_id = $2 LIMIT 1",
            )
            .bind(&source.platform)
            .bind(&source.id)
            .fetch_optional(p)
            .await?
        });
        Ok(found.is_some())
    }

    pub(super) async fn read_newest_source(
        &self,
        platform: &str,
        before: DateTime<Utc>,
    ) -> Result<Option<u64>, StoreError> {
        let newest: Option<String> = on_pool!(self, |p| {
            sqlx::query_scalar(
                "SELECT source_id FROM events WHERE source_platform = $1 AND at < $2 \
                 ORDER BY id DESC LIMIT 1",
            )
            .bind(platform)
            .bind(before)
            .fetch_optional(p)
            .await?
        });
        Ok(newest.and_then(|id| id.parse().ok()))
    }

    pub(super) async fn read_open_threads(
        &self,
        since: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<ThreadRef>, StoreError> {
        let threads: Vec<String> = on_pool!(self, |p| {
            sqlx::query_scalar(
                "SELECT thread FROM conversations WHERE status = 'open' \
                 AND last_activity_at >= $1 ORDER BY last_activity_at DESC LIMIT $2",
            )
            .bind(since)
            .bind(limit)
            .fetch_all(p)
            .await?
        });
        Ok(threads.into_iter().map(ThreadRef).collect())
    }

    pub(super) async fn read_conversation_by_thread(
        &self,
        thread: &ThreadRef,
    ) -> Result<Option<Conversation>, StoreError> {
        let sql = format!("SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE thread = $1");
        let row: Option<ConversationRow> = on_pool!(self, |p| {
            sqlx::query_as(AssertSqlSafe(sql))
                .bind(&thread.0)
                .fetch_optional(p)
                .await?
        });
        row.map(Conversation::try_from).transpose()
    }

    pub(super) async fn read_conversation(
        &self,
        id: ConversationId,
    ) -> Result<Option<Conversation>, StoreError> {
        let sql = format!("SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE id = $1");
        let row: Option<ConversationRow> = on_pool!(self, |p| {
            sqlx::query_as(AssertSqlSafe(sql))
                .bind(id.0)
                .fetch_optional(p)
                .await?
        });
        row.map(Conversation::try_from).transpose()
    }

    pub(super) async fn read_ticket(&self, id: TicketId) -> Result<Option<Ticket>, StoreError> {
        let sql = format!("{TICKET_SELECT} WHERE t.id = $1");
        let row: Option<TicketRow> = on_pool!(self, |p| {
            sqlx::query_as(AssertSqlSafe(sql))
                .bind(id.0)
                .fetch_optional(p)
                .await?
        });
        row.map(Ticket::try_from).transpose()
    }

    pub(super) async fn read_latest_ticket_of(
        &self,
        thread: &ThreadRef,
    ) -> Result<Option<Ticket>, StoreError> {
        let sql = format!("{TICKET_SELECT} WHERE c.thread = $1 ORDER BY t.id DESC LIMIT 1");
        let row: Option<TicketRow> = on_pool!(self, |p| {
            sqlx::query_as(AssertSqlSafe(sql))
                .bind(&thread.0)
                .fetch_optional(p)
                .await?
        });
        row.map(Ticket::try_from).transpose()
    }

    pub(super) async fn read_tickets(
        &self,
        states: &[TicketState],
    ) -> Result<Vec<Ticket>, StoreError> {
        let filter = if states.is_empty() {
            String::new()
        } else {
            format!(" WHERE t.state IN ({})", placeholders(1, states.len()))
        };
        let sql = format!("{TICKET_SELECT}{filter} ORDER BY t.id DESC");
        let rows: Vec<TicketRow> = on_pool!(self, |p| {
            let mut q = sqlx::query_as(AssertSqlSafe(sql));
            for s in states {
                q = q.bind(s.as_str());
            }
            q.fetch_all(p).await?
        });
        rows.into_iter().map(Ticket::try_from).collect()
    }

    pub(super) async fn read_events(
        &self,
        conversation: ConversationId,
    ) -> Result<Vec<Event>, StoreError> {
        let sql = format!("{EVENT_SELECT} WHERE conversation_id = $1 ORDER BY id");
        let rows: Vec<EventRow> = on_pool!(self, |p| {
            sqlx::query_as(AssertSqlSafe(sql))
                .bind(conversation.0)
                .fetch_all(p)
                .await?
        });
        Ok(rows.into_iter().map(Event::from).collect())
    }

    pub(super) async fn read_answers(&self) -> Result<Vec<AnswerRecord>, StoreError> {
        let sql = format!("{ANSWER_SELECT} ORDER BY id");
        let rows: Vec<AnswerRow> = on_pool!(self, |p| {
            sqlx::query_as(AssertSqlSafe(sql)).fetch_all(p).await?
        });
        rows.into_iter().map(AnswerRecord::try_from).collect()
    }

    pub(super) async fn read_entry_feedback(
        &self,
    ) -> Result<Vec<(String, EntryFeedback)>, StoreError> {
        // One vote per customer and entry, however often they clicked.
        let sql = "SELECT a.entry_id, \
                   COUNT(DISTINCT CASE WHEN a.feedback IN ('solved', 'fixed_it') \
                                       THEN c.customer_id END), \
                   COUNT(DISTINCT CASE WHEN a.feedback = 'not_what_i_asked' \
                                       THEN c.customer_id END) \
                   FROM answers a JOIN conversations c ON c.id = a.conversation_id \
                   WHERE a.feedback IN ('solved', 'fixed_it', 'not_what_i_asked') \
                   GROUP BY a.entry_id ORDER BY a.entry_id";
        let rows: Vec<(String, i64, i64)> =
            on_pool!(self, |p| sqlx::query_as(sql).fetch_all(p).await?);
        Ok(rows
            .into_iter()
            .map(|(entry, solved, rejected)| {
                let count = |n: i64| u32::try_from(n).unwrap_or(u32::MAX);
                let feedback = EntryFeedback {
                    solved: count(solved),
                    not_what_i_asked: count(rejected),
                };
                (entry, feedback)
            })
            .collect())
    }

    pub(super) async fn read_due_pings(
        &self,
        now: DateTime<Utc>,
        first: Duration,
        loud: Duration,
    ) -> Result<Vec<DuePing>, StoreError> {
        let sql = "SELECT id, conversation_id, ping_level, waiting_since, contract FROM tickets \
                   WHERE state = 'open' AND ping_level < 2 ORDER BY id";
        let rows: Vec<WaitingRow> = on_pool!(self, |p| { sqlx::query_as(sql).fetch_all(p).await? });
        let mut due = Vec::new();
        for (id, conversation, level, since, contract) in rows {
            let contract: Option<ContractTerms> = contract
                .as_deref()
                .map(serde_json::from_str)
                .transpose()
                .map_err(|e| StoreError::Corrupt(format!("contract of ticket {id}: {e}")))?;
            let (first_at, loud_at) = reminders(since, contract.as_ref(), first, loud);
            let now_due = if now >= loud_at {
                2
            } else if now >= first_at {
                1
            } else {
                0
            };
            if now_due > level {
                due.push(DuePing {
                    ticket: TicketId(id),
                    conversation: ConversationId(conversation),
                    level: now_due,
                });
            }
        }
        Ok(due)
    }

    pub(super) async fn read_quiet_conversations(
        &self,
        notice_before: DateTime<Utc>,
        close_before: DateTime<Utc>,
    ) -> Result<Vec<Conversation>, StoreError> {
        let sql = format!(
            "SELECT {CONVERSATION_COLUMNS} FROM conversations \
             WHERE status = 'open' AND ticket_id IS NULL AND \
             ((notice_sent_at IS NULL AND last_activity_at <= $1) \
              OR (notice_sent_at IS NOT NULL AND notice_sent_at <= $2)) ORDER BY id"
        );
        let rows: Vec<ConversationRow> = on_pool!(self, |p| {
            sqlx::query_as(AssertSqlSafe(sql))
                .bind(notice_before)
                .bind(close_before)
                .fetch_all(p)
                .await?
        });
        rows.into_iter().map(Conversation::try_from).collect()
    }
}
