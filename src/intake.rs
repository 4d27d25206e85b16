//! Intake: how inbound events reach the engine in `frontline run`, so that
//! a database outage loses nothing. The engine needs the database for every
//! event (its state and the outbox live there); when the database cannot be
//! reached, the event waits in a bounded, ordered backlog and is handled
//! when the database answers again, with the time it arrived. Meanwhile the
//! FAQ, which is in memory, still answers: a question that starts a
//! conversation and has a confident answer gets it at once, delivered
//! directly instead of through the outbox ([`Engine::answer_offline`]);
//! when its event is handled later the engine records that answer and
//! sends only its feedback buttons. Everything else (tickets, *did you
//! mean*, staff commands, button presses) waits.
//!
//! While events wait, new ones queue behind them, so a conversation's
//! events keep their order. `/healthz` and `/metrics` say the database is
//! down and how many events wait. A backlog that is full refuses more (a
//! counter says how many); a process that dies loses its backlog, which the
//! Discord adapter's catch-up at the next start picks up again from
//! Discord's own history.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tokio::sync::Notify;

use crate::delivery::Transport;
use crate::engine::{Action, Engine, EngineError, Inbound, OutboxId};
use crate::metrics::Metrics;

/// How the intake copes with an unreachable database.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IntakeSettings {
    /// Events that may wait for the database; more are refused.
    pub backlog_max: usize,
    /// While the database is unreachable, try again this often (milliseconds).
    pub retry_ms: u64,
    /// An event the database has not finished within this many seconds is
    /// taken as not handled (the database hangs) and waits.
    pub timeout_secs: u64,
}

impl Default for IntakeSettings {
    fn default() -> Self {
        IntakeSettings {
            backlog_max: 10_000,
            retry_ms: 1_000,
            timeout_secs: 10,
        }
    }
}

/// What became of an event.
#[derive(Debug, Clone, PartialEq)]
pub enum Handled {
    /// The engine handled it; these actions are in the outbox.
    Done(Vec<Action>),
    /// The database is unreachable: the event waits for it (and was
    /// answered from the FAQ at once if `answered`).
    Waiting {
        /// Whether an FAQ answer or fix was delivered directly.
        answered: bool,
    },
    /// The database is unreachable and the backlog is full: the event is lost.
    Refused,
    /// The engine failed for another reason (logged); the event is lost.
    Failed,
}

impl Handled {
    /// The actions decided now (none unless [`Handled::Done`]).
    pub fn actions(&self) -> &[Action] {
        match self {
            Handled::Done(actions) => actions,
            _ => &[],
        }
    }
}

/// An event waiting for the database.
struct Waiting {
    event: Inbound,
    at: DateTime<Utc>,
}

#[derive(Default)]
struct Backlog {
    waiting: VecDeque<Waiting>,
    down: bool,
}

/// The way into the engine; see the module doc.
pub struct Intake {
    engine: Arc<Engine>,
    /// Where offline answers go: the adapter's transport, attached once it
    /// exists (a Discord transport needs the connected client).
    direct: OnceLock<Arc<dyn Transport>>,
    metrics: Metrics,
    settings: IntakeSettings,
    backlog: Mutex<Backlog>,
    /// Wakes [`Intake::recover_forever`] when events start waiting.
    went_down: Notify,
    /// Wakes the delivery loop when actions are in the outbox.
    wake: Arc<Notify>,
}

impl Intake {
    /// An intake into `engine`; `wake` is notified whenever actions were
    /// put in the outbox.
    pub fn new(
        engine: Arc<Engine>,
        metrics: Metrics,
        settings: IntakeSettings,
        wake: Arc<Notify>,
    ) -> Self {
        Intake {
            engine,
            direct: OnceLock::new(),
            metrics,
            settings,
            backlog: Mutex::default(),
            went_down: Notify::new(),
            wake,
        }
    }

    /// Delivers answers given while the database is unreachable through
    /// `transport` (until it is attached, such questions only wait).
    pub fn deliver_through(&self, transport: Arc<dyn Transport>) {
        let _ = self.direct.set(transport);
    }

    /// Whether events wait for the database now.
    pub fn is_down(&self) -> bool {
        self.lock().down
    }

    /// Hands `event` to the engine, or, while the database is unreachable,
    /// lets it wait (answering it from the FAQ if it is a question that
    /// `starts_thread`, see [`Engine::answer_offline`]).
    pub async fn handle(&self, event: &Inbound, starts_thread: bool) -> Handled {
        let now = Utc::now();
        if self.is_down() {
            return self.wait(event, now, starts_thread).await;
        }
        match self.attempt(event, now).await {
            Ok(actions) => Handled::Done(actions),
            Err(e) if is_outage(&e) => {
                tracing::warn!(error = %e, "the database is unreachable; events wait for it");
                self.set_down();
                self.wait(event, now, starts_thread).await
            }
            Err(e) => {
                tracing::error!(error = %e, "the engine failed to handle an event");
                Handled::Failed
            }
        }
    }

