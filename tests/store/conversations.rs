//! Conversations and their events.

use frontline::engine::{SourceKey, State, ThreadRef};
use frontline::store::{ActorKind, NewEvent, Store, StoreError};

use crate::helpers::{conversation, t0, una};
use crate::on_both_backends;
use crate::support::{Backend, TestDb};

on_both_backends!(
    a_thread_has_one_conversation,
    a_save_over_a_stale_version_is_a_conflict,
    an_inbound_event_is_recorded_once,
    an_uncommitted_change_leaves_no_trace,
    the_newest_source_is_the_last_recorded_before_a_moment,
);

async fn a_thread_has_one_conversation(backend: Backend) {
    let Some(db) = TestDb::on(backend).await else {
        return;
    };
    let first = conversation(&*db.store, "thread-1").await;
    let again = conversation(&*db.store, "thread-1").await;
    let other = conversation(&*db.store, "thread-2").await;
    assert_eq!(first.id, again.id);
    assert_ne!(first.id, other.id);
    let found = db
        .store
        .conversation_by_thread(&ThreadRef("thread-1".into()))
        .await
        .unwrap();
    assert_eq!(found.unwrap().customer, una());
    db.cleanup().await;
}

async fn a_save_over_a_stale_version_is_a_conflict(backend: Backend) {
    let Some(db) = TestDb::on(backend).await else {
        return;
    };
    let mut mine = conversation(&*db.store, "thread-1").await;
    let mut theirs = mine.clone();
    theirs.state.topic.push("their message".into());
    let mut tx = db.store.begin().await.unwrap();
    tx.save_conversation(&theirs).await.unwrap();
    tx.commit().await.unwrap();

    mine.state = State::default();
    let mut tx = db.store.begin().await.unwrap();
    let err = tx.save_conversation(&mine).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict), "{err:?}");
    drop(tx);
    let stored = db.store.conversation(mine.id).await.unwrap().unwrap();
    assert_eq!(stored.state.topic, ["their message"]);
    assert_eq!(stored.version, mine.version + 1);
    db.cleanup().await;
}

async fn an_inbound_event_is_recorded_once(backend: Backend) {
    let Some(db) = TestDb::on(backend).await else {
        return;
    };
    let conv = conversation(&*db.store, "thread-1").await;
    let event = NewEvent {
        conversation: conv.id,
        ticket: None,
        at: t0(),
        actor: ActorKind::Customer,
        person: Some(una()),
        kind: "message",
        text: "hello?".into(),
        source: Some(SourceKey::new("test", "m1")),
    };
    let mut tx = db.store.begin().await.unwrap();
    assert!(tx.record_event(&event).await.unwrap());
    tx.commit().await.unwrap();
    let mut tx = db.store.begin().await.unwrap();
    assert!(
        !tx.record_event(&event).await.unwrap(),
        "a repeat is refused"
    );
    let unsourced = NewEvent {
        source: None,
        ..event.clone()
    };
    assert!(tx.record_event(&unsourced).await.unwrap());
    assert!(
        tx.record_event(&unsourced).await.unwrap(),
        "events without a source always count"
    );
    tx.commit().await.unwrap();
    let events = db.store.events(conv.id).await.unwrap();
    assert_eq!(events.len(), 3);
    assert_eq!(events[0].text, "hello?");
    assert_eq!(events[0].actor_name.as_deref(), Some("Una"));
    db.cleanup().await;
}

async fn the_newest_source_is_the_last_recorded_before_a_moment(backend: Backend) {
    let Some(db) = TestDb::on(backend).await else {
        return;
    };
    let conv = conversation(&*db.store, "thread-1").await;
    let at = |minutes: i64, id: &str| NewEvent {
        conversation: conv.id,
        ticket: None,
        at: t0() + chrono::Duration::minutes(minutes),
        actor: ActorKind::Customer,
        person: Some(una()),
        kind: "message",
        text: "hello?".into(),
        source: Some(SourceKey::new("discord", id)),
    };
    let newest = |before: i64| {
        let store = db.store.clone();
        async move {
            store
                .newest_source("discord", t0() + chrono::Duration::minutes(before))
                .await
                .unwrap()
        }
    };
    assert_eq!(newest(60).await, None);
    let mut tx = db.store.begin().await.unwrap();
    tx.record_event(&at(0, "100")).await.unwrap();
    tx.record_event(&at(10, "200")).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(newest(60).await, Some(200));
    assert_eq!(newest(10).await, Some(100), "strictly before the moment");
    assert_eq!(newest(0).await, None);
    db.cleanup().await;
}

async fn an_uncommitted_change_leaves_no_trace(backend: Backend) {
    let Some(db) = TestDb::on(backend).await else {
        return;
    };
    let conv = conversation(&*db.store, "thread-1").await;
    let mut tx = db.store.begin().await.unwrap();
    tx.record_event(&NewEvent {
        conversation: conv.id,
        ticket: None,
        at: t0(),
        actor: ActorKind::Bot,
        person: None,
        kind: "bot",
        text: "never said".into(),
        source: None,
    })
    .await
    .unwrap();
    drop(tx);
    assert!(db.store.events(conv.id).await.unwrap().is_empty());
    db.cleanup().await;
}
