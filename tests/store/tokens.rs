//! Interaction tokens: the latest per user, for private notices sent by any
//! instance.

use chrono::Duration;

use crate::helpers::t0;
use crate::on_both_backends;
use crate::support::{Backend, TestDb};

on_both_backends!(
    the_latest_token_of_a_user_is_kept,
    a_token_received_before_the_cut_off_is_not_given_out,
    another_instance_reads_the_token,
);

async fn the_latest_token_of_a_user_is_kept(backend: Backend) {
    let Some(db) = TestDb::on(backend).await else {
        return;
    };
    let s = &db.store;
    s.record_interaction("discord:1", "first", t0())
        .await
        .unwrap();
    s.record_interaction("discord:1", "second", t0() + Duration::seconds(5))
        .await
        .unwrap();
    // A late write of an older interaction does not replace a newer one.
    s.record_interaction("discord:1", "stale", t0() + Duration::seconds(1))
        .await
        .unwrap();
    s.record_interaction("discord:2", "other", t0())
        .await
        .unwrap();
    assert_eq!(
        s.interaction_token("discord:1", t0())
            .await
            .unwrap()
            .as_deref(),
        Some("second")
    );
    assert_eq!(
        s.interaction_token("discord:2", t0())
            .await
            .unwrap()
            .as_deref(),
        Some("other")
    );
    assert_eq!(s.interaction_token("discord:3", t0()).await.unwrap(), None);
    db.cleanup().await;
}

async fn a_token_received_before_the_cut_off_is_not_given_out(backend: Backend) {
    let Some(db) = TestDb::on(backend).await else {
        return;
    };
    let s = &db.store;
    s.record_interaction("discord:1", "old", t0())
        .await
        .unwrap();
    let later = t0() + Duration::minutes(20);
    assert_eq!(s.interaction_token("discord:1", later).await.unwrap(), None);
    db.cleanup().await;
}

async fn another_instance_reads_the_token(backend: Backend) {
    let Some(db) = TestDb::on(backend).await else {
        return;
    };
    db.store
        .record_interaction("discord:1", "tok", t0())
        .await
        .unwrap();
    let other = db.another_instance().await;
    assert_eq!(
        other
            .interaction_token("discord:1", t0())
            .await
            .unwrap()
            .as_deref(),
        Some("tok")
    );
    db.cleanup().await;
}
