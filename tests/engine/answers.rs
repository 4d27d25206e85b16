//! 1st level: FAQ answers, *Not what I asked*, *did you mean*, follow-ups,
//! small talk and messages the bot refuses.

use frontline::engine::{Button, Rating, Reason};
use frontline::knowledge::Kind;
use frontline::triage::{Context, Level};

use crate::expect::{answer, choices, kinds, notice_to, opened, said};
use crate::harness::{Bot, bob};

#[tokio::test]
async fn a_clear_question_gets_the_faq_answer_with_its_source_and_three_buttons() {
    let mut bot = Bot::start().await;
    let done = bot.says("I forgot my password").await;
    assert_eq!(kinds(&done), ["answer"]);
    let shown = answer(&done);
    assert_eq!(shown.entry, "en/password-reset");
    assert_eq!(shown.kind, Kind::Faq);
    assert_eq!(
        shown.buttons,
        [Button::Solved, Button::NotWhatIAsked, Button::TalkToHuman]
    );
    assert_eq!(
        shown.labels,
        ["Solved", "Not what I asked", "Talk to a human"]
    );
    let frontline::engine::Action::Answer { source, .. } = &done[0] else {
        unreachable!()
    };
    assert_eq!(source.path, "en/password-reset.md");
    bot.stop().await;
}

#[tokio::test]
async fn solved_thanks_the_customer_and_logs_the_feedback() {
    let mut bot = Bot::start().await;
    bot.says("I forgot my password").await;
    let done = bot.presses(Button::Solved).await;
    assert!(said(&done).starts_with("Glad I could help"));
    let answers = bot.answers().await;
    assert_eq!(answers.len(), 1);
    assert_eq!(
        answers[0].feedback,
        Some(frontline::engine::Feedback::Solved)
    );
    assert_eq!(answers[0].question, "I forgot my password");
    assert!(bot.tickets().await.is_empty());
    bot.stop().await;
}

#[tokio::test]
async fn not_what_i_asked_shows_the_next_candidate() {
    let mut bot = Bot::start().await;
    assert_eq!(answer(&bot.says("invoice").await).entry, "en/invoice-copy");
    let done = bot.presses(Button::NotWhatIAsked).await;
    assert_eq!(answer(&done).entry, "en/change-billing-address");
    let answers = bot.answers().await;
    assert_eq!(
        answers[0].feedback,
        Some(frontline::engine::Feedback::NotWhatIAsked)
    );
    assert_eq!(answers[1].via, "next");
    bot.stop().await;
}

#[tokio::test]
async fn not_what_i_asked_with_nothing_left_opens_a_ticket_with_what_was_tried() {
    let mut bot = Bot::start().await;
    bot.says("invoice").await;
    bot.presses(Button::NotWhatIAsked).await;
    let done = bot.presses(Button::NotWhatIAsked).await;
    let ticket = bot.ticket(opened(&done)).await;
    assert_eq!(ticket.reason, Reason::NothingElseFits);
    assert_eq!(ticket.customer_wrote, ["invoice"]);
    let tried: Vec<_> = ticket
        .suggested
        .iter()
        .map(|s| (s.entry_id.as_str(), s.feedback))
        .collect();
    let nwia = Some(frontline::engine::Feedback::NotWhatIAsked);
    assert_eq!(
        tried,
        [
            ("en/invoice-copy", nwia),
            ("en/change-billing-address", nwia)
        ]
    );
    bot.stop().await;
}

#[tokio::test]
async fn an_unsure_match_offers_did_you_mean_and_the_choice_is_answered() {
    let mut bot = Bot::start().await;
    let done = bot.says("wifi password").await;
    assert_eq!(
        choices(&done),
        [
            Button::Choose("en/password-reset".into()),
            Button::Choose("en/guest-wifi".into()),
            Button::TalkToHuman,
        ]
    );
    let done = bot.presses(Button::Choose("en/guest-wifi".into())).await;
    assert_eq!(answer(&done).entry, "en/guest-wifi");
    assert_eq!(bot.answers().await[0].via, "choice");
    bot.stop().await;
}

