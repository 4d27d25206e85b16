//! Channel routes: get a channel, open a DM, list (newest first, `after`
//! an id, at most `limit`), get, create, edit and delete a message, the
//! active threads and the members of the guild, the typing indicator, start a thread from a message,
//! create a forum post (or a thread without a message), add a thread member,
//! and modify a channel (archive or lock a thread). Answers carry complete
//! objects, a create with `enforce_nonce` and a nonce seen before returns the
//! message made then, and the errors Discord gives for unknown channels and messages
//! and for a second thread on one message.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::Shared;
use super::payloads;
use super::rest::{Reply, error, no_content, ok, reply};
use super::world::kind;

/// The JSON of a request body, `Null` when empty.
pub fn json_body(bytes: &Bytes) -> Value {
    serde_json::from_slice(bytes).unwrap_or(Value::Null)
}

fn unknown_channel() -> Reply {
    error(StatusCode::NOT_FOUND, 10003, "Unknown Channel")
}

fn unknown_message() -> Reply {
    error(StatusCode::NOT_FOUND, 10008, "Unknown Message")
}

/// The query of `GET /channels/{c}/messages`.
#[derive(Debug, serde::Deserialize)]
pub struct ListQuery {
    after: Option<u64>,
    before: Option<u64>,
    limit: Option<usize>,
}

/// `GET /channels/{c}/messages`: like Discord, newest first, at most
/// `limit` (50 by default, 100 at most), only those after `after` (the
/// oldest of them) or before `before`.
pub async fn list_messages(
    State(shared): State<Arc<Shared>>,
    Path(c): Path<u64>,
    Query(query): Query<ListQuery>,
) -> Response {
    let store = shared.store.lock().unwrap();
    if store.channel(&shared.world, c).is_none() {
        return reply(unknown_channel());
    }
    let limit = query.limit.unwrap_or(50).clamp(1, 100);
    let id_of = |m: &Value| m["id"].as_str().and_then(|s| s.parse::<u64>().ok());
    let mut found: Vec<Value> = store
        .messages_in(c)
        .into_iter()
        .filter(|m| {
            let id = id_of(m).unwrap_or(0);
            query.after.is_none_or(|a| id > a) && query.before.is_none_or(|b| id < b)
        })
        .collect();
    // `messages_in` is oldest first: `after` keeps the oldest, else the newest.
    if query.after.is_some() {
        found.truncate(limit);
    } else {
        let skip = found.len().saturating_sub(limit);
        found.drain(..skip);
    }
    found.reverse();
    // Discord's message list carries neither the guild nor the author's
    // membership (MESSAGE_CREATE does).
    for m in &mut found {
        if let Some(m) = m.as_object_mut() {
            m.remove("guild_id");
            m.remove("member");
        }
    }
    reply(ok(Value::Array(found)))
}

/// `GET /guilds/{g}/members/{u}`: a member of the scripted guild, with roles.
pub async fn guild_member(
    State(shared): State<Arc<Shared>>,
    Path((_g, u)): Path<(u64, u64)>,
) -> Response {
    match shared.world.user(u) {
        Some(user) => reply(ok(payloads::member(user, true))),
        None => reply(error(StatusCode::NOT_FOUND, 10007, "Unknown Member")),
    }
}

/// `GET /guilds/{g}/threads/active`: every thread the fake knows that is
/// not archived.
pub async fn active_threads(State(shared): State<Arc<Shared>>, Path(_g): Path<u64>) -> Response {
    let store = shared.store.lock().unwrap();
    let threads: Vec<Value> = store
        .threads()
        .filter(|t| t["thread_metadata"]["archived"] != true)
        .cloned()
        .collect();
    reply(ok(json!({"threads": threads, "members": []})))
}

/// `POST /channels/{c}/messages`
pub async fn create_message(
    State(shared): State<Arc<Shared>>,
    Path(c): Path<u64>,
    bytes: Bytes,
) -> Response {
    let body = json_body(&bytes);
    let mut store = shared.store.lock().unwrap();
    let Some(channel) = store.channel(&shared.world, c) else {
        return reply(unknown_channel());
    };
    if channel.kind == kind::FORUM {
        return reply(error(
            StatusCode::BAD_REQUEST,
            50008,
            "Cannot send messages in a non-text channel",
        ));
    }
    // Like Discord: the same author (here always the bot) sending the same
    // nonce with `enforce_nonce` gets the message made the first time.
    let nonce = (body["enforce_nonce"] == true)
        .then(|| {
            body.get("nonce")
                .filter(|n| !n.is_null())
                .map(Value::to_string)
        })
        .flatten();
    if let Some(made) = nonce.as_deref().and_then(|n| store.message_with_nonce(n)) {
        return reply(ok(made.clone()));
    }
    let id = shared.ids.next();
    let message = store.bot_message(&shared.world, id, &channel, &body);
    if let Some(nonce) = nonce {
        store.remember_nonce(nonce, id);
    }
    shared.echo_message("MESSAGE_CREATE", &message);
    reply(ok(message))
}

