//! Intake: how inbound events reach the engine in `frontline run`, so that
//! a database outage loses nothing. The engine needs the database for every
//! event (its state and the outbox live there); when the database cannot be
//! reached, the event waits in a bounded, ordered backlog and is handled
//! when the database answers again, with the time it arrived. Meanwhile the
//! FAQ, which is in memory, still answers: a question that starts a
//! conversation and has a confident answer gets it at once, delivered
//! directly instead of through the outbox ([`Engine::answer_offline`]);
//! when its event is handled later the engine records that answer and
//! sends only its feedback buttons (not before the answer has reached the
//! customer or failed to, or the engine would not know it was given).
//! Every other event waits (tickets, *did you mean*); the adapter refuses
//! button presses and staff commands politely instead, since it must read
//! the database to make them events.
//!
//! While events wait, new ones queue behind them, so the events that
//! arrived during the outage keep their order (one that was in flight when
//! it began may be overtaken). The database counts as back once the backlog
//! is empty and it answers a ping. `/healthz` and `/metrics` say it is down
//! and how many events wait. A backlog that is full refuses more (a counter
//! says how many); a process that dies loses its backlog, which the Discord
//! adapter's catch-up at the next start picks up again from Discord's own
//! history (a question answered offline is then answered a second time).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tokio::sync::Notify;

use crate::delivery::Transport;
use crate::domain::{Action, Decided, Inbound, OutboxId};
use crate::engine::{Engine, EngineError};
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
    /// The engine handled it: what it decided (the actions are in the outbox).
    Done(Decided),
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
            Handled::Done(outcome) => &outcome.actions,
            _ => &[],
        }
    }
}

/// What one step of the recovery did ([`Intake::recover_step`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// It handled (or gave up) the oldest waiting event, or found the
    /// backlog empty and the database back: the next step may follow at once.
    Progress,
    /// The database is still unreachable, or the oldest event failed as if
    /// it were: wait a retry.
    Retry,
    /// The oldest event's answer from the FAQ is on its way: wait for it.
    Held,
}

/// An event waiting for the database.
struct Waiting {
    /// Tells it from the others while it is held.
    id: u64,
    event: Inbound,
    at: DateTime<Utc>,
    /// Its answer from the FAQ may be on its way to the customer: it is
    /// not handled before that is settled, or the engine, not knowing the
    /// answer was given, would answer a second time.
    held: bool,
}

#[derive(Default)]
struct Backlog {
    waiting: VecDeque<Waiting>,
    down: bool,
    /// Failures in a row of the oldest waiting event that looked like an
    /// outage while the database answered a ping.
    front_tries: u32,
    /// The id of the next event to wait.
    next_id: u64,
}

/// What queueing did with an event.
enum Queued<'a> {
    /// It waits, held until this is dropped (see [`Waiting::held`]).
    Waiting(Held<'a>),
    Refused,
}

/// Failures of one waiting event that look like an outage while the
/// database answers a ping, in a row, before the event is given up
/// (generous: just after an outage a pool may still hand out a few broken
/// connections). Failures while the database is away do not count: an
/// outage may last any time.
const GIVE_UP_AFTER: u32 = 20;

