//! The outbox: rows taken under a lease for delivery and finished after it.
//!
//! A row is taken only when every older row of its route is delivered (or
//! given up), so a thread's messages arrive in order even across instances
//! and retries. On PostgreSQL the candidate row is locked with
//! `FOR UPDATE SKIP LOCKED`, so workers never wait for each other; SQLite
//! runs the whole take as one write, which is atomic there.
//!
//! A failure is recorded only by the worker that holds the row's latest
//! attempt (the attempt count is the fencing token): a worker whose lease
//! ran out while another retook the row cannot overwrite that one's outcome.
//!
//! Because a leased row holds back the rest of its route (the staff
//! channel is one route), leases are short and renewed while a delivery
//! runs long, and they name their holder: a process that restarts frees
//! the rows it held at once instead of leaving its route blocked until the
//! leases run out.

use chrono::{DateTime, Utc};
use sqlx::AssertSqlSafe;

use super::reads::placeholders;
use super::{Pool, SqlStore, on_pool, on_writer};
use crate::domain::OutboxId;
use crate::store::{Finish, Lease, OutboxItem, Scope, StoreError};

/// Rows neither delivered nor given up.
const PENDING: &str = "delivered_at IS NULL AND failed_at IS NULL";

/// `AND o.route IN (…)` for `scope`, numbering placeholders from `from`.
fn route_filter(scope: &Scope, from: usize) -> (String, Vec<String>) {
    match scope {
        Scope::All => (String::new(), Vec::new()),
        Scope::Routes(routes) if routes.is_empty() => (" AND 1 = 0".into(), Vec::new()),
        Scope::Routes(routes) => (
            format!(" AND o.route IN ({})", placeholders(from, routes.len())),
            routes.clone(),
        ),
    }
}

impl SqlStore {
    pub(super) async fn take(
        &self,
        scope: &Scope,
        now: DateTime<Utc>,
        lease: &Lease,
    ) -> Result<Option<OutboxItem>, StoreError> {
        let (filter, routes) = route_filter(scope, 4);
        let lock = match self.pool {
            Pool::Sqlite(_) => "",
            Pool::Postgres(_) => " FOR UPDATE SKIP LOCKED",
        };
        let sql = format!(
            "UPDATE outbox SET lease_until = $2, leased_by = $3, attempts = attempts + 1 \
             WHERE id = (\
               SELECT o.id FROM outbox o \
               WHERE o.delivered_at IS NULL AND o.failed_at IS NULL \
               AND o.next_attempt_at <= $1 AND (o.lease_until IS NULL OR o.lease_until <= $1)\
               {filter} AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.route = o.route \
                 AND p.id < o.id AND p.delivered_at IS NULL AND p.failed_at IS NULL) \
               ORDER BY o.id LIMIT 1{lock}) \
             RETURNING id, payload, attempts"
        );
        let row: Option<(i64, String, i64)> = on_writer!(self, |p| {
            let mut q = sqlx::query_as(AssertSqlSafe(sql))
                .bind(now)
                .bind(lease.until)
                .bind(&lease.holder);
            for r in &routes {
                q = q.bind(r);
            }
            q.fetch_optional(p).await?
        });
        let Some((id, payload, attempts)) = row else {
            return Ok(None);
        };
        match serde_json::from_str(&payload) {
            Ok(action) => Ok(Some(OutboxItem {
                id: OutboxId(id),
                action,
                attempts,
            })),
            Err(e) => {
                // A row this version cannot read would block its route forever.
                let why = format!("unreadable payload: {e}");
                self.finish(OutboxId(id), attempts, Finish::GiveUp(why.clone()), now)
                    .await?;
                Err(StoreError::Corrupt(why))
            }
        }
    }

    pub(super) async fn finish(
        &self,
        id: OutboxId,
        attempt: i64,
        finish: Finish,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let changed = on_writer!(self, |p| {
            match &finish {
                // A delivery that happened counts whoever holds the row now.
                Finish::Delivered => {
                    sqlx::query(
                        "UPDATE outbox SET delivered_at = $2, lease_until = NULL \
                         WHERE id = $1 AND delivered_at IS NULL",
                    )
                    .bind(id.0)
                    .bind(now)
                    .execute(p)
                    .await?
                }
                Finish::RetryAt(at, error) => {
                    sqlx::query(
                        "UPDATE outbox SET next_attempt_at = $2, lease_until = NULL, \
                         last_error = $3 WHERE id = $1 AND attempts = $4",
                    )
                    .bind(id.0)
                    .bind(*at)
                    .bind(error)
                    .bind(attempt)
                    .execute(p)
                    .await?
                }
                Finish::GiveUp(error) => {
                    sqlx::query(
                        "UPDATE outbox SET failed_at = $2, lease_until = NULL, last_error = $3 \
                         WHERE id = $1 AND attempts = $4",
                    )
                    .bind(id.0)
                    .bind(now)
                    .bind(error)
                    .bind(attempt)
                    .execute(p)
                    .await?
                }
            }
            .rows_affected()
        });
        Ok(changed == 1)
    }

    pub(super) async fn renew(&self, id: OutboxId, lease: &Lease) -> Result<bool, StoreError> {
        let renewed = on_writer!(self, |p| {
            sqlx::query(
                "UPDATE outbox SET lease_until = $3 WHERE id = $1 AND leased_by = $2 \
                 AND lease_until IS NOT NULL AND delivered_at IS NULL AND failed_at IS NULL",
            )
            .bind(id.0)
            .bind(&lease.holder)
            .bind(lease.until)
            .execute(p)
            .await?
            .rows_affected()
        });
        Ok(renewed == 1)
    }

    pub(super) async fn release(&self, instance: &str) -> Result<u64, StoreError> {
        // The instance's own name, or one of its workers' (`instance/…`).
        let escaped: String = instance
            .chars()
            .flat_map(|c| match c {
                '%' | '_' | '\\' => vec!['\\', c],
                c => vec![c],
            })
            .collect();
        let workers = format!("{escaped}/%");
        let sql = format!(
            "UPDATE outbox SET lease_until = NULL WHERE (leased_by = $1 \
             OR leased_by LIKE $2 ESCAPE '\\') AND lease_until IS NOT NULL AND {PENDING}"
        );
        let released = on_writer!(self, |p| {
            sqlx::query(AssertSqlSafe(sql))
                .bind(instance)
                .bind(&workers)
                .execute(p)
                .await?
                .rows_affected()
        });
        Ok(released)
    }

    pub(super) async fn pending(&self, scope: &Scope) -> Result<i64, StoreError> {
        let (filter, routes) = route_filter(scope, 1);
        let sql = format!("SELECT COUNT(*) FROM outbox o WHERE {PENDING}{filter}");
        let n: i64 = on_pool!(self, |p| {
            let mut q = sqlx::query_scalar(AssertSqlSafe(sql));
            for r in &routes {
                q = q.bind(r);
            }
            q.fetch_one(p).await?
        });
        Ok(n)
    }
}
