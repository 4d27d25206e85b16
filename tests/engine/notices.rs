//! Notices: while a maintenance window or outage holds, a customer asking
//! about it is told the notice first, in their language; no ticket opens for
//! it unless they insist, and tickets already open about it are linked to it.
//! The fixture `notices/mail-outage.md` holds on 2 March 2026, 08:00–18:00 UTC.

use chrono::{DateTime, Duration, TimeZone, Utc};
use frontline::engine::{Action, Button, NewNotice, NoticeCommand, ThreadRef};
use frontline::knowledge::NoticeKind;
use frontline::store::Store;

use crate::expect::{kinds, opened, said};
use crate::harness::{Bot, alice};

/// 2 March 2026 at `hour`:00 UTC.
fn march_2(hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, hour, 0, 0).unwrap()
}

/// The buttons under the bot's first plain message.
fn buttons(actions: &[Action]) -> Vec<Button> {
    actions
        .iter()
        .find(|a| matches!(a, Action::Say { .. }))
        .map(|a| a.buttons().iter().map(|o| o.button.clone()).collect())
        .unwrap_or_default()
}

fn told_the_outage(actions: &[Action]) -> bool {
    actions.iter().any(|a| match a {
        Action::Say { text, .. } => {
            text.contains("mail-outage")
                || text.contains("Mailserver")
                || text.contains("mail server is down")
        }
        _ => false,
    })
}

/// A VPN outage staff publish for `hours` hours.
fn vpn_outage(hours: i64) -> NoticeCommand {
    NoticeCommand::Publish(NewNotice {
        id: "vpn-outage".into(),
        kind: NoticeKind::Outage,
        start: None,
        lasts: Duration::hours(hours),
        services: vec!["VPN".into()],
        symptoms: vec!["gateway timeout 504".into()],
        text_en: Some("The VPN gateway is down; we are restarting it.".into()),
        text_de: Some("Das VPN-Gateway ist gestört; wir starten es neu.".into()),
    })
}

#[tokio::test]
async fn an_active_outage_answers_a_question_about_it_in_english_first() {
    let mut bot = Bot::start().await;
    bot.now = march_2(9);
    let actions = bot.says("is the mail server down?").await;
    assert_eq!(kinds(&actions), ["say"]);
    let text = said(&actions);
    assert!(text.starts_with("**Known outage** (mail"), "{text}");
    assert!(
        text.contains("Our mail server is down since 08:00."),
        "{text}"
    );
    assert_eq!(buttons(&actions), [Button::TalkToHuman]);
    assert!(bot.tickets().await.is_empty());
    bot.stop().await;
}

#[tokio::test]
async fn an_active_outage_answers_a_german_question_in_german() {
    let mut bot = Bot::start().await;
    bot.now = march_2(10);
    let actions = bot.says("Mail geht nicht seit heute früh").await;
    let text = said(&actions);
    assert!(text.starts_with("**Bekannte Störung** (mail"), "{text}");
    assert!(
        text.contains("Unser Mailserver ist seit 08:00 Uhr gestört."),
        "{text}"
    );
    assert!(!text.contains("Our mail server"), "{text}");
    assert!(bot.tickets().await.is_empty());
    bot.stop().await;
}

#[tokio::test]
async fn no_ticket_opens_for_the_outage_unless_the_customer_insists() {
    let mut bot = Bot::start().await;
    bot.now = march_2(9);
    bot.says("is the mail server down?").await;
    let again = bot
        .says("mail is still not working, Outlook says 0x800CCC0E")
        .await;
    assert!(told_the_outage(&again), "{again:?}");
    assert!(
        bot.tickets().await.is_empty(),
        "the same symptom opens no ticket"
    );

    let ticket = opened(&bot.presses(Button::TalkToHuman).await);
    let transcript = bot.transcript().await;
    let link = transcript
        .iter()
        .find(|e| e.kind == "notice")
        .expect("the ticket is linked to the notice");
    assert_eq!(link.ticket, Some(ticket));
    assert!(link.text.contains("mail-outage"), "{}", link.text);
    bot.stop().await;
}

#[tokio::test]
async fn an_expired_notice_does_not_match() {
    let mut bot = Bot::start().await;
    bot.now = march_2(18);
    let actions = bot.says("is the mail server down?").await;
    assert!(!told_the_outage(&actions), "{actions:?}");
    bot.thread = ThreadRef("test:thread-before".into());
    bot.now = march_2(7);
    let before = bot.says("is the mail server down?").await;
    assert!(
        !told_the_outage(&before),
        "nor one that has not started: {before:?}"
    );
    bot.stop().await;
}

#[tokio::test]
async fn a_ticket_already_open_about_it_is_linked_when_the_outage_begins() {
    let mut bot = Bot::start().await;
    bot.now = march_2(7);
    let ticket = opened(
        &bot.asks_for_human(Some("Outlook shows 0x800CCC0E since this morning"))
            .await,
    );
    bot.later(Duration::hours(2)).await;
    bot.later(Duration::minutes(1)).await;
    let links: Vec<_> = bot
        .transcript()
        .await
        .into_iter()
        .filter(|e| e.kind == "notice")
        .collect();
    assert_eq!(links.len(), 1, "linked once: {links:?}");
    assert_eq!(links[0].ticket, Some(ticket));
    assert!(links[0].text.contains("0x800CCC0E"), "{}", links[0].text);
    bot.stop().await;
}

