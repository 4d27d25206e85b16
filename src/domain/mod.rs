//! The domain: the nouns every layer shares and none owns. Typed ids and
//! people ([`ids`]), what happens to the bot ([`Inbound`]), a conversation's
//! state ([`Conversation`]) and what a pressed button means for it
//! ([`ButtonAction`]), what the engine made of an event ([`Decided`]), what the bot wants done ([`Action`], persisted in
//! the outbox: additive changes only) and a ticket ([`Ticket`]).
//!
//! Plain data with its own small invariants. `engine` decides with it,
//! `store` keeps it, `delivery` and the adapters carry it out; nothing here
//! depends on any of them (only on `knowledge` for an entry's kind, a
//! notice's kind and a language).

mod action;
mod conversation;
mod decided;
mod ids;
mod inbound;
mod press;
mod ticket;

pub use action::{
    Action, Card, CardStatus, Offer, PingLevel, Route, Source, StaffButton, Suggested,
};
pub use conversation::{Awaiting, Conversation, Detail, Feedback, Offered, Reason, State, Status};
pub use decided::{Decided, Refusal, Ruling};
pub use ids::{AnswerId, ConversationId, OutboxId, Person, SourceKey, ThreadRef, TicketId, UserId};
pub use inbound::{
    Button, Elsewhere, Inbound, NewNotice, NoticeCommand, Pressed, Rating, StaffCommand,
    parse_duration,
};
pub use press::ButtonAction;
pub use ticket::{MayReply, Ticket, TicketState, by_due, due_at, due_order, reminders};
