//! JSON as Discord sends it: users, members, messages, threads, and the
//! interactions of a button press (type 3, with the whole message) and a
//! slash command (type 2). Every object carries every field serenity
//! requires (see DISCORD.md), because serenity silently drops a dispatch it
//! cannot parse. Ids are strings, as Discord sends them.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Value, json};
use serenity::model::Timestamp;

use super::world::{Channel, User, World, kind};

/// Now, as Discord writes timestamps.
pub fn now() -> String {
    Timestamp::now().to_string()
}

/// A user object.
pub fn user(u: &User) -> Value {
    json!({
        "id": u.id.to_string(),
        "username": u.name,
        "global_name": u.name,
        "discriminator": "0",
        "avatar": null,
        "bot": u.bot,
        "system": false,
        "public_flags": 0,
    })
}

/// A guild member object; interactions carry the user inside, messages do not.
pub fn member(u: &User, with_user: bool) -> Value {
    let mut m = json!({
        "roles": u.roles.iter().map(u64::to_string).collect::<Vec<_>>(),
        "nick": null,
        "avatar": null,
        "joined_at": "2024-01-01T00:00:00.000000+00:00",
        "premium_since": null,
        "deaf": false,
        "mute": false,
        "flags": 0,
        "pending": false,
        "communication_disabled_until": null,
    });
    if with_user {
        m["user"] = user(u);
        m["permissions"] = json!("2248473465835073");
    }
    m
}

static USER_MENTION: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"<@!?(\d+)>").unwrap());
static ROLE_MENTION: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"<@&(\d+)>").unwrap());

/// What a message is made of.
pub struct MessageSpec<'a> {
    /// The message id.
    pub id: u64,
    /// Where it is (a channel or thread id).
    pub channel_id: u64,
    /// The guild, `None` in a DM.
    pub guild_id: Option<u64>,
    /// Who wrote it.
    pub author: &'a User,
    /// The text.
    pub content: &'a str,
    /// Embeds, as an array.
    pub embeds: Value,
    /// Components (action rows), as an array.
    pub components: Value,
}

/// A complete message object; mentions in `content` are resolved against `world`.
pub fn message(world: &World, spec: MessageSpec<'_>) -> Value {
    let mentions: Vec<Value> = USER_MENTION
        .captures_iter(spec.content)
        .filter_map(|c| world.user(c[1].parse().ok()?))
        .map(user)
        .collect();
    let mention_roles: Vec<&str> = ROLE_MENTION
        .captures_iter(spec.content)
        .map(|c| c.get(1).unwrap().as_str())
        .collect();
    let everyone = spec.content.contains("@everyone") || spec.content.contains("@here");
    let mut m = json!({
        "id": spec.id.to_string(),
        "channel_id": spec.channel_id.to_string(),
        "author": user(spec.author),
        "content": spec.content,
        "timestamp": now(),
        "edited_timestamp": null,
        "tts": false,
        "mention_everyone": everyone,
        "mentions": mentions,
        "mention_roles": mention_roles,
        "mention_channels": [],
        "attachments": [],
        "embeds": rich(spec.embeds),
        "reactions": [],
        "pinned": false,
        "type": 0,
        "flags": 0,
        "components": spec.components,
    });
    if let Some(guild) = spec.guild_id {
        m["guild_id"] = json!(guild.to_string());
        m["member"] = member(spec.author, false);
    }
    if spec.author.bot {
        m["application_id"] = json!(spec.author.id.to_string());
    }
    m
}

/// Embeds as Discord returns them: each with its `type`.
fn rich(embeds: Value) -> Value {
    match embeds {
        Value::Array(list) => Value::Array(
            list.into_iter()
                .map(|mut e| {
                    e["type"] = json!("rich");
                    e
                })
                .collect(),
        ),
        _ => json!([]),
    }
}

/// A guild channel object.
pub fn guild_channel(c: &Channel) -> Value {
    json!({
        "id": c.id.to_string(),
        "type": c.kind,
        "guild_id": c.guild_id.map(|g| g.to_string()),
        "name": c.name,
        "position": 0,
        "permission_overwrites": [],
        "parent_id": null,
        "nsfw": false,
        "topic": null,
        "last_message_id": null,
        "rate_limit_per_user": 0,
        "flags": 0,
    })
}

/// The DM channel between the bot and `with`.
pub fn dm_channel(c: &Channel, with: &User) -> Value {
    json!({
        "id": c.id.to_string(),
        "type": kind::DM,
        "last_message_id": null,
        "recipients": [user(with)],
    })
}

