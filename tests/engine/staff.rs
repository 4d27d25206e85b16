//! 3rd level: tickets and what staff do with them.

use frontline::engine::{
    Action, Button, CardStatus, Inbound, Rating, Reason, Route, StaffButton, StaffCommand, TicketId,
};
use frontline::store::TicketState;

use crate::expect::{card, kinds, notice_to, opened, said};
use crate::harness::{Bot, alice, bob};

const NO_MATCH: &str = "our coffee machine leaks water";

fn reply(text: &str) -> StaffCommand {
    StaffCommand::Reply { text: text.into() }
}

fn resolve(note: &str) -> StaffCommand {
    StaffCommand::Resolve { note: note.into() }
}

/// A bot with a ticket opened by a question nothing answers.
async fn with_ticket() -> (Bot, TicketId) {
    let mut bot = Bot::start().await;
    let ticket = opened(&bot.says(NO_MATCH).await);
    (bot, ticket)
}

#[tokio::test]
async fn a_question_nothing_matches_opens_a_ticket_and_posts_a_staff_card() {
    let mut bot = Bot::start().await;
    let done = bot.says(NO_MATCH).await;
    assert_eq!(kinds(&done), ["ticket_opened", "post_staff_card"]);
    let ticket = opened(&done);
    let card = card(&done);
    assert_eq!(card.ticket, ticket);
    assert_eq!(card.status, CardStatus::Open);
    assert_eq!(card.reason, Reason::NoMatch);
    assert_eq!(card.customer, bot.customer);
    assert_eq!(card.customer_wrote, [NO_MATCH]);
    assert_eq!(card.buttons, [StaffButton::Claim, StaffButton::Resolve]);
    assert_eq!(bot.ticket(ticket).await.state, TicketState::Open);
    bot.stop().await;
}

#[tokio::test]
async fn talk_to_a_human_on_an_answer_opens_a_ticket_carrying_the_answer() {
    let mut bot = Bot::start().await;
    bot.says("I forgot my password").await;
    let done = bot.presses(Button::TalkToHuman).await;
    let card = card(&done);
    assert_eq!(card.reason, Reason::AskedForHuman);
    assert_eq!(card.suggested[0].entry_id, "en/password-reset");
    bot.stop().await;
}

#[tokio::test]
async fn while_a_ticket_is_open_the_bot_keeps_out_and_the_transcript_grows() {
    let (mut bot, ticket) = with_ticket().await;
    // No answer, a human is on it; staff who are not in the thread (a DM,
    // the terminal desk) get the message relayed.
    let wrote = bot.says("I forgot my password").await;
    assert_eq!(kinds(&wrote), ["customer_message"]);
    assert_eq!(wrote[0].route(), Route::Staff);
    let Action::CustomerMessage {
        ticket: relayed,
        from,
        text,
        ..
    } = &wrote[0]
    else {
        unreachable!()
    };
    assert_eq!(
        (*relayed, from, text.as_str()),
        (ticket, &bot.customer, "I forgot my password")
    );
    let again = bot.presses(Button::TalkToHuman).await;
    assert!(notice_to(&again, &bot.customer.id).contains("support team"));
    let texts: Vec<String> = bot.transcript().await.into_iter().map(|e| e.text).collect();
    assert!(texts.contains(&"I forgot my password".to_string()));
    assert_eq!(bot.tickets().await.len(), 1);
    assert_eq!(bot.ticket(ticket).await.state, TicketState::Open);
    bot.stop().await;
}

#[tokio::test]
async fn the_first_claim_wins_and_the_customer_is_told_who_took_over() {
    let (mut bot, ticket) = with_ticket().await;
    let done = bot.staff(&alice(), ticket, StaffCommand::Claim).await;
    assert_eq!(kinds(&done), ["update_staff_card", "add_to_thread", "say"]);
    assert_eq!(card(&done).status, CardStatus::Claimed { by: alice() });
    assert_eq!(
        card(&done).buttons,
        [StaffButton::Unclaim, StaffButton::Resolve]
    );
    assert!(matches!(&done[1], Action::AddToThread { staff, .. } if *staff == alice()));
    assert_eq!(
        said(&done),
        "Alice from our support team has taken over your request."
    );
    bot.stop().await;
}

