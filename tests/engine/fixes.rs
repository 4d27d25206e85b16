//! 2nd level: documented fixes found by their symptoms.

use frontline::engine::{Action, Button, Feedback, Reason};
use frontline::knowledge::Kind;

use crate::expect::{answer, card, kinds, opened, said};
use crate::harness::Bot;

#[tokio::test]
async fn an_error_code_gets_the_documented_fix_with_what_was_recognised() {
    let mut bot = Bot::start().await;
    let shown = answer(&bot.says("my sync shows E1042 since the update").await);
    assert_eq!(shown.entry, "fixes/sync-e1042");
    assert_eq!(shown.kind, Kind::Fix);
    assert_eq!(shown.recognised, ["E1042"]);
    assert_eq!(shown.buttons, [Button::FixedIt, Button::StillBroken]);
    bot.stop().await;
}

#[tokio::test]
async fn an_error_quoted_in_a_follow_up_finds_the_fix() {
    let mut bot = Bot::start().await;
    bot.says("sync").await;
    let shown = answer(&bot.says("it says: database is locked").await);
    assert_eq!(shown.entry, "fixes/sync-e1042");
    bot.stop().await;
}

#[tokio::test]
async fn fixed_it_thanks_the_customer_and_logs_the_feedback() {
    let mut bot = Bot::start().await;
    bot.says("error E1042").await;
    assert!(said(&bot.presses(Button::FixedIt).await).starts_with("Glad"));
    let answers = bot.answers().await;
    assert_eq!(answers[0].feedback, Some(Feedback::FixedIt));
    assert_eq!(answers[0].kind, "fix");
    bot.stop().await;
}

#[tokio::test]
async fn still_broken_opens_a_ticket_with_the_transcript_and_the_fix_tried() {
    let mut bot = Bot::start().await;
    bot.says("my sync shows E1042 since the update").await;
    let done = bot.presses(Button::StillBroken).await;
    assert_eq!(kinds(&done), ["ticket_opened", "post_staff_card"]);
    let card = card(&done);
    assert_eq!(card.ticket, opened(&done));
    assert_eq!(card.reason, Reason::FixDidNotHelp);
    assert_eq!(
        card.customer_wrote,
        ["my sync shows E1042 since the update"]
    );
    assert_eq!(card.suggested.len(), 1);
    assert_eq!(card.suggested[0].entry_id, "fixes/sync-e1042");
    assert_eq!(card.suggested[0].feedback, Some(Feedback::StillBroken));
    bot.stop().await;
}

#[tokio::test]
async fn solved_is_not_a_button_of_a_fix() {
    let mut bot = Bot::start().await;
    bot.says("error E1042").await;
    let done = bot.presses(Button::Solved).await;
    assert_eq!(kinds(&done), ["ephemeral"]);
    bot.stop().await;
}

const OUTLOOK_FIX: &str = "fixes/outlook-0x8004010f";

/// The entries of the answers and fixes among `actions`.
fn shown(actions: &[Action]) -> Vec<String> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Answer { source, .. } => Some(source.entry_id.clone()),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn after_a_fix_an_unrelated_next_message_is_not_given_the_same_fix_again() {
    let mut bot = Bot::start().await;
    let fix = answer(&bot.says("Outlook says 0x8004010F").await);
    assert_eq!(fix.entry, OUTLOOK_FIX);
    let next = bot.says("my printer prints blank pages").await;
    assert!(
        !shown(&next).contains(&OUTLOOK_FIX.to_string()),
        "the printer question gets something about printers or a human, not the Outlook fix: {:?}",
        kinds(&next)
    );
    let outlook_fixes = bot
        .answers()
        .await
        .iter()
        .filter(|a| a.entry_id == OUTLOOK_FIX)
        .count();
    assert_eq!(outlook_fixes, 1);
    bot.stop().await;
}

#[tokio::test]
async fn after_a_fix_a_printer_question_gets_the_printer_answer() {
    let mut bot = Bot::start().await;
    assert_eq!(
        answer(&bot.says("Outlook says 0x8004010F").await).entry,
        OUTLOOK_FIX
    );
    let next = answer(
        &bot.says("how do I add a network printer to Windows 11")
            .await,
    );
    assert_eq!(next.entry, "en/add-printer");
    bot.stop().await;
}

#[tokio::test]
async fn an_error_code_sent_after_its_program_in_a_second_message_gets_the_fix() {
    let mut bot = Bot::start().await;
    bot.says("Outlook says").await;
    let fix = answer(&bot.says("0x8004010F").await);
    assert_eq!(fix.entry, OUTLOOK_FIX);
    assert_eq!(fix.recognised, ["0x8004010F"]);
    bot.stop().await;
}
