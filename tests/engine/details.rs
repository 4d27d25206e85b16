//! Asking before escalating: the fixture fix `fixes/outlook-0x8004010f` needs the
//! host, the error and the user account. When it does not help, the
//! customer is asked for each one they have not written, once, and the
//! ticket opens with the answers on it and on its card.

use frontline::engine::{Action, Button, Detail, Inbound, Person};
use frontline::knowledge::Need;

use crate::expect::{answer, card, kinds, opened, said};
use crate::harness::Bot;

fn detail(need: Need, value: &str) -> Detail {
    Detail {
        need,
        value: value.into(),
    }
}

async fn the_fix_fails(bot: &mut Bot, text: &str) -> Vec<Action> {
    let shown = answer(&bot.says(text).await);
    assert_eq!(shown.entry, "fixes/outlook-0x8004010f");
    bot.presses(Button::StillBroken).await
}

#[tokio::test]
async fn what_the_customer_did_not_write_is_asked_once_each_and_lands_on_the_card() {
    let mut bot = Bot::start().await;
    let asked = the_fix_fails(&mut bot, "Outlook says 0x8004010F").await;
    assert_eq!(kinds(&asked), ["say"]);
    let text = said(&asked);
    // The error is in their words already: only the host is asked first.
    assert!(
        text.ends_with(Need::Host.question(frontline::knowledge::Lang::En)),
        "{text}"
    );
    assert!(
        bot.tickets().await.is_empty(),
        "no ticket before the details"
    );
    let next = said(&bot.says("it is pc-042.office.local").await);
    assert_eq!(next, Need::User.question(frontline::knowledge::Lang::En));
    let actions = bot.says("anna.berger@kanzlei-berger.de").await;
    let ticket = opened(&actions);
    let expected = [
        detail(Need::Host, "it is pc-042.office.local"),
        detail(Need::User, "anna.berger@kanzlei-berger.de"),
    ];
    assert_eq!(card(&actions).details, expected);
    assert_eq!(bot.ticket(ticket).await.details, expected);
    // Nothing was asked twice.
    let questions = bot
        .transcript()
        .await
        .iter()
        .filter(|e| e.text.contains("(host name or IP address)"))
        .count();
    assert_eq!(questions, 1);
}

#[tokio::test]
async fn an_answer_that_gives_more_than_was_asked_is_not_asked_again() {
    let mut bot = Bot::start().await;
    the_fix_fails(&mut bot, "Outlook can't open my data file").await;
    // Asked for the host; the answer also has the error code and the user.
    let actions = bot.says("PC-042 says 0x8004010F, user: aberger").await;
    let ticket = opened(&actions);
    let needs: Vec<Need> = bot
        .ticket(ticket)
        .await
        .details
        .iter()
        .map(|d| d.need)
        .collect();
    // Recorded once, as the answer to what was asked.
    assert_eq!(needs, [Need::Host]);
}

#[tokio::test]
async fn asking_for_a_human_midway_hands_over_with_what_was_given() {
    let mut bot = Bot::start().await;
    the_fix_fails(&mut bot, "Outlook says 0x8004010F").await;
    bot.says("pc-042.office.local").await;
    let ticket = opened(&bot.says("I want to talk to a human").await);
    assert_eq!(
        bot.ticket(ticket).await.details,
        [detail(Need::Host, "pc-042.office.local")]
    );
}

#[tokio::test]
async fn details_from_a_form_open_the_ticket_at_once() {
    let mut bot = Bot::start().await;
    bot.says("Outlook says 0x8004010F").await;
    let wanted = {
        let conv = bot
            .engine
            .queries()
            .conversation_by_thread(&bot.thread)
            .await
            .unwrap()
            .unwrap();
        bot.engine.details_wanted(&conv)
    };
    assert_eq!(wanted, [Need::Host, Need::User]);
    let form = Inbound::Details {
        source: frontline::engine::SourceKey::new("test", "form-1"),
        thread: bot.thread.clone(),
        by: bot.customer.clone(),
        details: vec![detail(Need::Host, "pc-042"), detail(Need::User, "aberger")],
        offer: Some(1),
    };
    let actions = bot.handle(&form).await;
    let ticket = opened(&actions);
    assert_eq!(card(&actions).details.len(), 2);
    assert_eq!(
        bot.ticket(ticket).await.suggested[0].feedback,
        Some(frontline::engine::Feedback::StillBroken)
    );
    // Someone else's form changes nothing.
    let mut bot = Bot::start().await;
    bot.says("Outlook says 0x8004010F").await;
    let forged = Inbound::Details {
        source: frontline::engine::SourceKey::new("test", "form-2"),
        thread: bot.thread.clone(),
        by: Person::new("test:mallory", "Mallory"),
        details: vec![detail(Need::Host, "evil")],
        offer: Some(1),
    };
    assert_eq!(kinds(&bot.handle(&forged).await), ["ephemeral"]);
    assert!(bot.tickets().await.is_empty());
}

#[tokio::test]
async fn a_contract_customer_is_told_what_happens_next_and_by_when() {
    let mut bot = Bot::start().await;
    bot.customer = Person::new("test:berger", "Anna Berger");
    // Nothing missing: the ticket opens at once, with the contract's promise.
    let actions = the_fix_fails(&mut bot, "Outlook on pc-042 says 0x8004010F, user: aberger").await;
    opened(&actions);
    // Told privately: the thread may be public.
    let told = actions.iter().find_map(|a| match a {
        Action::Private { user, text } if *user == bot.customer.id => Some(text.clone()),
        _ => None,
    });
    assert_eq!(
        told.as_deref(),
        Some(
            "Under your maintenance contract (Vollwartung (upkeep and repair)), a technician will start a remote diagnosis within 20 min."
        )
    );
    let thread_text = actions.iter().find_map(|a| match a {
        Action::TicketOpened { text, .. } => Some(text.clone()),
        _ => None,
    });
    assert!(!thread_text.unwrap().contains("Vollwartung"));
}

#[tokio::test]
async fn a_form_from_under_an_earlier_answer_is_refused() {
    let mut bot = Bot::start().await;
    bot.says("Outlook says 0x8004010F").await;
    // The customer moves on before sending the form of the first answer.
    answer(&bot.says("How do I reset my password?").await);
    let late = Inbound::Details {
        source: frontline::engine::SourceKey::new("test", "form-late"),
        thread: bot.thread.clone(),
        by: bot.customer.clone(),
        details: vec![detail(Need::Host, "pc-042")],
        offer: Some(1),
    };
    assert_eq!(kinds(&bot.handle(&late).await), ["ephemeral"]);
    assert!(bot.tickets().await.is_empty());
}
