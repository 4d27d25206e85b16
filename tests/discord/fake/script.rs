//! What people do in the scripted world, as dispatches serenity parses: a
//! member writes in a channel, thread or DM; a customer opens a forum post;
//! someone presses a button or runs a slash command. Each returns what a test
//! needs to follow up (the message, the thread, the interaction).

use serde_json::{Value, json};

use super::payloads::{self, InteractionSpec, MessageSpec};
use super::store::InteractionState;
use super::world::{Channel, User, World};
use super::{FakeDiscord, Sent};

impl FakeDiscord {
    /// `author` writes `content` in `channel_id`: MESSAGE_CREATE. Returns the message.
    pub fn says(&self, channel_id: u64, author: &User, content: &str) -> Value {
        self.message_in(self.shared.ids.next(), channel_id, author, content)
    }

    /// `author` writes `content` in `channel_id` while the bot is not
    /// connected: Discord keeps the message, but no MESSAGE_CREATE reaches
    /// the bot. Returns the message.
    pub fn says_while_away(&self, channel_id: u64, author: &User, content: &str) -> Value {
        let id = self.shared.ids.next();
        self.message_quietly(id, channel_id, author, content, |_| {})
    }

    /// [`FakeDiscord::says_while_away`], `ago` before now (the message's id
    /// and timestamp say so).
    pub fn said_while_away(
        &self,
        channel_id: u64,
        author: &User,
        content: &str,
        ago: std::time::Duration,
    ) -> Value {
        let id = self.shared.ids.made_ago(ago);
        let then = chrono::Utc::now() - chrono::Duration::from_std(ago).unwrap();
        self.message_quietly(id, channel_id, author, content, |m| {
            m["timestamp"] = json!(then.to_rfc3339());
        })
    }

    /// `author` opens a forum post while the bot is not connected: the
    /// thread and its starter message exist, no event announces them.
    pub fn posts_in_forum_while_away(
        &self,
        author: &User,
        title: &str,
        content: &str,
    ) -> (Value, Value) {
        let forum = self.world().forum.clone();
        let thread = self.new_thread(author, &forum, title, 1, false);
        let id = thread["id"].as_str().unwrap().parse().unwrap();
        let message = self.message_quietly(id, id, author, content, |_| {});
        (thread, message)
    }

    /// The bot made a thread named `name` from `message` (in an earlier
    /// run, unannounced now): Discord refuses a second one.
    pub fn thread_was_made_from(&self, message: &Value, name: &str) {
        let id: u64 = message["id"].as_str().unwrap().parse().unwrap();
        let channel_id: u64 = message["channel_id"].as_str().unwrap().parse().unwrap();
        let parent = self.world().channel(channel_id).unwrap().clone();
        let thread = payloads::thread(id, &parent, name, self.world().bot.id, 4320);
        self.shared.store.lock().unwrap().put_thread(thread);
    }

    /// `author` writes `content` in `channel_id` with the file `filename`
    /// attached. Returns the message.
    pub fn says_with_file(
        &self,
        channel_id: u64,
        author: &User,
        content: &str,
        filename: &str,
    ) -> Value {
        let id = self.shared.ids.next();
        let url = format!("https://cdn.fake.test/attachments/{channel_id}/{id}/{filename}");
        self.message_with(id, channel_id, author, content, |m| {
            m["attachments"] = json!([{
                "id": id.to_string(),
                "filename": filename,
                "size": 1234,
                "url": url,
                "proxy_url": url,
                "content_type": "image/png",
            }]);
        })
    }

    /// Discord's own note of `kind` in `channel_id`, made by what `author`
    /// did (18: they made a thread, whose name is `content`).
    pub fn system_message(
        &self,
        channel_id: u64,
        author: &User,
        kind: u64,
        content: &str,
    ) -> Value {
        let id = self.shared.ids.next();
        self.message_with(id, channel_id, author, content, |m| {
            m["type"] = json!(kind);
        })
    }

