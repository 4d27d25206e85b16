//! A ticket: the hand-over of one conversation to a human, as it stands.

use chrono::{DateTime, Utc};

use super::action::Suggested;
use super::conversation::Reason;
use super::ids::{ConversationId, Person, ThreadRef, TicketId};

/// Where a ticket stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TicketState {
    /// Waiting to be claimed.
    Open,
    /// Someone has it.
    Claimed,
    /// Done.
    Resolved,
}

impl TicketState {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            TicketState::Open => "open",
            TicketState::Claimed => "claimed",
            TicketState::Resolved => "resolved",
        }
    }

    /// Reads a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "open" => Some(TicketState::Open),
            "claimed" => Some(TicketState::Claimed),
            "resolved" => Some(TicketState::Resolved),
            _ => None,
        }
    }
}

/// A ticket.
#[derive(Debug, Clone, PartialEq)]
pub struct Ticket {
    /// Its number.
    pub id: TicketId,
    /// The conversation.
    pub conversation: ConversationId,
    /// The conversation's thread.
    pub thread: ThreadRef,
    /// The customer.
    pub customer: Person,
    /// Open, claimed, resolved.
    pub state: TicketState,
    /// Why the bot handed over.
    pub reason: Reason,
    /// What the customer wrote about the problem, oldest first.
    pub customer_wrote: Vec<String>,
    /// What the bot suggested.
    pub suggested: Vec<Suggested>,
    /// Who has it (also after resolving).
    pub claimed_by: Option<Person>,
    /// Who resolved it.
    pub resolved_by: Option<Person>,
    /// What solved it.
    pub resolution: Option<String>,
    /// The customer's rating, 1 to 5.
    pub rating: Option<u8>,
    /// When it was opened.
    pub opened_at: DateTime<Utc>,
    /// Since when it waits for a claim (reset by unclaim and reopen).
    pub waiting_since: DateTime<Utc>,
    /// The first claim.
    pub first_claimed_at: Option<DateTime<Utc>>,
    /// When it was resolved.
    pub resolved_at: Option<DateTime<Utc>>,
    /// How many reminders were sent while it waited (0, 1, 2).
    pub ping_level: i64,
}

impl Ticket {
    /// The customer's first words about the problem.
    pub fn question(&self) -> &str {
        self.customer_wrote.first().map_or("", String::as_str)
    }
}