#[tokio::test]
async fn staff_publish_a_notice_at_once_and_end_it() {
    let mut bot = Bot::start().await;
    let ticket = opened(
        &bot.asks_for_human(Some("VPN says gateway timeout 504 all day"))
            .await,
    );
    let told = bot
        .engine
        .notice_command(&alice(), &vpn_outage(3), bot.now)
        .await
        .unwrap();
    assert!(
        told.starts_with("Notice `vpn-outage` published: outage of vpn"),
        "{told}"
    );
    assert!(told.contains("1 open ticket(s) linked"), "{told}");
    let linked = bot.transcript().await;
    assert!(
        linked
            .iter()
            .any(|e| e.kind == "notice" && e.ticket == Some(ticket)),
        "{linked:?}"
    );

    bot.customer = frontline::engine::Person::new("test:vera", "Vera");
    bot.thread = ThreadRef("test:thread-2".into());
    let answered = bot.says("the VPN is down again").await;
    assert!(
        said(&answered).contains("The VPN gateway is down"),
        "{answered:?}"
    );

    let ended = bot
        .engine
        .notice_command(
            &alice(),
            &NoticeCommand::End {
                id: "vpn-outage".into(),
            },
            bot.now,
        )
        .await
        .unwrap();
    assert_eq!(
        ended,
        "Notice `vpn-outage` ended; it no longer answers customers."
    );
    bot.thread = ThreadRef("test:thread-3".into());
    let after = bot.says("the VPN is down again").await;
    assert!(
        !after
            .iter()
            .any(|a| matches!(a, Action::Say { text, .. } if text.contains("VPN gateway"))),
        "{after:?}"
    );
    let stored = bot.db.store.notices().await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].end, bot.now);
    bot.stop().await;
}

#[tokio::test]
async fn staff_end_a_notice_from_a_file_without_git() {
    let mut bot = Bot::start().await;
    bot.now = march_2(9);
    let ended = bot
        .engine
        .notice_command(
            &alice(),
            &NoticeCommand::End {
                id: "mail-outage".into(),
            },
            bot.now,
        )
        .await
        .unwrap();
    assert!(ended.starts_with("Notice `mail-outage` ended"), "{ended}");
    let actions = bot.says("is the mail server down?").await;
    assert!(!told_the_outage(&actions), "{actions:?}");
    bot.stop().await;
}

#[tokio::test]
async fn a_notice_with_a_too_broad_symptom_is_refused() {
    let bot = Bot::start().await;
    let NoticeCommand::Publish(mut new) = vpn_outage(3) else {
        unreachable!()
    };
    new.symptoms = vec!["vpn".into()];
    let told = bot
        .engine
        .notice_command(&alice(), &NoticeCommand::Publish(new), bot.now)
        .await
        .unwrap();
    assert!(told.contains("too broad"), "{told}");
    assert!(told.ends_with("Nothing was published."), "{told}");
    assert!(bot.db.store.notices().await.unwrap().is_empty());
    bot.stop().await;
}

#[tokio::test]
async fn a_customer_told_of_the_outage_who_writes_that_they_want_a_person_gets_a_ticket() {
    let mut bot = Bot::start().await;
    bot.now = march_2(9);
    let told = bot.says("Mail geht nicht seit heute früh").await;
    assert!(told_the_outage(&told), "{told:?}");
    let ticket = opened(
        &bot.says("Ich möchte trotzdem mit einem Mitarbeiter sprechen")
            .await,
    );
    let link = bot
        .transcript()
        .await
        .into_iter()
        .find(|e| e.kind == "notice")
        .expect("the ticket is linked to the notice");
    assert_eq!(link.ticket, Some(ticket));
    bot.stop().await;
}

#[tokio::test]
async fn a_notice_is_announced_once_when_it_starts_to_hold_whichever_instance_ticks() {
    let mut bot = Bot::start().await;
    bot.now = march_2(7);
    let announced = |actions: &[Action]| -> Vec<String> {
        actions
            .iter()
            .filter_map(|a| match a {
                Action::Announce { notice, text } => Some(format!("{notice}: {text}")),
                _ => None,
            })
            .collect()
    };
    assert!(
        announced(&bot.later(Duration::minutes(30)).await).is_empty(),
        "planned"
    );
    let first = announced(&bot.later(Duration::hours(1)).await);
    assert_eq!(first.len(), 1, "{first:?}");
    assert!(
        first[0].starts_with("mail-outage: **Known outage** (mail"),
        "{first:?}"
    );
    assert!(
        first[0].contains("**Bekannte Störung** (mail"),
        "both languages: {first:?}"
    );
    assert!(announced(&bot.later(Duration::minutes(5)).await).is_empty());
    let other = bot.another_instance().await;
    let again = other
        .handle(&frontline::engine::Inbound::Tick, bot.now)
        .await
        .unwrap();
    assert!(announced(&again).is_empty(), "once across instances");
}

#[tokio::test]
async fn a_notice_told_while_the_database_was_away_is_not_told_twice_and_its_button_follows() {
    let mut bot = Bot::start().await;
    bot.now = march_2(9);
    let event = bot.message("is the mail server down?");
    let offline = bot
        .engine
        .answer_offline(&event, true, bot.now)
        .expect("told from memory");
    let Action::Say { text, buttons, .. } = &offline.action else {
        panic!("{offline:?}")
    };
    assert!(text.starts_with("**Known outage** (mail"), "{text}");
    assert!(buttons.is_empty());
    bot.engine.offline_answer_given(&event, &offline);
    // The database is back and the message is handled: only the button.
    let actions = bot.handle(&event).await;
    assert_eq!(kinds(&actions), ["say"]);
    assert_eq!(
        said(&actions),
        "If your problem is something else, press *Talk to a human*."
    );
    assert_eq!(self::buttons(&actions), [Button::TalkToHuman]);
    assert!(bot.tickets().await.is_empty());
}
