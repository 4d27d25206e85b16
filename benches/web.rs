//! The staff desk's page loads with many tickets in the database: fills a
//! fresh database with N tickets (default 10,000, `FRONTLINE_BENCH_TICKETS`;
//! a tenth waiting, a tenth claimed, the rest resolved, each with a short
//! transcript and an answer), serves the desk on loopback, signs in, and
//! loads the ticket list (waiting and claimed, the default view; all
//! tickets; all tickets filtered by owner and age) and single tickets with their transcripts, R times each
//! (default 200, `FRONTLINE_BENCH_REQUESTS`), one after the other. Reports
//! p50/p99 per page as one JSON line each.
//!
//! Run: `cargo bench --bench web`. SQLite in a temporary directory by
//! default; `FRONTLINE_BENCH_DATABASE_URL` another database (it is migrated
//! and filled: give it an empty database of its own).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use chrono::{Duration, Utc};
use frontline::adapters::web::{self, Desk, StaffCheck, WebSettings};
use frontline::brain::{BrainSettings, LiveBrain};
use frontline::engine::{Engine, EngineSettings, Person, Reason, SourceKey, ThreadRef};
use frontline::knowledge::{Kind, Lang};
use frontline::store::{
    ActorKind, NewAnswer, NewConversation, NewEvent, NewTicket, Opened, SqlStore, Store, Via,
    WebStaff,
};

/// The path of a page's `i`-th request.
type PathOf = Box<dyn Fn(usize) -> String>;

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(run());
}

const CUSTOMER_LINES: [&str; 4] = [
    "Der Drucker im zweiten Stock druckt nur leere Seiten",
    "My laptop does not connect to the VPN since this morning",
    "Outlook zeigt seit gestern keine neuen Mails an",
    "The shared drive S: says access denied 0x80070005",
];

