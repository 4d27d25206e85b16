//! Catching up: what customers wrote while the bot was away is answered
//! when it connects — a question in a support channel gets its thread and
//! answer, a forum post nobody can answer gets a ticket — and a second
//! catch-up (a new session after a lost connection) answers nothing twice.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use frontline::engine::ThreadRef;
use frontline::store::Store;

use crate::fake::FakeDiscord;
use crate::fake::recorder::Fault;
use crate::frontline::{Frontline, Options, claimed_dm_ticket, eventually, id};
use crate::on_both_backends;
use crate::support::Backend;

on_both_backends!(
    messages_written_while_the_bot_was_away_are_answered_once_when_it_connects,
    a_question_cut_off_after_its_thread_was_made_is_answered_in_that_thread,
    the_newest_question_behind_more_than_a_page_of_chatter_is_found,
    a_question_answered_live_before_the_catch_up_hides_none_it_missed,
    a_staff_reply_written_while_the_bot_was_away_reaches_the_dm_customer,
);

/// Starts the bot, catching up on the last 24 hours, once `away` has
/// written what it will find; returns the bot and what `away` returned.
async fn start_after<T: Send + 'static>(
    backend: Backend,
    away: impl FnOnce(&FakeDiscord) -> T + Send + 'static,
) -> Option<(Frontline, T)> {
    let noted = Arc::new(Mutex::new(None));
    let written = noted.clone();
    let options = Options {
        catch_up_hours: 24,
        before_start: Some(Box::new(move |fake| {
            *written.lock().unwrap() = Some(away(fake));
        })),
        ..Options::default()
    };
    let bot = Frontline::start_opts(backend, options).await?;
    let noted = noted
        .lock()
        .unwrap()
        .take()
        .expect("written before the start");
    Some((bot, noted))
}

/// Waits until the bot has caught up `times` times in all.
async fn caught_up(bot: &Frontline, times: u64) {
    let line = format!("frontline_catch_ups_total {times}");
    eventually(&format!("catch-up number {times}"), || async {
        bot.metrics.render().contains(&line)
    })
    .await;
}

async fn messages_written_while_the_bot_was_away_are_answered_once_when_it_connects(
    backend: Backend,
) {
    let Some((bot, (question, post))) = start_after(backend, move |fake| {
        let w = fake.world().clone();
        let question = fake.says_while_away(w.support.id, w.alice(), "invoice");
        let (post, _) = fake.posts_in_forum_while_away(
            w.bob(),
            "Strange",
            "zorglub quantum marmalade overflow",
        );
        (id(&question), id(&post))
    })
    .await
    else {
        return;
    };
    let fake = &bot.fake;
    let w = fake.world().clone();

    fake.next_call(&format!(
        "POST /channels/{}/messages/{question}/threads",
        w.support.id
    ))
    .await;
    let answer = fake
        .next_call(&format!("POST /channels/{question}/messages"))
        .await;
    assert_eq!(
        answer.body["embeds"][0]["title"],
        "Where can I find my invoices or get an invoice copy?"
    );
    let card = fake
        .next_call(&format!("POST /channels/{}/messages", w.staff_channel.id))
        .await;
    assert!(card.body.to_string().contains("zorglub"), "{}", card.body);
    let told = fake
        .next_call(&format!("POST /channels/{post}/messages"))
        .await;
    assert!(told.body["content"].as_str().unwrap().contains("ticket #1"));
    caught_up(&bot, 1).await;

    // A new session (the old one could not be resumed) catches up again.
    fake.refuse_next_resume();
    assert!(fake.drop_gateway());
    caught_up(&bot, 2).await;
    eventually("the outbox is empty", || async {
        bot.store
            .pending_actions(&frontline::store::Scope::All)
            .await
            .unwrap()
            == 0
    })
    .await;
    fake.assert_no_more("POST /channels/*/messages/*/threads");
    fake.assert_no_more(&format!("POST /channels/{question}/messages"));
    fake.assert_no_more(&format!("POST /channels/{post}/messages"));
    fake.assert_no_more(&format!("POST /channels/{}/messages", w.staff_channel.id));
    let tickets = bot.store.tickets(&[]).await.unwrap();
    assert_eq!(tickets.len(), 1, "one ticket for the forum post");
    assert!(
        bot.store
            .conversation_by_thread(&ThreadRef(format!("discord:{question}")))
            .await
            .unwrap()
            .is_some()
    );
    bot.stop().await;
}

