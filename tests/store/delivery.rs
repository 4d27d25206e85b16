//! The delivery worker: one step at a time, with retries and backoff.

use std::sync::Mutex;
use std::time::Duration as StdDuration;

use async_trait::async_trait;
use chrono::Duration;
use frontline::delivery::{Delivery, DeliveryError, DeliverySettings, Outcome, Transport};
use frontline::engine::{Action, OutboxId, ThreadRef};
use frontline::store::{Lease, Scope, Store};

use crate::helpers::t0;
use crate::on_both_backends;
use crate::support::{Backend, TestDb};

on_both_backends!(
    a_delivered_action_is_not_delivered_again,
    a_failing_delivery_backs_off_and_then_gives_up,
    a_platform_retry_after_is_honoured_and_permanent_failures_stop_at_once,
    a_worker_restarted_under_its_name_takes_back_a_dead_runs_lease_at_once,
    a_slow_delivery_renews_its_lease_so_no_other_worker_takes_the_row,
);

/// A transport that records what it delivers and fails as told.
struct Recorder {
    delivered: Mutex<Vec<Action>>,
    fail_with: Mutex<Vec<DeliveryError>>,
}

impl Recorder {
    fn new(failures: Vec<DeliveryError>) -> Self {
        Recorder {
            delivered: Mutex::new(Vec::new()),
            fail_with: Mutex::new(failures),
        }
    }
}

#[async_trait]
impl Transport for Recorder {
    fn scope(&self) -> Scope {
        Scope::All
    }
    async fn deliver(&self, _id: OutboxId, action: &Action) -> Result<(), DeliveryError> {
        if let Some(e) = self.fail_with.lock().unwrap().pop() {
            return Err(e);
        }
        self.delivered.lock().unwrap().push(action.clone());
        Ok(())
    }
}

async fn one_action(store: &dyn Store) {
    let mut tx = store.begin().await.unwrap();
    let a = Action::Say {
        thread: ThreadRef("t1".into()),
        text: "hello".into(),
        buttons: Vec::new(),
    };
    tx.enqueue(&a, None, t0()).await.unwrap();
    tx.commit().await.unwrap();
}

fn settings() -> DeliverySettings {
    DeliverySettings {
        max_attempts: 3,
        backoff_base_secs: 2,
        backoff_max_secs: 600,
        lease_secs: 60,
    }
}

async fn a_delivered_action_is_not_delivered_again(backend: Backend) {
    let Some(db) = TestDb::on(backend).await else {
        return;
    };
    one_action(&*db.store).await;
    let worker = Delivery::new(db.store.clone(), settings());
    let transport = Recorder::new(Vec::new());
    assert!(matches!(
        worker.try_deliver_one(&transport, t0()).await.unwrap(),
        Outcome::Delivered(_)
    ));
    let much_later = t0() + Duration::days(1);
    assert_eq!(
        worker
            .try_deliver_one(&transport, much_later)
            .await
            .unwrap(),
        Outcome::Idle
    );
    assert_eq!(transport.delivered.lock().unwrap().len(), 1);
    db.cleanup().await;
}

async fn a_failing_delivery_backs_off_and_then_gives_up(backend: Backend) {
    let Some(db) = TestDb::on(backend).await else {
        return;
    };
    one_action(&*db.store).await;
    let worker = Delivery::new(db.store.clone(), settings());
    let down = || DeliveryError::transient("503 Service Unavailable");
    let transport = Recorder::new(vec![down(), down(), down()]);
    let Outcome::Retrying {
        at, attempts: 1, ..
    } = worker.try_deliver_one(&transport, t0()).await.unwrap()
    else {
        panic!("the first failure is retried");
    };
    assert_eq!(at, t0() + Duration::seconds(2));
    assert_eq!(
        worker
            .try_deliver_one(&transport, at - Duration::seconds(1))
            .await
            .unwrap(),
        Outcome::Idle
    );
    let Outcome::Retrying {
        at: at2,
        attempts: 2,
        ..
    } = worker.try_deliver_one(&transport, at).await.unwrap()
    else {
        panic!("the second failure is retried");
    };
    assert_eq!(at2, at + Duration::seconds(4), "the wait doubles");
    assert!(matches!(
        worker.try_deliver_one(&transport, at2).await.unwrap(),
        Outcome::GaveUp(_)
    ));
    assert_eq!(db.store.pending_actions(&Scope::All).await.unwrap(), 0);
    assert!(transport.delivered.lock().unwrap().is_empty());
    db.cleanup().await;
}

