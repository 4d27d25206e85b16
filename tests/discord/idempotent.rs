//! Replies are posted once even when Discord made the message but its
//! response was lost: every post carries a nonce from its outbox row with
//! `enforce_nonce`, so the outbox's retry gets the message made the first
//! time. The fake keeps nonces as Discord does (same author, same nonce →
//! the existing message, no new one).

use serde_json::{Value, json};

use crate::fake::FakeDiscord;
use crate::fake::recorder::Fault;
use crate::frontline::{Frontline, id};
use crate::on_both_backends;
use crate::support::Backend;

on_both_backends!(
    a_reply_whose_response_was_lost_is_in_the_thread_once_after_the_retry,
    a_ticket_card_whose_response_was_lost_is_in_the_staff_channel_once,
);

/// The bot's messages in `channel` as the fake holds them.
fn bot_messages(fake: &FakeDiscord, channel: u64) -> Vec<Value> {
    let bot = fake.world().bot.id.to_string();
    fake.messages_in(channel)
        .into_iter()
        .filter(|m| m["author"]["id"] == bot.as_str())
        .collect()
}

async fn a_reply_whose_response_was_lost_is_in_the_thread_once_after_the_retry(backend: Backend) {
    let Some(bot) = Frontline::start(backend).await else {
        return;
    };
    let fake = &bot.fake;
    let w = fake.world().clone();
    fake.fail_next("POST /channels/*/messages", 1, Fault::LostResponse);
    let m = id(&fake.says(w.support.id, w.alice(), "invoice"));
    let pattern = format!("POST /channels/{m}/messages");

    let lost = fake.next_call(&pattern).await;
    assert_eq!(lost.status, 500);
    assert_eq!(
        bot_messages(fake, m).len(),
        1,
        "the fake made the message before answering 500"
    );
    let retried = fake.next_call(&pattern).await;
    assert_eq!(retried.status, 200);
    let kept = bot_messages(fake, m);
    assert_eq!(kept.len(), 1, "exactly one copy in the thread: {kept:?}");
    assert_eq!(retried.response["id"], kept[0]["id"]);
    assert_eq!(retried.body["enforce_nonce"], true);
    assert!(retried.body["nonce"].is_string(), "{}", retried.body);
    assert_eq!(retried.body["nonce"], lost.body["nonce"], "the same row");

    // The row counts as delivered: the next answer follows, with a new nonce,
    // and the first is not posted again.
    fake.says(m, w.alice(), "I forgot my password");
    let second = fake.next_call(&pattern).await;
    assert_eq!(second.status, 200);
    assert_ne!(second.body["nonce"], lost.body["nonce"]);
    assert_eq!(bot_messages(fake, m).len(), 2);
    fake.assert_no_more(&pattern);
    bot.stop().await;
}

#[tokio::test]
async fn the_fake_returns_the_message_made_with_an_enforced_nonce_instead_of_a_new_one() {
    let fake = FakeDiscord::start().await;
    let channel = fake.world().support.id;
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let url = format!("{}/api/v10/channels/{channel}/messages", fake.url());
    let post = |body: Value| {
        let client = client.clone();
        let url = url.clone();
        async move {
            let response = client
                .post(&url)
                .header("content-type", "application/json")
                .body(body.to_string())
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200);
            serde_json::from_slice::<Value>(&response.bytes().await.unwrap()).unwrap()
        }
    };

    let first = post(json!({"content": "one", "nonce": "7.0.1", "enforce_nonce": true})).await;
    let again = post(json!({"content": "one", "nonce": "7.0.1", "enforce_nonce": true})).await;
    assert_eq!(first["id"], again["id"]);
    assert_eq!(first["nonce"], "7.0.1");
    let unenforced = post(json!({"content": "one", "nonce": "7.0.1"})).await;
    assert_ne!(
        unenforced["id"], first["id"],
        "without enforce_nonce: a new message"
    );
    let other = post(json!({"content": "two", "nonce": "7.1.1", "enforce_nonce": true})).await;
    assert_ne!(other["id"], first["id"]);
    assert_eq!(fake.messages_in(channel).len(), 3);
}

async fn a_ticket_card_whose_response_was_lost_is_in_the_staff_channel_once(backend: Backend) {
    let Some(bot) = Frontline::start(backend).await else {
        return;
    };
    let fake = &bot.fake;
    let w = fake.world().clone();
    let staff = w.staff_channel.id;
    let pattern = format!("POST /channels/{staff}/messages");
    fake.fail_next(&pattern, 1, Fault::LostResponse);
    fake.says(
        w.support.id,
        w.alice(),
        "zorglub quantum marmalade overflow",
    );

    let lost = fake.next_call(&pattern).await;
    assert_eq!(lost.status, 500);
    assert_eq!(lost.body["embeds"][0]["title"], "Ticket #1");
    let retried = fake.next_call(&pattern).await;
    assert_eq!(retried.status, 200);
    assert_eq!(retried.body["embeds"][0]["title"], "Ticket #1");
    assert_eq!(retried.body["enforce_nonce"], true);
    assert_eq!(retried.body["nonce"], lost.body["nonce"], "the same row");
    let cards: Vec<Value> = bot_messages(fake, staff)
        .into_iter()
        .filter(|m| m["embeds"][0]["title"] == "Ticket #1")
        .collect();
    assert_eq!(cards.len(), 1, "one card: {cards:?}");
    assert_eq!(retried.response["id"], cards[0]["id"]);
    bot.stop().await;
}
