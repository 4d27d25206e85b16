//! Delivery: the worker that carries out outbox rows through a transport
//! (the console or Discord). One step, [`Delivery::try_deliver_one`],
//! takes one due row under a lease, hands it to the transport and records
//! the outcome: delivered, retry later with exponential backoff (or when the
//! platform said), or given up after too many attempts. A row is marked
//! delivered only after the transport succeeded, so a crash before that
//! delivers it again — at least once, in order per route.
//!
//! A leased row holds back every later row of its route, so a lease is
//! short (`lease_secs`, 5 s) and renewed while a slow delivery runs: a
//! process that dies delays its routes by one short lease at most, and one
//! that restarts under the same holder name frees its rows at once
//! ([`Delivery::take_back`]).

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{Action, OutboxId};
use crate::store::{Finish, Lease, Scope, Store, StoreError};

/// Something that carries out actions: an adapter's outbound side.
#[async_trait]
pub trait Transport: Send + Sync {
    /// Which outbox rows this transport delivers.
    fn scope(&self) -> Scope;
    /// Carries out the action of outbox row `id`. A retry of a row hands
    /// over the same `id`, so a platform that can tell a repeated request
    /// (Discord's message nonce) does not carry it out twice.
    async fn deliver(&self, id: OutboxId, action: &Action) -> Result<(), DeliveryError>;
}

/// A failed delivery.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct DeliveryError {
    /// What went wrong.
    pub message: String,
    /// When the platform asked us to try again (e.g. a 429's `retry_after`).
    pub retry_after: Option<std::time::Duration>,
    /// Retrying cannot help (e.g. the thread was deleted).
    pub permanent: bool,
}

impl DeliveryError {
    /// A failure worth retrying.
    pub fn transient(message: impl Into<String>) -> Self {
        DeliveryError {
            message: message.into(),
            retry_after: None,
            permanent: false,
        }
    }

    /// A failure no retry can fix.
    pub fn permanent(message: impl Into<String>) -> Self {
        DeliveryError {
            message: message.into(),
            retry_after: None,
            permanent: true,
        }
    }
}

/// Retry and lease settings of the delivery worker.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeliverySettings {
    /// Attempts before a row is given up when each fails for a reason that
    /// may pass (rate limited, a server error, no connection); a permanent
    /// refusal gives up at once. The default, with the default backoff,
    /// keeps trying for about six and a half hours, so a Discord outage
    /// shorter than that loses no answer and no staff card.
    pub max_attempts: i64,
    /// The first retry waits this many seconds; each further one twice as long.
    pub backoff_base_secs: u64,
    /// No retry waits longer than this many seconds.
    pub backoff_max_secs: u64,
    /// A taken row is not taken by another worker for this many seconds;
    /// the lease is renewed while a delivery runs longer.
    pub lease_secs: u64,
}

impl Default for DeliverySettings {
    fn default() -> Self {
        DeliverySettings {
            max_attempts: 48,
            backoff_base_secs: 2,
            backoff_max_secs: 600,
            lease_secs: 5,
        }
    }
}

impl DeliverySettings {
    /// How long to wait after failed attempt number `attempt` (1-based).
    pub fn backoff(&self, attempt: i64) -> Duration {
        let doublings = u32::try_from(attempt.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
        let secs = self
            .backoff_base_secs
            .saturating_mul(1u64 << doublings)
            .min(self.backoff_max_secs);
        Duration::seconds(i64::try_from(secs).unwrap_or(i64::MAX / 1000))
    }
}

/// What one step of the worker did.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Nothing was due.
    Idle,
    /// A row was delivered.
    Delivered(OutboxId),
    /// A row failed and will be tried again at `at`.
    Retrying {
        /// The row.
        id: OutboxId,
        /// Attempts so far.
        attempts: i64,
        /// When it is due again.
        at: DateTime<Utc>,
    },
    /// A row failed for good.
    GaveUp(OutboxId),
}

/// The delivery worker.
pub struct Delivery {
    store: Arc<dyn Store>,
    settings: DeliverySettings,
    holder: String,
}

impl Delivery {
    /// A worker delivering from `store`'s outbox, holding its leases under
    /// a name of this process (see [`Delivery::holder`] for one that
    /// survives a restart).
    pub fn new(store: Arc<dyn Store>, settings: DeliverySettings) -> Self {
        Delivery {
            store,
            settings,
            holder: format!("{}:{}", host_name(), std::process::id()),
        }
    }

    /// Holds leases under `holder`, a name the process keeps across
    /// restarts: `instance/worker` for each worker of an instance, so that
    /// workers never renew each other's leases and [`Delivery::take_back`]
    /// of the instance frees them all.
    pub fn holder(mut self, holder: impl Into<String>) -> Self {
        self.holder = holder.into();
        self
    }

