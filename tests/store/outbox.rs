//! The outbox: written with the change, taken under a lease, in order per route.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::Duration;
use frontline::engine::{Action, ConversationId, ThreadRef, UserId};
use frontline::store::{Finish, Lease, Scope, Store};
use tokio::sync::Mutex;

use crate::helpers::t0;
use crate::on_both_backends;
use crate::support::{Backend, TestDb};

on_both_backends!(
    actions_are_written_only_when_their_change_commits,
    a_route_is_delivered_in_order_even_when_one_fails,
    a_taken_row_is_not_taken_again_until_its_lease_ends,
    a_renewed_lease_keeps_the_row_and_only_its_holder_renews_it,
    a_restarted_holder_takes_back_its_rows_at_once,
    a_worker_whose_lease_ran_out_cannot_overwrite_the_retaking_workers_outcome,
    a_transport_sees_only_its_routes,
    concurrent_workers_never_take_the_same_row,
);

/// A lease until `until`, held by one worker.
fn held(until: chrono::DateTime<chrono::Utc>) -> Lease {
    Lease {
        until,
        holder: "worker-1".into(),
    }
}

fn say(thread: &str, text: &str) -> Action {
    Action::Say {
        thread: ThreadRef(thread.into()),
        text: text.into(),
        buttons: Vec::new(),
    }
}

async fn enqueue(store: &dyn Store, actions: &[Action]) {
    let mut tx = store.begin().await.unwrap();
    for a in actions {
        tx.enqueue(a, None::<ConversationId>, t0()).await.unwrap();
    }
    tx.commit().await.unwrap();
}

async fn actions_are_written_only_when_their_change_commits(backend: Backend) {
    let Some(db) = TestDb::on(backend).await else {
        return;
    };
    let mut tx = db.store.begin().await.unwrap();
    tx.enqueue(&say("t1", "lost"), None, t0()).await.unwrap();
    drop(tx);
    assert_eq!(db.store.pending_actions(&Scope::All).await.unwrap(), 0);
    enqueue(&*db.store, &[say("t1", "kept")]).await;
    assert_eq!(db.store.pending_actions(&Scope::All).await.unwrap(), 1);
    db.cleanup().await;
}

async fn a_route_is_delivered_in_order_even_when_one_fails(backend: Backend) {
    let Some(db) = TestDb::on(backend).await else {
        return;
    };
    enqueue(
        &*db.store,
        &[say("t1", "first"), say("t1", "second"), say("t2", "other")],
    )
    .await;
    let lease = t0() + Duration::seconds(60);
    let first = db
        .store
        .take_action(&Scope::All, t0(), &held(lease))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first.action, say("t1", "first"));
    let retry = t0() + Duration::seconds(10);
    db.store
        .finish_action(
            first.id,
            first.attempts,
            Finish::RetryAt(retry, "503".into()),
            t0(),
        )
        .await
        .unwrap();
    let next = db
        .store
        .take_action(&Scope::All, t0(), &held(lease))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        next.action,
        say("t2", "other"),
        "t1's second message waits for its first"
    );
    db.store
        .finish_action(next.id, next.attempts, Finish::Delivered, t0())
        .await
        .unwrap();
    assert_eq!(
        db.store
            .take_action(&Scope::All, t0(), &held(lease))
            .await
            .unwrap(),
        None
    );
    let again = db
        .store
        .take_action(&Scope::All, retry, &held(lease))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((again.id, again.attempts), (first.id, 2));
    db.store
        .finish_action(
            again.id,
            again.attempts,
            Finish::GiveUp("gone".into()),
            retry,
        )
        .await
        .unwrap();
    let second = db
        .store
        .take_action(&Scope::All, retry, &held(lease))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        second.action,
        say("t1", "second"),
        "a row given up no longer blocks its route"
    );
    db.cleanup().await;
}

