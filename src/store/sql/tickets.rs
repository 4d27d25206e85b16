//! Ticket changes inside a transaction: opened once per source and once per
//! conversation, claimed by exactly one, changed only by who may. Each is a
//! conditional statement, so the database decides every race.

use chrono::{DateTime, Utc};
use sqlx::AssertSqlSafe;

use super::rows::{TICKET_SELECT, TicketRow};
use super::tx::{SqlTx, on_tx};
use crate::domain::{Person, Rating, TicketId};
use crate::store::{Claim, Guarded, NewTicket, Opened, StoreError, Ticket, TicketState};

impl SqlTx {
    pub(super) async fn ticket(&mut self, id: i64) -> Result<Option<Ticket>, StoreError> {
        let sql = format!("{TICKET_SELECT} WHERE t.id = $1");
        let row: Option<TicketRow> = on_tx!(self, |c| {
            sqlx::query_as(AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(c)
                .await?
        });
        row.map(Ticket::try_from).transpose()
    }

    pub(super) async fn must_ticket(&mut self, id: i64) -> Result<Ticket, StoreError> {
        self.ticket(id)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("ticket {id} vanished in its transaction")))
    }

    /// Runs a conditional `UPDATE tickets … RETURNING id` and reports what it did.
    pub(super) async fn guarded(
        &mut self,
        id: TicketId,
        changed: Option<i64>,
    ) -> Result<Guarded, StoreError> {
        Ok(match (changed, self.ticket(id.0).await?) {
            (_, None) => Guarded::Missing,
            (Some(_), Some(t)) => Guarded::Done(Box::new(t)),
            (None, Some(t)) => Guarded::Refused(Box::new(t)),
        })
    }

    pub(super) async fn insert_ticket(&mut self, new: &NewTicket) -> Result<Opened, StoreError> {
        let insert = "INSERT INTO tickets (conversation_id, source_platform, source_id, reason, \
                      customer_wrote, suggested, state, opened_at, waiting_since, contract, details) \
                      VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, $7, $8, $9) \
                      ON CONFLICT DO NOTHING RETURNING id";
        let existing = "SELECT id FROM tickets WHERE (source_platform = $1 AND source_id = $2) \
                        OR (conversation_id = $3 AND state <> 'resolved') ORDER BY id LIMIT 1";
        let wrote = serde_json::to_string(&new.customer_wrote).expect("strings serialise");
        let suggested = serde_json::to_string(&new.suggested).expect("suggestions serialise");
        let contract = new
            .contract
            .as_ref()
            .map(|c| serde_json::to_string(c).expect("contract terms serialise"));
        let details = (!new.details.is_empty())
            .then(|| serde_json::to_string(&new.details).expect("details serialise"));
        let (created, found): (Option<i64>, Option<i64>) = on_tx!(self, |c| {
            let created: Option<i64> = sqlx::query_scalar(insert)
                .bind(new.conversation.0)
                .bind(&new.source.platform)
                .bind(&new.source.id)
                .bind(new.reason.as_str())
                .bind(&wrote)
                .bind(&suggested)
                .bind(new.at)
                .bind(&contract)
                .bind(&details)
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

    pub(super) async fn claim_ticket(
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

    pub(super) async fn unclaim_ticket(
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

    pub(super) async fn resolve_ticket(
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

    pub(super) async fn reopen_ticket(
        &mut self,
        ticket: TicketId,
        at: DateTime<Utc>,
    ) -> Result<Guarded, StoreError> {
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

    pub(super) async fn rate_ticket(
        &mut self,
        ticket: TicketId,
        rating: Rating,
    ) -> Result<bool, StoreError> {
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

    pub(super) async fn mark_ticket_pinged(
        &mut self,
        ticket: TicketId,
        level: i64,
    ) -> Result<bool, StoreError> {
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
}
