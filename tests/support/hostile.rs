//! A customer who writes to attack the staff member's terminal rather than
//! to ask: escape sequences that erase a line and return to its start, the
//! bell, NUL, a right-to-left override, and a line break followed by what
//! looks like a line of the transcript. [`open_hostile_ticket`] puts such a
//! ticket in a database the way Discord would (a multi-line message through
//! the engine); [`assert_inert`] and [`assert_not_forged`] check what a
//! terminal was sent.
#![allow(dead_code)]

use std::path::Path;
use std::sync::Arc;

use chrono::Utc;
use frontline::brain::{BrainSettings, LiveBrain};
use frontline::engine::{Engine, EngineSettings, Inbound, Person, SourceKey, ThreadRef};
use frontline::store::{SqlStore, Store};

/// The customer's display name.
pub const NAME: &str = "Eve\x1b[31m\u{202E}";

/// What the customer writes: hostile characters, and on a second line a
/// forged entry of the transcript.
pub const MESSAGE: &str = "our coffee machine leaks water\x1b[2K\r\x07\0\u{202E}gnp.exe\n  12-24 18:00  Alice      resolved       FORGED";

/// The raw characters that must never reach the terminal.
pub const RAW: [char; 5] = ['\x1b', '\r', '\x07', '\0', '\u{202E}'];

/// Writes [`MESSAGE`] as [`NAME`] into a new conversation in the database at
/// `database_url`, answered by the FAQ in `faq`; it ends in ticket #1.
pub async fn open_hostile_ticket(database_url: &str, faq: &Path) {
    let store = Arc::new(
        SqlStore::connect(database_url)
            .await
            .expect("the database opens"),
    );
    let (brain, _warnings) =
        LiveBrain::start(faq, BrainSettings::default(), None).expect("the FAQ loads");
    let engine = Engine::new(Arc::new(brain), store.clone(), EngineSettings::default());
    let event = Inbound::Message {
        source: SourceKey::new("discord", "hostile-1"),
        thread: ThreadRef("discord:hostile".into()),
        author: Person::new("discord:666", NAME),
        text: MESSAGE.into(),
        attachments: Vec::new(),
        lang: None,
        elsewhere: None,
        roles: Some(Vec::new()),
    };
    engine
        .handle(&event, Utc::now())
        .await
        .expect("the engine handles it");
    let tickets = store.tickets(&[]).await.expect("tickets are read");
    assert_eq!(tickets.len(), 1, "the message opened a ticket");
    store.close().await;
}

/// Writes [`MESSAGE`] as [`NAME`] straight into the database at
/// `database_url`, bypassing the engine (which keeps no control characters):
/// rows written before that cleaning, or by another tool, as ticket #1.
pub async fn store_raw_hostile_ticket(database_url: &str) {
    use frontline::engine::Reason;
    use frontline::knowledge::Lang;
    use frontline::store::{ActorKind, NewConversation, NewEvent, NewTicket};
    let store = SqlStore::connect(database_url)
        .await
        .expect("the database opens");
    let at = Utc::now();
    let customer = Person::new("discord:666", NAME);
    let mut tx = store.begin().await.expect("a transaction");
    let conversation = tx
        .create_conversation(&NewConversation {
            thread: ThreadRef("discord:raw".into()),
            customer: customer.clone(),
            lang: Lang::En,
            at,
        })
        .await
        .expect("a conversation");
    let source = SourceKey::new("discord", "raw-1");
    tx.record_event(&NewEvent {
        conversation: conversation.id,
        ticket: None,
        at,
        actor: ActorKind::Customer,
        person: Some(customer),
        kind: "message",
        text: MESSAGE.into(),
        source: Some(source.clone()),
    })
    .await
    .expect("the message is recorded");
    tx.open_ticket(&NewTicket {
        conversation: conversation.id,
        source,
        reason: Reason::NoMatch,
        customer_wrote: vec![MESSAGE.into()],
        suggested: Vec::new(),
        contract: None,
        details: Vec::new(),
        at,
    })
    .await
    .expect("a ticket");
    tx.commit().await.expect("committed");
    store.close().await;
}

/// No raw control character or bidirectional override is in `output`, and
/// the escape sequence of a raw row is shown visibly.
pub fn assert_inert_raw(output: &[u8]) {
    assert_inert(output);
    let text = String::from_utf8_lossy(output);
    assert!(
        text.contains("leaks water␛[2K␍␇␀<U+202E>gnp"),
        "the hostile characters are shown visibly:\n{text}"
    );
}

/// No raw control character or bidirectional override is in `output`,
/// and the customer's words are there, made visible. (The engine keeps no
/// control characters from chat at all; the override is shown as a code.)
pub fn assert_inert(output: &[u8]) {
    let text = String::from_utf8_lossy(output);
    for c in RAW {
        assert!(!text.contains(c), "{c:?} reached the terminal raw:\n{text}");
    }
    assert!(
        text.contains("leaks water") && text.contains("<U+202E>gnp"),
        "the hostile characters are shown visibly:\n{text}"
    );
}

/// The forged line is visibly part of the customer's message: on the same
/// line, or indented under it rather than starting a line of its own.
pub fn assert_not_forged(output: &str) {
    for line in output.lines().filter(|l| l.contains("FORGED")) {
        assert!(
            line.contains("gnp.exe") || line.starts_with(&" ".repeat(12)),
            "a line of the customer's message passes for a line of its own: {line:?}\n{output}"
        );
    }
}