#[tokio::test]
async fn every_answer_and_did_you_mean_is_numbered_for_its_buttons() {
    let mut bot = Bot::start().await;
    let offers = |done: &[frontline::engine::Action]| {
        done.iter()
            .map(frontline::engine::Action::offer)
            .collect::<Vec<_>>()
    };
    assert_eq!(offers(&bot.says("wifi password").await), [Some(1)]);
    let chosen = bot.presses(Button::Choose("en/guest-wifi".into())).await;
    assert_eq!(offers(&chosen), [Some(2)]);
    let next = bot.presses(Button::NotWhatIAsked).await;
    assert_eq!(offers(&next), [Some(3)]);
    let glad = bot.presses(Button::Solved).await;
    assert_eq!(offers(&glad), [None], "a plain message offers nothing");
    bot.stop().await;
}

#[tokio::test]
async fn a_button_under_an_earlier_answer_is_refused_and_records_nothing() {
    let mut bot = Bot::start().await;
    bot.says("invoice").await;
    bot.says("I forgot my password").await;
    let done = bot.presses_under(1, Button::Solved).await;
    assert_eq!(
        notice_to(&done, &bot.customer.id),
        frontline::engine::phrases::stale_button(frontline::knowledge::Lang::En)
    );
    assert!(bot.answers().await.iter().all(|a| a.feedback.is_none()));
    let done = bot.presses_under(2, Button::Solved).await;
    assert!(said(&done).starts_with("Glad I could help"));
    let answers = bot.answers().await;
    assert_eq!(answers[1].entry_id, "en/password-reset");
    assert_eq!(
        answers[1].feedback,
        Some(frontline::engine::Feedback::Solved)
    );
    assert_eq!(answers[0].feedback, None);
    bot.stop().await;
}

#[tokio::test]
async fn a_choice_that_was_not_offered_is_refused() {
    let mut bot = Bot::start().await;
    bot.says("wifi password").await;
    let done = bot.presses(Button::Choose("en/add-printer".into())).await;
    assert!(notice_to(&done, &bot.customer.id).contains("earlier message"));
    bot.stop().await;
}

#[tokio::test]
async fn talk_to_a_human_from_did_you_mean_opens_a_ticket() {
    let mut bot = Bot::start().await;
    bot.says("wifi password").await;
    let done = bot.presses(Button::TalkToHuman).await;
    assert_eq!(kinds(&done), ["ticket_opened", "post_staff_card"]);
    assert_eq!(
        bot.ticket(opened(&done)).await.reason,
        Reason::AskedForHuman
    );
    bot.stop().await;
}

#[tokio::test]
async fn a_follow_up_is_triaged_with_the_conversation_so_far() {
    let mut bot = Bot::start().await;
    assert_eq!(answer(&bot.says("invoice").await).entry, "en/invoice-copy");
    let alone = bot
        .brain
        .get()
        .triage("the address on it", &Context::default());
    assert_ne!(
        alone.level,
        Level::Answer,
        "on its own the follow-up is not clear"
    );
    let done = bot.says("the address on it").await;
    assert_eq!(answer(&done).entry, "en/change-billing-address");
    bot.stop().await;
}

#[tokio::test]
async fn greetings_and_thanks_ask_for_the_problem_instead_of_opening_a_ticket() {
    let mut bot = Bot::start().await;
    assert!(said(&bot.says("Hi!").await).contains("describe your question"));
    assert!(said(&bot.says("good morning everyone").await).contains("describe"));
    assert!(said(&bot.says("thanks a lot").await).starts_with("You're welcome"));
    assert!(bot.tickets().await.is_empty());
    assert!(bot.answers().await.is_empty());
    bot.stop().await;
}

