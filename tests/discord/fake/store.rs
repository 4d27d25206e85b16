//! What the fake Discord remembers between calls: messages (so an edit
//! returns the whole edited message), threads, and interactions (so a
//! callback to an unknown or already answered interaction fails as on
//! Discord, and `@original` means the right message).

use std::collections::HashMap;

use serde_json::{Value, json};

use super::payloads;
use super::world::{Channel, World, kind};

/// An interaction the fake sent, and what became of it.
#[derive(Debug, Clone)]
pub struct InteractionState {
    /// Interaction id.
    pub id: u64,
    /// Where it happened.
    pub channel_id: u64,
    /// The message a pressed button is on.
    pub message_id: Option<u64>,
    /// Whether the callback was made.
    pub acknowledged: bool,
    /// The message `@original` stands for, once there is one.
    pub original: Option<u64>,
}

/// Messages, threads and interactions.
#[derive(Default)]
pub struct Store {
    messages: HashMap<u64, Value>,
    threads: HashMap<u64, Value>,
    /// Interactions by token.
    pub interactions: HashMap<String, InteractionState>,
    /// The bot's messages by the nonce they were created with (as JSON text).
    nonces: HashMap<String, u64>,
}

impl Store {
    /// Where channel `id` is: the world's channels, threads made so far, DMs
    /// with the world's users. `None` for a channel Discord would not know.
    pub fn channel(&self, world: &World, id: u64) -> Option<Channel> {
        if let Some(c) = world.channel(id) {
            return Some(c.clone());
        }
        if let Some(t) = self.threads.get(&id) {
            return Some(Channel {
                id,
                name: t["name"].as_str().unwrap_or_default().to_owned(),
                kind: kind::PUBLIC_THREAD,
                guild_id: t["guild_id"].as_str().and_then(|g| g.parse().ok()),
            });
        }
        let dm_user = id.checked_sub(500_000).and_then(|u| world.user(u))?;
        Some(world.dm_with(dm_user))
    }

    /// The thread with `id`.
    pub fn thread(&self, id: u64) -> Option<&Value> {
        self.threads.get(&id)
    }

    /// Keeps a thread.
    pub fn put_thread(&mut self, thread: Value) {
        let id = thread["id"].as_str().and_then(|s| s.parse().ok()).unwrap();
        self.threads.insert(id, thread);
    }

    /// Every thread made so far.
    pub fn threads(&self) -> impl Iterator<Item = &Value> {
        self.threads.values()
    }

    /// Changes a thread in place.
    pub fn thread_mut(&mut self, id: u64) -> Option<&mut Value> {
        self.threads.get_mut(&id)
    }

    /// The message with `id`.
    pub fn message(&self, id: u64) -> Option<&Value> {
        self.messages.get(&id)
    }

    /// The messages in channel `id`, oldest first.
    pub fn messages_in(&self, id: u64) -> Vec<Value> {
        let channel = id.to_string();
        let mut found: Vec<(u64, &Value)> = self
            .messages
            .iter()
            .filter(|(_, m)| m["channel_id"] == channel.as_str())
            .map(|(id, m)| (*id, m))
            .collect();
        found.sort_by_key(|(id, _)| *id);
        found.into_iter().map(|(_, m)| m.clone()).collect()
    }

    /// The bot's message created with `nonce` (JSON text), if any.
    pub fn message_with_nonce(&self, nonce: &str) -> Option<&Value> {
        self.messages.get(self.nonces.get(nonce)?)
    }

    /// Remembers that message `id` was created with `nonce` (JSON text).
    pub fn remember_nonce(&mut self, nonce: String, id: u64) {
        self.nonces.insert(nonce, id);
    }

    /// Keeps a message (replacing one with the same id).
    pub fn put_message(&mut self, message: Value) {
        let id = message["id"].as_str().and_then(|s| s.parse().ok()).unwrap();
        self.messages.insert(id, message);
    }

    /// A new message by the bot from a create-message `body`, kept and returned.
    pub fn bot_message(
        &mut self,
        world: &World,
        id: u64,
        channel: &Channel,
        body: &Value,
    ) -> Value {
        let mut m = payloads::message(
            world,
            payloads::MessageSpec {
                id,
                channel_id: channel.id,
                guild_id: channel.guild_id,
                author: &world.bot,
                content: body["content"].as_str().unwrap_or_default(),
                embeds: body.get("embeds").cloned().unwrap_or(json!([])),
                components: body.get("components").cloned().unwrap_or(json!([])),
            },
        );
        m.as_object_mut().unwrap().remove("member");
        if let Some(nonce) = body.get("nonce").filter(|n| !n.is_null()) {
            m["nonce"] = nonce.clone();
        }
        if let Some(flags) = body.get("flags").and_then(Value::as_u64) {
            m["flags"] = json!(flags);
        }
        if let Some(reference) = body.get("message_reference") {
            m["type"] = json!(19);
            m["message_reference"] = reference.clone();
        }
        self.put_message(m.clone());
        m
    }

    /// Applies an edit `body` (content, embeds, components, flags) to message `id`.
    pub fn edit_message(&mut self, id: u64, body: &Value) -> Option<Value> {
        let m = self.messages.get_mut(&id)?;
        for field in ["content", "components", "flags"] {
            if let Some(v) = body.get(field).filter(|v| !v.is_null()) {
                m[field] = v.clone();
            }
        }
        if let Some(embeds) = body.get("embeds").filter(|v| v.is_array()) {
            let mut embeds = embeds.clone();
            for e in embeds.as_array_mut().unwrap() {
                e["type"] = json!("rich");
            }
            m["embeds"] = embeds;
        }
        m["edited_timestamp"] = json!(payloads::now());
        Some(m.clone())
    }
}