/// Fills `store` with `n` tickets, in transactions of a few hundred.
async fn fill(store: &SqlStore, n: usize) -> Vec<i64> {
    let started = Instant::now();
    let staff = Person::new("console:berta", "berta");
    let base = Utc::now() - Duration::days(60);
    let mut ids = Vec::with_capacity(n);
    for chunk in (0..n).collect::<Vec<_>>().chunks(250) {
        let mut tx = store.begin().await.expect("a transaction");
        for &i in chunk {
            let at = base + Duration::minutes(i as i64 * 8);
            let customer = Person::new(
                format!("test:c{}", i % 900),
                format!("Customer {}", i % 900),
            );
            let conv = tx
                .create_conversation(&NewConversation {
                    thread: ThreadRef(format!("bench:{i}")),
                    customer: customer.clone(),
                    lang: if i % 2 == 0 { Lang::De } else { Lang::En },
                    at,
                })
                .await
                .expect("a conversation");
            let text = format!("{} (#{i})", CUSTOMER_LINES[i % CUSTOMER_LINES.len()]);
            for (k, (actor, words)) in [
                (ActorKind::Customer, text.as_str()),
                (ActorKind::Bot, "Here is what the FAQ says about it."),
                (ActorKind::Customer, "That did not help, I need a person"),
            ]
            .into_iter()
            .enumerate()
            {
                tx.record_event(&NewEvent {
                    conversation: conv.id,
                    ticket: None,
                    at: at + Duration::seconds(k as i64),
                    actor,
                    person: (actor == ActorKind::Customer).then(|| customer.clone()),
                    kind: "message",
                    text: words.to_string(),
                    source: Some(SourceKey::new("bench", format!("{i}-{k}"))),
                })
                .await
                .expect("an event");
            }
            tx.record_answer(&NewAnswer {
                conversation: conv.id,
                entry_id: "en/vpn-setup".into(),
                title: "Set up the VPN".into(),
                kind: Kind::Faq,
                via: Via::Triage,
                question: text.clone(),
                confidence: 0.61,
                lang: Lang::En,
                at,
            })
            .await
            .expect("an answer");
            let opened = tx
                .open_ticket(&NewTicket {
                    conversation: conv.id,
                    source: SourceKey::new("bench", format!("{i}-ticket")),
                    reason: Reason::FixDidNotHelp,
                    customer_wrote: vec![text],
                    suggested: Vec::new(),
                    contract: None,
                    details: Vec::new(),
                    at,
                })
                .await
                .expect("a ticket");
            let Opened::New(ticket) = opened else {
                panic!("a new ticket");
            };
            match i % 10 {
                0 => {}
                1 => {
                    tx.claim(ticket.id, &staff, at + Duration::minutes(5))
                        .await
                        .expect("a claim");
                }
                _ => {
                    tx.claim(ticket.id, &staff, at + Duration::minutes(5))
                        .await
                        .expect("a claim");
                    tx.resolve(
                        ticket.id,
                        &staff,
                        "Restarted it",
                        at + Duration::minutes(30),
                    )
                    .await
                    .expect("a resolution");
                }
            }
            ids.push(ticket.id.0);
        }
        tx.commit().await.expect("a commit");
    }
    eprintln!(
        "filled {n} tickets in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    ids
}

async fn run() {
    let tickets = env_number("FRONTLINE_BENCH_TICKETS", 10_000);
    let requests = env_number("FRONTLINE_BENCH_REQUESTS", 200).max(1);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let url = std::env::var("FRONTLINE_BENCH_DATABASE_URL").unwrap_or_else(|_| {
        format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("bench.db").display()
        )
    });
    let backend = url.split(':').next().unwrap_or("").to_string();
    let store = Arc::new(SqlStore::connect(&url).await.expect("the database"));
    let ids = fill(&store, tickets).await;

    let faq = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/faq");
    let (brain, _) =
        LiveBrain::start(&faq, BrainSettings::default(), None).expect("the fixture FAQ");
    let brain = Arc::new(brain);
    let engine = Arc::new(Engine::new(
        brain.clone(),
        store.clone(),
        EngineSettings::default(),
    ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let settings = WebSettings {
        addr: addr.to_string(),
        ..WebSettings::default()
    };
    let desk = Desk {
        engine,
        brain,
        store: (*store).clone(),
        staff: StaffCheck::terminal_only(),
        settings: settings.clone(),
        default_lang: Lang::En,
    };
    tokio::spawn(web::serve(listener, Arc::new(desk), std::future::pending()));

    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .unwrap();
    let staff = WebStaff {
        person: Person::new("console:bench", "bench"),
        guild: None,
    };
    let link = web::auth::make_link(&store, &settings.public_url(), &staff, 10, Utc::now())
        .await
        .expect("a link");
    let token = link.rsplit('/').next().unwrap();
    let login = http
        .post(format!("{}/login", settings.public_url()))
        .form(&[("token", token)])
        .send()
        .await
        .expect("sign-in");
    let cookie = login.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();

    let pages: Vec<(&str, PathOf)> = vec![
        ("tickets", Box::new(|_| "/tickets".to_string())),
        (
            "tickets_all",
            Box::new(|_| "/tickets?state=all".to_string()),
        ),
        (
            "tickets_all_filtered",
            Box::new(|_| "/tickets?state=all&owner=bert&older_than=1".to_string()),
        ),
        (
            "ticket",
            Box::new(move |i| format!("/tickets/{}", ids[(i * 7919) % ids.len()])),
        ),
    ];
    for (name, path) in &pages {
        let mut times = Vec::with_capacity(requests);
        for i in 0..requests {
            let started = Instant::now();
            let response = http
                .get(format!("{}{}", settings.public_url(), path(i)))
                .header("cookie", &cookie)
                .send()
                .await
                .expect("a page");
            assert_eq!(response.status(), 200, "{name}");
            let body = response.text().await.expect("a body");
            assert!(body.len() > 500, "{name}: a page");
            times.push(started.elapsed().as_micros() as u64);
        }
        times.sort_unstable();
        let at =
            |q: f64| times[((times.len() as f64 * q).ceil() as usize).clamp(1, times.len()) - 1];
        println!(
            "{}",
            serde_json::json!({
                "page": name,
                "backend": backend,
                "tickets": tickets,
                "requests": requests,
                "p50_us": at(0.5),
                "p99_us": at(0.99),
                "max_us": times[times.len() - 1],
            })
        );
    }
    store.close().await;
}
