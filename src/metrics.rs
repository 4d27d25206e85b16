//! Operational metrics and health, served over HTTP on a local port:
//! `/metrics` in the Prometheus text format, `/healthz` (readiness: connected
//! and the database answering) and `/livez` (the process runs). This module owns
//! the metric names and the tiny server; the places that count call
//! [`Metrics`] methods and know nothing of Prometheus.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use tokio::net::TcpListener;

use crate::domain::{Action, CardStatus};
use crate::knowledge::Kind;
use crate::triage::Level;
use chrono::Utc;

/// Label of a counter split by one name.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabel {
    kind: String,
}

/// Every metric frontline exports, cheap to clone and share.
#[derive(Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
}

struct Inner {
    registry: Registry,
    answers: Family<KindLabel, Counter>,
    tickets_opened: Counter,
    tickets_claimed: Counter,
    tickets_resolved: Counter,
    time_to_claim: Histogram,
    outbox_depth: Gauge,
    discord_errors: Family<KindLabel, Counter>,
    database_up: Gauge,
    backlog: Gauge,
    backlog_refused: Counter,
    answered_offline: Counter,
    catch_ups: Counter,
    caught_up: Counter,
    gateway_connected: Gauge,
    ready: AtomicBool,
    database: AtomicBool,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// A fresh registry with every metric at zero.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("frontline");
        let answers = Family::<KindLabel, Counter>::default();
        registry.register("answers", "Decisions by support level", answers.clone());
        let tickets_opened = Counter::default();
        registry.register("tickets_opened", "Tickets opened", tickets_opened.clone());
        let tickets_claimed = Counter::default();
        registry.register(
            "tickets_claimed",
            "Tickets claimed by staff",
            tickets_claimed.clone(),
        );
        let tickets_resolved = Counter::default();
        registry.register(
            "tickets_resolved",
            "Tickets resolved",
            tickets_resolved.clone(),
        );
        // 30 s .. ~34 h in doublings.
        let time_to_claim = Histogram::new(
            prometheus_client::metrics::histogram::exponential_buckets(30.0, 2.0, 13),
        );
        registry.register(
            "time_to_claim_seconds",
            "Time from ticket to claim",
            time_to_claim.clone(),
        );
        let outbox_depth = Gauge::default();
        registry.register(
            "outbox_depth",
            "Actions waiting for delivery",
            outbox_depth.clone(),
        );
        let discord_errors = Family::<KindLabel, Counter>::default();
        registry.register(
            "discord_errors",
            "Failed Discord calls by kind",
            discord_errors.clone(),
        );
        let database_up = Gauge::default();
        registry.register(
            "database_up",
            "1 while the database answers, 0 while it is unreachable",
            database_up.clone(),
        );
        let backlog = Gauge::default();
        registry.register(
            "backlog",
            "Events waiting for the database to come back",
            backlog.clone(),
        );
        let backlog_refused = Counter::default();
        registry.register(
            "backlog_refused",
            "Events refused because the backlog was full",
            backlog_refused.clone(),
        );
        let answered_offline = Counter::default();
        registry.register(
            "answered_offline",
            "FAQ answers given while the database was unreachable",
            answered_offline.clone(),
        );
        let catch_ups = Counter::default();
        registry.register(
            "catch_ups",
            "Times the bot read back what it missed (at start and after a lost session)",
            catch_ups.clone(),
        );
        let caught_up = Counter::default();
        registry.register(
            "caught_up_messages",
            "Messages the bot had missed and handled when catching up",
            caught_up.clone(),
        );
        let gateway_connected = Gauge::default();
        registry.register(
            "gateway_connected",
            "1 while connected to Discord's gateway",
            gateway_connected.clone(),
        );
        database_up.set(1);
        Metrics {
            inner: Arc::new(Inner {
                registry,
                answers,
                tickets_opened,
                tickets_claimed,
                tickets_resolved,
                time_to_claim,
                outbox_depth,
                discord_errors,
                database_up,
                backlog,
                backlog_refused,
                answered_offline,
                catch_ups,
                caught_up,
                gateway_connected,
                ready: AtomicBool::new(false),
                database: AtomicBool::new(true),
            }),
        }
    }

    /// Counts one triage decision.
    pub fn answered(&self, level: Level) {
        let kind = match level {
            Level::Fix => "fix",
            Level::Answer => "answer",
            Level::DidYouMean => "did_you_mean",
            Level::Handover => "handover",
        };
        self.inner.answers.get_or_create(&label(kind)).inc();
    }

    /// Counts what the engine's `actions` say happened: answers by level,
    /// tickets opened, claimed (with the time it took) and resolved.
    pub fn count(&self, actions: &[Action]) {
        for action in actions {
            match action {
                Action::Answer {
                    kind: Kind::Fix, ..
                } => self.answered(Level::Fix),
                Action::Answer { .. } => self.answered(Level::Answer),
                Action::Choices { .. } => self.answered(Level::DidYouMean),
                Action::PostStaffCard(_) => {
                    self.answered(Level::Handover);
                    self.ticket_opened();
                }
                Action::UpdateStaffCard(card) => match card.status {
                    CardStatus::Claimed { .. } => {
                        let waited =
                            (Utc::now() - card.opened_at).num_milliseconds() as f64 / 1000.0;
                        self.ticket_claimed(waited.max(0.0));
                    }
                    CardStatus::Resolved { .. } => self.ticket_resolved(),
                    CardStatus::Open => {}
                },
                _ => {}
            }
        }
    }

    /// Counts an opened ticket.
    pub fn ticket_opened(&self) {
        self.inner.tickets_opened.inc();
    }

    /// Counts a claim and how long the ticket waited for it.
    pub fn ticket_claimed(&self, waited_seconds: f64) {
        self.inner.tickets_claimed.inc();
        self.inner.time_to_claim.observe(waited_seconds.max(0.0));
    }

    /// Counts a resolved ticket.
    pub fn ticket_resolved(&self) {
        self.inner.tickets_resolved.inc();
    }

    /// Sets how many actions wait in the outbox.
    pub fn set_outbox_depth(&self, depth: i64) {
        self.inner.outbox_depth.set(depth);
    }

    /// Counts a failed Discord call (`kind`: e.g. "429", "5xx", "4xx", "transport").
    pub fn discord_error(&self, kind: &str) {
        self.inner.discord_errors.get_or_create(&label(kind)).inc();
    }

    /// Marks the process ready (connected) or not, for `/healthz`.
    pub fn set_ready(&self, ready: bool) {
        self.inner.ready.store(ready, Ordering::Relaxed);
        self.inner.gateway_connected.set(i64::from(ready));
    }

    /// Marks the database reachable or not, for `/healthz` and `/metrics`.
    pub fn set_database_up(&self, up: bool) {
        self.inner.database.store(up, Ordering::Relaxed);
        self.inner.database_up.set(i64::from(up));
    }

    /// Sets how many events wait for the database.
    pub fn set_backlog(&self, waiting: usize) {
        self.inner
            .backlog
            .set(i64::try_from(waiting).unwrap_or(i64::MAX));
    }

    /// Counts an event refused because the backlog was full.
    pub fn backlog_refused(&self) {
        self.inner.backlog_refused.inc();
    }

    /// Counts an FAQ answer given while the database was unreachable.
    pub fn answered_offline(&self) {
        self.inner.answered_offline.inc();
    }

    /// Counts one catch-up, which handled `messages` the bot had missed.
    pub fn caught_up(&self, messages: usize) {
        self.inner.catch_ups.inc();
        self.inner
            .caught_up
            .inc_by(u64::try_from(messages).unwrap_or(u64::MAX));
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut out, &self.inner.registry);
        out
    }
}

