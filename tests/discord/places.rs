//! Where customers reach the bot on Discord, through real serenity and the
//! whole bot: a forum post is a conversation (also when its THREAD_CREATE
//! was not seen first), so is a thread a customer makes in a support
//! channel, DMs are served only when enabled, a customer who
//! floods gets one notice and then silence, one who writes five messages at
//! once gets one thread and one ticket, a German support channel is
//! answered in German, `/ask` and `/ticket` open a thread of their own in a
//! support channel and refuse places the bot does not serve.

use std::collections::BTreeMap;

use frontline::engine::{EngineSettings, phrases};
use frontline::flood::FloodSettings;
use frontline::knowledge::Lang;
use frontline::store::{Store as _, TicketState};

use crate::fake::FakeDiscord;
use crate::frontline::{Frontline, Options, id, labels};
use crate::on_both_backends;
use crate::support::Backend;

on_both_backends!(
    a_forum_post_is_a_conversation_answered_in_the_post,
    a_forum_post_whose_thread_was_not_announced_is_still_answered,
    a_thread_a_customer_makes_in_a_support_channel_is_a_conversation,
    discords_own_notes_and_staff_threads_in_a_support_channel_are_not_questions,
    a_dm_is_a_conversation_when_dms_are_served,
    dms_are_ignored_and_commands_there_refused_when_dms_are_not_served,
    a_flooding_customer_gets_one_notice_then_silence_and_no_threads,
    five_messages_from_one_customer_in_half_a_second_make_one_thread_and_one_staff_card,
    ask_faster_than_the_flood_limit_is_refused_privately_and_opens_no_thread,
    a_german_support_channel_and_forum_are_answered_in_german,
    ask_in_a_support_channel_opens_a_thread_with_the_customer_and_answers_there,
    ask_where_the_bot_does_not_serve_is_refused_and_changes_nothing,
    ticket_with_a_summary_goes_straight_to_staff_and_twice_makes_one_ticket,
    a_resent_message_makes_no_second_thread_and_no_second_answer,
    a_resent_ask_makes_no_second_thread,
);

const INVOICE_TITLE: &str = "Where can I find my invoices or get an invoice copy?";

async fn a_forum_post_is_a_conversation_answered_in_the_post(backend: Backend) {
    let Some(bot) = Frontline::start(backend).await else {
        return;
    };
    let fake = &bot.fake;
    let w = fake.world().clone();
    let (thread, _) = fake.posts_in_forum(w.alice(), "Invoices", "invoice");
    let t = id(&thread);
    let posts = format!("POST /channels/{t}/messages");
    let answer = fake.next_call(&posts).await;
    assert_eq!(answer.body["embeds"][0]["title"], INVOICE_TITLE);
    assert_eq!(
        labels(&answer.body),
        ["Solved", "Not what I asked", "Talk to a human"]
    );
    fake.says(t, w.alice(), "I forgot my password");
    let next = fake.next_call(&posts).await;
    assert!(
        next.body["embeds"][0]["footer"]["text"]
            .as_str()
            .unwrap()
            .contains("en/password-reset"),
        "{}",
        next.body
    );
    fake.assert_no_more("POST /channels/*/messages/*/threads");
    fake.assert_no_more("POST /channels/*/threads");
    let conv = bot
        .store
        .conversation_by_thread(&frontline::engine::ThreadRef(format!("discord:{t}")))
        .await
        .unwrap()
        .expect("the post is a conversation");
    assert_eq!(conv.customer.name, "alice");
    bot.stop().await;
}

async fn a_forum_post_whose_thread_was_not_announced_is_still_answered(backend: Backend) {
    let Some(bot) = Frontline::start(backend).await else {
        return;
    };
    let fake = &bot.fake;
    let w = fake.world().clone();
    let (thread, _) = fake.posts_in_forum_unannounced(w.alice(), "Invoices", "invoice");
    let t = id(&thread);
    let asked = fake.next_call(&format!("GET /channels/{t}")).await;
    assert_eq!(asked.status, 200);
    let answer = fake
        .next_call(&format!("POST /channels/{t}/messages"))
        .await;
    assert_eq!(answer.body["embeds"][0]["title"], INVOICE_TITLE);
    bot.stop().await;
}

