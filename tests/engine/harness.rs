//! A bot for one scenario: the engine on a fresh database, one customer in
//! one thread, and a clock that moves only when the test says so.

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use frontline::brain::{BrainSettings, LiveBrain};
use frontline::domain::ButtonAction;
use frontline::engine::{
    Action, Button, Decided, Engine, EngineSettings, Inbound, Person, Pressed, SourceKey,
    StaffCommand, ThreadRef, TicketId,
};
use frontline::knowledge::Lang;
use frontline::store::{AnswerRecord, Event, Store, Ticket};

use crate::support::{Backend, TestDb};

pub use crate::support::{faq_dir, thresholds};

/// The brain on the fixture FAQ.
pub fn brain() -> Arc<LiveBrain> {
    let settings = BrainSettings {
        thresholds: thresholds(),
        ..BrainSettings::default()
    };
    let (brain, _warnings) =
        LiveBrain::start(&faq_dir(), settings, None).expect("the fixture FAQ loads");
    Arc::new(brain)
}

/// Monday morning.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap()
}

pub fn alice() -> Person {
    Person::new("test:alice", "Alice")
}

pub fn bob() -> Person {
    Person::new("test:bob", "Bob")
}

/// One scenario's bot.
pub struct Bot {
    pub engine: Arc<Engine>,
    pub brain: Arc<LiveBrain>,
    pub db: TestDb,
    pub now: DateTime<Utc>,
    pub customer: Person,
    pub thread: ThreadRef,
    seq: u64,
}

impl Bot {
    /// A bot on SQLite.
    pub async fn start() -> Bot {
        Bot::on(Backend::Sqlite)
            .await
            .expect("SQLite is always there")
    }

    /// A bot on `backend`; `None` when PostgreSQL is skipped.
    pub async fn on(backend: Backend) -> Option<Bot> {
        let db = TestDb::on(backend).await?;
        let brain = brain();
        let engine = Engine::new(brain.clone(), db.store.clone(), EngineSettings::default());
        Some(Bot {
            engine: Arc::new(engine),
            brain,
            db,
            now: t0(),
            customer: Person::new("test:una", "Una"),
            thread: ThreadRef("test:thread-1".into()),
            seq: 0,
        })
    }

    /// Another instance: its own engine and connection pool on the same database.
    pub async fn another_instance(&self) -> Arc<Engine> {
        let store: Arc<dyn Store> = self.db.another_instance().await;
        Arc::new(Engine::new(brain(), store, EngineSettings::default()))
    }

    fn source(&mut self) -> SourceKey {
        self.seq += 1;
        SourceKey::new("test", format!("event-{}", self.seq))
    }

    /// The event the customer writing `text` becomes.
    pub fn message(&mut self, text: &str) -> Inbound {
        Inbound::Message {
            source: self.source(),
            thread: self.thread.clone(),
            author: self.customer.clone(),
            text: text.to_string(),
            attachments: Vec::new(),
            lang: None,
            elsewhere: None,
            roles: Some(Vec::new()),
        }
    }

    /// The customer writes `text` in a place configured for `lang`.
    pub async fn says_in(&mut self, lang: Lang, text: &str) -> Vec<Action> {
        let mut event = self.message(text);
        if let Inbound::Message { lang: l, .. } = &mut event {
            *l = Some(lang);
        }
        self.handle(&event).await
    }

    /// The event of `by` asking for a human (`/ticket`), with a summary.
    pub fn ticket_request(&mut self, by: &Person, summary: Option<&str>) -> Inbound {
        Inbound::Ticket {
            source: self.source(),
            thread: self.thread.clone(),
            by: by.clone(),
            summary: summary.map(str::to_owned),
            lang: None,
            roles: Some(Vec::new()),
        }
    }

    /// The customer asks for a human (`/ticket`).
    pub async fn asks_for_human(&mut self, summary: Option<&str>) -> Vec<Action> {
        let who = self.customer.clone();
        let event = self.ticket_request(&who, summary);
        self.handle(&event).await
    }

    /// Handles `event` now.
    pub async fn handle(&self, event: &Inbound) -> Vec<Action> {
        self.engine
            .handle(event, self.now)
            .await
            .expect("the engine handles it")
    }

    /// The customer writes.
    pub async fn says(&mut self, text: &str) -> Vec<Action> {
        let event = self.message(text);
        self.handle(&event).await
    }

    /// The customer presses a button.
    pub async fn presses(&mut self, button: Button) -> Vec<Action> {
        let who = self.customer.clone();
        self.presses_as(&who, button).await
    }

    /// Someone presses a button in the customer's thread.
    pub async fn presses_as(&mut self, who: &Person, button: Button) -> Vec<Action> {
        let event = Inbound::Press {
            source: self.source(),
            thread: self.thread.clone(),
            by: who.clone(),
            button: button.into(),
            offer: None,
        };
        self.handle(&event).await
    }

    /// The customer presses a button under answer or *did you mean* `offer`.
    pub async fn presses_under(&mut self, offer: u64, button: Button) -> Vec<Action> {
        let event = Inbound::Press {
            source: self.source(),
            thread: self.thread.clone(),
            by: self.customer.clone(),
            button: button.into(),
            offer: Some(offer),
        };
        self.handle(&event).await
    }

    /// What the engine decides about `event` now.
    pub async fn decide(&self, event: &Inbound) -> Decided {
        self.engine
            .decide(event, self.now)
            .await
            .expect("the engine decides it")
    }

    /// `who` presses a platform's button in the customer's thread: `action`
    /// on `record`, under `offer`, as the platform sends it.
    pub fn press_id(
        &mut self,
        who: &Person,
        (action, record, offer): (ButtonAction, i64, Option<u64>),
    ) -> Inbound {
        Inbound::Press {
            source: self.source(),
            thread: self.thread.clone(),
            by: who.clone(),
            button: Pressed::Id { action, record },
            offer,
        }
    }

    /// The id of the customer's conversation.
    pub async fn conversation_id(&self) -> i64 {
        let conv = self.db.store.conversation_by_thread(&self.thread).await;
        conv.unwrap().expect("the conversation exists").id.0
    }

    /// A member of staff acts on a ticket.
    pub async fn staff(
        &mut self,
        who: &Person,
        ticket: TicketId,
        command: StaffCommand,
    ) -> Vec<Action> {
        let event = Inbound::Staff {
            source: self.source(),
            ticket,
            staff: who.clone(),
            command,
        };
        self.handle(&event).await
    }

    /// Time passes; the timers run.
    pub async fn later(&mut self, by: Duration) -> Vec<Action> {
        self.now += by;
        self.handle(&Inbound::Tick).await
    }

    /// A ticket as stored.
    pub async fn ticket(&self, id: TicketId) -> Ticket {
        self.db
            .store
            .ticket(id)
            .await
            .unwrap()
            .expect("the ticket exists")
    }

    /// Every answer given.
    pub async fn answers(&self) -> Vec<AnswerRecord> {
        self.db.store.answers().await.unwrap()
    }

    /// Every ticket.
    pub async fn tickets(&self) -> Vec<Ticket> {
        self.db.store.tickets(&[]).await.unwrap()
    }

    /// The conversation's log.
    pub async fn transcript(&self) -> Vec<Event> {
        let conv = self
            .db
            .store
            .conversation_by_thread(&self.thread)
            .await
            .unwrap()
            .expect("the conversation exists");
        self.db.store.events(conv.id).await.unwrap()
    }

    /// Ends the scenario.
    pub async fn stop(self) {
        self.db.cleanup().await;
    }
}