fn label(kind: &str) -> KindLabel {
    KindLabel {
        kind: kind.to_string(),
    }
}

/// Serves `/metrics` and `/healthz` on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    metrics: Metrics,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = Router::new()
        .route("/metrics", get(metrics_page))
        .route("/healthz", get(health))
        .route("/livez", get(alive))
        .with_state(metrics);
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

async fn metrics_page(State(m): State<Metrics>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        m.render(),
    )
}

/// Whether the process runs at all: for a supervisor's liveness probe,
/// which must not restart a bot that is only waiting for its database
/// (its backlog would be lost).
async fn alive() -> impl IntoResponse {
    (StatusCode::OK, "alive\n")
}

/// Readiness: `ok` only while the bot is connected and its database
/// answers; otherwise 503, and the body says which.
async fn health(State(m): State<Metrics>) -> impl IntoResponse {
    if !m.inner.ready.load(Ordering::Relaxed) {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "not connected to Discord\n".to_owned(),
        )
    } else if !m.inner.database.load(Ordering::Relaxed) {
        let waiting = m.inner.backlog.get();
        (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("database unreachable; answering from the FAQ, {waiting} event(s) waiting\n"),
        )
    } else {
        (StatusCode::OK, "ok\n".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_show_up_in_the_exposition() {
        let m = Metrics::new();
        m.answered(Level::Answer);
        m.answered(Level::Answer);
        m.answered(Level::Handover);
        m.ticket_opened();
        m.ticket_claimed(90.0);
        m.set_outbox_depth(3);
        m.discord_error("429");
        let text = m.render();
        assert!(
            text.contains("frontline_answers_total{kind=\"answer\"} 2"),
            "{text}"
        );
        assert!(
            text.contains("frontline_answers_total{kind=\"handover\"} 1"),
            "{text}"
        );
        assert!(text.contains("frontline_tickets_opened_total 1"), "{text}");
        assert!(
            text.contains("frontline_time_to_claim_seconds_count 1"),
            "{text}"
        );
        assert!(text.contains("frontline_outbox_depth 3"), "{text}");
        assert!(
            text.contains("frontline_discord_errors_total{kind=\"429\"} 1"),
            "{text}"
        );
    }

    #[tokio::test]
    async fn the_server_answers_metrics_and_health() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let m = Metrics::new();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(serve(listener, m.clone(), async {
            let _ = stopped.await;
        }));
        assert_eq!(get_status(addr, "/healthz").await, 503);
        m.set_ready(true);
        assert_eq!(get_status(addr, "/healthz").await, 200);
        assert_eq!(get_status(addr, "/metrics").await, 200);
        m.set_database_up(false);
        assert_eq!(get_status(addr, "/healthz").await, 503);
        assert!(m.render().contains("frontline_database_up 0"));
        assert_eq!(get_status(addr, "/livez").await, 200, "alive all the same");
        m.set_database_up(true);
        assert_eq!(get_status(addr, "/healthz").await, 200);
        stop.send(()).unwrap();
        server.await.unwrap().unwrap();
    }

    /// A minimal HTTP/1.0 GET, to keep an HTTP client out of the dependencies.
    async fn get_status(addr: std::net::SocketAddr, path: &str) -> u16 {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        s.write_all(format!("GET {path} HTTP/1.0\r\nHost: x\r\n\r\n").as_bytes())
            .await
            .unwrap();
        let mut buf = String::new();
        s.read_to_string(&mut buf).await.unwrap();
        buf.split_whitespace().nth(1).unwrap().parse().unwrap()
    }
}
