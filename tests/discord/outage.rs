//! Fault drills with the database cut away (PostgreSQL behind a TCP proxy
//! the test controls): while it is unreachable, FAQ questions are still
//! answered at once and everything else waits, `/metrics` and `/healthz`
//! say so; when it is back, the waiting events are handled in order — the
//! ticket is opened, the early answer gets its feedback buttons — and
//! nothing is lost or done twice, also under a steady stream of questions.

use std::collections::HashMap;
use std::time::Duration;

use frontline::store::Store;
use serde_json::Value;

use crate::fake::recorder::Fault;
use crate::fake::world::User;
use crate::frontline::{
    Frontline, Options, button, claimed_dm_ticket, eventually, id, labels, private_reply,
};
use crate::proxy::Proxy;
use crate::support::{Backend, TestDb};

/// The bot on PostgreSQL behind `proxy`.
async fn bot_behind(proxy: &Proxy) -> Option<Frontline> {
    let options = Options {
        database_port: Some(proxy.port()),
        ..Options::default()
    };
    Frontline::start_opts(Backend::Postgres, options).await
}

async fn metric_reads(bot: &Frontline, line: &str) {
    eventually(line, || async { bot.metrics.render().contains(line) }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn with_the_database_away_faq_answers_go_out_and_a_ticket_waits_for_it() {
    let proxy = Proxy::start(TestDb::postgres_addr()).await;
    let Some(bot) = bot_behind(&proxy).await else {
        return;
    };
    let fake = &bot.fake;
    let w = fake.world().clone();
    metric_reads(&bot, "frontline_gateway_connected 1").await;
    proxy.cut();

    let faq = id(&fake.says(w.support.id, w.bob(), "invoice"));
    let answer = fake
        .next_call(&format!("POST /channels/{faq}/messages"))
        .await;
    assert_eq!(
        answer.body["embeds"][0]["title"],
        "Where can I find my invoices or get an invoice copy?"
    );
    assert!(
        labels(&answer.body).is_empty(),
        "nothing to press before it is recorded"
    );
    let new_problem = fake.says(
        w.support.id,
        w.alice(),
        "zorglub quantum marmalade overflow",
    );
    metric_reads(&bot, "frontline_backlog 2").await;
    assert!(bot.metrics.render().contains("frontline_database_up 0"));
    fake.assert_no_more(&format!("POST /channels/{}/messages", w.staff_channel.id));

    proxy.restore();
    let card = fake
        .next_call(&format!("POST /channels/{}/messages", w.staff_channel.id))
        .await;
    assert!(card.body.to_string().contains("zorglub"), "{}", card.body);
    let buttons = fake
        .next_call(&format!("POST /channels/{faq}/messages"))
        .await;
    assert_eq!(buttons.body["content"], "Did the answer above help?");
    assert_eq!(
        labels(&buttons.body),
        ["Solved", "Not what I asked", "Talk to a human"]
    );
    metric_reads(&bot, "frontline_database_up 1").await;
    metric_reads(&bot, "frontline_backlog 0").await;
    fake.next_call(&format!("POST /channels/{}/messages", id(&new_problem)))
        .await;
    fake.assert_no_more(&format!("POST /channels/{faq}/messages"));
    let answers = bot.store.answers().await.unwrap();
    assert_eq!(answers.len(), 1, "the offline answer is recorded once");
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_database_back_while_an_offline_answer_is_on_its_way_answers_once() {
    let proxy = Proxy::start(TestDb::postgres_addr()).await;
    let Some(bot) = bot_behind(&proxy).await else {
        return;
    };
    let fake = &bot.fake;
    let w = fake.world().clone();
    metric_reads(&bot, "frontline_gateway_connected 1").await;
    proxy.cut();
    // The answer given from the FAQ is slow to reach Discord; the database
    // is back before it gets there.
    fake.fail_next("POST /channels/*/messages", 1, Fault::Slow { ms: 3_000 });
    let faq = id(&fake.says(w.support.id, w.bob(), "invoice"));
    metric_reads(&bot, "frontline_backlog 1").await;
    proxy.restore();

    let answer = fake
        .next_call(&format!("POST /channels/{faq}/messages"))
        .await;
    assert!(
        labels(&answer.body).is_empty(),
        "the answer given offline comes first: {}",
        answer.body
    );
    let buttons = fake
        .next_call(&format!("POST /channels/{faq}/messages"))
        .await;
    assert_eq!(buttons.body["content"], "Did the answer above help?");
    metric_reads(&bot, "frontline_backlog 0").await;
    fake.assert_no_more(&format!("POST /channels/{faq}/messages"));
    let answers = bot.store.answers().await.unwrap();
    assert_eq!(answers.len(), 1, "answered and recorded once");
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_staff_reply_to_a_dm_ticket_while_the_database_is_away_is_sent_back_not_lost() {
    let proxy = Proxy::start(TestDb::postgres_addr()).await;
    let Some(bot) = bot_behind(&proxy).await else {
        return;
    };
    let fake = &bot.fake;
    let w = fake.world().clone();
    let (dm, relay) = claimed_dm_ticket(fake).await;
    let to_alice = format!("POST /channels/{dm}/messages");
    let in_relay = format!("POST /channels/{relay}/messages");

    proxy.cut();
    fake.says(relay, w.sam(), "Please restart the router.");
    eventually("Sam told to send it again", || async {
        fake.matching(&in_relay).iter().any(|c| {
            c.body["content"].as_str().is_some_and(|t| {
                t.starts_with("Not sent to the customer: I cannot reach my database")
            })
        })
    })
    .await;
    proxy.restore();
    // Sent again once the database is back, it reaches the customer.
    fake.says(relay, w.sam(), "Please restart the router.");
    eventually("the reply sent again reaches Alice", || async {
        fake.matching(&to_alice)
            .iter()
            .any(|c| c.body["content"] == "**sam**: Please restart the router.")
    })
    .await;
    let replies = fake
        .matching(&to_alice)
        .into_iter()
        .filter(|c| c.body["content"] == "**sam**: Please restart the router.")
        .count();
    assert_eq!(replies, 1, "the reply refused is not sent as well");
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_press_while_the_database_is_away_waits_for_it_and_then_acts() {
    let proxy = Proxy::start(TestDb::postgres_addr()).await;
    let Some(bot) = bot_behind(&proxy).await else {
        return;
    };
    let fake = &bot.fake;
    let w = fake.world().clone();
    let m = id(&fake.says(w.support.id, w.alice(), "invoice"));
    let answer = fake
        .next_call(&format!("POST /channels/{m}/messages"))
        .await;
    proxy.cut();

    let human = button(&answer.body, "Talk to a human");
    let press = fake.press(w.alice(), &answer.response, &human);
    assert_eq!(
        private_reply(fake, &press.token).await,
        "Noted. I cannot record it right now; it takes effect as soon as I can, usually \
         within a minute."
    );
    metric_reads(&bot, "frontline_backlog 1").await;
    fake.assert_no_more(&format!("POST /channels/{}/messages", w.staff_channel.id));

    proxy.restore();
    let card = fake
        .next_call(&format!("POST /channels/{}/messages", w.staff_channel.id))
        .await;
    assert!(card.body.to_string().contains("invoice"), "{}", card.body);
    metric_reads(&bot, "frontline_backlog 0").await;
    let tickets = bot.store.tickets(&[]).await.unwrap();
    assert_eq!(tickets.len(), 1, "the press opened one ticket");
    bot.stop().await;
}

/// How long the drill below keeps the database away; the note of issue 17
/// measured it with 60 (`FRONTLINE_DRILL_OUTAGE_SECS=60`).
fn outage() -> Duration {
    let secs = std::env::var("FRONTLINE_DRILL_OUTAGE_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(4);
    Duration::from_secs(secs)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_outage_under_two_questions_a_second_loses_no_question() {
    let proxy = Proxy::start(TestDb::postgres_addr()).await;
    let Some(bot) = bot_behind(&proxy).await else {
        return;
    };
    let fake = &bot.fake;
    let w = fake.world().clone();
    // A customer of their own for every question, as in a busy server.
    let ask = |n: usize| {
        let text = if n.is_multiple_of(2) {
            "invoice"
        } else {
            "zorglub quantum marmalade overflow"
        };
        let customer = User {
            id: 1_100_000_000_000_010_000 + n as u64,
            name: format!("customer{n}"),
            roles: Vec::new(),
            bot: false,
        };
        id(&fake.says(w.support.id, &customer, text))
    };
    let bot_id = w.bot.id.to_string();
    let answers_in = |thread: u64| {
        fake.messages_in(thread)
            .into_iter()
            .filter(|m| m["author"]["id"].as_str() == Some(bot_id.as_str()))
            .filter(|m| m["embeds"][0]["title"].is_string())
            .count()
    };
    let mut asked = Vec::new();
    let mut n = 0;
    // Before, during and after the outage: two questions a second.
    for phase in 0..3 {
        if phase == 1 {
            proxy.cut();
        }
        if phase == 2 {
            // The FAQ questions asked during the outage were answered during it.
            let during: Vec<u64> = asked
                .iter()
                .skip_while(|(_, _, p)| *p < 1)
                .filter(|(_, faq, _)| *faq)
                .map(|(thread, _, _)| *thread)
                .collect();
            eventually(
                "an answer to every FAQ question asked during the outage",
                || async { during.iter().all(|t| answers_in(*t) == 1) },
            )
            .await;
            assert!(bot.metrics.render().contains("frontline_database_up 0"));
            proxy.restore();
        }
        let until = tokio::time::Instant::now() + outage();
        while tokio::time::Instant::now() < until {
            asked.push((ask(n), n.is_multiple_of(2), phase));
            n += 1;
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
    let asked: Vec<(u64, bool)> = asked.into_iter().map(|(t, faq, _)| (t, faq)).collect();
    // Every FAQ question gets its answer once; every other question a ticket once.
    let mut replies: HashMap<u64, Vec<Value>> = HashMap::new();
    for (thread, faq) in &asked {
        let first = fake
            .next_call(&format!("POST /channels/{thread}/messages"))
            .await;
        if *faq {
            assert!(
                first.body["embeds"][0]["title"]
                    .as_str()
                    .is_some_and(|t| t.contains("invoice")),
                "{}",
                first.body
            );
        }
        replies.entry(*thread).or_default().push(first.body);
    }
    let tickets = asked.iter().filter(|(_, faq)| !faq).count();
    eventually("a ticket for every question nobody can answer", || async {
        bot.store.tickets(&[]).await.unwrap().len() == tickets
    })
    .await;
    metric_reads(&bot, "frontline_backlog 0").await;
    let answers = bot.store.answers().await.unwrap();
    assert_eq!(
        answers.len(),
        asked.len() - tickets,
        "each FAQ question answered once"
    );
    for (thread, faq) in &asked {
        assert_eq!(
            answers_in(*thread),
            usize::from(*faq),
            "answers in {thread}"
        );
    }
    eprintln!(
        "drill: {} questions over {:?} of outage, {} answered, {} tickets",
        asked.len(),
        outage(),
        answers.len(),
        tickets
    );
    bot.stop().await;
}