/// `PATCH /channels/{c}/messages/{m}`
pub async fn edit_message(
    State(shared): State<Arc<Shared>>,
    Path((c, m)): Path<(u64, u64)>,
    bytes: Bytes,
) -> Response {
    let body = json_body(&bytes);
    let mut store = shared.store.lock().unwrap();
    let in_channel = store
        .message(m)
        .is_some_and(|msg| msg["channel_id"] == c.to_string().as_str());
    if !in_channel {
        return reply(unknown_message());
    }
    let message = store.edit_message(m, &body).unwrap();
    shared.echo_message("MESSAGE_UPDATE", &message);
    reply(ok(message))
}

/// `POST /channels/{c}/messages/{m}/threads`: the thread gets the message's id.
pub async fn thread_from_message(
    State(shared): State<Arc<Shared>>,
    Path((c, m)): Path<(u64, u64)>,
    bytes: Bytes,
) -> Response {
    let body = json_body(&bytes);
    let mut store = shared.store.lock().unwrap();
    let Some(parent) = store.channel(&shared.world, c) else {
        return reply(unknown_channel());
    };
    let Some(owner) = store.message(m).map(|_| shared.world.bot.id) else {
        return reply(unknown_message());
    };
    if store.thread(m).is_some() {
        return reply(error(
            StatusCode::BAD_REQUEST,
            160004,
            "A thread has already been created for this message",
        ));
    }
    let name = body["name"].as_str().unwrap_or_default();
    let minutes = body["auto_archive_duration"].as_u64().unwrap_or(4320);
    let thread = payloads::thread(m, &parent, name, owner, minutes);
    store.put_thread(thread.clone());
    shared.echo_thread("THREAD_CREATE", &thread);
    reply(ok(thread))
}

/// `POST /channels/{c}/threads`: a forum post (with its first message) in a
/// forum channel, a thread without a message elsewhere.
pub async fn thread_or_forum_post(
    State(shared): State<Arc<Shared>>,
    Path(c): Path<u64>,
    bytes: Bytes,
) -> Response {
    let body = json_body(&bytes);
    let mut store = shared.store.lock().unwrap();
    let Some(parent) = store.channel(&shared.world, c) else {
        return reply(unknown_channel());
    };
    let id = shared.ids.next();
    let name = body["name"].as_str().unwrap_or_default();
    let minutes = body["auto_archive_duration"].as_u64().unwrap_or(4320);
    let mut thread = payloads::thread(id, &parent, name, shared.world.bot.id, minutes);
    if parent.kind == kind::FORUM {
        let Some(first) = body.get("message") else {
            return reply(error(StatusCode::BAD_REQUEST, 50035, "Invalid Form Body"));
        };
        thread["applied_tags"] = body.get("applied_tags").cloned().unwrap_or(json!([]));
        store.put_thread(thread.clone());
        let inside = store.channel(&shared.world, id).unwrap();
        let starter = store.bot_message(&shared.world, id, &inside, first);
        thread["message_count"] = json!(1);
        shared.echo_thread("THREAD_CREATE", &thread);
        shared.echo_message("MESSAGE_CREATE", &starter);
        thread["message"] = starter;
    } else {
        thread["type"] = body.get("type").cloned().unwrap_or(json!(12));
        store.put_thread(thread.clone());
        shared.echo_thread("THREAD_CREATE", &thread);
    }
    reply(ok(thread))
}

/// `PUT /channels/{thread}/thread-members/{user}`
pub async fn add_thread_member(
    State(shared): State<Arc<Shared>>,
    Path((thread, user)): Path<(u64, u64)>,
) -> Response {
    let store = shared.store.lock().unwrap();
    if store.thread(thread).is_none() {
        let dm = store
            .channel(&shared.world, thread)
            .is_some_and(|c| c.kind == kind::DM);
        return reply(if dm {
            error(
                StatusCode::FORBIDDEN,
                50003,
                "Cannot execute action on a DM channel",
            )
        } else {
            unknown_channel()
        });
    }
    if shared.world.user(user).is_none() {
        return reply(error(StatusCode::NOT_FOUND, 10013, "Unknown User"));
    }
    reply(no_content())
}

