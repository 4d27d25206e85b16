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

    /// Whether `staff` may write to the customer: only whoever claimed it,
    /// while it is claimed. The one rule for every way staff write (a
    /// command, a relay thread).
    pub fn may_reply(&self, staff: &Person) -> MayReply {
        match (&self.state, &self.claimed_by) {
            (TicketState::Resolved, _) => MayReply::Resolved,
            (TicketState::Claimed, Some(by)) if by.id == staff.id => MayReply::Yes,
            (_, Some(by)) if self.state == TicketState::Claimed => MayReply::ClaimedBy(by.clone()),
            _ => MayReply::NotClaimed,
        }
    }
}

/// Whether a member of staff may write to a ticket's customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MayReply {
    /// They claimed it.
    Yes,
    /// Someone else did.
    ClaimedBy(Person),
    /// Nobody has claimed it (or the claim was given up).
    NotClaimed,
    /// It is resolved; reopen it first.
    Resolved,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticket(state: TicketState, claimed_by: Option<&Person>) -> Ticket {
        let now = Utc::now();
        Ticket {
            id: TicketId(3),
            conversation: ConversationId(1),
            thread: ThreadRef("console:1".into()),
            customer: Person::new("console:cu", "Cu"),
            state,
            reason: Reason::AskedForHuman,
            customer_wrote: Vec::new(),
            suggested: Vec::new(),
            claimed_by: claimed_by.cloned(),
            resolved_by: None,
            resolution: None,
            rating: None,
            opened_at: now,
            waiting_since: now,
            first_claimed_at: None,
            resolved_at: None,
            ping_level: 0,
        }
    }

    #[test]
    fn only_the_claimer_of_a_claimed_ticket_may_write_to_the_customer() {
        let (ann, bo) = (Person::new("x:ann", "Ann"), Person::new("x:bo", "Bo"));
        let claimed = ticket(TicketState::Claimed, Some(&ann));
        assert_eq!(claimed.may_reply(&ann), MayReply::Yes);
        assert_eq!(claimed.may_reply(&bo), MayReply::ClaimedBy(ann.clone()));
        assert_eq!(
            ticket(TicketState::Open, None).may_reply(&ann),
            MayReply::NotClaimed
        );
        // Resolved stays resolved, also for whoever had it.
        let resolved = ticket(TicketState::Resolved, Some(&ann));
        assert_eq!(resolved.may_reply(&ann), MayReply::Resolved);
    }
}
