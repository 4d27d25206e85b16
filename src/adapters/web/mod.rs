//! The staff desk in a browser: `frontline web`, and the same server inside
//! `frontline run`. Server-rendered pages (askama templates, no JavaScript):
//! the tickets sorted by what is due, one ticket with its transcript, the
//! answers the bot gave and the audit log (claim, note, resolve), a search
//! over transcripts, the bot's numbers with charts drawn as SVG, and the
//! FAQ's health. Only staff get in ([`auth`]).
//!
//! Like the other adapters it holds no rules: staff actions are
//! [`Inbound::Staff`](crate::domain::Inbound) events for the engine; the
//! pages read through [`Engine::queries`](crate::engine::Engine::queries) and
//! the store's reads for the desk. Pages read the shared database, so any
//! instance serves any page and honours any link.

pub mod auth;
mod charts;
mod pages;
pub mod views;

use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};

pub use auth::StaffCheck;

use crate::brain::LiveBrain;
use crate::engine::Engine;
use crate::knowledge::Lang;
use crate::store::SqlStore;

/// The desk's settings (`[web]`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct WebSettings {
    /// Where the desk listens.
    pub addr: String,
    /// The address staff open, for sign-in links (`https://…` behind a TLS
    /// proxy makes the session cookie Secure); empty: `http://` + `addr`.
    pub public_url: String,
    /// Whether `frontline run` serves the desk too.
    pub in_run: bool,
    /// How long a sign-in link works, in minutes.
    pub link_minutes: u64,
    /// How long a session lasts, in hours.
    pub session_hours: u64,
}

impl Default for WebSettings {
    fn default() -> Self {
        WebSettings {
            addr: "127.0.0.1:8090".into(),
            public_url: String::new(),
            in_run: true,
            link_minutes: 10,
            session_hours: 12,
        }
    }
}

impl WebSettings {
    /// The address staff open.
    pub fn public_url(&self) -> String {
        if self.public_url.trim().is_empty() {
            format!("http://{}", self.addr)
        } else {
            self.public_url.trim().trim_end_matches('/').to_string()
        }
    }

    /// Whether the desk is reached over TLS (the cookie is then Secure).
    pub fn secure(&self) -> bool {
        self.public_url().starts_with("https://")
    }
}

/// What the desk's pages need.
pub struct Desk {
    /// Staff actions go through it; pages read through its queries.
    pub engine: Arc<Engine>,
    /// The knowledge, for the FAQ's health.
    pub brain: Arc<LiveBrain>,
    /// Sign-in links, sessions, the desk's own reads.
    pub store: SqlStore,
    /// Whether someone signed in is still staff.
    pub staff: StaffCheck,
    /// The settings.
    pub settings: WebSettings,
    /// The language of drafts whose ticket's language is unclear.
    pub default_lang: Lang,
}

/// The desk's routes.
pub fn router(desk: Arc<Desk>) -> Router {
    Router::new()
        .route("/", get(pages::home))
        .route("/login/{token}", get(pages::login_page))
        .route("/login", post(pages::login))
        .route("/logout", post(pages::logout))
        .route("/tickets", get(pages::tickets))
        .route("/tickets/{id}", get(pages::ticket))
        .route("/tickets/{id}/{action}", post(pages::act))
        .route("/search", get(pages::search))
        .route("/numbers", get(pages::numbers))
        .route("/faq", get(pages::faq))
        .route("/faq/draft/{id}", get(pages::draft))
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn(same_site_posts))
        .layer(axum::middleware::map_response(harden))
        .with_state(desk)
}

/// Serves the desk on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    desk: Arc<Desk>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(desk))
        .with_graceful_shutdown(shutdown)
        .await
}

/// Refuses a POST that a browser says comes from another site
/// (`Sec-Fetch-Site`): with the CSRF tokens and SameSite cookies, a page
/// elsewhere cannot even sign someone in under another's link. (`Origin`
/// says `null` for every form here, the pages sending no referrer.)
async fn same_site_posts(request: Request, next: Next) -> Response {
    let cross_site = request.method() == Method::POST
        && request
            .headers()
            .get("sec-fetch-site")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|site| site != "same-origin" && site != "none");
    if cross_site {
        return (
            StatusCode::FORBIDDEN,
            "Forms of the desk are sent from the desk.",
        )
            .into_response();
    }
    next.run(request).await
}

/// Headers on every response: nothing cached, no script or foreign content
/// runs, no frame holds the desk, no address leaks to other sites.
async fn harden(mut response: Response) -> Response {
    let headers = response.headers_mut();
    let set = [
        (header::CACHE_CONTROL, "no-store"),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ];
    for (name, value) in set {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}
