//! Where a conversation starts and how a customer reaches it: the language
//! configured for a channel, asking for a human straight away (`/ticket`),
//! and the notice for a customer who writes too fast.

use frontline::engine::phrases;
use frontline::engine::{Action, Button, CardStatus, Inbound, Reason};
use frontline::knowledge::Lang;
use frontline::store::Store as _;

use crate::expect::{answer, card, kinds, notice_to, opened, said};
use crate::harness::{Bot, bob};

#[tokio::test]
async fn a_conversation_in_a_german_channel_speaks_german_from_the_first_word() {
    let mut bot = Bot::start().await;
    let greeted = bot.says_in(Lang::De, "hi").await;
    assert_eq!(said(&greeted), phrases::describe_please(Lang::De));
    let conv = bot
        .db
        .store
        .conversation_by_thread(&bot.thread)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(conv.lang, Lang::De);
    assert_eq!(conv.state.channel_lang, Some(Lang::De));
    // Later messages carry no language (the adapter sees only the thread):
    // the conversation keeps the channel's.
    let answered = bot.says("Passwort").await;
    let shown = answer(&answered);
    assert_eq!(shown.entry, "de/passwort-zuruecksetzen");
    assert_eq!(shown.labels[0], "Gelöst");
    let handed_over = bot.presses(Button::TalkToHuman).await;
    let ticket = opened(&handed_over);
    let told = handed_over.iter().find_map(|a| match a {
        Action::TicketOpened { text, .. } => Some(text.clone()),
        _ => None,
    });
    assert_eq!(told, Some(phrases::ticket_opened(Lang::De, ticket)));
    bot.stop().await;
}

#[tokio::test]
async fn without_a_channel_language_the_first_words_decide() {
    let mut bot = Bot::start().await;
    let greeted = bot.says("hi").await;
    assert_eq!(said(&greeted), phrases::describe_please(Lang::En));
    let conv = bot
        .db
        .store
        .conversation_by_thread(&bot.thread)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(conv.state.channel_lang, None);
    bot.stop().await;
}

#[tokio::test]
async fn asking_for_a_human_opens_a_ticket_at_once_even_for_a_question_the_faq_answers() {
    let mut bot = Bot::start().await;
    let done = bot.asks_for_human(Some("I need an invoice copy")).await;
    assert_eq!(kinds(&done), ["ticket_opened", "post_staff_card"]);
    let card = card(&done);
    assert_eq!(card.reason, Reason::AskedForHuman);
    assert_eq!(card.status, CardStatus::Open);
    assert_eq!(card.customer, bot.customer);
    assert_eq!(card.customer_wrote, ["I need an invoice copy"]);
    assert!(bot.answers().await.is_empty(), "no FAQ answer first");

    let again = bot.asks_for_human(None).await;
    assert_eq!(kinds(&again), ["say"], "one ticket per conversation");
    assert_eq!(bot.tickets().await.len(), 1);
    bot.stop().await;
}

#[tokio::test]
async fn asking_for_a_human_without_a_summary_starts_the_conversation_and_a_ticket() {
    let mut bot = Bot::start().await;
    let customer = bot.customer.clone();
    let event = bot.ticket_request(&customer, None);
    let done = bot.handle(&event).await;
    let ticket = opened(&done);
    assert_eq!(card(&done).customer_wrote, Vec::<String>::new());
    assert!(
        bot.handle(&event).await.is_empty(),
        "the same request twice is handled once"
    );
    assert_eq!(bot.ticket(ticket).await.customer, bot.customer);
    bot.stop().await;
}

#[tokio::test]
async fn asking_for_a_human_after_an_answer_records_it_as_the_answers_feedback() {
    let mut bot = Bot::start().await;
    bot.says("I forgot my password").await;
    let done = bot.asks_for_human(None).await;
    let card = card(&done);
    assert_eq!(card.suggested[0].entry_id, "en/password-reset");
    assert_eq!(
        card.suggested[0].feedback,
        Some(frontline::engine::Feedback::TalkToHuman)
    );
    bot.stop().await;
}

#[tokio::test]
async fn only_the_conversations_customer_can_ask_for_a_human_in_it() {
    let mut bot = Bot::start().await;
    bot.says("I forgot my password").await;
    let event = bot.ticket_request(&bob(), Some("me too"));
    let done = bot.handle(&event).await;
    assert_eq!(kinds(&done), ["ephemeral"]);
    assert_eq!(
        notice_to(&done, &bob().id),
        phrases::not_your_conversation(Lang::En)
    );
    assert!(bot.tickets().await.is_empty());
    bot.stop().await;
}

#[tokio::test]
async fn a_flooding_customer_is_asked_to_slow_down_in_the_conversations_language() {
    let mut bot = Bot::start().await;
    bot.says_in(Lang::De, "hi").await;
    let event = Inbound::Flooding {
        thread: bot.thread.clone(),
        author: bot.customer.clone(),
        lang: None,
    };
    let done = bot.handle(&event).await;
    assert_eq!(said(&done), phrases::slow_down(Lang::De));
    let Action::Say { thread, .. } = &done[0] else {
        unreachable!()
    };
    assert_eq!(thread, &bot.thread);
    bot.stop().await;
}
