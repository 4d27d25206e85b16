//! Presses as a platform sends them (what the button does, the record it is
//! on, the answer it is under): the engine tells whether each still acts,
//! acts on it or refuses it, and says which (`Decided`), so that an
//! adapter only shows the outcome.

use frontline::domain::ButtonAction;
use frontline::engine::{
    Feedback, Inbound, Refusal, Relayed, Ruling, SourceKey, StaffCommand, phrases,
};
use frontline::knowledge::{Lang, Need};

use crate::expect::{notice_to, opened, said};
use crate::harness::{Bot, alice, bob};

#[tokio::test]
async fn the_customers_press_under_the_latest_answer_is_taken() {
    let mut bot = Bot::start().await;
    bot.says("invoice").await;
    let conv = bot.conversation_id().await;
    let who = bot.customer.clone();
    let press = bot.press_id(&who, (ButtonAction::Solved, conv, Some(1)));
    let decided = bot.decide(&press).await;
    assert_eq!(decided.ruling, Ruling::Taken);
    assert!(said(&decided.actions).starts_with("Glad I could help"));
    let about: Vec<_> = decided.about().map(|(_, c)| c).collect();
    assert_eq!(about, [Some(frontline::engine::ConversationId(conv))]);
    assert_eq!(bot.answers().await[0].feedback, Some(Feedback::Solved));
    // The same press delivered again acts once.
    assert_eq!(bot.decide(&press).await.ruling, Ruling::Repeated);
    bot.stop().await;
}

#[tokio::test]
async fn a_press_that_no_longer_acts_is_refused_as_stale_and_records_nothing() {
    let mut bot = Bot::start().await;
    bot.says("invoice").await;
    bot.says("I forgot my password").await;
    let conv = bot.conversation_id().await;
    let who = bot.customer.clone();
    let stale = [
        // Under the first answer, now that there is a second.
        (ButtonAction::Solved, conv, Some(1)),
        // Another conversation's.
        (ButtonAction::Solved, conv + 1, Some(2)),
        // A choice the conversation does not wait for.
        (ButtonAction::Choose(0), conv, Some(2)),
        // A rating of a ticket it is not asked for.
        (ButtonAction::Rate(5), 1, None),
        // A staff button in the customer's hands.
        (ButtonAction::Claim, conv, Some(2)),
    ];
    for pressed in stale {
        let press = bot.press_id(&who, pressed);
        let decided = bot.decide(&press).await;
        assert_eq!(
            decided.ruling,
            Ruling::Refused(Refusal::Stale),
            "{pressed:?}"
        );
        assert_eq!(
            notice_to(&decided.actions, &who.id),
            phrases::stale_button(Lang::En)
        );
    }
    assert!(bot.answers().await.iter().all(|a| a.feedback.is_none()));
    bot.stop().await;
}

#[tokio::test]
async fn someone_elses_press_is_refused_and_leaves_the_buttons_to_the_customer() {
    let mut bot = Bot::start().await;
    bot.says("invoice").await;
    let conv = bot.conversation_id().await;
    let press = bot.press_id(&bob(), (ButtonAction::Solved, conv, Some(1)));
    let decided = bot.decide(&press).await;
    assert_eq!(decided.ruling, Ruling::Refused(Refusal::NotYours));
    assert_eq!(
        notice_to(&decided.actions, &bob().id),
        phrases::not_your_buttons(Lang::En)
    );
    let who = bot.customer.clone();
    let press = bot.press_id(&who, (ButtonAction::Solved, conv, Some(1)));
    assert_eq!(bot.decide(&press).await.ruling, Ruling::Taken);
    bot.stop().await;
}

#[tokio::test]
async fn a_press_where_there_is_no_conversation_is_refused_as_not_found() {
    let mut bot = Bot::start().await;
    let who = bot.customer.clone();
    let press = bot.press_id(&who, (ButtonAction::Solved, 1, None));
    let decided = bot.decide(&press).await;
    assert_eq!(decided.ruling, Ruling::Refused(Refusal::NotFound));
    assert_eq!(
        notice_to(&decided.actions, &who.id),
        phrases::no_conversation(Lang::En)
    );
    bot.stop().await;
}

#[tokio::test]
async fn an_answers_button_while_staff_have_the_conversation_waits_for_them() {
    let mut bot = Bot::start().await;
    bot.says("invoice").await;
    let conv = bot.conversation_id().await;
    let who = bot.customer.clone();
    let human = bot.press_id(&who, (ButtonAction::TalkToHuman, conv, Some(1)));
    let decided = bot.decide(&human).await;
    assert_eq!(decided.ruling, Ruling::Taken);
    opened(&decided.actions);
    let solved = bot.press_id(&who, (ButtonAction::Solved, conv, Some(1)));
    let decided = bot.decide(&solved).await;
    assert_eq!(decided.ruling, Ruling::Refused(Refusal::WithStaff));
    assert_eq!(
        notice_to(&decided.actions, &who.id),
        phrases::with_staff(Lang::En)
    );
    bot.stop().await;
}

#[tokio::test]
async fn a_claim_on_a_ticket_that_is_someone_elses_or_missing_is_refused_with_the_reason() {
    let mut bot = Bot::start().await;
    let opened_now = bot.says("zorglub quantum marmalade overflow").await;
    let ticket = opened(&opened_now);
    let claim = |who: &frontline::engine::Person, n: u32, ticket| Inbound::Staff {
        source: SourceKey::new("test", format!("claim-{n}")),
        ticket,
        staff: who.clone(),
        command: StaffCommand::Claim,
    };
    assert_eq!(
        bot.decide(&claim(&alice(), 1, ticket)).await.ruling,
        Ruling::Taken
    );
    assert_eq!(
        bot.decide(&claim(&bob(), 2, ticket)).await.ruling,
        Ruling::Refused(Refusal::Conflict)
    );
    let missing = frontline::engine::TicketId(ticket.0 + 100);
    assert_eq!(
        bot.decide(&claim(&bob(), 3, missing)).await.ruling,
        Ruling::Refused(Refusal::NotFound)
    );
    bot.stop().await;
}