#[tokio::test]
async fn a_single_word_nothing_matches_asks_for_more_and_the_next_message_is_read_with_it() {
    for word in ["42", "lol"] {
        let mut bot = Bot::start().await;
        let done = bot.says(word).await;
        assert_eq!(kinds(&done), ["say"], "{word}");
        assert!(said(&done).starts_with("I found nothing on that"), "{word}");
        assert!(bot.tickets().await.is_empty());
        // Writing what it suggests reaches a person.
        opened(&bot.says("talk to a human").await);
        assert_eq!(bot.tickets().await.len(), 1);
        bot.stop().await;
    }
    let mut bot = Bot::start().await;
    assert_eq!(kinds(&bot.says("asdf").await), ["say"]);
    // Said more, it is a question like any other (here one for a person).
    let done = bot
        .says("my second monitor flickers every few seconds")
        .await;
    assert_eq!(kinds(&done), ["ticket_opened", "post_staff_card"]);
    bot.stop().await;
}

#[tokio::test]
async fn empty_and_overlong_messages_are_refused_politely() {
    let mut bot = Bot::start().await;
    assert!(said(&bot.says("   ").await).contains("describe your question"));
    let huge = "é".repeat(4001);
    let done = bot.says(&huge).await;
    assert!(said(&done).contains("4001 characters long; I can read at most 4000"));
    assert!(bot.tickets().await.is_empty());
    assert!(bot.answers().await.is_empty());
    let logged = &bot.transcript().await[2].text;
    assert_eq!(
        logged.chars().count(),
        4001,
        "the log keeps the first 4000 characters"
    );
    bot.stop().await;
}

#[tokio::test]
async fn a_message_delivered_twice_is_answered_once() {
    let mut bot = Bot::start().await;
    let event = bot.message("I forgot my password");
    assert_eq!(kinds(&bot.handle(&event).await), ["answer"]);
    assert!(bot.handle(&event).await.is_empty());
    assert_eq!(bot.answers().await.len(), 1);
    bot.stop().await;
}

#[tokio::test]
async fn a_german_customer_gets_german_answers_and_buttons() {
    let mut bot = Bot::start().await;
    let shown = answer(&bot.says("Ich habe mein Passwort vergessen").await);
    assert_eq!(shown.entry, "de/passwort-zuruecksetzen");
    assert_eq!(
        shown.labels,
        ["Gelöst", "Nicht meine Frage", "Mit einem Menschen sprechen"]
    );
    assert!(said(&bot.presses(Button::Solved).await).starts_with("Schön"));
    bot.stop().await;
}

#[tokio::test]
async fn buttons_of_an_earlier_message_are_refused() {
    let mut bot = Bot::start().await;
    bot.says("I forgot my password").await;
    bot.presses(Button::Solved).await;
    let done = bot.presses(Button::NotWhatIAsked).await;
    assert!(notice_to(&done, &bot.customer.id).contains("earlier message"));
    let rate = bot
        .presses(Button::Rate(Rating::try_from(5).unwrap()))
        .await;
    assert!(notice_to(&rate, &bot.customer.id).contains("earlier message"));
    bot.stop().await;
}

#[tokio::test]
async fn only_the_customer_can_press_their_buttons() {
    let mut bot = Bot::start().await;
    bot.says("I forgot my password").await;
    let done = bot.presses_as(&bob(), Button::TalkToHuman).await;
    assert_eq!(kinds(&done), ["ephemeral"]);
    assert!(notice_to(&done, &bob().id).contains("Only the person who asked"));
    assert!(bot.tickets().await.is_empty());
    bot.stop().await;
}

#[tokio::test]
async fn writing_that_you_want_a_person_opens_a_ticket_as_the_button_does() {
    let mut bot = Bot::start().await;
    // A question that mentions the FAQ's topic still asks for a person.
    let done = bot
        .says("I forgot my password, can I talk to a human please?")
        .await;
    assert_eq!(kinds(&done), ["ticket_opened", "post_staff_card"]);
    assert_eq!(
        bot.ticket(opened(&done)).await.reason,
        Reason::AskedForHuman
    );
    bot.stop().await;
}

#[tokio::test]
async fn a_question_that_only_mentions_an_employee_is_still_answered() {
    let mut bot = Bot::start().await;
    let done = bot
        .says("How do I set up an account for a new employee?")
        .await;
    assert!(bot.tickets().await.is_empty(), "{:?}", kinds(&done));
    bot.stop().await;
}
