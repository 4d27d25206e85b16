//! The domain: the nouns every layer shares and none owns. Typed ids and
//! people ([`ids`]), what happens to the bot ([`Inbound`]), a conversation's
//! state ([`Conversation`]), what the bot wants done ([`Action`], persisted in
//! the outbox: additive changes only) and a ticket ([`Ticket`]).
//!
//! Plain data with its own small invariants. `engine` decides with it,
//! `store` keeps it, `delivery` and the adapters carry it out; nothing here
//! depends on any of them (only on `knowledge` for an entry's kind and a
//! language).

mod action;
mod conversation;
mod ids;
mod inbound;
mod ticket;

pub use action::{
    Action, Card, CardStatus, Offer, PingLevel, Route, Source, StaffButton, Suggested,
};
pub use conversation::{Awaiting, Conversation, Feedback, Offered, Reason, State, Status};
pub use ids::{AnswerId, ConversationId, OutboxId, Person, SourceKey, ThreadRef, TicketId, UserId};
pub use inbound::{Button, Elsewhere, Inbound, Rating, StaffCommand};
pub use ticket::{Ticket, TicketState};

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// Every `.rs` file under `src/DIR` whose code (before its tests)
    /// names one of `forbidden`: `cargo test --lib domain::` checks the
    /// layering.
    fn naming(dir: &str, forbidden: &[&str]) -> Vec<String> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(dir);
        walkdir::WalkDir::new(&root)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "rs"))
            .filter_map(|e| {
                let text = std::fs::read_to_string(e.path()).ok()?;
                // The code, not its tests (this one names what it forbids).
                let code = text.split("#[cfg(test)]").next().unwrap_or_default();
                forbidden
                    .iter()
                    .find(|f| code.contains(*f))
                    .map(|f| format!("{} names {f}", e.path().display()))
            })
            .collect()
    }

    #[test]
    fn the_domain_depends_on_none_of_the_layers_that_use_it() {
        let found = naming(
            "domain",
            &[
                "crate::engine",
                "crate::store",
                "crate::delivery",
                "crate::adapters",
            ],
        );
        assert!(found.is_empty(), "{found:#?}");
    }

    #[test]
    fn the_store_does_not_import_the_engine() {
        let found = naming("store", &["crate::engine", "crate::adapters"]);
        assert!(found.is_empty(), "{found:#?}");
    }
}
