//! New questions in a support channel, where each gets a thread: one
//! customer's burst of messages becomes one conversation (and at most one
//! ticket), not a thread and a staff card per message; other customers, and
//! the same customer after the cooldown, get threads of their own.

use std::sync::Arc;

use chrono::Duration;
use frontline::engine::{Action, Elsewhere, Inbound, Person, Placement, SourceKey, ThreadRef};
use tokio::sync::Barrier;

use crate::harness::{Bot, bob};
use crate::on_both_backends;
use crate::support::Backend;

on_both_backends!(
    five_messages_in_half_a_second_make_one_thread_and_at_most_one_staff_card,
    five_questions_placed_at_once_on_two_instances_open_exactly_one_thread,
);

/// The support channel.
fn support() -> ThreadRef {
    ThreadRef("test:support".into())
}

/// The thread message `n` would open (on Discord: the message's id).
fn thread_of(n: u32) -> ThreadRef {
    ThreadRef(format!("test:thread-of-message-{n}"))
}

/// What the adapter does with message `n` of `who` in the support channel:
/// asks where it goes, then hands it to the engine there.
async fn posts(bot: &mut Bot, who: &Person, n: u32, text: &str) -> (Placement, Vec<Action>) {
    let placed = bot
        .engine
        .place_question(&support(), who, &thread_of(n), bot.now)
        .await
        .expect("placed");
    let (thread, elsewhere) = match &placed {
        Placement::NewThread => (thread_of(n), None),
        Placement::Join(thread) => (
            thread.clone(),
            Some(Elsewhere {
                place: support(),
                link: format!("<{thread}>"),
            }),
        ),
    };
    let event = Inbound::Message {
        source: SourceKey::new("test", format!("message-{n}")),
        thread,
        author: who.clone(),
        text: text.to_string(),
        attachments: Vec::new(),
        lang: None,
        elsewhere,
        roles: Some(Vec::new()),
    };
    (placed, bot.handle(&event).await)
}

fn staff_cards(actions: &[Action]) -> usize {
    actions
        .iter()
        .filter(|a| matches!(a, Action::PostStaffCard(_)))
        .count()
}

async fn five_messages_in_half_a_second_make_one_thread_and_at_most_one_staff_card(
    backend: Backend,
) {
    let Some(mut bot) = Bot::on(backend).await else {
        return;
    };
    let una = bot.customer.clone();
    let mut cards = 0;
    let mut placements = Vec::new();
    for n in 1..=5 {
        let (placed, done) = posts(&mut bot, &una, n, "our coffee machine leaks water").await;
        cards += staff_cards(&done);
        placements.push(placed);
        bot.now += Duration::milliseconds(100);
    }
    assert_eq!(placements[0], Placement::NewThread);
    assert!(
        placements[1..]
            .iter()
            .all(|p| *p == Placement::Join(thread_of(1))),
        "{placements:?}"
    );
    assert_eq!(cards, 1, "one staff card");
    assert_eq!(bot.tickets().await.len(), 1, "one ticket");
    bot.stop().await;
}

async fn five_questions_placed_at_once_on_two_instances_open_exactly_one_thread(backend: Backend) {
    let Some(bot) = Bot::on(backend).await else {
        return;
    };
    let instances = [bot.engine.clone(), bot.another_instance().await];
    let start = Arc::new(Barrier::new(5));
    let mut tasks = Vec::new();
    for n in 1..=5u32 {
        let engine = instances[n as usize % 2].clone();
        let (start, now, who) = (start.clone(), bot.now, bot.customer.clone());
        tasks.push(tokio::spawn(async move {
            start.wait().await;
            engine
                .place_question(&support(), &who, &thread_of(n), now)
                .await
                .expect("placed")
        }));
    }
    let mut placements = Vec::new();
    for task in tasks {
        placements.push(task.await.unwrap());
    }
    let new: Vec<_> = placements
        .iter()
        .filter(|p| **p == Placement::NewThread)
        .collect();
    assert_eq!(new.len(), 1, "{placements:?}");
    let joined: Vec<_> = placements
        .iter()
        .filter_map(|p| match p {
            Placement::Join(t) => Some(t.clone()),
            Placement::NewThread => None,
        })
        .collect();
    assert_eq!(joined.len(), 4);
    assert!(joined.iter().all(|t| *t == joined[0]), "{joined:?}");
    bot.stop().await;
}