#[tokio::test]
async fn a_second_claimer_is_told_who_has_it() {
    let (mut bot, ticket) = with_ticket().await;
    bot.staff(&alice(), ticket, StaffCommand::Claim).await;
    let late = bot.staff(&bob(), ticket, StaffCommand::Claim).await;
    assert_eq!(kinds(&late), ["ephemeral"]);
    assert_eq!(
        notice_to(&late, &bob().id),
        format!("Ticket #{ticket} is already claimed by Alice.")
    );
    let again = bot.staff(&alice(), ticket, StaffCommand::Claim).await;
    assert_eq!(
        notice_to(&again, &alice().id),
        format!("You already have ticket #{ticket}.")
    );
    // The log says the late claim was refused, so it does not read as done.
    let log: Vec<(String, String, String)> = bot
        .transcript()
        .await
        .into_iter()
        .filter(|e| e.kind == "claim" || e.kind == "refused")
        .map(|e| (e.actor_name.unwrap_or(e.actor), e.kind, e.text))
        .collect();
    let line = |who: &str, kind: &str, text: &str| (who.into(), kind.into(), text.into());
    assert_eq!(
        log,
        [
            line("Alice", "claim", ""),
            line("Bob", "claim", ""),
            line(
                "bot",
                "refused",
                &format!("Ticket #{ticket} is already claimed by Alice.")
            ),
            line("Alice", "claim", ""),
        ]
    );
    bot.stop().await;
}

#[tokio::test]
async fn only_the_claimer_can_reply_and_unclaim() {
    let (mut bot, ticket) = with_ticket().await;
    let early = bot.staff(&alice(), ticket, reply("Hello!")).await;
    assert!(notice_to(&early, &alice().id).contains("claim it first"));
    bot.staff(&alice(), ticket, StaffCommand::Claim).await;
    let other = bot.staff(&bob(), ticket, reply("Hi, Bob here")).await;
    assert!(notice_to(&other, &bob().id).contains("claimed by Alice"));
    let mine = bot
        .staff(&alice(), ticket, reply("Which model is it?"))
        .await;
    assert!(
        matches!(&mine[0], Action::StaffMessage { from, text, .. } if *from == alice() && text == "Which model is it?")
    );
    let refused = bot.staff(&bob(), ticket, StaffCommand::Unclaim).await;
    assert!(notice_to(&refused, &bob().id).contains("claimed by Alice"));
    let back = bot.staff(&alice(), ticket, StaffCommand::Unclaim).await;
    assert_eq!(card(&back).status, CardStatus::Open);
    let bobs = bot.staff(&bob(), ticket, StaffCommand::Claim).await;
    assert_eq!(card(&bobs).status, CardStatus::Claimed { by: bob() });
    bot.stop().await;
}

#[tokio::test]
async fn notes_stay_internal() {
    let (mut bot, ticket) = with_ticket().await;
    let done = bot
        .staff(
            &alice(),
            ticket,
            StaffCommand::Note {
                text: "customer is on the Premium plan".into(),
            },
        )
        .await;
    assert_eq!(kinds(&done), ["ephemeral"]);
    let note = bot
        .transcript()
        .await
        .into_iter()
        .find(|e| e.kind == "note")
        .unwrap();
    assert_eq!(note.text, "customer is on the Premium plan");
    assert_eq!(note.actor_name.as_deref(), Some("Alice"));
    bot.stop().await;
}