/// `PATCH /channels/{c}`: for a thread, `archived`, `locked` and `name`; a
/// DM cannot be changed.
pub async fn modify(
    State(shared): State<Arc<Shared>>,
    Path(c): Path<u64>,
    bytes: Bytes,
) -> Response {
    let body = json_body(&bytes);
    let mut store = shared.store.lock().unwrap();
    if let Some(thread) = store.thread_mut(c) {
        for field in ["archived", "locked"] {
            if let Some(v) = body.get(field).and_then(Value::as_bool) {
                thread["thread_metadata"][field] = json!(v);
            }
        }
        if let Some(name) = body.get("name").and_then(Value::as_str) {
            thread["name"] = json!(name);
        }
        thread["thread_metadata"]["archive_timestamp"] = json!(payloads::now());
        let thread = thread.clone();
        shared.echo_thread("THREAD_UPDATE", &thread);
        return reply(ok(thread));
    }
    match store.channel(&shared.world, c) {
        Some(channel) if channel.kind == kind::DM => reply(error(
            StatusCode::FORBIDDEN,
            50003,
            "Cannot execute action on a DM channel",
        )),
        Some(channel) => reply(ok(payloads::guild_channel(&channel))),
        None => reply(unknown_channel()),
    }
}

/// The channel object for `c`: a thread, a guild channel or a DM.
pub fn channel_json(shared: &Shared, c: u64) -> Option<Value> {
    let store = shared.store.lock().unwrap();
    if let Some(thread) = store.thread(c) {
        return Some(thread.clone());
    }
    let channel = store.channel(&shared.world, c)?;
    match channel.kind {
        kind::DM => {
            let with = shared.world.user(c - 500_000)?;
            Some(payloads::dm_channel(&channel, with))
        }
        _ => Some(payloads::guild_channel(&channel)),
    }
}

/// `GET /channels/{c}`
pub async fn get_channel(State(shared): State<Arc<Shared>>, Path(c): Path<u64>) -> Response {
    reply(channel_json(&shared, c).map_or_else(unknown_channel, ok))
}

/// `POST /users/@me/channels`: the DM channel with `recipient_id`.
pub async fn open_dm(State(shared): State<Arc<Shared>>, bytes: Bytes) -> Response {
    let body = json_body(&bytes);
    let recipient = body["recipient_id"]
        .as_str()
        .map(str::to_owned)
        .or_else(|| body["recipient_id"].as_u64().map(|n| n.to_string()));
    let user = recipient.and_then(|r| shared.world.user(r.parse().ok()?).cloned());
    match user {
        Some(user) => reply(ok(payloads::dm_channel(
            &shared.world.dm_with(&user),
            &user,
        ))),
        None => reply(error(StatusCode::NOT_FOUND, 10013, "Unknown User")),
    }
}

/// `GET /channels/{c}/messages/{m}`
pub async fn get_message(
    State(shared): State<Arc<Shared>>,
    Path((c, m)): Path<(u64, u64)>,
) -> Response {
    let store = shared.store.lock().unwrap();
    match store
        .message(m)
        .filter(|msg| msg["channel_id"] == c.to_string().as_str())
    {
        Some(message) => reply(ok(message.clone())),
        None => reply(unknown_message()),
    }
}

/// `DELETE /channels/{c}/messages/{m}` (the message is kept for inspection).
pub async fn delete_message(
    State(shared): State<Arc<Shared>>,
    Path((c, m)): Path<(u64, u64)>,
) -> Response {
    let store = shared.store.lock().unwrap();
    match store
        .message(m)
        .filter(|msg| msg["channel_id"] == c.to_string().as_str())
    {
        Some(_) => reply(no_content()),
        None => reply(unknown_message()),
    }
}

/// `POST /channels/{c}/typing`
pub async fn typing(State(shared): State<Arc<Shared>>, Path(c): Path<u64>) -> Response {
    let known = shared
        .store
        .lock()
        .unwrap()
        .channel(&shared.world, c)
        .is_some();
    reply(if known {
        no_content()
    } else {
        unknown_channel()
    })
}