#[tokio::test]
async fn a_joined_message_is_quoted_in_the_thread_and_the_customer_is_told_where_it_went() {
    let mut bot = Bot::start().await;
    let una = bot.customer.clone();
    posts(&mut bot, &una, 1, "Outlook says").await;
    bot.now += Duration::seconds(5);
    let (placed, done) = posts(&mut bot, &una, 2, "0x8004010F").await;
    assert_eq!(placed, Placement::Join(thread_of(1)));
    let says: Vec<(ThreadRef, String)> = done
        .iter()
        .filter_map(|a| match a {
            Action::Say { thread, text, .. } => Some((thread.clone(), text.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        says,
        [
            (
                support(),
                format!(
                    "I've added this to your open question in <{}>. If it is a different question, ask it with /ask.",
                    thread_of(1)
                )
            ),
            (
                thread_of(1),
                "You also wrote in the channel:\n> 0x8004010F".to_string()
            ),
        ]
    );
    let fix = done.iter().find_map(|a| match a {
        Action::Answer { thread, source, .. } => Some((thread.clone(), source.entry_id.clone())),
        _ => None,
    });
    assert_eq!(
        fix,
        Some((thread_of(1), "fixes/outlook-0x8004010f".to_string())),
        "the two messages together are one problem"
    );
    bot.stop().await;
}

#[tokio::test]
async fn two_customers_in_the_same_channel_each_get_a_thread() {
    let mut bot = Bot::start().await;
    let una = bot.customer.clone();
    let (first, _) = posts(&mut bot, &una, 1, "our coffee machine leaks water").await;
    let (second, _) = posts(&mut bot, &bob(), 2, "the coffee machine is broken").await;
    assert_eq!(first, Placement::NewThread);
    assert_eq!(second, Placement::NewThread);
    assert_eq!(bot.tickets().await.len(), 2);
    bot.stop().await;
}

#[tokio::test]
async fn a_second_question_after_the_cooldown_gets_a_thread_of_its_own() {
    let mut bot = Bot::start().await;
    let una = bot.customer.clone();
    posts(&mut bot, &una, 1, "our coffee machine leaks water").await;
    bot.now += Duration::minutes(10);
    let (placed, done) = posts(&mut bot, &una, 2, "how do I reset my password").await;
    assert_eq!(placed, Placement::NewThread);
    assert!(
        done.iter()
            .all(|a| !matches!(a, Action::Say { text, .. } if text.contains("open question"))),
        "nothing is said about the earlier question"
    );
    bot.stop().await;
}

#[tokio::test]
async fn the_same_message_seen_twice_is_placed_in_its_own_thread_both_times() {
    let bot = Bot::start().await;
    let una = bot.customer.clone();
    for _ in 0..2 {
        let placed = bot
            .engine
            .place_question(&support(), &una, &thread_of(1), bot.now)
            .await
            .unwrap();
        assert_eq!(placed, Placement::NewThread);
    }
    bot.stop().await;
}

#[tokio::test]
async fn when_the_thread_could_not_be_made_the_next_message_opens_one() {
    let bot = Bot::start().await;
    let una = bot.customer.clone();
    let engine = &bot.engine;
    let placed = engine
        .place_question(&support(), &una, &thread_of(1), bot.now)
        .await
        .unwrap();
    assert_eq!(placed, Placement::NewThread);
    engine
        .question_not_opened(&support(), &una, &thread_of(1))
        .await
        .unwrap();
    let next = engine
        .place_question(&support(), &una, &thread_of(2), bot.now)
        .await
        .unwrap();
    assert_eq!(next, Placement::NewThread);
    bot.stop().await;
}
