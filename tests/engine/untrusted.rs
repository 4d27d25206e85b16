//! Hostile text from outside: control characters (a NUL, which PostgreSQL
//! cannot store, escapes, bells) are left out of every text an event
//! carries, and the conversation goes on with the rest of what was written.

use frontline::engine::{Action, Person, StaffCommand};

use crate::expect::{card, opened};
use crate::harness::{Bot, alice};
use crate::on_both_backends;
use crate::support::Backend;

on_both_backends!(
    a_message_with_a_nul_gets_its_reply_and_a_readable_transcript,
    a_ticket_summary_staff_texts_and_names_with_control_characters_are_stored_without_them,
);

async fn a_message_with_a_nul_gets_its_reply_and_a_readable_transcript(backend: Backend) {
    let Some(mut bot) = Bot::on(backend).await else {
        return;
    };
    let done = bot.says("printer\0 broken").await;
    assert!(
        done.iter().any(|a| matches!(
            a,
            Action::Answer { .. } | Action::Choices { .. } | Action::TicketOpened { .. }
        )),
        "the customer gets an answer, choices or a ticket: {done:?}"
    );
    let wrote: Vec<String> = bot
        .transcript()
        .await
        .into_iter()
        .filter(|e| e.actor == "customer")
        .map(|e| e.text)
        .collect();
    assert_eq!(wrote, ["printer broken"]);
    bot.stop().await;
}

async fn a_ticket_summary_staff_texts_and_names_with_control_characters_are_stored_without_them(
    backend: Backend,
) {
    let Some(mut bot) = Bot::on(backend).await else {
        return;
    };
    bot.customer = Person::new("test:una", "Una\0\u{1b}[2K");
    let done = bot
        .asks_for_human(Some("coffee\0 machine \u{7}leaks"))
        .await;
    let ticket = opened(&done);
    assert_eq!(card(&done).customer_wrote, ["coffee machine leaks"]);
    assert_eq!(card(&done).customer.name, "Una");
    let staff = Person::new("test:alice", "Ali\0ce");
    bot.staff(
        &staff,
        ticket,
        StaffCommand::Note {
            text: "checked\0 the pump".into(),
        },
    )
    .await;
    bot.staff(
        &staff,
        ticket,
        StaffCommand::Reply {
            text: "on my\0 way".into(),
        },
    )
    .await;
    bot.staff(
        &staff,
        ticket,
        StaffCommand::Resolve {
            note: "new\0 seal".into(),
        },
    )
    .await;
    let log: Vec<(Option<String>, String)> = bot
        .transcript()
        .await
        .into_iter()
        .filter(|e| e.actor != "bot")
        .map(|e| (e.actor_name, e.text))
        .collect();
    let alice_named = Some(alice().name);
    assert!(
        log.contains(&(Some("Una".into()), "coffee machine leaks".into())),
        "{log:?}"
    );
    assert!(
        log.contains(&(alice_named.clone(), "checked the pump".into())),
        "{log:?}"
    );
    assert!(
        log.contains(&(alice_named.clone(), "on my way".into())),
        "{log:?}"
    );
    assert!(log.contains(&(alice_named, "new seal".into())), "{log:?}");
    assert_eq!(
        bot.ticket(ticket).await.resolution.as_deref(),
        Some("new seal")
    );
    bot.stop().await;
}
