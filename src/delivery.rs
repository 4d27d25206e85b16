//! Delivery: the worker that carries out outbox rows through a transport
//! (the console now, Discord later). One step, [`Delivery::try_deliver_one`],
//! takes one due row under a lease, hands it to the transport and records
//! the outcome: delivered, retry later with exponential backoff (or when the
//! platform said), or given up after too many attempts. A row is marked
//! delivered only after the transport succeeded, so a crash before that
//! delivers it again after the lease runs out — at least once, in order per route.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::engine::{Action, OutboxId};
use crate::store::{Finish, Scope, Store, StoreError};

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
    /// Attempts before a row is given up.
    pub max_attempts: i64,
    /// The first retry waits this many seconds; each further one twice as long.
    pub backoff_base_secs: u64,
    /// No retry waits longer than this many seconds.
    pub backoff_max_secs: u64,
    /// A taken row is not taken by another worker for this many seconds.
    pub lease_secs: u64,
}

impl Default for DeliverySettings {
    fn default() -> Self {
        DeliverySettings {
            max_attempts: 8,
            backoff_base_secs: 2,
            backoff_max_secs: 600,
            lease_secs: 60,
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
}

impl Delivery {
    /// A worker delivering from `store`'s outbox.
    pub fn new(store: Arc<dyn Store>, settings: DeliverySettings) -> Self {
        Delivery { store, settings }
    }

    /// Delivers at most one due row through `transport`.
    pub async fn try_deliver_one(
        &self,
        transport: &dyn Transport,
        now: DateTime<Utc>,
    ) -> Result<Outcome, StoreError> {
        let lease = Duration::seconds(i64::try_from(self.settings.lease_secs).unwrap_or(60));
        let scope = transport.scope();
        let Some(item) = self.store.take_action(&scope, now, now + lease).await? else {
            return Ok(Outcome::Idle);
        };
        let (finish, outcome) = match transport.deliver(item.id, &item.action).await {
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
        self.store.finish_action(item.id, finish, now).await?;
        Ok(outcome)
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

#[cfg(test)]
mod tests {
    use super::*;

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
