//! What an adapter posted for a record: the first post wins, and a thread
//! made for a record is found again from the channel.

use frontline::store::Posted;

use crate::on_both_backends;
use crate::support::{Backend, TestDb};

on_both_backends!(
    the_first_message_posted_for_a_key_is_kept,
    a_thread_made_for_a_record_is_found_from_its_channel,
);

fn posted(channel: &str, message: &str) -> Posted {
    Posted {
        channel_id: channel.to_owned(),
        message_id: message.to_owned(),
    }
}

async fn the_first_message_posted_for_a_key_is_kept(backend: Backend) {
    let Some(db) = TestDb::on(backend).await else {
        return;
    };
    let s = &db.store;
    assert_eq!(s.posted("card:1").await.unwrap(), None);
    s.record_posted("card:1", &posted("10", "100"))
        .await
        .unwrap();
    // A second instance that posted the same card too does not replace it.
    s.record_posted("card:1", &posted("10", "101"))
        .await
        .unwrap();
    assert_eq!(s.posted("card:1").await.unwrap(), Some(posted("10", "100")));
    db.cleanup().await;
}

async fn a_thread_made_for_a_record_is_found_from_its_channel(backend: Backend) {
    let Some(db) = TestDb::on(backend).await else {
        return;
    };
    let s = &db.store;
    s.record_posted("card:7", &posted("10", "700"))
        .await
        .unwrap();
    s.record_posted("card:8", &posted("10", "800"))
        .await
        .unwrap();
    s.record_posted("relay:7", &posted("700", "700"))
        .await
        .unwrap();
    let found = s.posted_key_in("700", "relay:").await.unwrap();
    assert_eq!(found.as_deref(), Some("relay:7"));
    // Only keys with the prefix, only in that channel.
    assert_eq!(s.posted_key_in("700", "card:").await.unwrap(), None);
    assert_eq!(s.posted_key_in("800", "relay:").await.unwrap(), None);
    assert_eq!(
        s.posted_key_in("10", "card:").await.unwrap().as_deref(),
        Some("card:7")
    );
    db.cleanup().await;
}
