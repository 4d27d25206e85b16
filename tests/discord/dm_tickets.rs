//! Tickets from direct messages: staff cannot join a DM, so the ticket's
//! card gets a thread in the staff channel that stands in for it. The
//! customer's DMs are posted there; what the member of staff who claimed the
//! ticket writes there reaches the customer; colleagues' messages stay among
//! staff; before a claim and after the resolution nothing is sent, and the
//! writer is told. Attachments go both ways as links. The staff commands
//! work in that thread.

use frontline::store::{Store as _, TicketState};

use crate::fake::FakeDiscord;
use crate::fake::recorder::{Call, Fault};
use crate::frontline::{Frontline, button, id, labels, unanswered};
use crate::on_both_backends;
use crate::support::Backend;

on_both_backends!(
    a_dm_ticket_is_worked_through_a_thread_on_its_card,
    a_ticket_in_a_guild_thread_gets_no_relay_thread,
    a_dm_ticket_whose_card_got_no_thread_gets_it_when_the_customer_writes,
    what_cannot_be_relayed_in_a_thread_goes_to_the_staff_channel,
);

/// Alice's DM nobody can answer: a ticket whose card is posted, while the
/// relay thread cannot be made (`fails` times). Returns her DM and the card.
async fn dm_ticket_without_thread(fake: &FakeDiscord, fails: usize) -> (u64, Call) {
    let w = fake.world().clone();
    let dm = w.dm_with(w.alice()).id;
    let staff = w.staff_channel.id;
    fake.fail_next(
        &format!("POST /channels/{staff}/messages/*/threads"),
        fails,
        Fault::MissingPermissions,
    );
    fake.says(dm, w.alice(), "zorglub quantum marmalade overflow");
    let card = fake
        .next_call(&format!("POST /channels/{staff}/messages"))
        .await;
    let refused = fake
        .next_call(&format!("POST /channels/{staff}/messages/*/threads"))
        .await;
    assert_eq!(refused.status, 403);
    (dm, card)
}

fn content(call: &crate::fake::recorder::Call) -> String {
    call.body["content"].as_str().unwrap_or_default().to_owned()
}

async fn a_dm_ticket_is_worked_through_a_thread_on_its_card(backend: Backend) {
    let Some(bot) = Frontline::start(backend).await else {
        return;
    };
    let fake: &FakeDiscord = &bot.fake;
    let w = fake.world().clone();
    let dm = w.dm_with(w.alice()).id;
    let staff = w.staff_channel.id;
    let to_alice = format!("POST /channels/{dm}/messages");

    fake.says(dm, w.alice(), "zorglub quantum marmalade overflow");
    let opened = fake.next_call(&to_alice).await;
    assert!(content(&opened).contains("#1"), "{}", opened.body);
    let card = fake
        .next_call(&format!("POST /channels/{staff}/messages"))
        .await;
    let card_id = id(&card.response);
    let made = fake
        .next_call(&format!(
            "POST /channels/{staff}/messages/{card_id}/threads"
        ))
        .await;
    let relay = id(&made.response);
    let in_relay = format!("POST /channels/{relay}/messages");
    let intro = fake.next_call(&in_relay).await;
    assert!(
        content(&intro).contains("direct message with **alice**")
            && content(&intro).contains("`//`"),
        "{}",
        intro.body
    );

    // What Alice writes now reaches staff, with no pings.
    fake.says(dm, w.alice(), "it also says @everyone error 42");
    let relayed = fake.next_call(&in_relay).await;
    assert_eq!(
        content(&relayed),
        "**alice**: it also says @everyone error 42"
    );
    assert_eq!(
        relayed.body["allowed_mentions"]["parse"],
        serde_json::json!([])
    );

    // Before anyone claims it, staff writing there are told it was not sent.
    fake.says(relay, w.sam(), "hello, anyone?");
    let refused = fake.next_call(&in_relay).await;
    assert!(
        content(&refused).starts_with("Not sent to the customer: claim ticket #1"),
        "{}",
        refused.body
    );

    // Sam claims: he is added to the relay thread, Alice is told.
    fake.press(w.sam(), &card.response, &button(&card.body, "Claim"));
    fake.next_call(&format!(
        "PUT /channels/{relay}/thread-members/{}",
        w.sam().id
    ))
    .await;
    let joined = fake.next_call(&to_alice).await;
    assert!(content(&joined).contains("sam"), "{}", joined.body);

    // Sam's messages there go to Alice; a colleague's, and Sam's own that
    // start with `//`, stay among staff.
    fake.says(relay, w.sam(), "// I think it is the router");
    fake.says(relay, &w.staff[1], "I saw this last week, it is the router");
    fake.says(relay, w.sam(), "Please restart the router.");
    let reply = fake.next_call(&to_alice).await;
    assert_eq!(content(&reply), "**sam**: Please restart the router.");

    // A screenshot goes both ways as a link.
    let shot = fake.says_with_file(dm, w.alice(), "", "error.png");
    let relayed = fake.next_call(&in_relay).await;
    let url = shot["attachments"][0]["url"].as_str().unwrap();
    assert_eq!(content(&relayed), format!("**alice**: {url}"));
    let manual = fake.says_with_file(relay, w.sam(), "See page 3:", "manual.pdf");
    let sent = fake.next_call(&to_alice).await;
    let url = manual["attachments"][0]["url"].as_str().unwrap();
    assert_eq!(content(&sent), format!("**sam**: See page 3:\n{url}"));

    // Staff commands work in the relay thread.
    fake.slash(w.sam(), relay, "note", &[("text", "router firmware")]);
    fake.slash(w.sam(), relay, "resolve", &[("note", "router restarted")]);
    let resolved = fake.next_call(&to_alice).await;
    assert!(
        content(&resolved).contains("router restarted"),
        "the colleague's message must not reach Alice: {}",
        resolved.body
    );
    let rating = fake.next_call(&to_alice).await;
    assert_eq!(labels(&rating.body).len(), 5, "{}", rating.body);
    let ticket = bot.store.tickets(&[]).await.unwrap().remove(0);
    assert_eq!(ticket.state, TicketState::Resolved);

    fake.says(relay, w.sam(), "one more thing");
    let late = fake.next_call(&in_relay).await;
    assert!(content(&late).contains("is resolved"), "{}", late.body);
    fake.assert_no_more(&to_alice);
    bot.stop().await;
}

