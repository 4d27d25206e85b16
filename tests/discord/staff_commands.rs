//! Staff's slash commands on Discord, through real serenity and the whole
//! bot: `/note`, `/unclaim` and `/reopen` inside a ticket's thread, `/tickets`
//! (open tickets, oldest first), `/faq check`, `/faq reload`, `/stats` and
//! `/draft` (a documented fix drafted from a resolved ticket).
//! Each command is acknowledged at once with a private deferred reply that
//! is then edited; what the engine decides arrives through the outbox.

use frontline::engine::EngineSettings;
use frontline::store::{Store as _, TicketState};

use crate::fake::FakeDiscord;
use crate::fake::world::User;
use crate::frontline::{Frontline, Options, id, labels};
use crate::on_both_backends;
use crate::support::Backend;

on_both_backends!(
    note_unclaim_and_reopen_act_on_the_ticket_of_the_thread,
    tickets_lists_waiting_tickets_by_due_time_then_claimed_ones,
    faq_check_faq_reload_and_stats_answer_staff_privately,
    draft_shows_staff_the_fix_drafted_from_a_resolved_ticket,
    web_gives_staff_a_private_one_time_link_and_the_desk_checks_their_role_again,
);

/// `who` asks something nobody can answer in the support channel: a ticket.
/// Returns the thread.
async fn ticket_by(fake: &FakeDiscord, who: &User, text: &str) -> u64 {
    let w = fake.world().clone();
    let m = id(&fake.says(w.support.id, who, text));
    fake.next_call(&format!("POST /channels/{}/messages", w.staff_channel.id))
        .await;
    fake.next_call(&format!("POST /channels/{m}/messages"))
        .await; // ticket opened
    m
}

/// What the deferred reply of command `token` was edited to say.
async fn reply(fake: &FakeDiscord, token: &str) -> String {
    let app = fake.world().application_id;
    let edit = fake
        .next_call(&format!("PATCH /webhooks/{app}/{token}/messages/@original"))
        .await;
    edit.body["content"].as_str().unwrap_or_default().to_owned()
}

/// The engine's private notice to whoever ran command `token`; the
/// command's own deferred reply is removed, so it cannot contradict it.
async fn notice(fake: &FakeDiscord, token: &str) -> String {
    let app = fake.world().application_id;
    let cleared = fake
        .next_call(&format!(
            "DELETE /webhooks/{app}/{token}/messages/@original"
        ))
        .await;
    assert_eq!(cleared.status, 204);
    let sent = fake
        .next_call(&format!("POST /webhooks/{app}/{token}"))
        .await;
    assert_eq!(sent.body["flags"], 64, "private: {}", sent.body);
    sent.body["content"].as_str().unwrap_or_default().to_owned()
}