async fn a_thread_a_customer_makes_in_a_support_channel_is_a_conversation(backend: Backend) {
    let Some(bot) = Frontline::start(backend).await else {
        return;
    };
    let fake = &bot.fake;
    let w = fake.world().clone();
    // A thread somewhere the bot does not serve stays someone else's.
    let elsewhere = id(&fake.opens_thread(w.sam(), &w.staff_channel, "Rota"));
    fake.says(elsewhere, w.sam(), "invoice");

    let t = id(&fake.opens_thread(w.alice(), &w.support, "Invoices"));
    fake.says(t, w.alice(), "invoice");
    let posts = format!("POST /channels/{t}/messages");
    let answer = fake.next_call(&posts).await;
    assert_eq!(answer.body["embeds"][0]["title"], INVOICE_TITLE);
    fake.says(t, w.alice(), "I forgot my password");
    let next = fake.next_call(&posts).await;
    assert!(
        next.body["embeds"][0]["footer"]["text"]
            .as_str()
            .unwrap()
            .contains("en/password-reset"),
        "{}",
        next.body
    );
    let conv = bot
        .store
        .conversation_by_thread(&frontline::engine::ThreadRef(format!("discord:{t}")))
        .await
        .unwrap()
        .expect("the thread is a conversation");
    assert_eq!(conv.customer.name, "alice");
    fake.assert_no_more("POST /channels/*/messages/*/threads");
    fake.assert_no_more(&format!("POST /channels/{elsewhere}/messages"));
    assert!(
        fake.matching(&format!("GET /channels/{t}")).len() <= 1,
        "a thread is looked up at most once"
    );
    bot.stop().await;
}

async fn discords_own_notes_and_staff_threads_in_a_support_channel_are_not_questions(
    backend: Backend,
) {
    let Some(bot) = Frontline::start(backend).await else {
        return;
    };
    let fake = &bot.fake;
    let w = fake.world().clone();
    // Alice makes a thread: Discord notes it in the channel (type 18).
    let t = id(&fake.opens_thread(w.alice(), &w.support, "Invoices"));
    fake.system_message(w.support.id, w.alice(), 18, "Invoices");
    // Sam makes one to talk something over: not a customer's question.
    let sams = id(&fake.opens_thread(w.sam(), &w.support, "Rota"));
    fake.says(sams, w.sam(), "invoice");
    // Then Alice asks in her thread; once she is answered, the earlier
    // events had every chance to be answered too.
    fake.says(t, w.alice(), "invoice");
    let answer = fake
        .next_call(&format!("POST /channels/{t}/messages"))
        .await;
    assert_eq!(answer.body["embeds"][0]["title"], INVOICE_TITLE);
    fake.assert_no_more("POST /channels/*/messages/*/threads");
    fake.assert_no_more(&format!("POST /channels/{sams}/messages"));
    let staff_conv = bot
        .store
        .conversation_by_thread(&frontline::engine::ThreadRef(format!("discord:{sams}")))
        .await
        .unwrap();
    assert!(staff_conv.is_none(), "no conversation with Sam as customer");
    bot.stop().await;
}

async fn a_dm_is_a_conversation_when_dms_are_served(backend: Backend) {
    let Some(bot) = Frontline::start(backend).await else {
        return;
    };
    let fake = &bot.fake;
    let w = fake.world().clone();
    let dm = w.dm_with(w.alice()).id;
    fake.says(dm, w.alice(), "invoice");
    let answer = fake
        .next_call(&format!("POST /channels/{dm}/messages"))
        .await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body["embeds"][0]["title"], INVOICE_TITLE);
    fake.assert_no_more("POST /channels/*/messages/*/threads");

    let asked = fake.slash(
        w.alice(),
        dm,
        "ask",
        &[("question", "I forgot my password")],
    );
    let next = fake
        .next_call(&format!("POST /channels/{dm}/messages"))
        .await;
    assert!(
        next.body["embeds"][0]["footer"]["text"]
            .as_str()
            .unwrap()
            .contains("en/password-reset")
    );
    let reply = fake
        .next_call(&format!(
            "PATCH /webhooks/{}/{}/messages/@original",
            w.application_id, asked.token
        ))
        .await;
    assert_eq!(reply.status, 200);
    bot.stop().await;
}

