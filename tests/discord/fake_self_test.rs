//! The fake's own promises, checked without a bot: the payload builders
//! produce what serenity parses, and waits fail loudly with the record.

use serde_json::Value;
use serenity::all::{Interaction, Message};

use crate::fake::FakeDiscord;
use crate::fake::payloads::{self, InteractionSpec};

fn parse_interaction(payload: Value) -> Interaction {
    serde_json::from_value(payload.clone()).unwrap_or_else(|e| panic!("{e}: {payload}"))
}

#[tokio::test]
async fn the_payload_builders_produce_what_serenity_parses() {
    let fake = FakeDiscord::start().await;
    let world = fake.world().clone();
    let message = fake.says(
        world.support.id,
        world.alice(),
        "hi <@1100000000000000201> <@&7>",
    );
    let parsed: Message = serde_json::from_value(message.clone()).expect("a message");
    assert_eq!(parsed.mentions[0].name, "sam");
    assert_eq!(parsed.mention_roles[0].get(), 7);
    assert!(parsed.member.is_some() && parsed.guild_id.is_some());

    let in_guild = |id| InteractionSpec {
        id,
        token: "t",
        by: world.sam(),
        channel_id: world.support.id,
        guild_id: Some(world.guild_id),
        channel: payloads::guild_channel(&world.support),
    };
    let press = payloads::button_press(&world, in_guild(1), &message, "fl:cl:1");
    let Interaction::Component(press) = parse_interaction(press) else {
        panic!("a press")
    };
    assert_eq!(press.data.custom_id, "fl:cl:1");
    assert_eq!(press.member.unwrap().roles[0].get(), world.staff_role);
    assert_eq!(
        press.message.id.get().to_string(),
        message["id"].as_str().unwrap()
    );

    let resolve = payloads::slash_command(&world, in_guild(2), 9, "resolve", &[("note", "done")]);
    let Interaction::Command(resolve) = parse_interaction(resolve) else {
        panic!("a command")
    };
    assert_eq!(
        (resolve.data.name.as_str(), resolve.data.options.len()),
        ("resolve", 1)
    );
    assert_eq!(resolve.data.options[0].value.as_str(), Some("done"));

    let dm_channel = world.dm_with(world.alice());
    let dm = InteractionSpec {
        channel_id: dm_channel.id,
        guild_id: None,
        by: world.alice(),
        channel: payloads::dm_channel(&dm_channel, world.alice()),
        ..in_guild(3)
    };
    let ask = payloads::slash_command(&world, dm, 10, "ask", &[("question", "why?")]);
    let Interaction::Command(ask) = parse_interaction(ask) else {
        panic!("a command")
    };
    assert!(ask.guild_id.is_none() && ask.member.is_none());
    assert_eq!(
        ask.channel.map(|c| c.kind),
        Some(serenity::all::ChannelType::Private)
    );
    assert_eq!(ask.user.name, "alice");
}

#[tokio::test]
#[should_panic(expected = "no call matching `POST /channels/*/messages`")]
async fn a_wait_that_runs_out_fails_with_the_record() {
    tokio::time::pause(); // the 30 s pass at once: nothing else is running
    let fake = FakeDiscord::start().await;
    fake.next_call("POST /channels/*/messages").await;
}

#[tokio::test]
#[should_panic(expected = "serenity dropped MESSAGE_CREATE")]
async fn a_reported_problem_ends_a_wait_at_once() {
    let fake = FakeDiscord::start().await;
    fake.report_problem("serenity dropped MESSAGE_CREATE (missing field `tts`)".to_owned());
    fake.next_call("POST /channels/*/messages").await;
}
