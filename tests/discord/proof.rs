//! The whole loop through real serenity: the fake sends events over its
//! gateway, a small handler answers through serenity's HTTP client, the fake
//! records what came back. Also: the gateway drops and serenity resumes (or
//! identifies afresh), and the conversation goes on.

use serde_json::json;
use serenity::all::{
    ComponentInteraction, Context, CreateButton, CreateInteractionResponse, CreateMessage,
    EditInteractionResponse, EventHandler, Interaction, Message,
};
use serenity::async_trait;

use frontline::adapters::discord::custom_id::{ButtonAction, ButtonId};
use frontline::adapters::discord::mentions::{neutralise, no_pings};

use crate::bot::start_bot;
use crate::fake::FakeDiscord;

/// Answers a message with an echo and a *Solved* button; a press is
/// acknowledged (deferred update) and the message edited without buttons.
struct Echo(FakeDiscord);

#[async_trait]
impl EventHandler for Echo {
    async fn message(&self, ctx: Context, msg: Message) {
        if msg.author.bot {
            return;
        }
        let button = ButtonId::new(ButtonAction::Solved, 1).to_string();
        let reply = CreateMessage::new()
            .content(format!("You said: {}", neutralise(&msg.content)))
            .button(CreateButton::new(button).label("Solved"))
            .allowed_mentions(no_pings());
        if let Err(e) = msg.channel_id.send_message(&ctx.http, reply).await {
            self.0
                .report_problem(format!("sending the reply failed: {e}"));
        }
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        if let Interaction::Component(press) = interaction
            && let Err(e) = acknowledge_and_edit(&ctx, &press).await
        {
            self.0
                .report_problem(format!("answering the press failed: {e}"));
        }
    }
}

async fn acknowledge_and_edit(ctx: &Context, press: &ComponentInteraction) -> serenity::Result<()> {
    let id: ButtonId = press.data.custom_id.parse().expect("our own button id");
    press
        .create_response(&ctx.http, CreateInteractionResponse::Acknowledge)
        .await?;
    let edit = EditInteractionResponse::new()
        .content(format!("{:?} by {}", id.action, press.user.name))
        .components(vec![]);
    press.edit_response(&ctx.http, edit).await?;
    Ok(())
}

#[tokio::test]
async fn a_message_gets_a_reply_and_a_button_press_is_deferred_then_edited() {
    let fake = FakeDiscord::start().await;
    let _bot = start_bot(&fake, Echo(fake.clone())).await;
    let world = fake.world().clone();

    fake.says(world.support.id, world.alice(), "hello @everyone <@&42>");
    let reply = fake.next_call("POST /channels/*/messages").await;
    assert_eq!(
        reply.path,
        format!("/channels/{}/messages", world.support.id)
    );
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.body["content"],
        "You said: hello @\u{200B}everyone <@\u{200B}&42>"
    );
    assert_eq!(
        reply.body["allowed_mentions"],
        json!({"parse": [], "users": [], "roles": [], "replied_user": false})
    );
    assert_eq!(
        reply.body["components"][0]["components"][0]["custom_id"],
        "fl:ok:1"
    );

    let posted = reply.response;
    let press = fake.press(world.alice(), &posted, "fl:ok:1");
    let callback = fake.callback(&press).await;
    assert_eq!(callback.status, 204);
    assert_eq!(callback.body["type"], 6, "a deferred update");
    let app = world.application_id;
    let edit = fake
        .next_call(&format!(
            "PATCH /webhooks/{app}/{}/messages/@original",
            press.token
        ))
        .await;
    assert_eq!(edit.status, 200);
    assert_eq!(edit.body["content"], "Solved by alice");
    assert_eq!(edit.body["components"], json!([]));

    let id = posted["id"].as_str().unwrap().parse().unwrap();
    let now = fake.message(id).expect("the bot's message");
    assert_eq!(now["content"], "Solved by alice");
    assert_eq!(now["components"], json!([]));
    fake.assert_no_more("POST /channels/*/messages");
}

#[tokio::test]
async fn after_the_gateway_drops_serenity_resumes_and_later_messages_are_handled() {
    let fake = FakeDiscord::start().await;
    let _bot = start_bot(&fake, Echo(fake.clone())).await;
    let world = fake.world().clone();
    fake.says(world.support.id, world.alice(), "first");
    fake.next_call("POST /channels/*/messages").await;

    let last_sent = fake.matching("DISPATCH /*").last().unwrap().status; // the bot's own echo
    assert!(fake.drop_gateway(), "a live gateway connection to drop");
    fake.says(
        world.support.id,
        world.alice(),
        "sent while the bot was away",
    );
    let resume = fake.next_call("GATEWAY /resume").await;
    assert_eq!(resume.body["session_id"], "fake-session-1");
    assert_eq!(
        resume.body["seq"], last_sent,
        "everything sent before the drop was seen"
    );
    fake.next_call("DISPATCH /RESUMED").await;
    let missed = fake.next_call("POST /channels/*/messages").await;
    assert_eq!(
        missed.body["content"],
        "You said: sent while the bot was away"
    );

    fake.says(world.support.id, world.alice(), "after the reconnect");
    let later = fake.next_call("POST /channels/*/messages").await;
    assert_eq!(later.body["content"], "You said: after the reconnect");
    assert_eq!(
        fake.matching("GATEWAY /identify").len(),
        1,
        "resumed, not identified again"
    );
}

#[tokio::test]
async fn when_the_session_cannot_be_resumed_serenity_identifies_afresh() {
    let fake = FakeDiscord::start().await;
    let _bot = start_bot(&fake, Echo(fake.clone())).await;
    let world = fake.world().clone();
    fake.next_call("GATEWAY /identify").await;

    fake.refuse_next_resume();
    assert!(fake.drop_gateway());
    fake.next_call("GATEWAY /resume").await;
    fake.next_call("GATEWAY /identify").await;
    let ready = fake.next_call("DISPATCH /READY").await;
    assert_eq!(ready.body["session_id"], "fake-session-2");

    fake.says(world.support.id, world.alice(), "still there?");
    let reply = fake.next_call("POST /channels/*/messages").await;
    assert_eq!(reply.body["content"], "You said: still there?");
}

#[tokio::test]
#[should_panic(expected = "serenity dropped MESSAGE_CREATE (missing field `tts`")]
async fn an_incomplete_dispatch_fails_the_test_at_once_instead_of_timing_out() {
    let fake = FakeDiscord::start().await;
    let _bot = start_bot(&fake, Echo(fake.clone())).await;
    let world = fake.world().clone();
    let mut message = fake.says(world.support.id, world.alice(), "complete");
    fake.next_call("POST /channels/*/messages").await;
    message.as_object_mut().unwrap().remove("tts");
    fake.dispatch("MESSAGE_CREATE", message);
    fake.next_call("POST /channels/*/messages").await;
}