async fn a_taken_row_is_not_taken_again_until_its_lease_ends(backend: Backend) {
    let Some(db) = TestDb::on(backend).await else {
        return;
    };
    enqueue(&*db.store, &[say("t1", "hello")]).await;
    let lease_end = t0() + Duration::seconds(60);
    let taken = db
        .store
        .take_action(&Scope::All, t0(), &held(lease_end))
        .await
        .unwrap()
        .unwrap();
    let soon = t0() + Duration::seconds(30);
    assert_eq!(
        db.store
            .take_action(&Scope::All, soon, &held(lease_end))
            .await
            .unwrap(),
        None
    );
    // The worker died without finishing: after the lease another one delivers it.
    let retaken = db
        .store
        .take_action(
            &Scope::All,
            lease_end,
            &held(lease_end + Duration::seconds(60)),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(retaken.id, taken.id);
    db.cleanup().await;
}

async fn a_transport_sees_only_its_routes(backend: Backend) {
    let Some(db) = TestDb::on(backend).await else {
        return;
    };
    let private = Action::Ephemeral {
        user: UserId("test:una".into()),
        text: "only for Una".into(),
    };
    enqueue(
        &*db.store,
        &[say("t1", "for t1"), say("t2", "for t2"), private.clone()],
    )
    .await;
    let una = Scope::Routes(vec!["thread:t2".into(), "user:test:una".into()]);
    let lease = t0() + Duration::seconds(60);
    let mut seen = Vec::new();
    while let Some(item) = db
        .store
        .take_action(&una, t0(), &held(lease))
        .await
        .unwrap()
    {
        db.store
            .finish_action(item.id, item.attempts, Finish::Delivered, t0())
            .await
            .unwrap();
        seen.push(item.action);
    }
    assert_eq!(seen, [say("t2", "for t2"), private]);
    assert_eq!(db.store.pending_actions(&Scope::All).await.unwrap(), 1);
    db.cleanup().await;
}

async fn concurrent_workers_never_take_the_same_row(backend: Backend) {
    let Some(db) = TestDb::on(backend).await else {
        return;
    };
    let actions: Vec<Action> = (0..40).map(|i| say(&format!("t{i}"), "hi")).collect();
    enqueue(&*db.store, &actions).await;
    let second = db.another_instance().await;
    let taken = Arc::new(Mutex::new(Vec::new()));
    let lease = t0() + Duration::seconds(60);
    let mut workers = Vec::new();
    for w in 0..8 {
        let store: Arc<dyn Store> = if w % 2 == 0 {
            db.store.clone()
        } else {
            second.clone()
        };
        let taken = taken.clone();
        workers.push(tokio::spawn(async move {
            while let Some(item) = store
                .take_action(&Scope::All, t0(), &held(lease))
                .await
                .unwrap()
            {
                store
                    .finish_action(item.id, item.attempts, Finish::Delivered, t0())
                    .await
                    .unwrap();
                taken.lock().await.push(item.id);
            }
        }));
    }
    for w in workers {
        w.await.unwrap();
    }
    let taken = taken.lock().await;
    let unique: HashSet<_> = taken.iter().collect();
    assert_eq!(taken.len(), 40);
    assert_eq!(unique.len(), 40, "no row was delivered twice");
    second.close().await;
    db.cleanup().await;
}

async fn a_renewed_lease_keeps_the_row_and_only_its_holder_renews_it(backend: Backend) {
    let Some(db) = TestDb::on(backend).await else {
        return;
    };
    enqueue(&*db.store, &[say("t1", "slow upload")]).await;
    let first_end = t0() + Duration::seconds(5);
    let taken = db
        .store
        .take_action(&Scope::All, t0(), &held(first_end))
        .await
        .unwrap()
        .unwrap();
    // The delivery runs long; its worker renews the lease before it ends.
    let renewed_end = first_end + Duration::seconds(5);
    assert!(
        db.store
            .renew_lease(taken.id, &held(renewed_end))
            .await
            .unwrap()
    );
    let stranger = Lease {
        until: renewed_end + Duration::seconds(60),
        holder: "worker-2".into(),
    };
    assert!(
        !db.store.renew_lease(taken.id, &stranger).await.unwrap(),
        "only the holder renews"
    );
    assert_eq!(
        db.store
            .take_action(&Scope::All, first_end, &stranger)
            .await
            .unwrap(),
        None,
        "the renewed lease still holds after the first one would have ended"
    );
    let after = db
        .store
        .take_action(&Scope::All, renewed_end, &stranger)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after.id, taken.id);
    db.cleanup().await;
}

async fn a_restarted_holder_takes_back_its_rows_at_once(backend: Backend) {
    let Some(db) = TestDb::on(backend).await else {
        return;
    };
    enqueue(
        &*db.store,
        &[say("staff", "card #1"), say("staff", "card #2")],
    )
    .await;
    let lease_end = t0() + Duration::seconds(60);
    let held_by_dead = db
        .store
        .take_action(&Scope::All, t0(), &held(lease_end))
        .await
        .unwrap()
        .unwrap();
    let other = Lease {
        until: lease_end,
        holder: "other-instance".into(),
    };
    // The process died holding card #1: its route waits for the lease ...
    assert_eq!(
        db.store
            .take_action(&Scope::All, t0(), &other)
            .await
            .unwrap(),
        None
    );
    // ... until the same holder starts again and frees what it held.
    assert_eq!(db.store.release_leases("other-instance").await.unwrap(), 0);
    assert_eq!(db.store.release_leases("worker-1").await.unwrap(), 1);
    let again = db
        .store
        .take_action(&Scope::All, t0(), &held(lease_end))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.id, held_by_dead.id);
    db.cleanup().await;
}

async fn a_worker_whose_lease_ran_out_cannot_overwrite_the_retaking_workers_outcome(
    backend: Backend,
) {
    let Some(db) = TestDb::on(backend).await else {
        return;
    };
    enqueue(&*db.store, &[say("staff", "card #1")]).await;
    let lease_end = t0() + Duration::seconds(5);
    let slow = db
        .store
        .take_action(&Scope::All, t0(), &held(lease_end))
        .await
        .unwrap()
        .unwrap();
    let other = Lease {
        until: lease_end + Duration::seconds(5),
        holder: "worker-2".into(),
    };
    let retaken = db
        .store
        .take_action(&Scope::All, lease_end, &other)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((retaken.id, retaken.attempts), (slow.id, 2));
    // The slow worker's late failure does not undo the new attempt ...
    let late = Finish::RetryAt(lease_end + Duration::seconds(60), "timeout".into());
    assert!(
        !db.store
            .finish_action(slow.id, slow.attempts, late, lease_end)
            .await
            .unwrap()
    );
    // ... whose outcome counts.
    assert!(
        db.store
            .finish_action(retaken.id, retaken.attempts, Finish::Delivered, lease_end)
            .await
            .unwrap()
    );
    assert_eq!(db.store.pending_actions(&Scope::All).await.unwrap(), 0);
    db.cleanup().await;
}
