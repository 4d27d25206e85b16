//! Tickets: opened once, claimed by one, changed only by who may.

use chrono::Duration;
use frontline::engine::{Detail, Rating, ThreadRef};
use frontline::knowledge::{ContractLevel, ContractTerms, Need, Service};
use frontline::store::{Claim, Guarded, Opened, Store, TicketState};

use crate::helpers::{alice, bob, conversation, new_ticket, t0};
use crate::on_both_backends;
use crate::support::{Backend, TestDb};

on_both_backends!(
    retrying_an_escalation_returns_the_same_ticket,
    a_conversation_has_one_open_ticket_at_a_time,
    a_claim_is_won_once_and_losers_learn_the_winner,
    only_the_claimer_may_unclaim_and_unclaiming_restarts_the_wait,
    resolving_needs_the_claimer_and_reopening_needs_a_free_conversation,
    a_rating_is_recorded_once,
    reminders_are_marked_once_per_level,
);

async fn open(store: &dyn Store, t: &frontline::store::NewTicket) -> Opened {
    let mut tx = store.begin().await.unwrap();
    let opened = tx.open_ticket(t).await.unwrap();
    tx.commit().await.unwrap();
    opened
}

async fn retrying_an_escalation_returns_the_same_ticket(backend: Backend) {
    let Some(db) = TestDb::on(backend).await else {
        return;
    };
    let conv = conversation(&*db.store, "thread-1").await;
    let Opened::New(first) = open(&*db.store, &new_ticket(&conv, "m1")).await else {
        panic!("the first escalation opens a ticket");
    };
    let Opened::Existing(again) = open(&*db.store, &new_ticket(&conv, "m1")).await else {
        panic!("the retry opens nothing");
    };
    assert_eq!(first.id, again.id);
    assert_eq!(first.question(), "the coffee machine leaks");
    assert_eq!(db.store.tickets(&[]).await.unwrap().len(), 1);
    db.cleanup().await;
}

async fn a_conversation_has_one_open_ticket_at_a_time(backend: Backend) {
    let Some(db) = TestDb::on(backend).await else {
        return;
    };
    let conv = conversation(&*db.store, "thread-1").await;
    let Opened::New(first) = open(&*db.store, &new_ticket(&conv, "m1")).await else {
        panic!()
    };
    let Opened::Existing(same) = open(&*db.store, &new_ticket(&conv, "m2")).await else {
        panic!("a second message does not open a second ticket");
    };
    assert_eq!(same.id, first.id);
    let mut tx = db.store.begin().await.unwrap();
    tx.resolve(first.id, &alice(), "replaced the seal", t0())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let Opened::New(next) = open(&*db.store, &new_ticket(&conv, "m3")).await else {
        panic!("after resolving, a new problem gets a new ticket");
    };
    assert_ne!(next.id, first.id);
    // Staff commands in the thread act on its newest ticket.
    let other = conversation(&*db.store, "thread-2").await;
    open(&*db.store, &new_ticket(&other, "m4")).await;
    let latest = |thread: &str| {
        let thread = ThreadRef(thread.into());
        let store = &db.store;
        async move { store.latest_ticket_of(&thread).await.unwrap().map(|t| t.id) }
    };
    assert_eq!(latest("thread-1").await, Some(next.id));
    assert_eq!(latest("thread-3").await, None);
    db.cleanup().await;
}

async fn a_claim_is_won_once_and_losers_learn_the_winner(backend: Backend) {
    let Some(db) = TestDb::on(backend).await else {
        return;
    };
    let conv = conversation(&*db.store, "thread-1").await;
    let Opened::New(t) = open(&*db.store, &new_ticket(&conv, "m1")).await else {
        panic!()
    };
    let later = t0() + Duration::minutes(3);
    let mut tx = db.store.begin().await.unwrap();
    let Claim::Won(claimed) = tx.claim(t.id, &alice(), later).await.unwrap() else {
        panic!()
    };
    tx.commit().await.unwrap();
    assert_eq!(claimed.state, TicketState::Claimed);
    assert_eq!(claimed.claimed_by, Some(alice()));
    assert_eq!(claimed.first_claimed_at, Some(later));
    let mut tx = db.store.begin().await.unwrap();
    assert_eq!(
        tx.claim(t.id, &bob(), later).await.unwrap(),
        Claim::AlreadyClaimed { by: alice() }
    );
    assert_eq!(
        tx.claim(frontline::engine::TicketId(999), &bob(), later)
            .await
            .unwrap(),
        Claim::Missing
    );
    drop(tx);
    db.cleanup().await;
}

async fn only_the_claimer_may_unclaim_and_unclaiming_restarts_the_wait(backend: Backend) {
    let Some(db) = TestDb::on(backend).await else {
        return;
    };
    let conv = conversation(&*db.store, "thread-1").await;
    let Opened::New(t) = open(&*db.store, &new_ticket(&conv, "m1")).await else {
        panic!()
    };
    let mut tx = db.store.begin().await.unwrap();
    tx.claim(t.id, &alice(), t0()).await.unwrap();
    assert!(matches!(
        tx.unclaim(t.id, &bob(), t0()).await.unwrap(),
        Guarded::Refused(_)
    ));
    let back = t0() + Duration::minutes(30);
    let Guarded::Done(open_again) = tx.unclaim(t.id, &alice(), back).await.unwrap() else {
        panic!("the claimer may give it back");
    };
    tx.commit().await.unwrap();
    assert_eq!(open_again.state, TicketState::Open);
    assert_eq!(open_again.claimed_by, None);
    assert_eq!(open_again.waiting_since, back);
    assert_eq!(
        open_again.first_claimed_at,
        Some(t0()),
        "the first claim is kept for stats"
    );
    db.cleanup().await;
}