async fn dms_are_ignored_and_commands_there_refused_when_dms_are_not_served(backend: Backend) {
    let options = Options {
        dms: false,
        ..Options::default()
    };
    let Some(bot) = Frontline::start_opts(backend, options).await else {
        return;
    };
    let fake = &bot.fake;
    let w = fake.world().clone();
    let dm = w.dm_with(w.alice()).id;
    fake.says(dm, w.alice(), "invoice");
    let asked = fake.slash(w.alice(), dm, "ask", &[("question", "invoice")]);
    let refused = fake
        .next_call(&format!(
            "PATCH /webhooks/{}/{}/messages/@original",
            w.application_id, asked.token
        ))
        .await;
    let text = refused.body["content"].as_str().unwrap();
    assert!(text.starts_with("I answer questions in"), "{text}");
    assert!(!text.contains("direct message"), "{text}");
    // Something the bot does serve, after the DM: once it is answered, the
    // DM (handled before it) has had every chance to be answered too.
    let m = id(&fake.says(w.support.id, w.bob(), "invoice"));
    fake.next_call(&format!("POST /channels/{m}/messages"))
        .await;
    fake.assert_no_more(&format!("POST /channels/{dm}/messages"));
    assert!(
        bot.store
            .conversation_by_thread(&frontline::engine::ThreadRef(format!("discord:{dm}")))
            .await
            .unwrap()
            .is_none(),
        "no conversation in the DM"
    );
    bot.stop().await;
}

/// A bot whose customers may send `burst` messages and then no more, and
/// whose every allowed message in a support channel opens a thread (no
/// cooldown: the flood limit alone is under test).
fn flood_after(burst: u32) -> Options {
    Options {
        flood: FloodSettings {
            burst,
            refill_seconds: 3600,
        },
        engine: EngineSettings {
            new_thread_cooldown_secs: 0,
            ..EngineSettings::default()
        },
        ..Options::default()
    }
}

async fn five_messages_from_one_customer_in_half_a_second_make_one_thread_and_one_staff_card(
    backend: Backend,
) {
    let Some(bot) = Frontline::start(backend).await else {
        return;
    };
    let fake = &bot.fake;
    let w = fake.world().clone();
    let support = w.support.id;
    let lines = [
        "zorglub quantum marmalade overflow",
        "it started this morning",
        "the marmalade is everywhere",
        "please help",
        "anyone there?",
    ];
    // Within the default flood limit (five at once): every one is handled.
    for line in lines {
        fake.says(support, w.alice(), line);
    }
    let threads = format!("POST /channels/{support}/messages/*/threads");
    let made = fake.next_call(&threads).await;
    let thread = id(&made.response);
    let told = phrases::added_to_open_question(Lang::En, &format!("<#{thread}>"));
    for _ in 0..4 {
        let notice = fake
            .next_call(&format!("POST /channels/{support}/messages"))
            .await;
        assert_eq!(notice.body["content"], told.as_str());
    }
    let staff = format!("POST /channels/{}/messages", w.staff_channel.id);
    let card = fake.next_call(&staff).await;
    assert_eq!(card.body["embeds"][0]["title"], "Ticket #1");
    // Bob is a customer of his own: a thread of his own. Once his answer is
    // there, the outbox has delivered what came before it.
    let m = id(&fake.says(support, w.bob(), "invoice"));
    fake.next_call(&format!("POST /channels/{m}/messages"))
        .await;
    assert_eq!(
        fake.matching(&threads).len(),
        2,
        "one thread of Alice's, one of Bob's"
    );
    let cards = fake
        .matching(&staff)
        .into_iter()
        .filter(|c| c.body["embeds"][0]["title"].is_string())
        .count();
    assert_eq!(cards, 1, "one staff card");
    assert_eq!(bot.store.tickets(&[]).await.unwrap().len(), 1);
    let in_thread: Vec<String> = fake
        .messages_in(thread)
        .iter()
        .filter_map(|m| m["content"].as_str().map(str::to_owned))
        .collect();
    let quoted = in_thread
        .iter()
        .filter(|t| t.starts_with("You also wrote in the channel:"))
        .count();
    assert_eq!(quoted, 4, "the thread shows every message: {in_thread:?}");
    bot.stop().await;
}