#[tokio::test]
async fn resolving_asks_the_customer_for_a_rating_and_records_it() {
    let (mut bot, ticket) = with_ticket().await;
    bot.staff(&alice(), ticket, StaffCommand::Claim).await;
    let empty = bot.staff(&alice(), ticket, resolve("  ")).await;
    assert!(notice_to(&empty, &alice().id).contains("needs a note"));
    let done = bot
        .staff(
            &alice(),
            ticket,
            resolve("Replaced the seal of the water tank."),
        )
        .await;
    assert_eq!(kinds(&done), ["update_staff_card", "say", "ask_rating"]);
    assert_eq!(
        said(&done),
        "Alice marked your request as resolved: Replaced the seal of the water tank."
    );
    let Action::AskRating { buttons, .. } = &done[2] else {
        unreachable!()
    };
    assert_eq!(buttons.len(), 5);
    let four = Rating::try_from(4).unwrap();
    assert!(said(&bot.presses(Button::Rate(four)).await).contains("4 of 5"));
    let stored = bot.ticket(ticket).await;
    assert_eq!(stored.state, TicketState::Resolved);
    assert_eq!(stored.rating, Some(4));
    assert_eq!(
        stored.resolution.as_deref(),
        Some("Replaced the seal of the water tank.")
    );
    bot.stop().await;
}

#[tokio::test]
async fn after_a_resolution_the_bot_answers_again() {
    let (mut bot, ticket) = with_ticket().await;
    bot.staff(&alice(), ticket, resolve("Replaced the seal."))
        .await;
    let done = bot.says("I forgot my password").await;
    assert_eq!(kinds(&done), ["answer"], "a new question skips the rating");
    bot.stop().await;
}

#[tokio::test]
async fn a_resolved_ticket_can_be_reopened() {
    let (mut bot, ticket) = with_ticket().await;
    bot.staff(&alice(), ticket, StaffCommand::Claim).await;
    bot.staff(&alice(), ticket, resolve("Replaced the seal."))
        .await;
    let late = bot.staff(&bob(), ticket, resolve("again")).await;
    assert!(notice_to(&late, &bob().id).contains("already resolved"));
    let done = bot.staff(&bob(), ticket, StaffCommand::Reopen).await;
    assert_eq!(card(&done).status, CardStatus::Claimed { by: alice() });
    assert!(said(&done).contains("reopened"));
    assert_eq!(
        kinds(&bot.says("it leaks again").await),
        ["customer_message"],
        "the customer talks to staff again"
    );
    let twice = bot.staff(&bob(), ticket, StaffCommand::Reopen).await;
    assert!(notice_to(&twice, &bob().id).contains("not resolved"));
    bot.stop().await;
}

#[tokio::test]
async fn a_command_on_a_missing_ticket_gets_a_notice() {
    let mut bot = Bot::start().await;
    let done = bot.staff(&alice(), TicketId(42), StaffCommand::Claim).await;
    assert_eq!(notice_to(&done, &alice().id), "There is no ticket #42.");
    bot.stop().await;
}

#[tokio::test]
async fn a_screenshot_alone_reaches_staff_while_a_human_is_on_it() {
    let mut bot = Bot::start().await;
    let shot = "https://files.test/error.png".to_owned();
    let with_shot = |bot: &mut Bot, text: &str| {
        let mut event = bot.message(text);
        if let Inbound::Message { attachments, .. } = &mut event {
            attachments.push(shot.clone());
        }
        event
    };
    // Before a ticket a picture alone is no question to triage.
    let event = with_shot(&mut bot, "");
    assert_eq!(kinds(&bot.handle(&event).await), ["say"]);
    opened(&bot.says(NO_MATCH).await);
    let event = with_shot(&mut bot, "");
    let done = bot.handle(&event).await;
    assert_eq!(kinds(&done), ["customer_message"]);
    let Action::CustomerMessage { text, .. } = &done[0] else {
        unreachable!()
    };
    assert_eq!(text, &shot);
    let event = with_shot(&mut bot, " it says this ");
    let done = bot.handle(&event).await;
    let Action::CustomerMessage { text, .. } = &done[0] else {
        unreachable!()
    };
    assert_eq!(text, &format!("it says this\n{shot}"));
    let logged: Vec<String> = bot.transcript().await.into_iter().map(|e| e.text).collect();
    assert!(
        logged.contains(&shot),
        "the transcript keeps the link: {logged:?}"
    );
    bot.stop().await;
}
