//! Typed identifiers and the people the engine deals with. Adapters turn
//! their platform's ids into these at the edge; past it nothing confuses a
//! ticket number with a conversation number or a user with a thread.

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! number_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

number_id!(
    /// A conversation, numbered by the store.
    ConversationId
);
number_id!(
    /// A ticket, numbered by the store; staff call it "#12".
    TicketId
);
number_id!(
    /// One answer the bot gave, numbered by the store.
    AnswerId
);
number_id!(
    /// One row of the outbox.
    OutboxId
);

impl OutboxId {
    /// Stands for "not from the outbox": an action delivered directly, such
    /// as an answer given while the database was unreachable. The store
    /// numbers rows from 1.
    pub const DIRECT: OutboxId = OutboxId(0);
}

/// A user on a chat platform (`discord:1234…`, `console:alice`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UserId(pub String);

/// The place a conversation happens in: a Discord thread, a console session.
/// Opaque to the engine; one conversation per thread.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ThreadRef(pub String);

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for ThreadRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Someone taking part: a customer or a member of staff.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Person {
    /// Their platform id.
    pub id: UserId,
    /// The name to show.
    pub name: String,
}

impl Person {
    /// A person with `id` shown as `name`.
    pub fn new(id: impl Into<String>, name: impl Into<String>) -> Self {
        Person {
            id: UserId(id.into()),
            name: name.into(),
        }
    }
}

/// Where an inbound event came from: the platform and its own id for the
/// message or interaction. The store keeps each key once, so an event
/// delivered twice is handled once.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SourceKey {
    /// `discord`, `console`, ...
    pub platform: String,
    /// The platform's id of the message or interaction.
    pub id: String,
}

impl SourceKey {
    /// The platform of the staff desk in a browser, which shows the engine's
    /// private notices to the member of staff in its own reply.
    pub const WEB: &'static str = "web";

    /// Whether the client the event came from shows its actor the engine's
    /// private notices itself (then they are not queued for delivery).
    pub fn shows_notices(&self) -> bool {
        self.platform == Self::WEB
    }

    /// The key of event `id` on `platform`.
    pub fn new(platform: impl Into<String>, id: impl Into<String>) -> Self {
        SourceKey {
            platform: platform.into(),
            id: id.into(),
        }
    }
}

impl fmt::Display for SourceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.platform, self.id)
    }
}
