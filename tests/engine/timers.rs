//! Time: reminders for unclaimed tickets, closing quiet conversations.

use chrono::Duration;
use frontline::engine::{PingLevel, StaffCommand};
use frontline::store::Store;

use crate::expect::{kinds, opened, pings};
use crate::harness::{Bot, alice};

fn minutes(n: i64) -> Duration {
    Duration::minutes(n)
}

fn hours(n: i64) -> Duration {
    Duration::hours(n)
}

#[tokio::test]
async fn an_unclaimed_ticket_pings_the_staff_role_and_later_louder() {
    let mut bot = Bot::start().await;
    let ticket = opened(&bot.says("our coffee machine leaks water").await);
    assert!(bot.later(minutes(14)).await.is_empty());
    let first = bot.later(minutes(1)).await;
    assert_eq!(pings(&first), [(ticket, PingLevel::Normal)]);
    let frontline::engine::Action::PingStaff { role, .. } = &first[0] else {
        unreachable!()
    };
    assert_eq!(role, "support");
    assert!(
        bot.later(minutes(30)).await.is_empty(),
        "one reminder per level"
    );
    assert_eq!(
        pings(&bot.later(minutes(15)).await),
        [(ticket, PingLevel::Loud)]
    );
    assert!(
        bot.later(hours(5)).await.is_empty(),
        "two reminders, then no more"
    );
    bot.stop().await;
}

#[tokio::test]
async fn a_claimed_ticket_is_not_pinged_and_unclaiming_restarts_the_wait() {
    let mut bot = Bot::start().await;
    let ticket = opened(&bot.says("our coffee machine leaks water").await);
    bot.later(minutes(10)).await;
    bot.staff(&alice(), ticket, StaffCommand::Claim).await;
    assert!(bot.later(hours(2)).await.is_empty());
    bot.staff(&alice(), ticket, StaffCommand::Unclaim).await;
    assert!(bot.later(minutes(14)).await.is_empty());
    assert_eq!(
        pings(&bot.later(minutes(1)).await),
        [(ticket, PingLevel::Normal)]
    );
    bot.stop().await;
}

#[tokio::test]
async fn a_quiet_conversation_gets_a_notice_and_is_then_closed() {
    let mut bot = Bot::start().await;
    bot.says("I forgot my password").await;
    assert!(bot.later(hours(23)).await.is_empty());
    assert_eq!(kinds(&bot.later(hours(1)).await), ["inactivity_notice"]);
    assert!(bot.later(hours(23)).await.is_empty());
    assert_eq!(kinds(&bot.later(hours(1)).await), ["close"]);
    assert!(bot.later(hours(48)).await.is_empty());
    bot.stop().await;
}

#[tokio::test]
async fn writing_after_the_notice_keeps_the_conversation_open() {
    let mut bot = Bot::start().await;
    bot.says("I forgot my password").await;
    assert_eq!(kinds(&bot.later(hours(24)).await), ["inactivity_notice"]);
    bot.says("printer").await;
    assert!(bot.later(hours(23)).await.is_empty());
    assert_eq!(
        kinds(&bot.later(hours(1)).await),
        ["inactivity_notice"],
        "a new notice, not a close"
    );
    bot.stop().await;
}

#[tokio::test]
async fn a_conversation_waiting_for_staff_is_not_closed_for_quiet() {
    let mut bot = Bot::start().await;
    let ticket = opened(&bot.says("our coffee machine leaks water").await);
    bot.staff(&alice(), ticket, StaffCommand::Claim).await;
    assert!(bot.later(hours(72)).await.is_empty());
    bot.stop().await;
}

#[tokio::test]
async fn a_closed_conversation_opens_again_on_a_new_message() {
    let mut bot = Bot::start().await;
    bot.says("invoice").await;
    bot.later(hours(24)).await;
    assert_eq!(kinds(&bot.later(hours(24)).await), ["close"]);
    let done = bot.says("I forgot my password").await;
    assert_eq!(kinds(&done), ["answer"]);
    let conv = bot
        .db
        .store
        .conversation_by_thread(&bot.thread)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(conv.status, frontline::engine::Status::Open);
    assert_eq!(conv.state.topic, ["I forgot my password"], "a fresh topic");
    bot.stop().await;
}