/// A public thread in `parent`, started by `owner`.
pub fn thread(id: u64, parent: &Channel, name: &str, owner: u64, archive_minutes: u64) -> Value {
    json!({
        "id": id.to_string(),
        "type": kind::PUBLIC_THREAD,
        "guild_id": parent.guild_id.map(|g| g.to_string()),
        "parent_id": parent.id.to_string(),
        "owner_id": owner.to_string(),
        "name": name,
        "last_message_id": null,
        "message_count": 0,
        "member_count": 1,
        "rate_limit_per_user": 0,
        "flags": 0,
        "total_message_sent": 0,
        "applied_tags": [],
        "thread_metadata": {
            "archived": false,
            "auto_archive_duration": archive_minutes,
            "archive_timestamp": now(),
            "locked": false,
            "create_timestamp": now(),
        },
        "member": {
            "id": id.to_string(),
            "user_id": owner.to_string(),
            "join_timestamp": now(),
            "flags": 1,
        },
    })
}

/// What an interaction is made of.
pub struct InteractionSpec<'a> {
    /// Interaction id.
    pub id: u64,
    /// Interaction token.
    pub token: &'a str,
    /// Who acted.
    pub by: &'a User,
    /// Where (a channel or thread id).
    pub channel_id: u64,
    /// The guild, `None` in a DM.
    pub guild_id: Option<u64>,
    /// The channel (or thread, or DM) object, as the fake holds it.
    pub channel: Value,
}

/// The partial channel an interaction carries: the channel object with the
/// permissions the bot has there.
fn interaction_channel(channel: &Value) -> Value {
    let mut c = channel.clone();
    if let Some(c) = c.as_object_mut() {
        c.remove("member");
        c.remove("recipients");
        c.insert("permissions".to_owned(), json!("2248473465835073"));
    }
    c
}

fn interaction(world: &World, spec: &InteractionSpec<'_>, kind: u8, data: Value) -> Value {
    let mut i = json!({
        "id": spec.id.to_string(),
        "application_id": world.application_id.to_string(),
        "type": kind,
        "data": data,
        "channel_id": spec.channel_id.to_string(),
        "channel": interaction_channel(&spec.channel),
        "token": spec.token,
        "version": 1,
        "app_permissions": "2248473465835073",
        "locale": "en-US",
        "entitlements": [],
        "attachment_size_limit": 10_485_760,
    });
    match spec.guild_id {
        Some(guild) => {
            i["guild_id"] = json!(guild.to_string());
            i["guild_locale"] = json!("en-US");
            i["member"] = member(spec.by, true);
            i["authorizing_integration_owners"] = json!({"0": guild.to_string()});
            i["context"] = json!(0);
        }
        None => {
            i["user"] = user(spec.by);
            i["context"] = json!(1);
        }
    }
    i
}

/// A button press (type 3) on `message`, which is included whole.
pub fn button_press(
    world: &World,
    spec: InteractionSpec<'_>,
    message: &Value,
    custom_id: &str,
) -> Value {
    let mut i = interaction(
        world,
        &spec,
        3,
        json!({"custom_id": custom_id, "component_type": 2}),
    );
    i["message"] = message.clone();
    i
}

/// A form (modal) submitted (type 5) from a button on `message`: one text
/// field per `(custom_id, value)`, each in its own row, as Discord sends it.
pub fn modal_submit(
    world: &World,
    spec: InteractionSpec<'_>,
    message: &Value,
    custom_id: &str,
    fields: &[(&str, &str)],
) -> Value {
    let rows: Vec<Value> = fields
        .iter()
        .map(|(id, value)| {
            json!({"type": 1, "components": [{"type": 4, "custom_id": id, "value": value}]})
        })
        .collect();
    let mut i = interaction(
        world,
        &spec,
        5,
        json!({"custom_id": custom_id, "components": rows}),
    );
    i["message"] = message.clone();
    i
}

/// A slash command (type 2) with string `options` (name, value).
pub fn slash_command(
    world: &World,
    spec: InteractionSpec<'_>,
    command_id: u64,
    name: &str,
    options: &[(&str, &str)],
) -> Value {
    let options: Vec<Value> = options
        .iter()
        .map(|(n, v)| json!({"name": n, "type": 3, "value": v}))
        .collect();
    slash_command_with(world, spec, command_id, name, Value::Array(options))
}

/// A sub-command option (`/faq check`): type 1, without options of its own.
pub fn sub_command(name: &str) -> Value {
    json!({"name": name, "type": 1, "options": []})
}

/// A slash command (type 2) with `options` as Discord sends them.
pub fn slash_command_with(
    world: &World,
    spec: InteractionSpec<'_>,
    command_id: u64,
    name: &str,
    options: Value,
) -> Value {
    let mut data = json!({
        "id": command_id.to_string(),
        "name": name,
        "type": 1,
        "options": options,
    });
    if let Some(guild) = spec.guild_id {
        data["guild_id"] = json!(guild.to_string());
    }
    interaction(world, &spec, 2, data)
}