async fn a_flooding_customer_gets_one_notice_then_silence_and_no_threads(backend: Backend) {
    let Some(bot) = Frontline::start_opts(backend, flood_after(2)).await else {
        return;
    };
    let fake = &bot.fake;
    let w = fake.world().clone();
    let support = w.support.id;
    let questions = [
        "invoice",
        "I forgot my password",
        "guest wifi",
        "vpn from home",
        "mailbox full",
    ];
    for q in questions {
        fake.says(support, w.alice(), q);
    }
    let threads = format!("POST /channels/{support}/messages/*/threads");
    fake.next_call(&threads).await;
    fake.next_call(&threads).await;
    let notice = fake
        .next_call(&format!("POST /channels/{support}/messages"))
        .await;
    assert_eq!(notice.status, 200);
    assert_eq!(notice.body["content"], phrases::slow_down(Lang::En));
    assert_eq!(
        notice.body["allowed_mentions"]["parse"],
        serde_json::json!([])
    );
    // Bob is not limited by Alice's flood; once his answer is there, every
    // message of Alice's has been handled.
    let m = id(&fake.says(support, w.bob(), "invoice"));
    fake.next_call(&format!("POST /channels/{m}/messages"))
        .await;
    assert_eq!(
        fake.matching(&threads).len(),
        3,
        "two of Alice's, one of Bob's"
    );
    fake.assert_no_more(&format!("POST /channels/{support}/messages"));
    assert_eq!(
        fake.matching(&format!("POST /channels/{support}/messages"))
            .len(),
        1,
        "one notice"
    );
    bot.stop().await;
}

async fn ask_faster_than_the_flood_limit_is_refused_privately_and_opens_no_thread(
    backend: Backend,
) {
    let Some(bot) = Frontline::start_opts(backend, flood_after(1)).await else {
        return;
    };
    let fake = &bot.fake;
    let w = fake.world().clone();
    let threads = format!("POST /channels/{}/threads", w.support.id);
    let reply_to = |token: &str| {
        format!(
            "PATCH /webhooks/{}/{token}/messages/@original",
            w.application_id
        )
    };
    let first = fake.slash(w.alice(), w.support.id, "ask", &[("question", "invoice")]);
    fake.next_call(&threads).await;
    let answered = fake.next_call(&reply_to(&first.token)).await;
    assert!(
        answered.body["content"]
            .as_str()
            .unwrap()
            .starts_with("Your question is in")
    );
    for (command, options) in [
        ("ask", vec![("question", "vpn from home")]),
        ("ticket", vec![]),
    ] {
        let again = fake.slash(w.alice(), w.support.id, command, &options);
        let refused = fake.next_call(&reply_to(&again.token)).await;
        assert_eq!(refused.body["content"], phrases::ask_later(Lang::En));
    }
    assert_eq!(
        fake.matching(&threads).len(),
        1,
        "no thread for the refused"
    );
    bot.stop().await;
}

async fn a_german_support_channel_and_forum_are_answered_in_german(backend: Backend) {
    let w = crate::fake::world::World::default();
    let options = Options {
        channel_lang: BTreeMap::from([
            (w.support.id.to_string(), Lang::De),
            (w.forum.id.to_string(), Lang::De),
        ]),
        ..Options::default()
    };
    let Some(bot) = Frontline::start_opts(backend, options).await else {
        return;
    };
    let fake = &bot.fake;
    let m = id(&fake.says(w.support.id, w.alice(), "Passwort"));
    let answer = fake
        .next_call(&format!("POST /channels/{m}/messages"))
        .await;
    assert_eq!(
        answer.body["embeds"][0]["title"],
        "Wie setze ich mein Passwort zurück?"
    );
    assert_eq!(
        labels(&answer.body),
        ["Gelöst", "Nicht meine Frage", "Mit einem Menschen sprechen"]
    );
    fake.says(m, w.alice(), "hi");
    let hello = fake
        .next_call(&format!("POST /channels/{m}/messages"))
        .await;
    assert_eq!(hello.body["content"], phrases::describe_please(Lang::De));
    bot.stop().await;
}