    /// Frees the rows `instance` and its workers leased before a restart,
    /// so their routes need not wait for the leases to run out.
    pub async fn take_back(store: &dyn Store, instance: &str) -> Result<u64, StoreError> {
        let released = store.release_leases(instance).await?;
        if released > 0 {
            tracing::info!(
                released,
                instance,
                "took back the outbox rows of the previous run"
            );
        }
        Ok(released)
    }

    fn lease_length(&self) -> Duration {
        Duration::seconds(i64::try_from(self.settings.lease_secs.max(1)).unwrap_or(5))
    }

    fn lease_from(&self, now: DateTime<Utc>) -> Lease {
        Lease {
            until: now + self.lease_length(),
            holder: self.holder.clone(),
        }
    }

    /// Delivers at most one due row through `transport`.
    pub async fn try_deliver_one(
        &self,
        transport: &dyn Transport,
        now: DateTime<Utc>,
    ) -> Result<Outcome, StoreError> {
        let scope = transport.scope();
        let Some(item) = self
            .store
            .take_action(&scope, now, &self.lease_from(now))
            .await?
        else {
            return Ok(Outcome::Idle);
        };
        let delivered = self.deliver_renewing(transport, &item.id, &item.action, now);
        let (finish, outcome) = match delivered.await {
            Ok(()) => (Finish::Delivered, Outcome::Delivered(item.id)),
            Err(e) if e.permanent || item.attempts >= self.settings.max_attempts => {
                tracing::warn!(id = %item.id, attempts = item.attempts, error = %e, "giving up delivery");
                (Finish::GiveUp(e.message), Outcome::GaveUp(item.id))
            }
            Err(e) => {
                let wait = e
                    .retry_after
                    .and_then(|d| Duration::from_std(d).ok())
                    .unwrap_or_else(|| self.settings.backoff(item.attempts));
                let at = now + wait;
                tracing::warn!(id = %item.id, attempts = item.attempts, error = %e, retry_at = %at, "delivery failed");
                (
                    Finish::RetryAt(at, e.message),
                    Outcome::Retrying {
                        id: item.id,
                        attempts: item.attempts,
                        at,
                    },
                )
            }
        };
        if !self
            .store
            .finish_action(item.id, item.attempts, finish, now)
            .await?
        {
            tracing::warn!(id = %item.id, "an outbox row was taken again while being delivered; its outcome stands");
        }
        Ok(outcome)
    }

    /// Runs the transport's delivery, renewing the lease every third of its
    /// length until it ends, so a slow call (a 429 waited out, a large
    /// upload) does not let another worker take the row meanwhile.
    async fn deliver_renewing(
        &self,
        transport: &dyn Transport,
        id: &OutboxId,
        action: &Action,
        taken_at: DateTime<Utc>,
    ) -> Result<(), DeliveryError> {
        let every = (self.lease_length() / 3)
            .to_std()
            .unwrap_or(std::time::Duration::from_secs(1));
        let delivery = transport.deliver(*id, action);
        tokio::pin!(delivery);
        let started = tokio::time::Instant::now();
        loop {
            tokio::select! {
                done = &mut delivery => return done,
                () = tokio::time::sleep(every) => {
                    // From the time that really passed, however slow the
                    // renewals themselves were.
                    let elapsed = Duration::from_std(started.elapsed()).unwrap_or_default();
                    let lease = self.lease_from(taken_at + elapsed);
                    match self.store.renew_lease(*id, &lease).await {
                        Ok(true) => {}
                        Ok(false) => tracing::warn!(id = %id, "lost the lease on an outbox row while delivering it"),
                        Err(e) => tracing::warn!(id = %id, error = %e, "renewing the lease on an outbox row"),
                    }
                }
            }
        }
    }

    /// Delivers due rows until none is left (failed ones wait for their retry).
    pub async fn drain(
        &self,
        transport: &dyn Transport,
        now: DateTime<Utc>,
    ) -> Result<Vec<Outcome>, StoreError> {
        let mut done = Vec::new();
        loop {
            match self.try_deliver_one(transport, now).await? {
                Outcome::Idle => return Ok(done),
                other => done.push(other),
            }
        }
    }
}

/// This machine's name, for lease holders ("localhost" if it cannot be read).
pub fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_default_a_row_is_tried_for_hours_before_it_is_given_up() {
        let s = DeliverySettings::default();
        let waited: i64 = (1..s.max_attempts)
            .map(|a| s.backoff(a).num_seconds())
            .sum();
        assert!(waited >= 6 * 3600, "{waited} s");
        assert!(waited <= 8 * 3600, "{waited} s");
    }

    #[test]
    fn backoff_doubles_up_to_the_maximum() {
        let s = DeliverySettings {
            backoff_base_secs: 2,
            backoff_max_secs: 60,
            ..DeliverySettings::default()
        };
        let secs: Vec<i64> = (1..=7).map(|a| s.backoff(a).num_seconds()).collect();
        assert_eq!(secs, [2, 4, 8, 16, 32, 60, 60]);
    }
}