async fn a_question_answered_live_before_the_catch_up_hides_none_it_missed(backend: Backend) {
    let Some((bot, missed)) = start_after(backend, move |fake| {
        let w = fake.world().clone();
        let question =
            fake.said_while_away(w.support.id, w.alice(), "invoice", Duration::from_secs(600));
        // The slash commands are slow to register, and the catch-up
        // waits for them; meanwhile a customer asks, live.
        fake.fail_next("PUT /applications/*/commands", 1, Fault::Slow { ms: 3_000 });
        let fake = fake.clone();
        tokio::spawn(async move {
            while fake.matching("CLIENT /READY").is_empty() {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            fake.says(w.support.id, w.bob(), "invoice");
        });
        id(&question)
    })
    .await
    else {
        return;
    };
    let fake = &bot.fake;
    caught_up(&bot, 1).await;
    let answer = fake
        .next_call(&format!("POST /channels/{missed}/messages"))
        .await;
    assert_eq!(
        answer.body["embeds"][0]["title"],
        "Where can I find my invoices or get an invoice copy?"
    );
    bot.stop().await;
}

async fn a_staff_reply_written_while_the_bot_was_away_reaches_the_dm_customer(backend: Backend) {
    let options = Options {
        catch_up_hours: 24,
        ..Options::default()
    };
    let Some(bot) = Frontline::start_opts(backend, options).await else {
        return;
    };
    let fake = &bot.fake;
    let w = fake.world().clone();
    let (dm, relay) = claimed_dm_ticket(fake).await;
    let to_alice = format!("POST /channels/{dm}/messages");
    caught_up(&bot, 1).await;

    // Sam answers in the relay thread while the bot is away (the message
    // is not announced) and the connection drops.
    fake.says_while_away(relay, w.sam(), "Please restart the router.");
    fake.refuse_next_resume();
    assert!(fake.drop_gateway());
    caught_up(&bot, 2).await;
    let reply = "**sam**: Please restart the router.";
    eventually("Sam's reply relayed to Alice", || async {
        fake.matching(&to_alice)
            .iter()
            .any(|c| c.body["content"] == reply)
    })
    .await;
    // A third session relays it no second time.
    fake.refuse_next_resume();
    assert!(fake.drop_gateway());
    caught_up(&bot, 3).await;
    let replies = fake
        .matching(&to_alice)
        .into_iter()
        .filter(|c| c.body["content"] == reply)
        .count();
    assert_eq!(replies, 1);
    bot.stop().await;
}

async fn a_question_cut_off_after_its_thread_was_made_is_answered_in_that_thread(backend: Backend) {
    let Some((bot, question)) = start_after(backend, move |fake| {
        let w = fake.world().clone();
        // The last run made the thread, then died before recording the question.
        let question = fake.says_while_away(w.support.id, w.alice(), "invoice");
        fake.thread_was_made_from(&question, "invoice");
        id(&question)
    })
    .await
    else {
        return;
    };
    let fake = &bot.fake;
    let answer = fake
        .next_call(&format!("POST /channels/{question}/messages"))
        .await;
    assert_eq!(
        answer.body["embeds"][0]["title"],
        "Where can I find my invoices or get an invoice copy?"
    );
    caught_up(&bot, 1).await;
    fake.assert_no_more(&format!("POST /channels/{question}/messages"));
    bot.stop().await;
}

async fn the_newest_question_behind_more_than_a_page_of_chatter_is_found(backend: Backend) {
    let Some((bot, question)) = start_after(backend, move |fake| {
        let w = fake.world().clone();
        // More than a page of the channel's history, then the question.
        for n in 0..130 {
            fake.says_while_away(w.support.id, &w.bot, &format!("announcement {n}"));
        }
        let question = fake.says_while_away(w.support.id, w.alice(), "invoice");
        id(&question)
    })
    .await
    else {
        return;
    };
    let answer = bot
        .fake
        .next_call(&format!("POST /channels/{question}/messages"))
        .await;
    assert_eq!(
        answer.body["embeds"][0]["title"],
        "Where can I find my invoices or get an invoice copy?"
    );
    caught_up(&bot, 1).await;
    bot.stop().await;
}
