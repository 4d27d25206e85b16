//! A ticket: the hand-over of one conversation to a human, as it stands.

use chrono::{DateTime, Duration, Utc};

use super::action::Suggested;
use super::conversation::{Detail, Reason};
use super::ids::{ConversationId, Person, ThreadRef, TicketId};
use crate::knowledge::ContractTerms;

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
    /// The customer's maintenance contract as it stood when the ticket was
    /// opened: its promised times drive the reminders.
    pub contract: Option<ContractTerms>,
    /// What the customer answered when asked for the details staff need.
    pub details: Vec<Detail>,
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

/// When a ticket waiting since `since` is due for its first and its loud
/// reminder: after `first` and `loud` by default, sooner where the
/// customer's contract promises a shorter response (at half and at three
/// quarters of the promised time, so staff hear of it while the promise
/// can still be kept). A contract never makes reminders later.
pub fn reminders(
    since: DateTime<Utc>,
    contract: Option<&ContractTerms>,
    first: Duration,
    loud: Duration,
) -> (DateTime<Utc>, DateTime<Utc>) {
    let (first, loud) = match contract {
        Some(c) => {
            let promised = c.response();
            (first.min(promised / 2), loud.min(promised * 3 / 4))
        }
        None => (first, loud),
    };
    (since + first, since + loud.max(first))
}

impl Ticket {
    /// When staff should have answered it: the contract's promised response
    /// time after it started waiting, or `default` without a contract.
    pub fn due_at(&self, default: Duration) -> DateTime<Utc> {
        due_at(self.waiting_since, self.contract.as_ref(), default)
    }
}

/// When a ticket waiting since `since` under `contract` is due: the
/// contract's promised response time after that, or `default` without one.
pub fn due_at(
    since: DateTime<Utc>,
    contract: Option<&ContractTerms>,
    default: Duration,
) -> DateTime<Utc> {
    since + contract.map_or(default, ContractTerms::response)
}

/// Where a ticket in `state`, due at `due`, goes in the order staff should
/// take them (see [`by_due`]).
pub fn due_order(
    state: TicketState,
    due: DateTime<Utc>,
    id: TicketId,
) -> (u8, DateTime<Utc>, std::cmp::Reverse<TicketId>) {
    match state {
        TicketState::Open => (0, due, std::cmp::Reverse(id)),
        TicketState::Claimed => (1, due, std::cmp::Reverse(id)),
        TicketState::Resolved => (2, DateTime::<Utc>::MIN_UTC, std::cmp::Reverse(id)),
    }
}

/// Tickets in the order staff should take them: waiting ones by when they
/// are due, soonest first; then claimed ones, likewise; then resolved ones,
/// newest first. `default` is the response time of a ticket without a
/// contract.
pub fn by_due(mut tickets: Vec<Ticket>, default: Duration) -> Vec<Ticket> {
    tickets.sort_by_key(|t| due_order(t.state, t.due_at(default), t.id));
    tickets
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
            contract: None,
            details: Vec::new(),
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

    #[test]
    fn a_contract_with_a_short_response_time_brings_the_reminders_forward() {
        use crate::knowledge::ContractLevel;
        let since = Utc::now();
        let (first, loud) = (Duration::minutes(15), Duration::minutes(60));
        let terms = |minutes| ContractTerms {
            id: "c".into(),
            customer: "C".into(),
            level: ContractLevel::Vollwartung,
            includes: Vec::new(),
            response_minutes: minutes,
            resolution_minutes: 600,
        };
        assert_eq!(
            reminders(since, None, first, loud),
            (since + first, since + loud)
        );
        let short = terms(20);
        assert_eq!(
            reminders(since, Some(&short), first, loud),
            (since + Duration::minutes(10), since + Duration::minutes(15))
        );
        // A long promised time does not delay the team's own reminders.
        let long = terms(8 * 60);
        assert_eq!(
            reminders(since, Some(&long), first, loud),
            (since + first, since + loud)
        );
        let mut t = ticket(TicketState::Open, None);
        assert_eq!(t.due_at(loud), t.waiting_since + loud);
        t.contract = Some(short);
        assert_eq!(t.due_at(loud), t.waiting_since + Duration::minutes(20));
    }
}
