//! Every REST route the bot will use, called through serenity's own
//! builders against the fake: serenity must parse each answer (a route that
//! answers an incomplete object makes serenity report an error although the
//! call worked), and the fake must refuse what Discord refuses.

use serde_json::Value;
use serenity::all::{
    AutoArchiveDuration, ChannelId, ChannelType, Command, CommandInteraction, CommandOptionType,
    CreateCommand, CreateCommandOption, CreateForumPost, CreateInteractionResponseFollowup,
    CreateMessage, CreateThread, EditInteractionResponse, EditMessage, EditThread, EventHandler,
    GuildId, MessageFlags, MessageId, UserId,
};
use serenity::http::HttpError;

use crate::bot::start_bot;
use crate::fake::FakeDiscord;

/// A handler that does nothing: the test drives serenity's HTTP side itself.
struct Quiet;
impl EventHandler for Quiet {}

fn discord_code(result: serenity::Result<impl std::fmt::Debug>) -> isize {
    match result {
        Err(serenity::Error::Http(HttpError::UnsuccessfulRequest(response))) => response.error.code,
        other => panic!("expected Discord to refuse, got {other:?}"),
    }
}

#[tokio::test]
async fn threads_forum_posts_members_archiving_and_edits_parse_in_serenity() {
    let fake = FakeDiscord::start().await;
    let bot = start_bot(&fake, Quiet).await;
    let http = bot.http.as_ref();
    let world = fake.world().clone();
    let support = ChannelId::new(world.support.id);
    let question = fake.says(world.support.id, world.alice(), "my printer is offline");
    let question_id = MessageId::new(question["id"].as_str().unwrap().parse().unwrap());

    let create = || {
        CreateThread::new("my printer is offline")
            .auto_archive_duration(AutoArchiveDuration::OneDay)
    };
    let thread = support
        .create_thread_from_message(http, question_id, create())
        .await
        .expect("a thread");
    assert_eq!(
        thread.id.get(),
        question_id.get(),
        "Discord gives the thread the message's id"
    );
    assert_eq!(
        (thread.kind, thread.parent_id),
        (ChannelType::PublicThread, Some(support))
    );
    let again = support
        .create_thread_from_message(http, question_id, create())
        .await;
    assert_eq!(discord_code(again), 160004);

    let sam = UserId::new(world.sam().id);
    thread
        .id
        .add_thread_member(http, sam)
        .await
        .expect("member added");
    let added = fake.next_call("PUT /channels/*/thread-members/*").await;
    assert_eq!(
        added.path,
        format!("/channels/{}/thread-members/{sam}", thread.id)
    );
    assert_eq!(added.status, 204);

    let reply = thread
        .id
        .say(http, "Try turning it off and on again.")
        .await
        .expect("a reply");
    let edited = thread
        .id
        .edit_message(http, reply.id, EditMessage::new().content("Solved."))
        .await
        .expect("an edit");
    assert_eq!((edited.id, edited.content.as_str()), (reply.id, "Solved."));
    assert!(edited.edited_timestamp.is_some());

    let archived = thread
        .id
        .edit_thread(http, EditThread::new().archived(true).locked(true))
        .await
        .expect("archived");
    let meta = archived.thread_metadata.expect("thread metadata");
    assert!(meta.archived && meta.locked);
    assert_eq!(
        fake.thread(thread.id.get()).unwrap()["thread_metadata"]["archived"],
        true
    );

    let forum = ChannelId::new(world.forum.id);
    let first = CreateMessage::new().content("Welcome, we are on it.");
    let post = forum
        .create_forum_post(http, CreateForumPost::new("Printer offline", first))
        .await
        .expect("a forum post");
    assert_eq!(
        (post.parent_id, post.name.as_str()),
        (Some(forum), "Printer offline")
    );
    let call = fake.next_call("POST /channels/*/threads").await;
    assert_eq!(call.body["message"]["content"], "Welcome, we are on it.");
    assert_eq!(call.response["message"]["channel_id"], call.response["id"]);
    assert!(
        call.body["message"].get("allowed_mentions").is_none(),
        "serenity leaves the client-wide default allowed_mentions off forum posts"
    );
    for echo in [
        "THREAD_CREATE",
        "MESSAGE_UPDATE",
        "THREAD_UPDATE",
        "THREAD_CREATE",
    ] {
        fake.next_call(&format!("CLIENT /{echo}")).await; // serenity parsed Discord's echo
    }
}