async fn resolving_needs_the_claimer_and_reopening_needs_a_free_conversation(backend: Backend) {
    let Some(db) = TestDb::on(backend).await else {
        return;
    };
    let conv = conversation(&*db.store, "thread-1").await;
    let Opened::New(t) = open(&*db.store, &new_ticket(&conv, "m1")).await else {
        panic!()
    };
    let mut tx = db.store.begin().await.unwrap();
    tx.claim(t.id, &alice(), t0()).await.unwrap();
    assert!(matches!(
        tx.resolve(t.id, &bob(), "x", t0()).await.unwrap(),
        Guarded::Refused(_)
    ));
    let Guarded::Done(done) = tx
        .resolve(t.id, &alice(), "replaced the seal", t0())
        .await
        .unwrap()
    else {
        panic!("the claimer resolves");
    };
    assert_eq!(done.state, TicketState::Resolved);
    assert_eq!(done.resolution.as_deref(), Some("replaced the seal"));
    assert_eq!(done.resolved_by, Some(alice()));
    let Guarded::Done(reopened) = tx.reopen(t.id, t0()).await.unwrap() else {
        panic!()
    };
    assert_eq!(
        reopened.state,
        TicketState::Claimed,
        "it goes back to its claimer"
    );
    assert_eq!(reopened.resolution, None);
    tx.resolve(t.id, &alice(), "done", t0()).await.unwrap();
    tx.commit().await.unwrap();
    let Opened::New(_other) = open(&*db.store, &new_ticket(&conv, "m2")).await else {
        panic!()
    };
    let mut tx = db.store.begin().await.unwrap();
    assert!(
        matches!(tx.reopen(t.id, t0()).await.unwrap(), Guarded::Refused(_)),
        "not while the conversation has another open ticket"
    );
    drop(tx);
    db.cleanup().await;
}

async fn a_rating_is_recorded_once(backend: Backend) {
    let Some(db) = TestDb::on(backend).await else {
        return;
    };
    let conv = conversation(&*db.store, "thread-1").await;
    let Opened::New(t) = open(&*db.store, &new_ticket(&conv, "m1")).await else {
        panic!()
    };
    let five = Rating::try_from(5).unwrap();
    let mut tx = db.store.begin().await.unwrap();
    assert!(
        !tx.rate(t.id, five).await.unwrap(),
        "not before it is resolved"
    );
    tx.resolve(t.id, &alice(), "done", t0()).await.unwrap();
    assert!(tx.rate(t.id, five).await.unwrap());
    assert!(!tx.rate(t.id, Rating::try_from(1).unwrap()).await.unwrap());
    tx.commit().await.unwrap();
    assert_eq!(
        db.store.ticket(t.id).await.unwrap().unwrap().rating,
        Some(5)
    );
    db.cleanup().await;
}

async fn reminders_are_marked_once_per_level(backend: Backend) {
    let Some(db) = TestDb::on(backend).await else {
        return;
    };
    let conv = conversation(&*db.store, "thread-1").await;
    let Opened::New(t) = open(&*db.store, &new_ticket(&conv, "m1")).await else {
        panic!()
    };
    let at = |m| t0() + Duration::minutes(m);
    let (first, loud) = (Duration::minutes(15), Duration::minutes(60));
    let due = |m| db.store.due_pings(at(m), first, loud);
    assert!(due(0).await.unwrap().is_empty());
    let now_due = due(16).await.unwrap();
    assert_eq!(now_due.len(), 1);
    assert_eq!(now_due[0].level, 1);
    let mut tx = db.store.begin().await.unwrap();
    assert!(tx.mark_pinged(t.id, 1).await.unwrap());
    assert!(
        !tx.mark_pinged(t.id, 1).await.unwrap(),
        "another instance does not ping again"
    );
    tx.commit().await.unwrap();
    assert!(due(16).await.unwrap().is_empty());
    assert_eq!(due(61).await.unwrap()[0].level, 2);

    // A ticket whose contract promises a response within 20 minutes keeps
    // its terms (and the details the customer gave) and is due at 10 and
    // 15 minutes.
    let conv = conversation(&*db.store, "thread-2").await;
    let mut new = new_ticket(&conv, "m2");
    new.contract = Some(ContractTerms {
        id: "berger".into(),
        customer: "Kanzlei Berger".into(),
        level: ContractLevel::Vollwartung,
        includes: vec![Service::Remote],
        response_minutes: 20,
        resolution_minutes: 240,
    });
    new.details = vec![Detail {
        need: Need::Host,
        value: "pc-042.office.local".into(),
    }];
    let Opened::New(c) = open(&*db.store, &new).await else {
        panic!()
    };
    let stored = db.store.ticket(c.id).await.unwrap().unwrap();
    assert_eq!(
        (stored.contract, stored.details),
        (new.contract, new.details)
    );
    let levels = |due: Vec<frontline::store::DuePing>| -> Vec<(i64, i64)> {
        due.iter().map(|d| (d.ticket.0, d.level)).collect()
    };
    assert_eq!(levels(due(9).await.unwrap()), []);
    assert_eq!(levels(due(10).await.unwrap()), [(c.id.0, 1)]);
    assert_eq!(levels(due(15).await.unwrap()), [(c.id.0, 2)]);
    db.cleanup().await;
}