async fn ask_in_a_support_channel_opens_a_thread_with_the_customer_and_answers_there(
    backend: Backend,
) {
    let Some(bot) = Frontline::start(backend).await else {
        return;
    };
    let fake = &bot.fake;
    let w = fake.world().clone();
    let asked = fake.slash(w.alice(), w.support.id, "ask", &[("question", "invoice")]);
    let ack = fake.callback(&asked).await;
    assert_eq!((ack.body["type"].as_u64(), ack.status), (Some(5), 204));
    assert_eq!(
        ack.body["data"]["flags"], 64,
        "the command's own reply is private"
    );
    let made = fake
        .next_call(&format!("POST /channels/{}/threads", w.support.id))
        .await;
    assert_eq!(made.body["name"], "invoice");
    assert_eq!(made.body["type"], 11, "a public thread");
    let t = id(&made.response);
    let joined = fake
        .next_call(&format!(
            "PUT /channels/{t}/thread-members/{}",
            w.alice().id
        ))
        .await;
    assert_eq!(joined.status, 204);
    let answer = fake
        .next_call(&format!("POST /channels/{t}/messages"))
        .await;
    assert_eq!(answer.body["embeds"][0]["title"], INVOICE_TITLE);
    let reply = fake
        .next_call(&format!(
            "PATCH /webhooks/{}/{}/messages/@original",
            w.application_id, asked.token
        ))
        .await;
    assert_eq!(
        reply.body["content"],
        format!("Your question is in <#{t}>.")
    );

    // /ask in the thread goes on with the same conversation.
    fake.slash(w.alice(), t, "ask", &[("question", "I forgot my password")]);
    let next = fake
        .next_call(&format!("POST /channels/{t}/messages"))
        .await;
    assert!(
        next.body["embeds"][0]["footer"]["text"]
            .as_str()
            .unwrap()
            .contains("en/password-reset")
    );
    assert_eq!(
        fake.matching("POST /channels/*/threads").len(),
        1,
        "no second thread"
    );

    // Someone else's thread is not Bob's to ask in.
    for (name, option) in [("ask", "question"), ("ticket", "summary")] {
        let by_bob = fake.slash(w.bob(), t, name, &[(option, "invoice")]);
        let refused = fake
            .next_call(&format!(
                "PATCH /webhooks/{}/{}/messages/@original",
                w.application_id, by_bob.token
            ))
            .await;
        assert_eq!(
            refused.body["content"],
            phrases::not_your_conversation(Lang::En)
        );
    }
    fake.assert_no_more(&format!("POST /channels/{}/messages", w.staff_channel.id));
    assert!(bot.store.tickets(&[]).await.unwrap().is_empty());
    bot.stop().await;
}

async fn ask_where_the_bot_does_not_serve_is_refused_and_changes_nothing(backend: Backend) {
    let Some(bot) = Frontline::start(backend).await else {
        return;
    };
    let fake = &bot.fake;
    let w = fake.world().clone();
    let staff = w.staff_channel.id;
    for (name, option) in [("ask", "question"), ("ticket", "summary")] {
        let sent = fake.slash(w.alice(), staff, name, &[(option, "invoice")]);
        let refused = fake
            .next_call(&format!(
                "PATCH /webhooks/{}/{}/messages/@original",
                w.application_id, sent.token
            ))
            .await;
        let text = refused.body["content"].as_str().unwrap();
        assert!(
            text.starts_with("I answer questions in")
                && text.contains(&format!("<#{}>", w.support.id)),
            "{text}"
        );
    }
    fake.assert_no_more("POST /channels/*/messages");
    fake.assert_no_more("POST /channels/*/threads");
    assert!(
        bot.store
            .conversation_by_thread(&frontline::engine::ThreadRef(format!("discord:{staff}")))
            .await
            .unwrap()
            .is_none()
    );
    bot.stop().await;
}

