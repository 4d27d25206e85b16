//! The dispatches the bot will see, parsed by real serenity: a customer's
//! forum post (THREAD_CREATE, then its first message), a message in a thread,
//! a DM, and Discord's echoes of what the bot itself did. The guard fails a
//! test at once if serenity drops any of them.

use serenity::all::{
    ChannelId, Context, CreateThread, EventHandler, GuildChannel, Message, MessageId,
};
use serenity::async_trait;

use crate::bot::start_bot;
use crate::fake::FakeDiscord;

/// Notes, as replies, what serenity handed to the handler.
struct Witness(FakeDiscord);

#[async_trait]
impl EventHandler for Witness {
    async fn message(&self, ctx: Context, msg: Message) {
        if msg.author.bot {
            return;
        }
        let place = match (msg.guild_id, msg.member.as_ref()) {
            (Some(_), Some(member)) => format!("guild, {} roles", member.roles.len()),
            (None, None) => "dm".to_owned(),
            _ => "guild without member".to_owned(),
        };
        let text = format!("{} in {} ({place})", msg.author.name, msg.channel_id);
        if let Err(e) = msg.channel_id.say(&ctx.http, text).await {
            self.0.report_problem(format!("reply failed: {e}"));
        }
    }

    async fn thread_create(&self, ctx: Context, thread: GuildChannel) {
        let parent = thread.parent_id.map_or(0, |p| p.get());
        let text = format!("new thread {} in {parent}", thread.name);
        if let Err(e) = thread.id.say(&ctx.http, text).await {
            self.0.report_problem(format!("thread reply failed: {e}"));
        }
    }
}

#[tokio::test]
async fn a_forum_post_arrives_as_a_new_thread_then_its_first_message() {
    let fake = FakeDiscord::start().await;
    let _bot = start_bot(&fake, Witness(fake.clone())).await;
    let world = fake.world().clone();
    let (thread, first) = fake.posts_in_forum(world.alice(), "Sync stops", "E1042 again");
    assert_eq!(
        thread["id"], first["id"],
        "a post's first message has the thread's id"
    );
    let thread_id = thread["id"].as_str().unwrap();

    let noticed = fake
        .next_call(&format!("POST /channels/{thread_id}/messages"))
        .await;
    let answered = fake
        .next_call(&format!("POST /channels/{thread_id}/messages"))
        .await;
    let mut texts = [
        noticed.body["content"].clone(),
        answered.body["content"].clone(),
    ];
    texts.sort_by_key(|t| t.to_string());
    assert_eq!(
        texts,
        [
            format!("alice in {thread_id} (guild, 0 roles)"),
            format!("new thread Sync stops in {}", world.forum.id),
        ]
    );
}

#[tokio::test]
async fn thread_messages_carry_the_member_and_dms_carry_none() {
    let fake = FakeDiscord::start().await;
    let bot = start_bot(&fake, Witness(fake.clone())).await;
    let world = fake.world().clone();
    let question = fake.says(world.support.id, world.alice(), "help");
    fake.next_call("POST /channels/*/messages").await;
    let question_id = MessageId::new(question["id"].as_str().unwrap().parse().unwrap());
    let thread = ChannelId::new(world.support.id)
        .create_thread_from_message(&bot.http, question_id, CreateThread::new("help"))
        .await
        .expect("a thread");
    fake.next_call("CLIENT /THREAD_CREATE").await;
    fake.next_call(&format!("POST /channels/{}/messages", thread.id))
        .await;

    fake.says(thread.id.get(), world.sam(), "I am on it");
    let staff = fake
        .next_call(&format!("POST /channels/{}/messages", thread.id))
        .await;
    assert_eq!(
        staff.body["content"],
        format!("sam in {} (guild, 1 roles)", thread.id)
    );

    let dm = world.dm_with(world.alice());
    fake.says(dm.id, world.alice(), "psst");
    let private = fake
        .next_call(&format!("POST /channels/{}/messages", dm.id))
        .await;
    assert_eq!(private.body["content"], format!("alice in {} (dm)", dm.id));
}

#[tokio::test]
async fn the_bots_own_messages_come_back_and_are_parsed_but_not_answered() {
    let fake = FakeDiscord::start().await;
    let _bot = start_bot(&fake, Witness(fake.clone())).await;
    let world = fake.world().clone();
    fake.says(world.support.id, world.alice(), "hello");
    let reply = fake.next_call("POST /channels/*/messages").await;
    let echo = fake.next_call("DISPATCH /MESSAGE_CREATE").await;
    assert_eq!(echo.body["content"], "hello");
    let echo = fake.next_call("DISPATCH /MESSAGE_CREATE").await;
    assert_eq!(echo.body["id"], reply.response["id"]);
    assert_eq!(echo.body["author"]["bot"], true);
    fake.next_call("CLIENT /MESSAGE_CREATE").await;
    fake.next_call("CLIENT /MESSAGE_CREATE").await;
    fake.says(world.support.id, world.alice(), "again");
    let next = fake.next_call("POST /channels/*/messages").await;
    assert!(
        next.body["content"]
            .as_str()
            .unwrap()
            .starts_with("alice in")
    );
    fake.assert_no_more("POST /channels/*/messages");
}
