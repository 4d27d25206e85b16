//! The staff desk's sign-in links and sessions, and its search over
//! transcripts: a link signs in once and only before it expires, on
//! whichever instance; a session holds until it ends or is signed out.

use chrono::Duration;
use frontline::engine::{Person, SourceKey};
use frontline::store::{ActorKind, NewEvent, Opened, SqlStore, Store, WebSession, WebStaff};

use crate::helpers::{conversation, new_ticket, t0};
use crate::on_both_backends;
use crate::support::{Backend, TestDb};

on_both_backends!(
    a_link_signs_in_once_on_any_instance,
    an_expired_link_signs_nobody_in,
    a_session_holds_until_it_ends_or_is_signed_out,
    a_search_finds_what_customers_and_staff_wrote_whatever_the_case,
);

fn berta() -> WebStaff {
    WebStaff {
        person: Person::new("console:berta", "berta"),
        guild: None,
    }
}

async fn a_link_signs_in_once_on_any_instance(backend: Backend) {
    let Some(db) = TestDb::on(backend).await else {
        return;
    };
    let from_discord = WebStaff {
        person: Person::new("discord:123456789012345678", "Bo"),
        guild: Some("987654321098765432".into()),
    };
    db.store
        .create_web_link(
            "digest-1",
            &from_discord,
            t0(),
            t0() + Duration::minutes(10),
        )
        .await
        .unwrap();
    let other = db.another_instance().await;
    let at = t0() + Duration::minutes(1);
    assert_eq!(
        other.redeem_web_link("digest-1", at).await.unwrap(),
        Some(from_discord),
        "another instance honours the link"
    );
    assert_eq!(
        db.store.redeem_web_link("digest-1", at).await.unwrap(),
        None,
        "used once"
    );
    assert_eq!(db.store.redeem_web_link("unknown", at).await.unwrap(), None);
    db.cleanup().await;
}

async fn an_expired_link_signs_nobody_in(backend: Backend) {
    let Some(db) = TestDb::on(backend).await else {
        return;
    };
    db.store
        .create_web_link("digest-2", &berta(), t0(), t0() + Duration::minutes(10))
        .await
        .unwrap();
    let late = t0() + Duration::minutes(10);
    assert_eq!(
        db.store.redeem_web_link("digest-2", late).await.unwrap(),
        None
    );
    db.cleanup().await;
}

async fn a_session_holds_until_it_ends_or_is_signed_out(backend: Backend) {
    let Some(db) = TestDb::on(backend).await else {
        return;
    };
    let s: &SqlStore = &db.store;
    let session = WebSession {
        staff: berta(),
        csrf: "csrf-token".into(),
        expires_at: t0() + Duration::hours(12),
    };
    s.create_web_session("session-1", &session, t0())
        .await
        .unwrap();
    let read = s
        .web_session("session-1", t0() + Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(read.as_ref().map(|r| &r.staff), Some(&berta()));
    assert_eq!(read.map(|r| r.csrf).as_deref(), Some("csrf-token"));
    assert_eq!(s.web_session("session-x", t0()).await.unwrap(), None);
    assert_eq!(
        s.web_session("session-1", t0() + Duration::hours(12))
            .await
            .unwrap(),
        None,
        "ended"
    );
    let other = db.another_instance().await;
    assert!(
        other
            .web_session("session-1", t0())
            .await
            .unwrap()
            .is_some()
    );
    s.end_web_session("session-1").await.unwrap();
    assert_eq!(
        other.web_session("session-1", t0()).await.unwrap(),
        None,
        "signed out"
    );
    db.cleanup().await;
}

async fn a_search_finds_what_customers_and_staff_wrote_whatever_the_case(backend: Backend) {
    let Some(db) = TestDb::on(backend).await else {
        return;
    };
    let s: &SqlStore = &db.store;
    let printer = conversation(s, "test:printer").await;
    let mail = conversation(s, "test:mail").await;
    let mut tx = s.begin().await.unwrap();
    let Opened::New(opened) = tx.open_ticket(&new_ticket(&printer, "m1")).await.unwrap() else {
        panic!("a new ticket");
    };
    let ticket = opened.id;
    let lines = [
        (
            &printer,
            ActorKind::Customer,
            "Der Drucker im 2. Stock druckt nicht",
        ),
        (&printer, ActorKind::Staff, "Toner getauscht, 100% erledigt"),
        (&mail, ActorKind::Customer, "Outlook zeigt keine Mails"),
        (&mail, ActorKind::Bot, "Drucker: see the printer entry"),
        (
            &mail,
            ActorKind::Customer,
            "Die Übersicht der Rechnungen fehlt",
        ),
    ];
    for (i, (conv, actor, text)) in lines.into_iter().enumerate() {
        tx.record_event(&NewEvent {
            conversation: conv.id,
            ticket: None,
            at: t0() + Duration::minutes(i as i64),
            actor,
            person: None,
            kind: "message",
            text: text.into(),
            source: Some(SourceKey::new("test", format!("line-{i}"))),
        })
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();

    let words = |q: &str| q.split_whitespace().map(str::to_string).collect::<Vec<_>>();
    let found = s
        .search_transcripts(&words("drucker STOCK"), 10)
        .await
        .unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].conversation, printer.id);
    assert_eq!(found[0].ticket, Some(ticket));
    assert_eq!(found[0].text, "Der Drucker im 2. Stock druckt nicht");
    let staff = s.search_transcripts(&words("100%"), 10).await.unwrap();
    assert_eq!(staff.len(), 1, "staff lines count; % is taken literally");
    assert!(
        s.search_transcripts(&words("10_%"), 10)
            .await
            .unwrap()
            .is_empty()
    );
    let mails = s.search_transcripts(&words("outlook"), 10).await.unwrap();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].ticket, None);
    for query in ["übersicht", "ÜBERSICHT rechnungen", "Übersicht"] {
        let found = s.search_transcripts(&words(query), 10).await.unwrap();
        assert_eq!(found.len(), 1, "{query}: {found:?}");
        assert_eq!(found[0].text, "Die Übersicht der Rechnungen fehlt");
    }
    assert!(
        s.search_transcripts(&words("printer"), 10)
            .await
            .unwrap()
            .is_empty(),
        "the bot's own lines are not searched"
    );
    db.cleanup().await;
}