#[tokio::test]
async fn still_broken_asks_for_a_form_only_for_the_customer_under_the_current_fix() {
    let mut bot = Bot::start().await;
    bot.says("Outlook says 0x8004010F").await;
    let conv = bot.conversation_id().await;
    let who = bot.customer.clone();
    let form = |by, action, offer| {
        let engine = bot.engine.clone();
        let thread = bot.thread.clone();
        async move {
            engine
                .form_for_press(&thread, &by, (action, conv, offer))
                .await
                .unwrap()
        }
    };
    assert_eq!(
        form(who.clone(), ButtonAction::StillBroken, Some(1)).await,
        Some((vec![Need::Host, Need::User], Lang::En))
    );
    assert_eq!(form(bob(), ButtonAction::StillBroken, Some(1)).await, None);
    assert_eq!(
        form(who.clone(), ButtonAction::StillBroken, Some(0)).await,
        None
    );
    assert_eq!(form(who, ButtonAction::FixedIt, Some(1)).await, None);
    bot.stop().await;
}

#[tokio::test]
async fn staff_commands_that_cannot_act_are_refused_with_the_reason() {
    let mut bot = Bot::start().await;
    let ticket = opened(&bot.says("zorglub quantum marmalade overflow").await);
    let mut n = 0;
    let mut staff = |who: frontline::engine::Person, command| {
        n += 1;
        Inbound::Staff {
            source: SourceKey::new("test", format!("staff-{n}")),
            ticket,
            staff: who,
            command,
        }
    };
    let reply = StaffCommand::Reply {
        text: "hello".into(),
    };
    let unclaimed = staff(alice(), reply.clone());
    let claim = staff(alice(), StaffCommand::Claim);
    let others = staff(bob(), reply);
    let no_note = staff(alice(), StaffCommand::Resolve { note: " ".into() });
    let reopen = staff(alice(), StaffCommand::Reopen);
    let refused = |why| Ruling::Refused(why);
    assert_eq!(
        bot.decide(&unclaimed).await.ruling,
        refused(Refusal::Conflict)
    );
    assert_eq!(bot.decide(&claim).await.ruling, Ruling::Taken);
    assert_eq!(bot.decide(&others).await.ruling, refused(Refusal::Conflict));
    assert_eq!(
        bot.decide(&no_note).await.ruling,
        refused(Refusal::Incomplete)
    );
    assert_eq!(bot.decide(&reopen).await.ruling, refused(Refusal::Conflict));
    bot.stop().await;
}

#[tokio::test]
async fn asking_for_a_ticket_in_someone_elses_conversation_is_refused() {
    let mut bot = Bot::start().await;
    bot.says("invoice").await;
    let request = Inbound::Ticket {
        source: SourceKey::new("test", "ticket-1"),
        thread: bot.thread.clone(),
        by: bob(),
        summary: None,
        lang: None,
        roles: None,
    };
    let decided = bot.decide(&request).await;
    assert_eq!(decided.ruling, Ruling::Refused(Refusal::NotYours));
    assert!(bot.tickets().await.is_empty());
    // The same rule, asked before a platform opens anything for a command.
    let refused = bot.engine.may_ask_in(&bot.thread, &bob()).await.unwrap();
    assert_eq!(refused, Err(phrases::not_your_conversation(Lang::En)));
    let theirs = bot.engine.may_ask_in(&bot.thread, &bot.customer).await;
    assert_eq!(theirs.unwrap(), Ok(()));
    let new = frontline::engine::ThreadRef("test:thread-new".into());
    assert_eq!(bot.engine.may_ask_in(&new, &bob()).await.unwrap(), Ok(()));
    bot.stop().await;
}

#[tokio::test]
async fn what_staff_write_beside_a_ticket_reaches_the_customer_only_from_its_claimer() {
    let mut bot = Bot::start().await;
    let ticket = opened(&bot.says("zorglub quantum marmalade overflow").await);
    let engine = bot.engine.clone();
    let relay = |who| {
        let engine = engine.clone();
        async move { engine.relay_from(ticket, &who, "hello").await.unwrap() }
    };
    assert!(matches!(relay(alice()).await, Relayed::Refused(t) if t.contains("claim ticket")));
    bot.staff(&alice(), ticket, StaffCommand::Claim).await;
    assert_eq!(relay(alice()).await, Relayed::Send);
    assert_eq!(
        relay(bob()).await,
        Relayed::Quiet,
        "colleagues talk it over"
    );
    let empty = bot.engine.relay_from(ticket, &alice(), "").await.unwrap();
    assert!(matches!(empty, Relayed::Refused(t) if t.contains("only text")));
    let missing = frontline::engine::TicketId(ticket.0 + 100);
    let gone = bot.engine.relay_from(missing, &alice(), "hello").await;
    assert_eq!(gone.unwrap(), Relayed::Quiet);
    let note = "restarted the router".to_owned();
    bot.staff(&alice(), ticket, StaffCommand::Resolve { note })
        .await;
    assert!(matches!(relay(alice()).await, Relayed::Refused(t) if t.contains("is resolved")));
    bot.stop().await;
}