async fn ticket_with_a_summary_goes_straight_to_staff_and_twice_makes_one_ticket(backend: Backend) {
    let Some(bot) = Frontline::start(backend).await else {
        return;
    };
    let fake = &bot.fake;
    let w = fake.world().clone();
    let sent = fake.slash(
        w.alice(),
        w.support.id,
        "ticket",
        &[("summary", "invoice copy for March is wrong")],
    );
    let made = fake
        .next_call(&format!("POST /channels/{}/threads", w.support.id))
        .await;
    let t = id(&made.response);
    fake.next_call(&format!(
        "PUT /channels/{t}/thread-members/{}",
        w.alice().id
    ))
    .await;
    let card = fake
        .next_call(&format!("POST /channels/{}/messages", w.staff_channel.id))
        .await;
    let embed = &card.body["embeds"][0];
    assert_eq!(embed["title"], "Ticket #1");
    assert!(
        embed["description"]
            .as_str()
            .unwrap()
            .contains("invoice copy for March is wrong"),
        "{embed}"
    );
    assert!(
        embed["fields"].to_string().contains("asked_for_human"),
        "{embed}"
    );
    assert_eq!(labels(&card.body), ["Claim"]);
    let told = fake
        .next_call(&format!("POST /channels/{t}/messages"))
        .await;
    assert!(
        told.body["embeds"].as_array().is_none_or(Vec::is_empty),
        "no FAQ answer first: {}",
        told.body
    );
    assert!(
        told.body["content"].as_str().unwrap().contains("#1"),
        "{}",
        told.body
    );
    let reply = fake
        .next_call(&format!(
            "PATCH /webhooks/{}/{}/messages/@original",
            w.application_id, sent.token
        ))
        .await;
    assert_eq!(
        reply.body["content"],
        format!("Your request for a human is in <#{t}>.")
    );

    fake.slash(w.alice(), t, "ticket", &[]);
    let again = fake
        .next_call(&format!("POST /channels/{t}/messages"))
        .await;
    assert!(again.body["content"].as_str().unwrap().contains("#1"));
    fake.assert_no_more(&format!("POST /channels/{}/messages", w.staff_channel.id));
    let tickets = bot.store.tickets(&[]).await.unwrap();
    assert_eq!(tickets.len(), 1);
    assert_eq!(tickets[0].state, TicketState::Open);
    assert_eq!(tickets[0].customer.name, "alice");
    bot.stop().await;
}

async fn a_resent_message_makes_no_second_thread_and_no_second_answer(backend: Backend) {
    let Some(bot) = Frontline::start(backend).await else {
        return;
    };
    let fake = &bot.fake;
    let w = fake.world().clone();
    let question = fake.says(w.support.id, w.alice(), "invoice");
    let m = id(&question);
    let threads = format!("POST /channels/{}/messages/{m}/threads", w.support.id);
    assert_eq!(fake.next_call(&threads).await.status, 200);
    let posts = format!("POST /channels/{m}/messages");
    fake.next_call(&posts).await;
    fake.dispatch("MESSAGE_CREATE", question);
    let again = fake.next_call(&threads).await;
    assert_eq!(
        (again.status, again.response["code"].as_u64()),
        (400, Some(160004)),
        "Discord: this message has a thread already"
    );
    let marker = id(&fake.says(w.support.id, w.bob(), "I forgot my password"));
    fake.next_call(&format!("POST /channels/{marker}/messages"))
        .await;
    fake.assert_no_more(&posts);
    assert_eq!(
        bot.store.answers().await.unwrap().len(),
        2,
        "one answer each"
    );
    bot.stop().await;
}

async fn a_resent_ask_makes_no_second_thread(backend: Backend) {
    let Some(bot) = Frontline::start(backend).await else {
        return;
    };
    let fake = &bot.fake;
    let w = fake.world().clone();
    let asked = fake.slash(w.alice(), w.support.id, "ask", &[("question", "invoice")]);
    let made = fake
        .next_call(&format!("POST /channels/{}/threads", w.support.id))
        .await;
    let t = id(&made.response);
    fake.next_call(&format!("POST /channels/{t}/messages"))
        .await;
    let sent = fake
        .matching("DISPATCH /INTERACTION_CREATE")
        .pop()
        .expect("the command was dispatched");
    fake.dispatch("INTERACTION_CREATE", sent.body);
    let callback = FakeDiscord::callback_route(&asked);
    assert_eq!(fake.next_call(&callback).await.status, 204);
    let again = fake.next_call(&callback).await;
    assert_eq!(
        (again.status, again.response["code"].as_u64()),
        (400, Some(40060)),
        "Discord: already acknowledged"
    );
    let marker = id(&fake.says(w.support.id, w.bob(), "I forgot my password"));
    fake.next_call(&format!("POST /channels/{marker}/messages"))
        .await;
    fake.assert_no_more("POST /channels/*/threads");
    fake.assert_no_more(&format!("POST /channels/{t}/messages"));
    bot.stop().await;
}

#[tokio::test]
async fn a_process_configured_as_one_shard_identifies_as_that_shard() {
    let options = Options {
        shard: Some([1, 3]),
        ..Options::default()
    };
    let Some(bot) = Frontline::start_opts(Backend::Sqlite, options).await else {
        return;
    };
    let identified = bot.fake.matching("GATEWAY /identify");
    assert_eq!(identified.len(), 1);
    assert_eq!(identified[0].body["shard"], serde_json::json!([1, 3]));
    bot.stop().await;
}
