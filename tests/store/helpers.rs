//! Rows the store tests start from.

use chrono::{DateTime, TimeZone, Utc};
use frontline::engine::{Conversation, Person, Reason, SourceKey, ThreadRef};
use frontline::knowledge::Lang;
use frontline::store::{NewConversation, NewTicket, Store};

/// A fixed start time.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap()
}

pub fn una() -> Person {
    Person::new("test:una", "Una")
}

pub fn alice() -> Person {
    Person::new("test:alice", "Alice")
}

pub fn bob() -> Person {
    Person::new("test:bob", "Bob")
}

/// Starts the conversation of `thread`.
pub async fn conversation(store: &dyn Store, thread: &str) -> Conversation {
    let mut tx = store.begin().await.unwrap();
    let c = tx
        .create_conversation(&NewConversation {
            thread: ThreadRef(thread.into()),
            customer: una(),
            lang: Lang::En,
            at: t0(),
        })
        .await
        .unwrap();
    tx.commit().await.unwrap();
    c
}

/// A ticket for `conv` escalated by message `source`.
pub fn new_ticket(conv: &Conversation, source: &str) -> NewTicket {
    NewTicket {
        conversation: conv.id,
        source: SourceKey::new("test", source),
        reason: Reason::NoMatch,
        customer_wrote: vec!["the coffee machine leaks".into()],
        suggested: Vec::new(),
        contract: None,
        details: Vec::new(),
        at: t0(),
    }
}
