//! Maintenance contracts on Discord, through real serenity and the whole
//! bot: a customer whose role a contract covers asks what it covers and gets
//! the terms in a direct message, while the public thread only says where
//! they went; a customer without a contract is told what one would include,
//! and nobody's terms.

use crate::frontline::{Frontline, id, labels};
use crate::on_both_backends;
use crate::support::Backend;

on_both_backends!(
    a_contract_question_is_answered_by_direct_message_and_the_thread_only_says_so,
    a_customer_without_a_contract_hears_what_one_would_include,
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
