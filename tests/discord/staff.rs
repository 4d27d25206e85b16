//! Staff on Discord, through real serenity and the whole bot: two press
//! *Claim* at once and one gets the ticket, a member without the staff role
//! is refused and changes nothing, `/resolve` asks the customer for a rating
//! and records it.

use frontline::store::{Store as _, TicketState};

use crate::frontline::{Frontline, button, id, private_reply, unanswered};
use crate::on_both_backends;
use crate::support::Backend;

on_both_backends!(
    two_staff_claiming_at_once_make_one_owner_and_the_other_is_told_who,
    a_member_without_the_staff_role_is_refused_and_nothing_changes,
    resolve_asks_the_customer_for_a_rating_and_records_it,
);

async fn two_staff_claiming_at_once_make_one_owner_and_the_other_is_told_who(backend: Backend) {
    let Some(bot) = Frontline::start(backend).await else {
        return;
    };
    let fake = &bot.fake;
    let w = fake.world().clone();
    let (thread, card) = unanswered(fake).await;
    let claim = button(&card.body, "Claim");
    let by_sam = fake.press(w.sam(), &card.response, &claim);
    let by_kim = fake.press(&w.staff[1], &card.response, &claim);

    let edited = fake
        .next_call(&format!(
            "PATCH /channels/{}/messages/{}",
            w.staff_channel.id,
            id(&card.response)
        ))
        .await;
    let ticket = bot.store.tickets(&[]).await.unwrap().remove(0);
    let owner = ticket.claimed_by.expect("claimed").name;
    assert!(
        edited.body["embeds"][0]["fields"]
            .to_string()
            .contains(&format!("claimed by {owner}"))
    );
    let (owner_id, loser_token) = if owner == "sam" {
        (w.sam().id, by_kim.token)
    } else {
        (w.staff[1].id, by_sam.token)
    };
    fake.next_call(&format!("PUT /channels/{thread}/thread-members/{owner_id}"))
        .await;
    let told = fake
        .next_call(&format!(
            "POST /webhooks/{}/{loser_token}",
            w.application_id
        ))
        .await;
    assert_eq!(told.body["flags"], 64, "ephemeral");
    assert!(
        told.body["content"].as_str().unwrap().contains(&owner),
        "{told}"
    );
    bot.stop().await;
}

async fn a_member_without_the_staff_role_is_refused_and_nothing_changes(backend: Backend) {
    let Some(bot) = Frontline::start(backend).await else {
        return;
    };
    let fake = &bot.fake;
    let w = fake.world().clone();
    let (thread, card) = unanswered(fake).await;
    let press = fake.press(&w.outsider, &card.response, &button(&card.body, "Claim"));
    assert_eq!(
        private_reply(fake, &press.token).await,
        "Only support staff can do that."
    );

    let command = fake.slash(&w.outsider, thread, "resolve", &[("note", "nothing")]);
    let answer = fake.callback(&command).await;
    assert_eq!(answer.body["type"], 4);
    assert_eq!(answer.body["data"]["flags"], 64);
    assert_eq!(
        answer.body["data"]["content"],
        "Only support staff can do that."
    );

    let ticket = bot.store.tickets(&[]).await.unwrap().remove(0);
    assert_eq!(ticket.state, TicketState::Open);
    assert!(ticket.claimed_by.is_none());
    fake.assert_no_more("PATCH /channels/*/messages/*");
    bot.stop().await;
}

async fn resolve_asks_the_customer_for_a_rating_and_records_it(backend: Backend) {
    let Some(bot) = Frontline::start(backend).await else {
        return;
    };
    let fake = &bot.fake;
    let w = fake.world().clone();
    let (thread, _card) = unanswered(fake).await;
    let posts = format!("POST /channels/{thread}/messages");
    fake.next_call(&posts).await; // the ticket was opened
    fake.slash(
        w.sam(),
        thread,
        "resolve",
        &[("note", "restarted the flux capacitor")],
    );
    let said = fake.next_call(&posts).await;
    assert!(
        said.body["content"]
            .as_str()
            .unwrap()
            .contains("restarted the flux capacitor")
    );
    let ask = fake.next_call(&posts).await;
    assert_eq!(
        crate::frontline::labels(&ask.body).len(),
        5,
        "five ratings: {}",
        ask.body
    );
    fake.press(
        w.alice(),
        &ask.response,
        &button(&ask.body, &crate::frontline::labels(&ask.body)[4]),
    );
    let thanks = fake.next_call(&posts).await;
    assert_eq!(thanks.status, 200);
    let ticket = bot.store.tickets(&[]).await.unwrap().remove(0);
    assert_eq!(ticket.state, TicketState::Resolved);
    assert_eq!(ticket.rating, Some(5));
    bot.stop().await;
}