#[tokio::test]
async fn a_slash_command_is_deferred_edited_and_followed_up_and_answered_once_only() {
    let fake = FakeDiscord::start().await;
    let bot = start_bot(&fake, Quiet).await;
    let http = bot.http.as_ref();
    let world = fake.world().clone();
    let sent = fake.slash(
        world.alice(),
        world.support.id,
        "ask",
        &[("question", "E1042?")],
    );
    let dispatched = fake.next_call("DISPATCH /INTERACTION_CREATE").await;
    let command: CommandInteraction = serde_json::from_value(dispatched.body).expect("a command");
    assert_eq!(command.id.get(), sent.id);

    command.defer(http).await.expect("deferred");
    let callback = fake.next_call("POST /interactions/*/*/callback").await;
    assert_eq!(
        (callback.body["type"].as_u64(), callback.status),
        (Some(5), 204)
    );

    let answer = command
        .edit_response(
            http,
            EditInteractionResponse::new().content("Quit the app everywhere."),
        )
        .await
        .expect("the edited answer");
    assert_eq!(answer.content, "Quit the app everywhere.");
    assert!(
        !answer
            .flags
            .unwrap_or_default()
            .contains(MessageFlags::LOADING)
    );

    let more = CreateInteractionResponseFollowup::new()
        .content("Only you see this.")
        .ephemeral(true);
    let follow_up = command
        .create_followup(http, more)
        .await
        .expect("a follow-up");
    assert!(
        follow_up
            .flags
            .unwrap_or_default()
            .contains(MessageFlags::EPHEMERAL)
    );

    assert_eq!(
        discord_code(command.defer(http).await),
        40060,
        "answered twice"
    );
    let edit = fake
        .next_call("PATCH /webhooks/*/*/messages/@original")
        .await;
    assert!(
        edit.body.get("allowed_mentions").is_none(),
        "serenity leaves the client-wide default allowed_mentions off EditInteractionResponse"
    );
    fake.next_call("CLIENT /MESSAGE_UPDATE").await;
    let follow_up = fake.next_call("POST /webhooks/*/*").await;
    assert_eq!(
        follow_up.body["allowed_mentions"]["parse"],
        serde_json::json!([])
    );
}

#[tokio::test]
async fn commands_are_set_globally_and_per_guild() {
    let fake = FakeDiscord::start().await;
    let bot = start_bot(&fake, Quiet).await;
    let http = bot.http.as_ref();
    let ask = CreateCommand::new("ask")
        .description("Ask the bot")
        .add_option(
            CreateCommandOption::new(CommandOptionType::String, "question", "Your question")
                .required(true),
        );
    let global = Command::set_global_commands(http, vec![ask])
        .await
        .expect("global commands");
    assert_eq!(global[0].name, "ask");
    assert_eq!(global[0].options[0].name, "question");

    let guild = GuildId::new(fake.world().guild_id);
    let staff = ["claim", "resolve"].map(|n| CreateCommand::new(n).description("Staff only"));
    let set = guild
        .set_commands(http, staff.to_vec())
        .await
        .expect("guild commands");
    let names: Vec<&str> = set.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["claim", "resolve"]);
    let call = fake
        .next_call("PUT /applications/*/guilds/*/commands")
        .await;
    assert_eq!(call.body.as_array().map(Vec::len), Some(2));
    assert!(
        call.response
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["guild_id"] != Value::Null)
    );
}

#[tokio::test]
async fn channels_dms_messages_and_typing_can_be_fetched_and_used() {
    let fake = FakeDiscord::start().await;
    let bot = start_bot(&fake, Quiet).await;
    let http = bot.http.as_ref();
    let world = fake.world().clone();
    let support = ChannelId::new(world.support.id);
    let channel = support.to_channel(http).await.expect("the support channel");
    let guild = channel.guild().expect("a guild channel");
    assert_eq!(
        (guild.name.as_str(), guild.kind),
        ("support", ChannelType::Text)
    );

    let alice = UserId::new(world.alice().id);
    let dm = alice.create_dm_channel(http).await.expect("a DM channel");
    assert_eq!(dm.recipient.id, alice);
    let fetched = dm.id.to_channel(http).await.expect("the DM channel");
    assert_eq!(fetched.private().map(|p| p.recipient.id), Some(alice));

    dm.id.broadcast_typing(http).await.expect("typing");
    let sent = dm.id.say(http, "Hi alice").await.expect("a DM");
    let again = dm.id.message(http, sent.id).await.expect("fetched");
    assert_eq!((again.content.as_str(), again.guild_id), ("Hi alice", None));
    dm.id.delete_message(http, sent.id).await.expect("deleted");
    assert_eq!(
        fake.next_call("DELETE /channels/*/messages/*").await.status,
        204
    );
}