    /// `by` presses the button `custom_id` on `message`: INTERACTION_CREATE type 3.
    pub fn press(&self, by: &User, message: &Value, custom_id: &str) -> Sent {
        self.interact_on(by, message, |world, spec| {
            payloads::button_press(world, spec, message, custom_id)
        })
    }

    /// An interaction of `by` on `message` (a component's), its payload
    /// made by `payload`, dispatched.
    fn interact_on(
        &self,
        by: &User,
        message: &Value,
        payload: impl FnOnce(&World, InteractionSpec<'_>) -> Value,
    ) -> Sent {
        let channel_id = message["channel_id"].as_str().unwrap().parse().unwrap();
        let message_id = message["id"].as_str().unwrap().parse().ok();
        let (sent, guild_id, channel) = self.new_interaction(channel_id, message_id);
        let spec = InteractionSpec {
            id: sent.id,
            token: &sent.token,
            by,
            channel_id,
            guild_id,
            channel,
        };
        let payload = payload(self.world(), spec);
        self.dispatch("INTERACTION_CREATE", payload);
        sent
    }

    /// `by` sends the form the bot showed for button `custom_id` on
    /// `message`, filled in with `fields` (`custom_id`, value):
    /// INTERACTION_CREATE type 5.
    pub fn submit_form(
        &self,
        by: &User,
        message: &Value,
        custom_id: &str,
        fields: &[(&str, &str)],
    ) -> Sent {
        self.interact_on(by, message, |world, spec| {
            payloads::modal_submit(world, spec, message, custom_id, fields)
        })
    }

    /// `by` runs `/name` with string `options` in `channel_id`: INTERACTION_CREATE type 2.
    pub fn slash(&self, by: &User, channel_id: u64, name: &str, options: &[(&str, &str)]) -> Sent {
        let options: Vec<Value> = options
            .iter()
            .map(|(n, v)| json!({"name": n, "type": 3, "value": v}))
            .collect();
        self.slash_with(by, channel_id, name, Value::Array(options))
    }

    /// `by` runs `/name sub` (a sub-command without options) in `channel_id`.
    pub fn slash_sub(&self, by: &User, channel_id: u64, name: &str, sub: &str) -> Sent {
        let options = Value::Array(vec![payloads::sub_command(sub)]);
        self.slash_with(by, channel_id, name, options)
    }

    /// `by` runs `/name sub` with string `options` in `channel_id`.
    pub fn slash_sub_with(
        &self,
        by: &User,
        channel_id: u64,
        name: &str,
        sub: &str,
        options: &[(&str, &str)],
    ) -> Sent {
        let mut sub = payloads::sub_command(sub);
        sub["options"] = options
            .iter()
            .map(|(n, v)| json!({"name": n, "type": 3, "value": v}))
            .collect();
        self.slash_with(by, channel_id, name, Value::Array(vec![sub]))
    }

    /// `by` runs `/name` with `options` as Discord sends them.
    fn slash_with(&self, by: &User, channel_id: u64, name: &str, options: Value) -> Sent {
        let (sent, guild_id, channel) = self.new_interaction(channel_id, None);
        let spec = InteractionSpec {
            id: sent.id,
            token: &sent.token,
            by,
            channel_id,
            guild_id,
            channel,
        };
        let command_id = self.shared.ids.next();
        let payload = payloads::slash_command_with(self.world(), spec, command_id, name, options);
        self.dispatch("INTERACTION_CREATE", payload);
        sent
    }

    /// Registers a new interaction in `channel_id`; returns it, the channel's
    /// guild and the channel object.
    fn new_interaction(
        &self,
        channel_id: u64,
        message_id: Option<u64>,
    ) -> (Sent, Option<u64>, Value) {
        let id = self.shared.ids.next();
        let sent = Sent {
            id,
            token: format!("fake-interaction-token-{id}"),
        };
        let channel = super::channels::channel_json(&self.shared, channel_id).unwrap_or_else(
            || json!({"id": channel_id.to_string(), "type": super::world::kind::TEXT}),
        );
        let mut store = self.shared.store.lock().unwrap();
        let guild_id = store
            .channel(self.world(), channel_id)
            .map_or(Some(self.world().guild_id), |c| c.guild_id);
        let state = InteractionState {
            id,
            channel_id,
            message_id,
            acknowledged: false,
            original: None,
        };
        store.interactions.insert(sent.token.clone(), state);
        (sent, guild_id, channel)
    }

    /// `author` opens a forum post `title` with `content` in the forum channel:
    /// THREAD_CREATE, then MESSAGE_CREATE of the starter message (whose id
    /// is the thread's). Returns the thread and the message.
    pub fn posts_in_forum(&self, author: &User, title: &str, content: &str) -> (Value, Value) {
        self.forum_post(author, title, content, true)
    }

    /// [`FakeDiscord::posts_in_forum`] without the THREAD_CREATE, as a bot
    /// sees a post whose thread it missed (it was reconnecting) or whose
    /// THREAD_CREATE it is still handling.
    pub fn posts_in_forum_unannounced(
        &self,
        author: &User,
        title: &str,
        content: &str,
    ) -> (Value, Value) {
        self.forum_post(author, title, content, false)
    }

    fn forum_post(
        &self,
        author: &User,
        title: &str,
        content: &str,
        announce: bool,
    ) -> (Value, Value) {
        let forum = self.world().forum.clone();
        let thread = self.new_thread(author, &forum, title, 1, announce);
        let id = thread["id"].as_str().unwrap().parse().unwrap();
        let message = self.message_in(id, id, author, content);
        (thread, message)
    }

    /// `author` makes a thread named `name` in the text channel `parent`
    /// (with the "create thread" button, not from a message): THREAD_CREATE.
    /// Returns the thread.
    pub fn opens_thread(&self, author: &User, parent: &Channel, name: &str) -> Value {
        self.new_thread(author, parent, name, 0, true)
    }

    /// Keeps a new thread by `author` in `parent`, with `messages` counted,
    /// and announces it unless told not to.
    fn new_thread(
        &self,
        author: &User,
        parent: &Channel,
        name: &str,
        messages: u64,
        announce: bool,
    ) -> Value {
        let id = self.shared.ids.next();
        let mut thread = payloads::thread(id, parent, name, author.id, 4320);
        thread["message_count"] = json!(messages);
        self.shared.store.lock().unwrap().put_thread(thread.clone());
        if announce {
            let mut created = thread.clone();
            created["newly_created"] = json!(true);
            self.dispatch("THREAD_CREATE", created);
        }
        thread
    }

    /// Keeps and dispatches a message `id` by `author` in `channel_id`.
    fn message_in(&self, id: u64, channel_id: u64, author: &User, content: &str) -> Value {
        self.message_with(id, channel_id, author, content, |_| {})
    }

    /// [`FakeDiscord::message_in`], with `edit` applied to the payload.
    fn message_with(
        &self,
        id: u64,
        channel_id: u64,
        author: &User,
        content: &str,
        edit: impl FnOnce(&mut Value),
    ) -> Value {
        let message = self.message_quietly(id, channel_id, author, content, edit);
        self.dispatch("MESSAGE_CREATE", message.clone());
        message
    }

    /// Keeps a message without telling the bot.
    fn message_quietly(
        &self,
        id: u64,
        channel_id: u64,
        author: &User,
        content: &str,
        edit: impl FnOnce(&mut Value),
    ) -> Value {
        let mut store = self.shared.store.lock().unwrap();
        let guild_id = store
            .channel(self.world(), channel_id)
            .map_or(Some(self.world().guild_id), |c| c.guild_id);
        let message = payloads::message(
            self.world(),
            MessageSpec {
                id,
                channel_id,
                guild_id,
                author,
                content,
                embeds: Value::Array(vec![]),
                components: Value::Array(vec![]),
            },
        );
        let mut message = message;
        edit(&mut message);
        store.put_message(message.clone());
        message
    }
}
