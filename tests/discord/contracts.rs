//! Maintenance contracts on Discord, through real serenity and the whole
//! bot: a customer whose role a contract covers asks what it covers and gets
//! the terms in a direct message, while the public thread only says where
//! they went; a customer without a contract is told what one would include,
//! and nobody's terms. Asking before escalating: *Still broken* under a fix
//! that needs details shows a form, and what the customer fills in reaches
//! the staff card.

use frontline::store::Store as _;

use crate::frontline::{Frontline, button, id, labels};
use crate::on_both_backends;
use crate::support::Backend;

on_both_backends!(
    a_contract_question_is_answered_by_direct_message_and_the_thread_only_says_so,
    a_customer_without_a_contract_hears_what_one_would_include,
    still_broken_under_a_fix_that_needs_details_shows_a_form_and_its_answers_reach_the_card,
);

async fn a_contract_question_is_answered_by_direct_message_and_the_thread_only_says_so(
    backend: Backend,
) {
    let Some(bot) = Frontline::start(backend).await else {
        return;
    };
    let fake = &bot.fake;
    let w = fake.world().clone();
    let m = id(&fake.says(w.support.id, w.carol(), "What does my contract cover?"));
    let open = fake.next_call("POST /users/@me/channels").await;
    assert_eq!(open.body["recipient_id"], w.carol().id.to_string());
    let dm = w.dm_with(w.carol()).id;
    let terms = fake
        .next_call(&format!("POST /channels/{dm}/messages"))
        .await;
    let text = terms.body["content"].as_str().unwrap_or_default();
    assert!(
        text.starts_with("**Your maintenance contract** (Kanzlei Berger): Vollwartung"),
        "{text}"
    );
    let in_thread = fake
        .next_call(&format!("POST /channels/{m}/messages"))
        .await;
    let said = in_thread.body["content"].as_str().unwrap_or_default();
    assert!(
        said.starts_with("I have sent you the terms of your contract"),
        "{said}"
    );
    assert!(
        !said.contains("Berger") && !said.contains("Vollwartung"),
        "{said}"
    );
    bot.stop().await;
}

async fn a_customer_without_a_contract_hears_what_one_would_include(backend: Backend) {
    let Some(bot) = Frontline::start(backend).await else {
        return;
    };
    let fake = &bot.fake;
    let w = fake.world().clone();
    let m = id(&fake.says(w.support.id, w.alice(), "Was umfasst mein Wartungsvertrag?"));
    let answer = fake
        .next_call(&format!("POST /channels/{m}/messages"))
        .await;
    let text = answer.body["content"].as_str().unwrap_or_default();
    assert!(
        text.starts_with("Für Sie ist bei uns kein Wartungsvertrag hinterlegt."),
        "{text}"
    );
    assert!(!text.contains("Berger"), "{text}");
    assert_eq!(labels(&answer.body), ["Mit einem Menschen sprechen"]);
    assert!(
        fake.matching("POST /users/@me/channels").is_empty(),
        "no direct message"
    );
    bot.stop().await;
}

async fn still_broken_under_a_fix_that_needs_details_shows_a_form_and_its_answers_reach_the_card(
    backend: Backend,
) {
    let Some(bot) = Frontline::start(backend).await else {
        return;
    };
    let fake = &bot.fake;
    let w = fake.world().clone();
    let m = id(&fake.says(w.support.id, w.alice(), "Outlook says 0x8004010F"));
    let fix = fake
        .next_call(&format!("POST /channels/{m}/messages"))
        .await;
    let still_broken = button(&fix.body, "Still broken");
    let press = fake.press(w.alice(), &fix.response, &still_broken);
    // The press is answered with a form asking for what is missing: the
    // error code is in Alice's words already.
    let form = fake.callback(&press).await;
    assert_eq!(form.body["type"], 9, "a modal");
    assert_eq!(form.body["data"]["custom_id"], still_broken.as_str());
    let fields: Vec<&str> = form.body["data"]["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["components"][0]["custom_id"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["host", "user"]);
    assert!(bot.store.tickets(&[]).await.unwrap().is_empty());

    fake.submit_form(
        w.alice(),
        &fix.response,
        &still_broken,
        &[
            ("host", "pc-042.office.local"),
            ("user", "alice@example.com"),
        ],
    );
    let card = fake
        .next_call(&format!("POST /channels/{}/messages", w.staff_channel.id))
        .await;
    let card_fields = &card.body["embeds"][0]["fields"];
    let shown: Vec<(&str, &str)> = card_fields
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["name"].as_str().unwrap(), f["value"].as_str().unwrap()))
        .filter(|(name, _)| ["Host", "User account"].contains(name))
        .collect();
    assert_eq!(
        shown,
        [
            ("Host", "pc-042.office.local"),
            ("User account", "alice@example.com")
        ]
    );
    let tickets = bot.store.tickets(&[]).await.unwrap();
    assert_eq!(tickets[0].details.len(), 2);
    bot.stop().await;
}