async fn note_unclaim_and_reopen_act_on_the_ticket_of_the_thread(backend: Backend) {
    let Some(bot) = Frontline::start(backend).await else {
        return;
    };
    let fake = &bot.fake;
    let w = fake.world().clone();
    let t = ticket_by(fake, w.alice(), "zorglub quantum marmalade overflow").await;
    let card_edits = format!("PATCH /channels/{}/messages/*", w.staff_channel.id);
    let posts = format!("POST /channels/{t}/messages");

    let claim = fake.slash(w.sam(), t, "claim", &[]);
    let claimed = fake.next_call(&card_edits).await;
    assert!(
        claimed.body["embeds"][0]["fields"]
            .to_string()
            .contains("claimed by sam")
    );
    assert_eq!(reply(fake, &claim.token).await, "Done (ticket #1).");
    fake.next_call(&posts).await; // sam joined

    let note = fake.slash(
        w.sam(),
        t,
        "note",
        &[("text", "called her, it is the router")],
    );
    assert_eq!(notice(fake, &note.token).await, "Note added to ticket #1.");
    let conv = bot
        .store
        .ticket(frontline::engine::TicketId(1))
        .await
        .unwrap()
        .unwrap();
    let events = bot.store.events(conv.conversation).await.unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.kind == "note" && e.text == "called her, it is the router"),
        "{events:?}"
    );

    let by_kim = fake.slash(&w.staff[1], t, "unclaim", &[]);
    assert_eq!(
        notice(fake, &by_kim.token).await,
        "Ticket #1 is claimed by sam."
    );
    let unclaim = fake.slash(w.sam(), t, "unclaim", &[]);
    assert_eq!(
        notice(fake, &unclaim.token).await,
        "You gave ticket #1 back to the queue."
    );
    let unclaimed = fake.next_call(&card_edits).await;
    assert!(
        unclaimed.body["embeds"][0]["fields"]
            .to_string()
            .contains("open, unclaimed"),
        "{}",
        unclaimed.body
    );
    assert_eq!(labels(&unclaimed.body), ["Claim"], "claimable again");
    let ticket = bot
        .store
        .ticket(frontline::engine::TicketId(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ticket.state, TicketState::Open);

    fake.slash(&w.staff[1], t, "resolve", &[("note", "router replaced")]);
    let resolved = fake.next_call(&card_edits).await;
    assert!(
        resolved.body["embeds"][0]["fields"]
            .to_string()
            .contains("resolved by kim")
    );
    fake.next_call(&posts).await; // resolved, by kim
    fake.next_call(&posts).await; // the rating
    fake.slash(&w.staff[1], t, "reopen", &[]);
    let reopened = fake.next_call(&card_edits).await;
    assert!(
        reopened.body["embeds"][0]["fields"]
            .to_string()
            .contains("claimed by kim"),
        "{}",
        reopened.body
    );
    let told = fake.next_call(&posts).await;
    assert!(
        told.body["content"].as_str().unwrap().contains("#1"),
        "{}",
        told.body
    );
    let ticket = bot
        .store
        .ticket(frontline::engine::TicketId(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ticket.state, TicketState::Claimed);

    let outside = fake.slash(w.sam(), w.support.id, "note", &[("text", "x")]);
    assert_eq!(
        reply(fake, &outside.token).await,
        "There is no ticket in this channel."
    );
    bot.stop().await;
}

async fn tickets_lists_waiting_tickets_by_due_time_then_claimed_ones(backend: Backend) {
    // Alice's two questions seconds apart each open a ticket of their own:
    // no cooldown joining the second to the first.
    let options = Options {
        engine: EngineSettings {
            new_thread_cooldown_secs: 0,
            ..EngineSettings::default()
        },
        ..Options::default()
    };
    let Some(bot) = Frontline::start_opts(backend, options).await else {
        return;
    };
    let fake = &bot.fake;
    let w = fake.world().clone();
    let first = ticket_by(fake, w.alice(), "zorglub quantum marmalade overflow").await;
    let second = ticket_by(fake, w.bob(), "the flux capacitor hums in B flat").await;
    let third = ticket_by(fake, w.alice(), "my teapot speaks klingon now").await;
    fake.slash(w.sam(), second, "claim", &[]);
    fake.next_call("PATCH /channels/*/messages/*").await;
    fake.slash(w.sam(), first, "resolve", &[("note", "rebooted")]);
    fake.next_call("PATCH /channels/*/messages/*").await;

    let list = fake.slash(&w.staff[1], w.staff_channel.id, "tickets", &[]);
    let text = reply(fake, &list.token).await;
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    // What waits for a claim comes first, by when it is due; then what
    // someone has.
    assert!(
        lines[0].starts_with("#3 alice — unclaimed, due ")
            && lines[0].ends_with(&format!("<#{third}>")),
        "{text}"
    );
    assert!(
        lines[1].starts_with("#2 bob — claimed by sam")
            && lines[1].ends_with(&format!("<#{second}>")),
        "{text}"
    );

    let refused = fake.slash(w.alice(), w.staff_channel.id, "tickets", &[]);
    let answer = fake.callback(&refused).await;
    assert_eq!(
        answer.body["data"]["content"],
        "Only support staff can do that."
    );
    assert_eq!(answer.body["data"]["flags"], 64);
    bot.stop().await;
}

async fn faq_check_faq_reload_and_stats_answer_staff_privately(backend: Backend) {
    let Some(bot) = Frontline::start(backend).await else {
        return;
    };
    let fake = &bot.fake;
    let w = fake.world().clone();
    let staff = w.staff_channel.id;
    let m = id(&fake.says(w.support.id, w.alice(), "invoice"));
    let answer = fake
        .next_call(&format!("POST /channels/{m}/messages"))
        .await;
    fake.press(
        w.alice(),
        &answer.response,
        &crate::frontline::button(&answer.body, "Solved"),
    );
    fake.next_call(&format!("POST /channels/{m}/messages"))
        .await; // glad to help

    let check = fake.slash_sub(w.sam(), staff, "faq", "check");
    let ack = fake.callback(&check).await;
    assert_eq!(
        (
            ack.body["type"].as_u64(),
            ack.body["data"]["flags"].as_u64()
        ),
        (Some(5), Some(64))
    );
    let checked = reply(fake, &check.token).await;
    assert!(
        checked.starts_with("```") && checked.ends_with("```"),
        "{checked}"
    );
    let totals = checked.lines().nth(1).unwrap_or_default();
    assert!(
        totals.contains("file(s), 0 error(s)"),
        "the totals come first: {checked}"
    );

    let reload = fake.slash_sub(w.sam(), staff, "faq", "reload");
    let reloaded = reply(fake, &reload.token).await;
    assert!(reloaded.starts_with("FAQ reloaded: "), "{reloaded}");
    let entries = bot.store.answers().await.unwrap();
    assert_eq!(entries.len(), 1);

    let stats = fake.slash(w.sam(), staff, "stats", &[]);
    let text = reply(fake, &stats.token).await;
    assert!(text.contains("answers given:      1"), "{text}");
    assert!(text.contains("solved by the bot:  1"), "{text}");

    let refused = fake.slash_sub(w.alice(), staff, "faq", "reload");
    let answer = fake.callback(&refused).await;
    assert_eq!(
        answer.body["data"]["content"],
        "Only support staff can do that."
    );
    bot.stop().await;
}

async fn draft_shows_staff_the_fix_drafted_from_a_resolved_ticket(backend: Backend) {
    let Some(bot) = Frontline::start(backend).await else {
        return;
    };
    let fake = &bot.fake;
    let w = fake.world().clone();
    let staff = w.staff_channel.id;
    let t = ticket_by(fake, w.alice(), "zorglub marmalade error 4711").await;
    let card_edits = format!("PATCH /channels/{staff}/messages/*");

    let early = fake.slash(w.sam(), t, "draft", &[]);
    let text = reply(fake, &early.token).await;
    assert!(text.contains("not resolved yet"), "{text}");

    fake.slash(
        w.sam(),
        t,
        "resolve",
        &[(
            "note",
            "Opened UDP 500 and 4500 on the router. Fences ```` and ``` stay inside.",
        )],
    );
    fake.next_call(&card_edits).await;
    let here = fake.slash(w.sam(), t, "draft", &[]);
    let text = reply(fake, &here.token).await;
    assert!(text.starts_with("Draft for `fixes/"), "{text}");
    assert!(text.contains("frontline draft-fix 1"), "{text}");
    assert!(text.contains("```markdown\n---\n"), "{text}");
    assert!(text.contains("symptoms:"), "{text}");
    assert!(text.contains("error 4711"), "{text}");
    assert!(
        text.contains("Opened UDP 500 and 4500 on the router."),
        "{text}"
    );
    assert_eq!(
        text.matches("```").count(),
        2,
        "the note's backticks cannot end the block: {text}"
    );

    let named = fake.slash(w.sam(), staff, "draft", &[("ticket", "#1")]);
    assert_eq!(reply(fake, &named.token).await, text, "by number, anywhere");
    let nowhere = fake.slash(w.sam(), staff, "draft", &[]);
    assert!(
        reply(fake, &nowhere.token)
            .await
            .starts_with("There is no ticket in this channel")
    );
    let missing = fake.slash(w.sam(), staff, "draft", &[("ticket", "42")]);
    assert_eq!(reply(fake, &missing.token).await, "There is no ticket #42.");

    let customer = fake.slash(w.alice(), t, "draft", &[]);
    let refused = fake.callback(&customer).await;
    assert_eq!(
        refused.body["data"]["content"],
        "Only support staff can do that."
    );
    bot.stop().await;
}

async fn web_gives_staff_a_private_one_time_link_and_the_desk_checks_their_role_again(
    backend: Backend,
) {
    use frontline::adapters::discord::connect;
    use frontline::adapters::web::{StaffCheck, auth};
    use frontline::engine::Person;
    use frontline::store::WebStaff;

    let Some(bot) = Frontline::start(backend).await else {
        return;
    };
    let fake = &bot.fake;
    let w = fake.world().clone();
    let asked = fake.slash(w.sam(), w.staff_channel.id, "web", &[]);
    let ack = fake.callback(&asked).await;
    assert_eq!(ack.body["data"]["flags"].as_u64(), Some(64), "private");
    let text = reply(fake, &asked.token).await;
    let link = text
        .split_once('<')
        .and_then(|(_, rest)| rest.split_once('>'))
        .map(|(link, _)| link)
        .unwrap_or_else(|| panic!("a link in {text}"));
    let token = link
        .strip_prefix("http://desk.test/login/")
        .unwrap_or_else(|| panic!("{link}"));
    let (_, session) = auth::sign_in(&bot.store, token, 12, chrono::Utc::now())
        .await
        .unwrap()
        .expect("the link signs in");
    assert_eq!(session.staff.person.id.0, format!("discord:{}", w.sam().id));
    assert_eq!(session.staff.guild, Some(w.guild_id.to_string()));
    assert!(
        auth::sign_in(&bot.store, token, 12, chrono::Utc::now())
            .await
            .unwrap()
            .is_none(),
        "once"
    );

    // The desk asks Discord whether they still hold the staff role.
    let config = crate::bot::config_with(fake, |_| {});
    let http = std::sync::Arc::new(connect::http(&config).unwrap());
    let check = StaffCheck::discord(http, serenity::all::RoleId::new(w.staff_role));
    assert!(check.allows(&session.staff).await);
    let customer = WebStaff {
        person: Person::new(format!("discord:{}", w.alice().id), "alice"),
        guild: Some(w.guild_id.to_string()),
    };
    assert!(!check.allows(&customer).await);

    let refused = fake.slash(w.alice(), w.staff_channel.id, "web", &[]);
    let answer = fake.callback(&refused).await;
    assert_eq!(
        answer.body["data"]["content"],
        "Only support staff can do that."
    );
    bot.stop().await;
}
