//! Maintenance contracts: a customer's ticket carries their contract and is
//! reminded on its promised response time; a question about the contract is
//! answered from the customer's own, to them alone; a customer without one
//! asking for remote maintenance hears what a contract would include. The
//! fixture `contracts/` holds Kanzlei Berger (Vollwartung, response within
//! 20 minutes, terminal name `berger`, Discord role 345678901234567890) and
//! Praxis Weber (Instandhaltung, 8 hours, `weber`), both valid in 2026.

use chrono::Duration;
use frontline::engine::{Action, Button, Inbound, Person, PingLevel, ThreadRef};
use frontline::knowledge::ContractLevel;

use crate::expect::{card, kinds, opened, pings, said};
use crate::harness::Bot;

fn berger() -> Person {
    Person::new("test:berger", "Anna Berger")
}

/// What was sent to `user` alone.
fn private_to(actions: &[Action], user: &Person) -> Option<String> {
    actions.iter().find_map(|a| match a {
        Action::Private { user: to, text } if *to == user.id => Some(text.clone()),
        _ => None,
    })
}

/// Every text the actions show anyone.
fn all_text(actions: &[Action]) -> String {
    serde_json::to_string(actions).expect("actions serialise")
}

#[tokio::test]
async fn a_vollwartung_customers_ticket_carries_the_contract_and_is_reminded_on_its_short_response_time()
 {
    let mut bot = Bot::start().await;
    bot.customer = berger();
    let actions = bot.says("our coffee machine leaks water").await;
    let ticket = opened(&actions);
    let shown = card(&actions)
        .contract
        .expect("the card shows the contract");
    assert_eq!(
        (shown.customer.as_str(), shown.level, shown.response_minutes),
        ("Kanzlei Berger", ContractLevel::Vollwartung, 20)
    );
    assert_eq!(
        bot.ticket(ticket).await.contract.map(|c| c.id),
        Some("berger".to_string())
    );
    // Half the promised 20 minutes: the first reminder, sooner than the
    // team's own 15 minutes; three quarters: the loud one.
    assert!(bot.later(Duration::minutes(9)).await.is_empty());
    let first = bot.later(Duration::minutes(1)).await;
    assert_eq!(pings(&first), [(ticket, PingLevel::Normal)]);
    let Action::PingStaff { text, .. } = &first[0] else {
        unreachable!()
    };
    assert!(
        text.contains("Kanzlei Berger") && text.contains("10 minutes left"),
        "{text}"
    );
    assert_eq!(
        pings(&bot.later(Duration::minutes(5)).await),
        [(ticket, PingLevel::Loud)]
    );
}

#[tokio::test]
async fn a_customer_without_a_contract_is_reminded_on_the_teams_own_times() {
    let mut bot = Bot::start().await;
    let ticket = opened(&bot.says("our coffee machine leaks water").await);
    assert_eq!(bot.ticket(ticket).await.contract, None);
    assert!(bot.later(Duration::minutes(14)).await.is_empty());
    assert_eq!(
        pings(&bot.later(Duration::minutes(1)).await),
        [(ticket, PingLevel::Normal)]
    );
}

#[tokio::test]
async fn a_contract_covers_everyone_with_its_discord_role() {
    let mut bot = Bot::start().await;
    bot.customer = Person::new("discord:200000000000000002", "Tom");
    let mut event = bot.message("our coffee machine leaks water");
    if let Inbound::Message { roles, .. } = &mut event {
        *roles = Some(vec!["345678901234567890".into()]);
    }
    let ticket = opened(&bot.handle(&event).await);
    assert_eq!(
        bot.ticket(ticket).await.contract.map(|c| c.id),
        Some("berger".to_string())
    );
}

#[tokio::test]
async fn a_question_about_the_contract_is_answered_from_the_customers_own_and_only_to_them() {
    let mut bot = Bot::start().await;
    bot.customer = berger();
    let actions = bot.says("What does my contract cover?").await;
    assert_eq!(kinds(&actions), ["private", "say"]);
    let terms = private_to(&actions, &bot.customer).expect("the terms, privately");
    for part in [
        "Kanzlei Berger",
        "Vollwartung",
        "20 min",
        "remote maintenance",
        "2026-12-31",
    ] {
        assert!(terms.contains(part), "{part} in {terms}");
    }
    // The thread only says where the terms went.
    assert!(!said(&actions).contains("Vollwartung"));
    assert!(bot.tickets().await.is_empty());

    // Another customer, in German: their own contract, never Berger's.
    bot.customer = Person::new("test:weber", "Dr. Weber");
    bot.thread = ThreadRef("test:thread-weber".into());
    let actions = bot.says("Was umfasst mein Wartungsvertrag?").await;
    let terms = private_to(&actions, &bot.customer).expect("the terms, privately");
    assert!(
        terms.starts_with("**Ihr Wartungsvertrag** (Praxis Weber)"),
        "{terms}"
    );
    assert!(!all_text(&actions).contains("Berger"));
}