/// Counts a failure of the oldest waiting event that looked like an
/// outage; `true` when the event is to be given up.
fn give_up(tries: &mut u32, database_answers: bool) -> bool {
    if !database_answers {
        *tries = 0;
        return false;
    }
    *tries += 1;
    *tries >= GIVE_UP_AFTER
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
    /// Wakes [`Intake::recover_forever`] when a waiting event is released.
    released: Notify,
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
            released: Notify::new(),
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
        self.handle_at(event, Utc::now(), starts_thread).await
    }

    /// [`Intake::handle`] for an event that happened at `at` (a message the
    /// bot reads back after being away).
    pub async fn handle_at(
        &self,
        event: &Inbound,
        at: DateTime<Utc>,
        starts_thread: bool,
    ) -> Handled {
        // Checked and queued in one step: the recovery cannot empty the
        // backlog and declare the database back in between.
        match self.queue_if_down(event, at) {
            Some(Queued::Waiting(held)) => {
                return self.answer_offline(event, at, starts_thread, held).await;
            }
            Some(Queued::Refused) => return Handled::Refused,
            None => {}
        }
        match self.attempt(event, at).await {
            Ok(outcome) => Handled::Done(outcome),
            Err(e) if is_outage(&e) => {
                tracing::warn!(error = %e, "the database is unreachable; events wait for it");
                if matches!(event, Inbound::Tick) {
                    // The timers fire again when it is back.
                    self.set_down();
                    return Handled::Failed;
                }
                match self.queue_going_down(event, at) {
                    Queued::Refused => Handled::Refused,
                    // After a timeout, or a commit cut off, the event may
                    // have been recorded (and answered) after all: no
                    // second answer from the FAQ.
                    Queued::Waiting(_released) if e.may_have_happened() => {
                        Handled::Waiting { answered: false }
                    }
                    Queued::Waiting(held) => {
                        self.answer_offline(event, at, starts_thread, held).await
                    }
                }
            }
            Err(e) => {
                tracing::error!(error = %error_chain(&e), "the engine failed to handle an event");
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
            match self.recover_step().await {
                Step::Progress => {}
                Step::Retry => tokio::time::sleep(retry).await,
                // Released as soon as its answer reached the customer.
                Step::Held => {
                    let _ = tokio::time::timeout(retry, self.released.notified()).await;
                }
            }
        }
    }

    /// Handles the oldest waiting event; when none is left and the
    /// database answers, it counts as back. An event
    /// that keeps failing while the database answers is given up after a
    /// few tries (logged), so one bad event cannot hold every other one
    /// back; whether a failure counts is asked with a ping, one more query
    /// per try while the database is away.
    pub async fn recover_step(&self) -> Step {
        let front = self
            .lock()
            .waiting
            .front()
            .map(|w| (w.event.clone(), w.at, w.held));
        if let Some((_, _, true)) = front {
            return Step::Held;
        }
        let Some((event, at, _)) = front else {
            if !self.database_answers().await {
                return Step::Retry;
            }
            let mut backlog = self.lock();
            if backlog.waiting.is_empty() {
                backlog.down = false;
                drop(backlog);
                self.metrics.set_database_up(true);
                self.metrics.set_backlog(0);
                tracing::info!("the database is back; every waiting event is handled");
            }
            return Step::Progress;
        };
        match self.attempt(&event, at).await {
            Err(e) if is_outage(&e) => {
                let answers = self.database_answers().await;
                let mut backlog = self.lock();
                if !give_up(&mut backlog.front_tries, answers) {
                    tracing::debug!(error = %e, answers, "a waiting event failed; trying again");
                    return Step::Retry;
                }
                let tries = backlog.front_tries;
                drop(backlog);
                tracing::error!(
                    error = %e,
                    tries,
                    "a waiting event keeps failing while the database answers; giving it up"
                );
            }
            Err(e) => tracing::error!(
                error = %error_chain(&e),
                "the engine failed to handle a waiting event"
            ),
            Ok(_) => {}
        }
        let mut backlog = self.lock();
        backlog.waiting.pop_front();
        backlog.front_tries = 0;
        self.metrics.set_backlog(backlog.waiting.len());
        Step::Progress
    }

    /// Whether the database answers a trivial query in time.
    async fn database_answers(&self) -> bool {
        let limit = Duration::from_secs(self.settings.timeout_secs.max(1));
        let queries = self.engine.queries();
        let ping = queries.ping();
        matches!(tokio::time::timeout(limit, ping).await, Ok(Ok(())))
    }

    /// One try of the engine, bounded in time; counts and announces what it decided.
    async fn attempt(&self, event: &Inbound, at: DateTime<Utc>) -> Result<Decided, Attempt> {
        let limit = Duration::from_secs(self.settings.timeout_secs.max(1));
        match tokio::time::timeout(limit, self.engine.decide(event, at)).await {
            Ok(Ok(outcome)) => {
                self.metrics.count(&outcome.actions);
                self.wake.notify_one();
                Ok(outcome)
            }
            Ok(Err(e)) => Err(Attempt::Engine(e)),
            Err(_) => Err(Attempt::TimedOut(limit)),
        }
    }

    /// Queues `event` if events wait already (the database is down);
    /// `None` if it should be tried now.
    fn queue_if_down(&self, event: &Inbound, at: DateTime<Utc>) -> Option<Queued<'_>> {
        let mut backlog = self.lock();
        if !backlog.down {
            return None;
        }
        if matches!(event, Inbound::Tick) {
            return Some(Queued::Refused);
        }
        Some(self.push(&mut backlog, event, at))
    }

    /// Marks the database down and queues `event`, in one step.
    fn queue_going_down(&self, event: &Inbound, at: DateTime<Utc>) -> Queued<'_> {
        let mut backlog = self.lock();
        let queued = self.push(&mut backlog, event, at);
        if !backlog.down {
            backlog.down = true;
            drop(backlog);
            self.metrics.set_database_up(false);
            self.went_down.notify_one();
        }
        queued
    }

    /// Puts `event` at the end of the backlog, held (see [`Waiting::held`]);
    /// refused when the backlog is full.
    fn push(&self, backlog: &mut Backlog, event: &Inbound, at: DateTime<Utc>) -> Queued<'_> {
        if backlog.waiting.len() >= self.settings.backlog_max {
            self.metrics.backlog_refused();
            tracing::error!(
                max = self.settings.backlog_max,
                "the backlog is full while the database is unreachable; an event is lost"
            );
            return Queued::Refused;
        }
        let id = backlog.next_id;
        backlog.next_id += 1;
        backlog.waiting.push_back(Waiting {
            id,
            event: event.clone(),
            at,
            held: true,
        });
        self.metrics.set_backlog(backlog.waiting.len());
        Queued::Waiting(Held { intake: self, id })
    }

    /// Lets waiting event `id` be handled (called in a drop: a poisoned
    /// lock is taken as it is rather than panicking again).
    fn release(&self, id: u64) {
        let mut backlog = self.backlog.lock().unwrap_or_else(PoisonError::into_inner);
        // Held events are the newest: search from the back.
        if let Some(w) = backlog.waiting.iter_mut().rev().find(|w| w.id == id) {
            w.held = false;
        }
        drop(backlog);
        self.released.notify_one();
    }

    /// Answers a waiting question from the FAQ, when it starts its thread
    /// and has a confident answer; the engine remembers it only once the
    /// customer has it. The event is released (`held` dropped) when this
    /// returns or is dropped.
    async fn answer_offline(
        &self,
        event: &Inbound,
        at: DateTime<Utc>,
        starts_thread: bool,
        held: Held<'_>,
    ) -> Handled {
        let _held = held;
        let (Some(direct), Some(answer)) = (
            self.direct.get(),
            self.engine.answer_offline(event, starts_thread, at),
        ) else {
            return Handled::Waiting { answered: false };
        };
        match direct.deliver(OutboxId::DIRECT, &answer.action).await {
            Ok(()) => {
                self.engine.offline_answer_given(event, &answer);
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
    /// failed so): events wait from now on, without each trying it first,
    /// until the recovery finds it answering again.
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

/// Releases a waiting event when dropped, so one whose offline answer was
/// abandoned half-way cannot hold the backlog.
struct Held<'a> {
    intake: &'a Intake,
    id: u64,
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        self.intake.release(self.id);
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

/// An error with every cause, for the log ("database error" alone says nothing).
fn error_chain(e: &dyn std::error::Error) -> String {
    std::iter::successors(Some(e), |e| e.source())
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(": ")
}

impl Attempt {
    /// Whether the engine's change may have been saved all the same.
    fn may_have_happened(&self) -> bool {
        match self {
            Attempt::Engine(e) => e.is_uncertain(),
            Attempt::TimedOut(_) => true,
        }
    }
}

fn is_outage(attempt: &Attempt) -> bool {
    match attempt {
        Attempt::Engine(e) => e.is_unavailable(),
        Attempt::TimedOut(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::StoreError;

    #[test]
    fn a_commit_cut_off_is_an_outage_that_may_have_happened() {
        let io = || std::io::Error::from(std::io::ErrorKind::ConnectionReset);
        let cut = Attempt::Engine(EngineError::Store(StoreError::CommitUncertain(
            sqlx::Error::Io(io()),
        )));
        assert!(is_outage(&cut) && cut.may_have_happened());
        let refused = Attempt::Engine(EngineError::Store(StoreError::Database(sqlx::Error::Io(
            io(),
        ))));
        assert!(is_outage(&refused) && !refused.may_have_happened());
        assert!(Attempt::TimedOut(Duration::from_secs(1)).may_have_happened());
    }

    #[test]
    fn failures_while_the_database_is_away_do_not_count_towards_giving_up() {
        let mut tries = 0;
        for _ in 0..100 {
            assert!(!give_up(&mut tries, false), "an outage may last any time");
        }
        // Just after it, one broken connection from the pool is no reason.
        assert!(!give_up(&mut tries, true));
        assert_eq!(tries, 1);
    }

    #[test]
    fn an_event_failing_while_the_database_answers_is_given_up_after_a_few_tries() {
        let mut tries = 0;
        for _ in 1..GIVE_UP_AFTER {
            assert!(!give_up(&mut tries, true));
        }
        assert!(give_up(&mut tries, true));
        // The database going away in between starts the count again.
        let mut tries = GIVE_UP_AFTER - 1;
        assert!(!give_up(&mut tries, false));
        assert!(!give_up(&mut tries, true));
    }
}
