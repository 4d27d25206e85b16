//! Which thread each customer's latest question in a place opened, and
//! when: the claim that lets one of a burst of messages open a thread and
//! the others join it ([`crate::domain::Engine::place_question`]). One
//! upsert decides, so two messages handled at once (or by two instances)
//! cannot both win.

use chrono::{DateTime, Utc};

use super::{SqlStore, on_writer};
use crate::domain::{ThreadRef, UserId};
use crate::store::{NewOpening, StoreError};

impl SqlStore {
    /// Claims the question for `o.thread` unless the customer's latest
    /// question in the place was opened at or after `since`; returns the
    /// thread holding the claim.
    pub(super) async fn claim_opening(
        &self,
        o: &NewOpening,
        since: DateTime<Utc>,
    ) -> Result<ThreadRef, StoreError> {
        let claim = "INSERT INTO question_openings (place, customer_id, thread, opened_at) \
                     VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (place, customer_id) DO UPDATE \
                     SET thread = excluded.thread, opened_at = excluded.opened_at \
                     WHERE question_openings.opened_at < $5 \
                     RETURNING thread";
        let holder = "SELECT thread FROM question_openings WHERE place = $1 AND customer_id = $2";
        let thread: String = on_writer!(self, |p| {
            let won: Option<String> = sqlx::query_scalar(claim)
                .bind(&o.place.0)
                .bind(&o.customer.0)
                .bind(&o.thread.0)
                .bind(o.at)
                .bind(since)
                .fetch_optional(p)
                .await?;
            match won {
                Some(thread) => thread,
                None => {
                    sqlx::query_scalar(holder)
                        .bind(&o.place.0)
                        .bind(&o.customer.0)
                        .fetch_one(p)
                        .await?
                }
            }
        });
        Ok(ThreadRef(thread))
    }

    /// Drops the claim of `thread`, if it still holds it.
    pub(super) async fn forget_opening(
        &self,
        place: &ThreadRef,
        customer: &UserId,
        thread: &ThreadRef,
    ) -> Result<(), StoreError> {
        on_writer!(self, |p| {
            sqlx::query(
                "DELETE FROM question_openings \
                 WHERE place = $1 AND customer_id = $2 AND thread = $3",
            )
            .bind(&place.0)
            .bind(&customer.0)
            .bind(&thread.0)
            .execute(p)
            .await?;
        });
        Ok(())
    }
}