#[tokio::test]
async fn a_customer_without_a_contract_learns_what_one_would_include_and_nobody_elses() {
    let mut bot = Bot::start().await;
    let actions = bot.says("What does my contract cover?").await;
    assert_eq!(kinds(&actions), ["say"]);
    let text = said(&actions);
    assert!(
        text.starts_with("We have no maintenance contract on file for you."),
        "{text}"
    );
    for other in ["Berger", "Weber"] {
        assert!(!all_text(&actions).contains(other), "{other}");
    }
}

#[tokio::test]
async fn remote_maintenance_without_a_contract_that_includes_it_is_offered_not_promised() {
    let mut bot = Bot::start().await;
    let actions = bot
        .says("Can you do remote maintenance on our server?")
        .await;
    let text = said(&actions);
    assert!(text.contains("remote maintenance and diagnosis"), "{text}");
    assert!(text.contains("Talk to a human"), "{text}");
    let buttons: Vec<Button> = actions[0]
        .buttons()
        .iter()
        .map(|o| o.button.clone())
        .collect();
    assert_eq!(buttons, [Button::TalkToHuman]);
    assert!(bot.tickets().await.is_empty(), "no ticket unless they ask");
    // The button gets them a person, for an offer or for help now.
    opened(&bot.presses(Button::TalkToHuman).await);

    // Weber's Instandhaltung has no remote maintenance: told so, in German.
    bot.customer = Person::new("test:weber", "Dr. Weber");
    bot.thread = ThreadRef("test:thread-weber".into());
    let text = said(
        &bot.says("Bitte per Fernwartung auf den Server schauen")
            .await,
    );
    assert!(
        text.starts_with("Ihr Vertrag umfasst keine Fernwartung."),
        "{text}"
    );
    assert!(
        !text.contains("Instandhaltung ("),
        "not the level, in the thread: {text}"
    );

    // Berger's Vollwartung includes it: the question goes on to the FAQ.
    bot.customer = berger();
    bot.thread = ThreadRef("test:thread-berger".into());
    let actions = bot
        .says("Can you do remote maintenance on our server?")
        .await;
    assert!(
        !all_text(&actions).contains("does not include"),
        "{actions:?}"
    );
}

#[tokio::test]
async fn where_the_platform_does_not_say_the_roles_the_contract_found_by_them_stands() {
    let mut bot = Bot::start().await;
    bot.customer = Person::new("discord:200000000000000002", "Tom");
    let with_roles = |bot: &mut Bot, text: &str, roles: Option<Vec<String>>| {
        let mut event = bot.message(text);
        if let Inbound::Message { roles: r, .. } = &mut event {
            *r = roles;
        }
        event
    };
    let first = with_roles(&mut bot, "hello", Some(vec!["345678901234567890".into()]));
    bot.handle(&first).await;
    // A direct message carries no roles: still Berger's contract.
    let asked = with_roles(&mut bot, "What does my contract cover?", None);
    let actions = bot.handle(&asked).await;
    let terms = private_to(&actions, &bot.customer).expect("the terms");
    assert!(terms.contains("Kanzlei Berger"), "{terms}");
    // Roles that no longer include it: the contract no longer applies.
    let later = with_roles(&mut bot, "What does my contract cover?", Some(Vec::new()));
    assert!(private_to(&bot.handle(&later).await, &bot.customer).is_none());
}

#[tokio::test]
async fn after_what_a_contract_would_include_an_answer_the_faq_has_still_follows() {
    let mut bot = Bot::start().await;
    let actions = bot
        .says("I forgot my password, can you help remotely?")
        .await;
    assert_eq!(kinds(&actions), ["say", "answer"]);
    assert!(said(&actions).starts_with("We have no maintenance contract on file for you."));
    assert_eq!(crate::expect::answer(&actions).entry, "en/password-reset");
    // Its Talk to a human still works under the answer's feedback.
    opened(&bot.presses(Button::TalkToHuman).await);
}

#[tokio::test]
async fn a_question_about_the_contract_is_not_part_of_a_later_tickets_problem() {
    let mut bot = Bot::start().await;
    bot.customer = berger();
    bot.says("What does my contract cover?").await;
    let ticket = opened(&bot.says("our coffee machine leaks water").await);
    assert_eq!(
        bot.ticket(ticket).await.customer_wrote,
        ["our coffee machine leaks water"]
    );
}