    /// Handles waiting events in order whenever the database is down,
    /// trying again every `retry_ms` until it answers. Runs until dropped.
    pub async fn recover_forever(self: Arc<Self>) {
        let retry = Duration::from_millis(self.settings.retry_ms.max(10));
        loop {
            if !self.is_down() {
                self.went_down.notified().await;
                continue;
            }
            if !self.recover_step().await {
                tokio::time::sleep(retry).await;
            }
        }
    }

    /// Handles the oldest waiting event; when none is left, the database
    /// counts as back. `false` while the database is still unreachable.
    pub async fn recover_step(&self) -> bool {
        let next = {
            let mut backlog = self.lock();
            match backlog.waiting.front() {
                Some(w) => (w.event.clone(), w.at),
                None => {
                    backlog.down = false;
                    drop(backlog);
                    self.metrics.set_database_up(true);
                    self.metrics.set_backlog(0);
                    tracing::info!("the database is back; every waiting event is handled");
                    return true;
                }
            }
        };
        let (event, at) = next;
        match self.attempt(&event, at).await {
            Err(e) if is_outage(&e) => {
                tracing::debug!(error = %e, "the database is still unreachable");
                return false;
            }
            Err(e) => tracing::error!(error = %e, "the engine failed to handle a waiting event"),
            Ok(_) => {}
        }
        let mut backlog = self.lock();
        backlog.waiting.pop_front();
        self.metrics.set_backlog(backlog.waiting.len());
        true
    }

    /// One try of the engine, bounded in time; counts and announces what it decided.
    async fn attempt(&self, event: &Inbound, at: DateTime<Utc>) -> Result<Vec<Action>, Attempt> {
        let limit = Duration::from_secs(self.settings.timeout_secs.max(1));
        match tokio::time::timeout(limit, self.engine.handle(event, at)).await {
            Ok(Ok(actions)) => {
                self.metrics.count(&actions);
                self.wake.notify_one();
                Ok(actions)
            }
            Ok(Err(e)) => Err(Attempt::Engine(e)),
            Err(_) => Err(Attempt::TimedOut(limit)),
        }
    }

    async fn wait(&self, event: &Inbound, at: DateTime<Utc>, starts_thread: bool) -> Handled {
        {
            let mut backlog = self.lock();
            if backlog.waiting.len() >= self.settings.backlog_max {
                drop(backlog);
                self.metrics.backlog_refused();
                tracing::error!(
                    max = self.settings.backlog_max,
                    "the backlog is full while the database is unreachable; an event is lost"
                );
                return Handled::Refused;
            }
            backlog.waiting.push_back(Waiting {
                event: event.clone(),
                at,
            });
            self.metrics.set_backlog(backlog.waiting.len());
        }
        let (Some(direct), Some(answer)) = (
            self.direct.get(),
            self.engine.answer_offline(event, starts_thread),
        ) else {
            return Handled::Waiting { answered: false };
        };
        match direct.deliver(OutboxId::DIRECT, &answer).await {
            Ok(()) => {
                self.metrics.answered_offline();
                Handled::Waiting { answered: true }
            }
            Err(e) => {
                tracing::warn!(error = %e, "delivering an answer while the database is unreachable");
                Handled::Waiting { answered: false }
            }
        }
    }

    /// Takes note that the database is unreachable (an adapter's own read
    /// failed so): events wait from now on, without each trying it first.
    pub fn database_unreachable(&self) {
        if !self.is_down() {
            tracing::warn!("the database is unreachable; events wait for it");
            self.set_down();
        }
    }

    fn set_down(&self) {
        self.lock().down = true;
        self.metrics.set_database_up(false);
        self.went_down.notify_one();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Backlog> {
        self.backlog.lock().expect("not poisoned")
    }
}

/// Why one try of the engine did not succeed.
#[derive(Debug, thiserror::Error)]
enum Attempt {
    #[error(transparent)]
    Engine(EngineError),
    #[error("the database did not answer within {0:?}")]
    TimedOut(Duration),
}

fn is_outage(attempt: &Attempt) -> bool {
    match attempt {
        Attempt::Engine(e) => e.is_unavailable(),
        Attempt::TimedOut(_) => true,
    }
}
