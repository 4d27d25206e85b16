//! Notices staff published: kept as published, replaced by one with the
//! same id, ended at a moment (and only once).

use chrono::Duration;
use frontline::knowledge::{Notice, NoticeKind, NoticeOrigin};
use frontline::store::Store;

use crate::helpers::t0;
use crate::on_both_backends;
use crate::support::{Backend, TestDb};

on_both_backends!(
    a_published_notice_reads_back_as_it_was_published,
    publishing_again_replaces_and_ending_moves_the_end,
    a_notice_is_announced_once_per_start,
);

fn mail_outage() -> Notice {
    Notice {
        id: "mail-outage".into(),
        kind: NoticeKind::Outage,
        start: t0(),
        end: t0() + Duration::hours(4),
        services: vec!["mail".into(), "smtp".into()],
        symptoms: vec!["0x800ccc0e".into()],
        text_en: Some("Mail is down.".into()),
        text_de: Some("Mail ist gestört: „Störung“.".into()),
        origin: NoticeOrigin::Staff {
            by: "Alice".into(),
            at: t0(),
        },
    }
}

async fn publish(store: &dyn Store, notice: &Notice) {
    let mut tx = store.begin().await.unwrap();
    tx.publish_notice(notice).await.unwrap();
    tx.commit().await.unwrap();
}

async fn a_published_notice_reads_back_as_it_was_published(backend: Backend) {
    let Some(db) = TestDb::on(backend).await else {
        return;
    };
    assert!(db.store.notices().await.unwrap().is_empty());
    publish(&*db.store, &mail_outage()).await;
    assert_eq!(db.store.notices().await.unwrap(), [mail_outage()]);
    db.cleanup().await;
}

async fn publishing_again_replaces_and_ending_moves_the_end(backend: Backend) {
    let Some(db) = TestDb::on(backend).await else {
        return;
    };
    publish(&*db.store, &mail_outage()).await;
    let longer = Notice {
        end: t0() + Duration::hours(8),
        text_de: None,
        kind: NoticeKind::Maintenance,
        ..mail_outage()
    };
    publish(&*db.store, &longer).await;
    assert_eq!(db.store.notices().await.unwrap(), [longer]);

    let at = t0() + Duration::hours(1);
    let mut tx = db.store.begin().await.unwrap();
    assert!(tx.end_notice("mail-outage", at).await.unwrap());
    assert!(!tx.end_notice("mail-outage", at).await.unwrap(), "once");
    assert!(!tx.end_notice("no-such-notice", at).await.unwrap());
    tx.commit().await.unwrap();
    let ended = db.store.notices().await.unwrap();
    assert_eq!(ended[0].end, at);
    assert_eq!(ended[0].start, t0());
    db.cleanup().await;
}

async fn a_notice_is_announced_once_per_start(backend: Backend) {
    let Some(db) = TestDb::on(backend).await else {
        return;
    };
    let announce = |notice: Notice| {
        let store = db.store.clone();
        async move {
            let mut tx = store.begin().await.unwrap();
            let first = tx.announce_notice(&notice, t0()).await.unwrap();
            tx.commit().await.unwrap();
            first
        }
    };
    assert!(announce(mail_outage()).await);
    assert!(!announce(mail_outage()).await, "once");
    // The same notice moved to a later start is news again.
    let moved = Notice {
        start: t0() + Duration::days(1),
        ..mail_outage()
    };
    assert!(announce(moved).await);
    db.cleanup().await;
}
