//! `/notice` on Discord, through real serenity and the whole bot: staff
//! publish an outage at once (a customer asking about it then gets the
//! notice, and no ticket), and a member without the staff role is refused
//! and nothing is published.

use frontline::store::Store as _;

use crate::fake::FakeDiscord;
use crate::frontline::{Frontline, Options, id, labels};
use crate::on_both_backends;
use crate::support::Backend;

on_both_backends!(
    notice_by_staff_publishes_and_a_customer_asking_gets_it,
    notice_by_a_member_without_the_staff_role_is_refused,
    a_published_notice_is_announced_in_the_announcement_channel,
);

/// What the deferred reply of command `token` was edited to say.
async fn reply(fake: &FakeDiscord, token: &str) -> String {
    let app = fake.world().application_id;
    let edit = fake
        .next_call(&format!("PATCH /webhooks/{app}/{token}/messages/@original"))
        .await;
    edit.body["content"].as_str().unwrap_or_default().to_owned()
}

const VPN_OUTAGE: &[(&str, &str)] = &[
    ("id", "vpn-outage"),
    ("services", "vpn"),
    ("text", "The VPN gateway is down; we are restarting it."),
    (
        "text_de",
        "Das VPN-Gateway ist gestört; wir starten es neu.",
    ),
    ("for", "2h"),
];

async fn notice_by_staff_publishes_and_a_customer_asking_gets_it(backend: Backend) {
    let Some(bot) = Frontline::start(backend).await else {
        return;
    };
    let fake = &bot.fake;
    let w = fake.world().clone();
    let publish = fake.slash_sub_with(w.sam(), w.staff_channel.id, "notice", "publish", VPN_OUTAGE);
    let ack = fake.callback(&publish).await;
    assert_eq!(ack.body["data"]["flags"].as_u64(), Some(64), "private");
    let told = reply(fake, &publish.token).await;
    assert!(
        told.starts_with("Notice `vpn-outage` published: outage of vpn, active"),
        "{told}"
    );
    let stored = bot.store.notices().await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(
        stored[0].text_en.as_deref(),
        Some("The VPN gateway is down; we are restarting it.")
    );

    let list = fake.slash_sub(w.sam(), w.staff_channel.id, "notice", "list");
    fake.callback(&list).await;
    let listed = reply(fake, &list.token).await;
    assert!(
        listed.starts_with("active   vpn-outage (outage, vpn)"),
        "{listed}"
    );
    assert!(
        !listed.contains("mail-outage"),
        "ended notices are left out: {listed}"
    );

    let m = id(&fake.says(w.support.id, w.alice(), "is the VPN down?"));
    let answer = fake
        .next_call(&format!("POST /channels/{m}/messages"))
        .await;
    let text = answer.body["content"].as_str().unwrap_or_default();
    assert!(text.contains("**Known outage** (vpn"), "{text}");
    assert!(text.contains("The VPN gateway is down"), "{text}");
    assert_eq!(labels(&answer.body), ["Talk to a human"]);
    assert!(bot.store.tickets(&[]).await.unwrap().is_empty());
    bot.stop().await;
}

async fn notice_by_a_member_without_the_staff_role_is_refused(backend: Backend) {
    let Some(bot) = Frontline::start(backend).await else {
        return;
    };
    let fake = &bot.fake;
    let w = fake.world().clone();
    let refused = fake.slash_sub_with(w.alice(), w.support.id, "notice", "publish", VPN_OUTAGE);
    let answer = fake.callback(&refused).await;
    assert_eq!(
        answer.body["data"]["content"],
        "Only support staff can do that."
    );
    assert_eq!(answer.body["data"]["flags"].as_u64(), Some(64), "private");
    assert!(bot.store.notices().await.unwrap().is_empty());
    bot.stop().await;
}

async fn a_published_notice_is_announced_in_the_announcement_channel(backend: Backend) {
    let world = crate::fake::world::World::default();
    let options = Options {
        announce_channel: Some(world.support.id),
        ..Options::default()
    };
    let Some(bot) = Frontline::start_opts(backend, options).await else {
        return;
    };
    let fake = &bot.fake;
    let w = fake.world().clone();
    let publish = fake.slash_sub_with(w.sam(), w.staff_channel.id, "notice", "publish", VPN_OUTAGE);
    fake.callback(&publish).await;
    let announced = fake
        .next_call(&format!("POST /channels/{}/messages", w.support.id))
        .await;
    let text = announced.body["content"].as_str().unwrap_or_default();
    assert!(
        text.starts_with("**Known outage** (vpn, expected until"),
        "{text}"
    );
    assert!(text.contains("The VPN gateway is down"), "{text}");
    assert!(text.contains("**Bekannte Störung** (vpn"), "{text}");
    assert_eq!(
        announced.body["allowed_mentions"]["parse"],
        serde_json::json!([])
    );
    bot.stop().await;
}
