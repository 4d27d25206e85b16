//! The fake's HTTP side: the router under `/api/v10`, the layer that records
//! every call (a multipart body is recorded as its `payload_json`) and answers
//! planned faults instead of the route, gateway discovery, and Discord's error
//! bodies. The routes themselves live in [`super::channels`] and
//! [`super::interactions`]; a route the fake does not know answers 404 and is
//! recorded like any other, so a test sees what the bot tried.

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{Request, State};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post, put};
use serde_json::{Value, json};

use super::recorder::{Call, Fault};
use super::{Shared, channels, gateway, interactions};

/// What a route answers: a status and a JSON body (`Null` for none).
pub type Reply = (StatusCode, Value);

/// Discord's error body with `code` and `message`.
pub fn error(status: StatusCode, code: u32, message: &str) -> Reply {
    (status, json!({"code": code, "message": message}))
}

/// 200 with `body`.
pub fn ok(body: Value) -> Reply {
    (StatusCode::OK, body)
}

/// 204, no body.
pub fn no_content() -> Reply {
    (StatusCode::NO_CONTENT, Value::Null)
}

/// The whole fake server: REST under `/api/v10`, the gateway at `/gateway`.
pub fn router(shared: Arc<Shared>) -> Router {
    let api = Router::new()
        .route("/gateway", get(gateway_url))
        .route("/gateway/bot", get(gateway_bot))
        .route("/users/@me/channels", post(channels::open_dm))
        .route(
            "/channels/{c}",
            get(channels::get_channel).patch(channels::modify),
        )
        .route("/channels/{c}/typing", post(channels::typing))
        .route(
            "/channels/{c}/messages",
            post(channels::create_message).get(channels::list_messages),
        )
        .route("/guilds/{g}/threads/active", get(channels::active_threads))
        .route("/guilds/{g}/members/{u}", get(channels::guild_member))
        .route(
            "/channels/{c}/messages/{m}",
            get(channels::get_message)
                .patch(channels::edit_message)
                .delete(channels::delete_message),
        )
        .route(
            "/channels/{c}/messages/{m}/threads",
            post(channels::thread_from_message),
        )
        .route(
            "/channels/{c}/threads",
            post(channels::thread_or_forum_post),
        )
        .route(
            "/channels/{c}/thread-members/{u}",
            put(channels::add_thread_member),
        )
        .route(
            "/interactions/{id}/{token}/callback",
            post(interactions::callback),
        )
        .route("/webhooks/{app}/{token}", post(interactions::follow_up))
        .route(
            "/webhooks/{app}/{token}/messages/{m}",
            patch(interactions::edit_webhook_message)
                .get(interactions::get_webhook_message)
                .delete(interactions::delete_webhook_message),
        )
        .route(
            "/applications/{app}/commands",
            put(interactions::set_global_commands),
        )
        .route(
            "/applications/{app}/guilds/{g}/commands",
            put(interactions::set_guild_commands),
        )
        .fallback(unknown_route);
    Router::new()
        .nest("/api/v10", api)
        .route("/gateway", get(gateway::upgrade))
        .layer(middleware::from_fn_with_state(shared.clone(), record))
        .with_state(shared)
}

async fn gateway_url(State(shared): State<Arc<Shared>>) -> Response {
    reply(ok(json!({"url": shared.ws_url()})))
}

async fn gateway_bot(State(shared): State<Arc<Shared>>) -> Response {
    reply(ok(json!({
        "url": shared.ws_url(),
        "shards": 1,
        "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1},
    })))
}

async fn unknown_route() -> Response {
    reply(error(StatusCode::NOT_FOUND, 0, "404: Not Found"))
}

/// Turns a [`Reply`] into a response: JSON, or nothing for `Null`.
pub fn reply((status, body): Reply) -> Response {
    if body.is_null() {
        status.into_response()
    } else {
        (status, axum::Json(body)).into_response()
    }
}

/// Records the call (with the status it got) and answers a planned fault instead.
async fn record(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let full_path = request.uri().path().to_owned();
    let Some(path) = full_path.strip_prefix("/api/v10").map(str::to_owned) else {
        return next.run(request).await; // the WebSocket upgrade records itself
    };
    let method = request.method().to_string();
    let query = request.uri().query().map(str::to_owned);
    let (mut parts, body) = request.into_parts();
    let mut bytes = to_bytes(body, 8 << 20).await.unwrap_or_default();
    if let Some(boundary) = multipart_boundary(&parts.headers) {
        // serenity sends forum posts (and anything with files) as multipart:
        // the JSON is the `payload_json` field; files are not kept.
        bytes = payload_json(bytes, boundary).await;
        parts
            .headers
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        parts.headers.remove(CONTENT_LENGTH);
    }
    let body_json = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
    };
    let request = Request::from_parts(parts, Body::from(bytes));
    let response = match shared.recorder.take_fault(&method, &path) {
        Some(Fault::LostResponse) => {
            let _done = next.run(request).await;
            fault_response(Fault::LostResponse)
        }
        Some(Fault::Slow { ms }) => {
            tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
            next.run(request).await
        }
        Some(fault) => fault_response(fault),
        None => next.run(request).await,
    };
    let (parts, body) = response.into_parts();
    let bytes = to_bytes(body, 8 << 20).await.unwrap_or_default();
    shared.recorder.record(Call {
        method,
        path,
        query,
        body: body_json,
        status: parts.status.as_u16(),
        response: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    });
    Response::from_parts(parts, Body::from(bytes))
}

fn multipart_boundary(headers: &HeaderMap) -> Option<String> {
    let content_type = headers.get(CONTENT_TYPE)?.to_str().ok()?;
    multer::parse_boundary(content_type).ok()
}

async fn payload_json(bytes: Bytes, boundary: String) -> Bytes {
    let stream = futures::stream::once(async move { Ok::<_, std::io::Error>(bytes) });
    let mut form = multer::Multipart::new(stream, boundary);
    while let Ok(Some(field)) = form.next_field().await {
        if field.name() == Some("payload_json") {
            return field.bytes().await.unwrap_or_default();
        }
    }
    Bytes::new()
}

fn fault_response(fault: Fault) -> Response {
    match fault {
        Fault::RateLimited { retry_after } => {
            let mut response = reply((
                StatusCode::TOO_MANY_REQUESTS,
                json!({"message": "You are being rate limited.", "retry_after": retry_after, "global": false}),
            ));
            let headers = response.headers_mut();
            let secs = retry_after.ceil().max(1.0).to_string();
            headers.insert("retry-after", HeaderValue::from_str(&secs).unwrap());
            headers.insert("x-ratelimit-scope", HeaderValue::from_static("user"));
            headers.insert("x-ratelimit-remaining", HeaderValue::from_static("0"));
            headers.insert(
                "x-ratelimit-reset-after",
                HeaderValue::from_str(&retry_after.to_string()).unwrap(),
            );
            response
        }
        Fault::ServerError | Fault::LostResponse => reply(error(
            StatusCode::INTERNAL_SERVER_ERROR,
            0,
            "500: Internal Server Error",
        )),
        Fault::MissingPermissions => {
            reply(error(StatusCode::FORBIDDEN, 50013, "Missing Permissions"))
        }
        Fault::Slow { .. } => unreachable!("a slow call is carried out, not refused"),
    }
}
