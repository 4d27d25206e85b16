//! Interaction routes: the callback (each interaction answered once; defer,
//! deferred update, message, update message), the interaction webhook
//! (`@original` and follow-ups), and setting the application's commands.
//! As on Discord, a callback to an unknown interaction is 404, a second
//! callback is 400, and follow-ups need the interaction answered first.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::Shared;
use super::channels::json_body;
use super::rest::{Reply, error, no_content, ok, reply};
use super::store::Store;
use super::world::{Channel, kind};

/// The `LOADING` message flag of a deferred response.
const LOADING: u64 = 128;

fn unknown_webhook() -> Reply {
    error(StatusCode::NOT_FOUND, 10015, "Unknown Webhook")
}

fn invalid_body() -> Reply {
    error(StatusCode::BAD_REQUEST, 50035, "Invalid Form Body")
}

/// `POST /interactions/{id}/{token}/callback`
pub async fn callback(
    State(shared): State<Arc<Shared>>,
    Path((id, token)): Path<(u64, String)>,
    bytes: Bytes,
) -> Response {
    let body = json_body(&bytes);
    let mut store = shared.store.lock().unwrap();
    let Some(state) = store
        .interactions
        .get(&token)
        .filter(|s| s.id == id)
        .cloned()
    else {
        return reply(error(StatusCode::NOT_FOUND, 10062, "Unknown interaction"));
    };
    if state.acknowledged {
        return reply(error(
            StatusCode::BAD_REQUEST,
            40060,
            "Interaction has already been acknowledged.",
        ));
    }
    let data = body.get("data").cloned().unwrap_or(json!({}));
    let original = match body["type"].as_u64() {
        Some(1 | 9) => None,
        Some(4) => Some(new_message(&shared, &mut store, state.channel_id, &data, 0)),
        Some(5) => Some(new_message(
            &shared,
            &mut store,
            state.channel_id,
            &data,
            LOADING,
        )),
        Some(6) if state.message_id.is_some() => state.message_id,
        Some(7) if state.message_id.is_some() => {
            let updated = store.edit_message(state.message_id.unwrap(), &data);
            updated.inspect(|m| shared.echo_message("MESSAGE_UPDATE", m));
            state.message_id
        }
        _ => return reply(invalid_body()),
    };
    let entry = store.interactions.get_mut(&token).unwrap();
    entry.acknowledged = true;
    entry.original = original;
    reply(no_content())
}

fn channel_or_guess(shared: &Shared, store: &Store, id: u64) -> Channel {
    store.channel(&shared.world, id).unwrap_or(Channel {
        id,
        name: String::new(),
        kind: kind::TEXT,
        guild_id: Some(shared.world.guild_id),
    })
}

fn new_message(shared: &Shared, store: &mut Store, channel: u64, data: &Value, flags: u64) -> u64 {
    let channel = channel_or_guess(shared, store, channel);
    let id = shared.ids.next();
    let mut body = data.clone();
    body["flags"] = json!(data["flags"].as_u64().unwrap_or(0) | flags);
    let message = store.bot_message(&shared.world, id, &channel, &body);
    shared.echo_message("MESSAGE_CREATE", &message);
    id
}

/// The interaction behind webhook `app`/`token`, if both are right.
fn webhook<'s>(
    shared: &Shared,
    store: &'s Store,
    app: u64,
    token: &str,
) -> Option<&'s super::store::InteractionState> {
    (app == shared.world.application_id).then_some(())?;
    store.interactions.get(token)
}

/// `PATCH /webhooks/{app}/{token}/messages/{m}` (`m` may be `@original`).
pub async fn edit_webhook_message(
    State(shared): State<Arc<Shared>>,
    Path((app, token, m)): Path<(u64, String, String)>,
    bytes: Bytes,
) -> Response {
    let mut body = json_body(&bytes);
    let mut store = shared.store.lock().unwrap();
    let Some(state) = webhook(&shared, &store, app, &token) else {
        return reply(unknown_webhook());
    };
    let target = if m == "@original" {
        state.original
    } else {
        m.parse().ok()
    };
    let Some(target) = target.filter(|t| store.message(*t).is_some()) else {
        return reply(error(StatusCode::NOT_FOUND, 10008, "Unknown Message"));
    };
    let flags = store.message(target).unwrap()["flags"]
        .as_u64()
        .unwrap_or(0);
    body["flags"] = json!(flags & !LOADING);
    let message = store.edit_message(target, &body).unwrap();
    shared.echo_message("MESSAGE_UPDATE", &message);
    reply(ok(message))
}

