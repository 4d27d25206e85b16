//! The engine's timers as Discord actions, through real serenity and the
//! whole bot: an unclaimed ticket pings the staff role (the one mention the
//! bot ever makes), and a quiet thread gets a notice, then is closed and
//! archived, and opens again when the customer writes. The scenarios set the
//! timers to zero and let the bot tick every 50 ms, so the outbox delivers
//! what the timers decide as it does in production (due now, not later).
//! How long each timer waits is the engine's business (tests/engine/timers.rs).

use std::time::Duration;

use frontline::engine::{EngineSettings, phrases};
use frontline::knowledge::Lang;
use serde_json::json;

use crate::frontline::{Frontline, Options, id};
use crate::on_both_backends;
use crate::support::Backend;

on_both_backends!(
    an_unclaimed_ticket_pings_the_staff_role_once_and_nobody_else,
    a_ticket_unclaimed_past_the_loud_limit_gets_the_loud_ping,
    a_quiet_thread_gets_a_notice_then_is_closed_and_archived_and_opens_again,
    a_quiet_dm_is_closed_with_its_last_words_and_nothing_to_archive,
);

fn ticking(engine: EngineSettings) -> Options {
    Options {
        engine,
        tick: Duration::from_millis(50),
        ..Options::default()
    }
}

async fn an_unclaimed_ticket_pings_the_staff_role_once_and_nobody_else(backend: Backend) {
    let engine = EngineSettings {
        ping_after_minutes: 0,
        loud_ping_after_minutes: 24 * 60,
        ..EngineSettings::default()
    };
    let expected = "{role} Ticket #1 has waited 0 minutes for someone to claim it.";
    pings_once(backend, engine, expected).await;
}

async fn a_ticket_unclaimed_past_the_loud_limit_gets_the_loud_ping(backend: Backend) {
    let engine = EngineSettings {
        ping_after_minutes: 0,
        loud_ping_after_minutes: 0,
        ..EngineSettings::default()
    };
    let expected =
        "\u{1F6A8} {role} **Ticket #1 has waited 0 minutes and still nobody has claimed it!**";
    pings_once(backend, engine, expected).await;
}

/// A question nobody can answer opens ticket #1; with the timers of
/// `engine` the staff channel gets its card, then exactly one ping of the
/// staff role saying `expected` (`{role}` standing for its mention) as a
/// reply to the card, and nothing more once Sam claims it.
async fn pings_once(backend: Backend, engine: EngineSettings, expected: &str) {
    let Some(bot) = Frontline::start_opts(backend, ticking(engine)).await else {
        return;
    };
    let fake = &bot.fake;
    let w = fake.world().clone();
    let t = id(&fake.says(
        w.support.id,
        w.alice(),
        "zorglub quantum marmalade overflow",
    ));
    let staff_posts = format!("POST /channels/{}/messages", w.staff_channel.id);
    let card = fake.next_call(&staff_posts).await;
    assert_eq!(card.body["embeds"][0]["title"], "Ticket #1");
    let ping = fake.next_call(&staff_posts).await;
    assert_eq!(ping.status, 200);
    let content = ping.body["content"].as_str().unwrap();
    let mention = format!("<@&{}>", w.staff_role);
    assert_eq!(content, expected.replace("{role}", &mention));
    assert_eq!(
        ping.body["message_reference"]["message_id"], card.response["id"],
        "a reply to the card: {}",
        ping.body
    );
    assert_eq!(ping.body["message_reference"]["fail_if_not_exists"], false);
    assert_eq!(
        ping.body["allowed_mentions"],
        json!({"parse": [], "users": [], "roles": [w.staff_role.to_string()], "replied_user": false}),
        "the staff role and nobody else"
    );
    fake.slash(w.sam(), t, "claim", &[]);
    fake.next_call(&format!("PUT /channels/{t}/thread-members/{}", w.sam().id))
        .await;
    fake.next_call(&format!(
        "PATCH /channels/{}/messages/*",
        w.staff_channel.id
    ))
    .await;
    fake.assert_no_more(&staff_posts);
    bot.stop().await;
}

async fn a_quiet_thread_gets_a_notice_then_is_closed_and_archived_and_opens_again(
    backend: Backend,
) {
    let options = ticking(EngineSettings {
        notice_after_hours: 0,
        close_after_notice_hours: 0,
        ..EngineSettings::default()
    });
    let Some(bot) = Frontline::start_opts(backend, options).await else {
        return;
    };
    let fake = &bot.fake;
    let w = fake.world().clone();
    let t = id(&fake.says(w.support.id, w.alice(), "invoice"));
    let posts = format!("POST /channels/{t}/messages");
    fake.next_call(&posts).await; // the answer
    let notice = fake.next_call(&posts).await;
    assert_eq!(
        notice.body["content"],
        phrases::inactivity_notice(Lang::En, 0)
    );
    let last = fake.next_call(&posts).await;
    assert_eq!(last.body["content"], phrases::closed(Lang::En));
    let archive = fake.next_call(&format!("PATCH /channels/{t}")).await;
    assert_eq!(
        (archive.status, &archive.body["archived"]),
        (200, &json!(true))
    );
    assert_eq!(fake.thread(t).unwrap()["thread_metadata"]["archived"], true);

    fake.says(t, w.alice(), "I forgot my password");
    let again = fake.next_call(&posts).await;
    assert!(
        again.body["embeds"][0]["footer"]["text"]
            .as_str()
            .unwrap()
            .contains("en/password-reset"),
        "{}",
        again.body
    );
    bot.stop().await;
}

async fn a_quiet_dm_is_closed_with_its_last_words_and_nothing_to_archive(backend: Backend) {
    let options = ticking(EngineSettings {
        notice_after_hours: 0,
        close_after_notice_hours: 0,
        ..EngineSettings::default()
    });
    let Some(bot) = Frontline::start_opts(backend, options).await else {
        return;
    };
    let fake = &bot.fake;
    let w = fake.world().clone();
    let dm = w.dm_with(w.alice()).id;
    fake.says(dm, w.alice(), "invoice");
    let posts = format!("POST /channels/{dm}/messages");
    fake.next_call(&posts).await; // the answer
    fake.next_call(&posts).await; // the notice
    let last = fake.next_call(&posts).await;
    assert_eq!(last.body["content"], phrases::closed(Lang::En));
    let refused = fake.next_call(&format!("PATCH /channels/{dm}")).await;
    assert_eq!(refused.status, 403, "Discord cannot archive a DM");
    // The DM's next message is delivered only after the close was finished.
    fake.says(dm, w.alice(), "I forgot my password");
    let again = fake.next_call(&posts).await;
    assert!(
        again.body["embeds"][0]["footer"]["text"].is_string(),
        "{}",
        again.body
    );
    let metrics = bot.metrics.render();
    assert!(
        !metrics.contains("discord_errors_total{kind=\"permanent\"}"),
        "the close was not given up: {metrics}"
    );
    bot.stop().await;
}