async fn a_platform_retry_after_is_honoured_and_permanent_failures_stop_at_once(backend: Backend) {
    let Some(db) = TestDb::on(backend).await else {
        return;
    };
    one_action(&*db.store).await;
    one_action(&*db.store).await;
    let worker = Delivery::new(db.store.clone(), settings());
    let limited = DeliveryError {
        message: "429 Too Many Requests".into(),
        retry_after: Some(StdDuration::from_secs(30)),
        permanent: false,
    };
    let transport = Recorder::new(vec![
        DeliveryError::permanent("404 Unknown Channel"),
        limited,
    ]);
    let Outcome::Retrying { at, .. } = worker.try_deliver_one(&transport, t0()).await.unwrap()
    else {
        panic!()
    };
    assert_eq!(at, t0() + Duration::seconds(30));
    assert!(matches!(
        worker.try_deliver_one(&transport, at).await.unwrap(),
        Outcome::GaveUp(_)
    ));
    assert!(matches!(
        worker.try_deliver_one(&transport, at).await.unwrap(),
        Outcome::Delivered(_)
    ));
    db.cleanup().await;
}

async fn a_worker_restarted_under_its_name_takes_back_a_dead_runs_lease_at_once(backend: Backend) {
    let Some(db) = TestDb::on(backend).await else {
        return;
    };
    one_action(&*db.store).await;
    // Worker 2 of the last run of "bot-1" took the row and was killed
    // before finishing it.
    let dead = Lease {
        until: t0() + Duration::seconds(60),
        holder: "bot-1/w2".into(),
    };
    db.store
        .take_action(&Scope::All, t0(), &dead)
        .await
        .unwrap()
        .unwrap();
    let transport = Recorder::new(Vec::new());
    let other = Delivery::new(db.store.clone(), settings()).holder("bot-10/w2");
    assert_eq!(Delivery::take_back(&*db.store, "bot-10").await.unwrap(), 0);
    assert_eq!(
        Delivery::take_back(&*db.store, "bot-%").await.unwrap(),
        0,
        "a name, not a pattern"
    );
    assert_eq!(
        other.try_deliver_one(&transport, t0()).await.unwrap(),
        Outcome::Idle,
        "another process waits for the lease"
    );
    let restarted = Delivery::new(db.store.clone(), settings()).holder("bot-1/w0");
    assert_eq!(Delivery::take_back(&*db.store, "bot-1").await.unwrap(), 1);
    assert!(matches!(
        restarted.try_deliver_one(&transport, t0()).await.unwrap(),
        Outcome::Delivered(_)
    ));
    assert_eq!(transport.delivered.lock().unwrap().len(), 1);
    db.cleanup().await;
}

/// A transport that takes its time, while another worker keeps trying.
struct Slow(StdDuration);

#[async_trait]
impl Transport for Slow {
    fn scope(&self) -> Scope {
        Scope::All
    }
    async fn deliver(&self, _id: OutboxId, _action: &Action) -> Result<(), DeliveryError> {
        tokio::time::sleep(self.0).await;
        Ok(())
    }
}

async fn a_slow_delivery_renews_its_lease_so_no_other_worker_takes_the_row(backend: Backend) {
    let Some(db) = TestDb::on(backend).await else {
        return;
    };
    one_action(&*db.store).await;
    let short = DeliverySettings {
        lease_secs: 2,
        ..settings()
    };
    let slow = Delivery::new(db.store.clone(), short.clone()).holder("slow");
    let delivering = tokio::spawn(async move {
        slow.try_deliver_one(&Slow(StdDuration::from_millis(6000)), t0())
            .await
            .unwrap()
    });
    // After the first lease would have run out (2 s), the row is still
    // held: the first renewal, a third of the lease (0.67 s) in, holds it
    // until 2.67 s, and had 2.8 s to be saved however slowly this machine
    // runs.
    tokio::time::sleep(StdDuration::from_millis(3500)).await;
    let other = Delivery::new(db.store.clone(), short).holder("other");
    let transport = Recorder::new(Vec::new());
    assert_eq!(
        other
            .try_deliver_one(&transport, t0() + Duration::milliseconds(2500))
            .await
            .unwrap(),
        Outcome::Idle
    );
    assert!(matches!(delivering.await.unwrap(), Outcome::Delivered(_)));
    assert!(transport.delivered.lock().unwrap().is_empty());
    db.cleanup().await;
}