/// `GET /webhooks/{app}/{token}/messages/{m}`
pub async fn get_webhook_message(
    State(shared): State<Arc<Shared>>,
    Path((app, token, m)): Path<(u64, String, String)>,
) -> Response {
    let store = shared.store.lock().unwrap();
    let Some(state) = webhook(&shared, &store, app, &token) else {
        return reply(unknown_webhook());
    };
    let target = if m == "@original" {
        state.original
    } else {
        m.parse().ok()
    };
    match target.and_then(|t| store.message(t)) {
        Some(message) => reply(ok(message.clone())),
        None => reply(error(StatusCode::NOT_FOUND, 10008, "Unknown Message")),
    }
}

/// `DELETE /webhooks/{app}/{token}/messages/{m}`
pub async fn delete_webhook_message(
    State(shared): State<Arc<Shared>>,
    Path((app, token, _m)): Path<(u64, String, String)>,
) -> Response {
    let store = shared.store.lock().unwrap();
    match webhook(&shared, &store, app, &token) {
        Some(_) => reply(no_content()),
        None => reply(unknown_webhook()),
    }
}

/// `POST /webhooks/{app}/{token}`: a follow-up message.
pub async fn follow_up(
    State(shared): State<Arc<Shared>>,
    Path((app, token)): Path<(u64, String)>,
    bytes: Bytes,
) -> Response {
    let body = json_body(&bytes);
    let mut store = shared.store.lock().unwrap();
    let Some(state) = webhook(&shared, &store, app, &token).filter(|s| s.acknowledged) else {
        return reply(unknown_webhook());
    };
    let channel = state.channel_id;
    let id = new_message(&shared, &mut store, channel, &body, 0);
    reply(ok(store.message(id).unwrap().clone()))
}

/// `PUT /applications/{app}/commands`
pub async fn set_global_commands(
    State(shared): State<Arc<Shared>>,
    Path(app): Path<u64>,
    bytes: Bytes,
) -> Response {
    reply(commands(&shared, app, None, json_body(&bytes)))
}

/// `PUT /applications/{app}/guilds/{g}/commands`
pub async fn set_guild_commands(
    State(shared): State<Arc<Shared>>,
    Path((app, guild)): Path<(u64, u64)>,
    bytes: Bytes,
) -> Response {
    reply(commands(&shared, app, Some(guild), json_body(&bytes)))
}

fn commands(shared: &Shared, app: u64, guild: Option<u64>, body: Value) -> Reply {
    if app != shared.world.application_id {
        return error(StatusCode::FORBIDDEN, 50001, "Missing Access");
    }
    let Value::Array(list) = body else {
        return invalid_body();
    };
    let version = shared.ids.next().to_string();
    let out: Vec<Value> = list
        .into_iter()
        .map(|c| {
            json!({
                "id": shared.ids.next().to_string(),
                "application_id": app.to_string(),
                "version": version,
                "type": c.get("type").cloned().unwrap_or(json!(1)),
                "guild_id": guild.map(|g| g.to_string()),
                "name": c["name"],
                "description": c.get("description").cloned().unwrap_or(json!("")),
                "options": c.get("options").cloned().unwrap_or(json!([])),
                "default_member_permissions": c.get("default_member_permissions").cloned().unwrap_or(Value::Null),
                "nsfw": false,
                "contexts": c.get("contexts").cloned().unwrap_or(Value::Null),
                "integration_types": c.get("integration_types").cloned().unwrap_or(json!([0])),
            })
        })
        .collect();
    ok(Value::Array(out))
}
