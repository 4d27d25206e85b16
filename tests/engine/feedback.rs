//! Customers' feedback as a mild ranking prior: many customers' *Solved* and
//! *Not what I asked* reorder near-tied entries once a tick has read them;
//! one customer clicking again and again does not.

use std::sync::Arc;

use chrono::Duration;
use frontline::engine::{Button, Engine, EngineSettings, Person, ThreadRef};
use frontline::ranking::feedback::FeedbackSettings;

use crate::expect::{answer, choices};
use crate::harness::Bot;

/// Two entries the fixture FAQ ranks close together for this question:
/// password-reset first, account-locked a little behind.
const AMBIGUOUS: &str = "password locked";

fn choose(entry: &str) -> Button {
    Button::Choose(entry.to_string())
}

/// A bot whose feedback counts fully after a few votes.
async fn bot() -> Bot {
    let mut bot = Bot::start().await;
    let settings = FeedbackSettings {
        cap: 0.05,
        half_weight_votes: 2.0,
    };
    bot.engine = Arc::new(
        Engine::new(
            bot.brain.clone(),
            bot.db.store.clone(),
            EngineSettings::default(),
        )
        .with_feedback_settings(settings),
    );
    bot
}

/// `customer`, in a thread of their own, picks password-reset for the
/// ambiguous question, says it is not what they asked, picks account-locked
/// from what is left and marks it *Solved*.
async fn password_reset_was_not_it(bot: &mut Bot, customer: &str, thread: &str) {
    bot.customer = Person::new(format!("test:{customer}"), customer);
    bot.thread = ThreadRef(format!("test:{thread}"));
    let offered = bot.says(AMBIGUOUS).await;
    assert_eq!(
        choices(&offered)[..2],
        [choose("en/password-reset"), choose("en/account-locked")]
    );
    bot.presses(choose("en/password-reset")).await;
    let left = bot.presses(Button::NotWhatIAsked).await;
    assert!(choices(&left).contains(&choose("en/account-locked")));
    let shown = bot.presses(choose("en/account-locked")).await;
    assert_eq!(answer(&shown).entry, "en/account-locked");
    bot.presses(Button::Solved).await;
}

#[tokio::test]
async fn many_customers_feedback_reorders_near_tied_entries_after_a_tick() {
    let mut bot = bot().await;
    for i in 0..20 {
        password_reset_was_not_it(&mut bot, &format!("customer-{i}"), &format!("t{i}")).await;
    }
    // Not yet read: the ranking is as before.
    bot.customer = Person::new("test:newcomer", "Newcomer");
    bot.thread = ThreadRef("test:newcomer-1".into());
    let before = bot.says(AMBIGUOUS).await;
    assert_eq!(choices(&before)[0], choose("en/password-reset"));

    bot.later(Duration::seconds(30)).await;
    bot.thread = ThreadRef("test:newcomer-2".into());
    let after = bot.says(AMBIGUOUS).await;
    assert_eq!(
        choices(&after)[..2],
        [choose("en/account-locked"), choose("en/password-reset")]
    );
    bot.stop().await;
}

#[tokio::test]
async fn one_customer_clicking_many_times_counts_once() {
    let mut bot = bot().await;
    for i in 0..20 {
        password_reset_was_not_it(&mut bot, "persistent", &format!("t{i}")).await;
    }
    bot.later(Duration::seconds(30)).await;
    bot.customer = Person::new("test:newcomer", "Newcomer");
    bot.thread = ThreadRef("test:newcomer".into());
    let offered = bot.says(AMBIGUOUS).await;
    assert_eq!(choices(&offered)[0], choose("en/password-reset"));
    bot.stop().await;
}