async fn a_ticket_in_a_guild_thread_gets_no_relay_thread(backend: Backend) {
    let Some(bot) = Frontline::start(backend).await else {
        return;
    };
    let fake: &FakeDiscord = &bot.fake;
    let w = fake.world().clone();
    let (thread, card) = unanswered(fake).await;
    fake.next_call(&format!("POST /channels/{thread}/messages"))
        .await;
    // Alice's next message is for the staff who join her thread: nothing is
    // relayed, and the card gets no thread.
    fake.says(thread, w.alice(), "still broken");
    let conv = frontline::engine::ThreadRef(format!("discord:{thread}"));
    crate::frontline::eventually("Alice's message is in the transcript", || async {
        let Some(c) = bot.store.conversation_by_thread(&conv).await.unwrap() else {
            return false;
        };
        let events = bot.store.events(c.id).await.unwrap();
        events.iter().any(|e| e.text == "still broken")
    })
    .await;
    fake.press(w.sam(), &card.response, &button(&card.body, "Claim"));
    fake.next_call(&format!(
        "PUT /channels/{thread}/thread-members/{}",
        w.sam().id
    ))
    .await;
    // The card's update comes after the row of Alice's message on the
    // staff route: that row was delivered, and posted nothing.
    fake.next_call(&format!(
        "PATCH /channels/{}/messages/{}",
        w.staff_channel.id,
        id(&card.response)
    ))
    .await;
    let relays = format!("POST /channels/{}/messages/*/threads", w.staff_channel.id);
    assert!(fake.matching(&relays).is_empty());
    assert_eq!(
        fake.matching(&format!("POST /channels/{}/messages", w.staff_channel.id))
            .len(),
        1,
        "only the card"
    );
    bot.stop().await;
}

async fn a_dm_ticket_whose_card_got_no_thread_gets_it_when_the_customer_writes(backend: Backend) {
    let Some(bot) = Frontline::start(backend).await else {
        return;
    };
    let fake: &FakeDiscord = &bot.fake;
    let w = fake.world().clone();
    let staff = w.staff_channel.id;
    // Neither the card nor its update after Sam's claim gets the thread.
    let (dm, card) = dm_ticket_without_thread(fake, 2).await;
    fake.press(w.sam(), &card.response, &button(&card.body, "Claim"));
    fake.next_call(&format!("PATCH /channels/{staff}/messages/*"))
        .await;
    fake.next_call(&format!("POST /channels/{staff}/messages/*/threads"))
        .await;

    // Alice writes: the thread is made now, Sam is added, her words are there.
    fake.says(dm, w.alice(), "it also says error 42");
    let made = fake
        .next_call(&format!("POST /channels/{staff}/messages/*/threads"))
        .await;
    assert_eq!(made.status, 200, "{}", made.response);
    let relay = id(&made.response);
    fake.next_call(&format!(
        "PUT /channels/{relay}/thread-members/{}",
        w.sam().id
    ))
    .await;
    let in_relay = format!("POST /channels/{relay}/messages");
    let intro = fake.next_call(&in_relay).await;
    assert!(content(&intro).contains("direct message"), "{}", intro.body);
    let relayed = fake.next_call(&in_relay).await;
    assert_eq!(content(&relayed), "**alice**: it also says error 42");
    bot.stop().await;
}

async fn what_cannot_be_relayed_in_a_thread_goes_to_the_staff_channel(backend: Backend) {
    let Some(bot) = Frontline::start(backend).await else {
        return;
    };
    let fake: &FakeDiscord = &bot.fake;
    let w = fake.world().clone();
    let staff = w.staff_channel.id;
    // The bot may not make threads in the staff channel at all.
    let (dm, _card) = dm_ticket_without_thread(fake, 2).await;
    fake.says(dm, w.alice(), "it also says error 42");
    fake.next_call(&format!("POST /channels/{staff}/messages/*/threads"))
        .await;
    let fallback = fake
        .next_call(&format!("POST /channels/{staff}/messages"))
        .await;
    assert_eq!(
        content(&fallback),
        "Ticket #1, **alice**: it also says error 42"
    );
    bot.stop().await;
}
