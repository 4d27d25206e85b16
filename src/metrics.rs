//! Operational metrics and health, served over HTTP on a local port:
//! `/metrics` in the Prometheus text format and `/healthz`. This module owns
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

use crate::triage::Level;

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
    ready: AtomicBool,
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
                ready: AtomicBool::new(false),
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

async fn health(State(m): State<Metrics>) -> impl IntoResponse {
    if m.inner.ready.load(Ordering::Relaxed) {
        (StatusCode::OK, "ok\n")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "starting\n")
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
