//! Two bot instances on one database: the database settles every race.

use std::sync::Arc;

use frontline::engine::{Action, Inbound, Person, StaffCommand};
use tokio::sync::Barrier;

use crate::expect::opened;
use crate::harness::Bot;
use crate::on_both_backends;
use crate::support::Backend;

on_both_backends!(
    a_hundred_claims_from_two_instances_have_exactly_one_winner,
    the_same_message_escalated_by_both_instances_opens_one_ticket,
    both_instances_ticking_ping_once,
);

async fn a_hundred_claims_from_two_instances_have_exactly_one_winner(backend: Backend) {
    let Some(mut bot) = Bot::on(backend).await else {
        return;
    };
    let ticket = opened(&bot.says("our coffee machine leaks water").await);
    let instances = [bot.engine.clone(), bot.another_instance().await];
    let start = Arc::new(Barrier::new(100));
    let mut tasks = Vec::new();
    for i in 0..100 {
        let engine = instances[i % 2].clone();
        let start = start.clone();
        let now = bot.now;
        let staff = Person::new(format!("test:staff-{i}"), format!("Staff {i}"));
        tasks.push(tokio::spawn(async move {
            let claim = Inbound::Staff {
                source: frontline::engine::SourceKey::new("test", format!("claim-{i}")),
                ticket,
                staff: staff.clone(),
                command: StaffCommand::Claim,
            };
            start.wait().await;
            let done = engine
                .handle(&claim, now)
                .await
                .expect("a claim is handled");
            (staff, done)
        }));
    }
    let mut winners = Vec::new();
    let mut told = Vec::new();
    for task in tasks {
        let (staff, done) = task.await.unwrap();
        match done.as_slice() {
            [
                Action::UpdateStaffCard(_),
                Action::AddToThread { .. },
                Action::Say { .. },
            ] => winners.push(staff),
            [Action::Ephemeral { user, text }] if *user == staff.id => told.push(text.clone()),
            other => panic!("unexpected outcome for {}: {other:?}", staff.name),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one claim wins");
    let winner = &winners[0];
    assert_eq!(told.len(), 99);
    let expected = format!("Ticket #{ticket} is already claimed by {}.", winner.name);
    assert!(
        told.iter().all(|t| *t == expected),
        "every other claimer is told who won"
    );
    assert_eq!(bot.ticket(ticket).await.claimed_by.as_ref(), Some(winner));
    bot.stop().await;
}

async fn the_same_message_escalated_by_both_instances_opens_one_ticket(backend: Backend) {
    let Some(mut bot) = Bot::on(backend).await else {
        return;
    };
    let event = bot.message("our coffee machine leaks water");
    let instances = [bot.engine.clone(), bot.another_instance().await];
    let start = Arc::new(Barrier::new(20));
    let mut tasks = Vec::new();
    for i in 0..20 {
        let engine = instances[i % 2].clone();
        let (start, event, now) = (start.clone(), event.clone(), bot.now);
        tasks.push(tokio::spawn(async move {
            start.wait().await;
            engine
                .handle(&event, now)
                .await
                .expect("the message is handled")
        }));
    }
    let mut cards = 0;
    for task in tasks {
        cards += task
            .await
            .unwrap()
            .iter()
            .filter(|a| matches!(a, Action::PostStaffCard(_)))
            .count();
    }
    assert_eq!(cards, 1, "one staff card");
    assert_eq!(bot.tickets().await.len(), 1, "one ticket");
    let messages = bot
        .transcript()
        .await
        .into_iter()
        .filter(|e| e.kind == "message")
        .count();
    assert_eq!(messages, 1, "the message is in the transcript once");
    bot.stop().await;
}

async fn both_instances_ticking_ping_once(backend: Backend) {
    let Some(mut bot) = Bot::on(backend).await else {
        return;
    };
    bot.says("our coffee machine leaks water").await;
    bot.now += chrono::Duration::minutes(20);
    let other = bot.another_instance().await;
    let (a, b) = tokio::join!(
        bot.engine.handle(&Inbound::Tick, bot.now),
        other.handle(&Inbound::Tick, bot.now)
    );
    let pings = a.unwrap().len() + b.unwrap().len();
    assert_eq!(pings, 1);
    bot.stop().await;
}
