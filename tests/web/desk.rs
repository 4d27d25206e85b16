//! A desk for one scenario: the engine on a fresh database with tickets in
//! it, the desk served on loopback, and an HTTP client that keeps the
//! session cookie by hand (so a test can also forge one or leave it out).

use std::sync::Arc;

use chrono::Utc;
use frontline::adapters::web::{self, Desk, StaffCheck, WebSettings};
use frontline::brain::{BrainSettings, LiveBrain};
use frontline::engine::{Engine, EngineSettings, Inbound, Person, SourceKey, ThreadRef, TicketId};
use frontline::knowledge::Lang;
use frontline::store::WebStaff;
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};

use crate::support::{Backend, TestDb, faq_dir, thresholds};

/// The desk on a fresh database, served on a free loopback port.
pub struct TestDesk {
    pub engine: Arc<Engine>,
    pub db: TestDb,
    pub url: String,
    http: reqwest::Client,
    seq: std::sync::atomic::AtomicU64,
}

impl TestDesk {
    /// A desk on `backend`; `None` when PostgreSQL is skipped.
    pub async fn on(backend: Backend) -> Option<TestDesk> {
        TestDesk::with_check(backend, StaffCheck::terminal_only()).await
    }

    /// A desk on SQLite.
    pub async fn start() -> TestDesk {
        TestDesk::on(Backend::Sqlite)
            .await
            .expect("SQLite is always there")
    }

    /// A desk whose staff are checked by `staff`.
    pub async fn with_check(backend: Backend, staff: StaffCheck) -> Option<TestDesk> {
        let db = TestDb::on(backend).await?;
        let settings = BrainSettings {
            thresholds: thresholds(),
            ..BrainSettings::default()
        };
        let (brain, _) =
            LiveBrain::start(&faq_dir(), settings, None).expect("the fixture FAQ loads");
        let brain = Arc::new(brain);
        let engine = Arc::new(Engine::new(
            brain.clone(),
            db.store.clone(),
            EngineSettings::default(),
        ));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let settings = WebSettings {
            addr: addr.to_string(),
            ..WebSettings::default()
        };
        let desk = Desk {
            engine: engine.clone(),
            brain,
            store: (*db.store).clone(),
            staff,
            settings,
            default_lang: Lang::En,
        };
        tokio::spawn(web::serve(listener, Arc::new(desk), std::future::pending()));
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .build()
            .unwrap();
        Some(TestDesk {
            engine,
            db,
            url: format!("http://{addr}"),
            http,
            seq: Default::default(),
        })
    }

    /// A ticket opened by customer `name`, who wrote `summary`.
    pub async fn ticket(&self, name: &str, summary: &str) -> TicketId {
        let n = self.seq.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let event = Inbound::Ticket {
            source: SourceKey::new("test", format!("ticket-{n}")),
            thread: ThreadRef(format!("test:thread-{n}")),
            by: Person::new(format!("test:{name}"), name),
            summary: Some(summary.to_string()),
            lang: None,
            roles: None,
        };
        self.engine.handle(&event, Utc::now()).await.unwrap();
        let tickets = self.engine.queries().tickets(&[]).await.unwrap();
        tickets
            .iter()
            .map(|t| t.id)
            .max_by_key(|id| id.0)
            .expect("a ticket opened")
    }

    /// A sign-in link for `staff`, valid for `minutes`.
    pub async fn link_for(&self, staff: &WebStaff, minutes: u64) -> String {
        web::auth::make_link(&self.db.store, &self.url, staff, minutes, Utc::now())
            .await
            .unwrap()
    }

    /// A sign-in link for `console:NAME`.
    pub async fn link(&self, name: &str) -> String {
        let staff = WebStaff {
            person: Person::new(format!("console:{name}"), name),
            guild: None,
        };
        self.link_for(&staff, 10).await
    }

    /// Uses `link` as the page's button does: the response.
    pub async fn use_link(&self, link: &str) -> reqwest::Response {
        let token = link.rsplit('/').next().unwrap();
        self.http
            .post(format!("{}/login", self.url))
            .form(&[("token", token)])
            .send()
            .await
            .unwrap()
    }

    /// Signs `name` in: the session cookie (`name=value`).
    pub async fn sign_in(&self, name: &str) -> String {
        let link = self.link(name).await;
        let response = self.use_link(&link).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(response.headers()[LOCATION], "/tickets");
        session_cookie(&response)
    }

    /// `GET path` with `cookie`: status and body.
    pub async fn get(&self, path: &str, cookie: Option<&str>) -> (StatusCode, String) {
        let mut request = self.http.get(format!("{}{path}", self.url));
        if let Some(cookie) = cookie {
            request = request.header(COOKIE, cookie);
        }
        let response = request.send().await.unwrap();
        (response.status(), response.text().await.unwrap())
    }

    /// `POST path` with `cookie` and `form`: status and body.
    pub async fn post(
        &self,
        path: &str,
        cookie: &str,
        form: &[(&str, &str)],
    ) -> (StatusCode, String) {
        let response = self
            .http
            .post(format!("{}{path}", self.url))
            .header(COOKIE, cookie)
            .form(form)
            .send()
            .await
            .unwrap();
        if response.status() != StatusCode::SEE_OTHER {
            return (response.status(), response.text().await.unwrap());
        }
        // A form leads back to its page, with what the engine said in a
        // cookie for that page, as a browser follows it.
        let to = response.headers()[LOCATION].to_str().unwrap().to_string();
        let mut cookies = vec![cookie.to_string()];
        cookies.extend(
            response
                .headers()
                .get_all(SET_COOKIE)
                .iter()
                .map(|c| c.to_str().unwrap().split(';').next().unwrap().to_string()),
        );
        self.get(&to, Some(&cookies.join("; "))).await
    }
}

/// The session cookie a response sets, as a `Cookie` header value.
pub fn session_cookie(response: &reqwest::Response) -> String {
    let set = response
        .headers()
        .get(SET_COOKIE)
        .expect("a session cookie")
        .to_str()
        .unwrap();
    set.split(';').next().unwrap().to_string()
}

/// The CSRF token in a page's forms.
pub fn csrf_of(page: &str) -> String {
    hidden(page, "csrf")
}

/// The value of the first hidden field `name` in a page.
pub fn hidden(page: &str, name: &str) -> String {
    let field = format!(r#"name="{name}" value=""#);
    let at = page
        .find(&field)
        .unwrap_or_else(|| panic!("no {name} in {page}"));
    let rest = &page[at + field.len()..];
    rest[..rest.find('"').unwrap()].to_string()
}
