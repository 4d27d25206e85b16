//! What the engine wants done: messages in a customer's thread, cards and
//! pings in the staff channel, notices to one person. Every action is written
//! to the outbox with the state change that caused it and carried out by an
//! adapter's transport; the texts are final, adapters only lay them out.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::conversation::{Detail, Feedback, Reason};
use super::ids::{Person, ThreadRef, TicketId, UserId};
use super::inbound::Button;
use crate::knowledge::{ContractTerms, Kind};

/// One thing to carry out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Action {
    /// An FAQ answer (1st level) or a documented fix (2nd level) with its
    /// feedback buttons.
    Answer {
        /// Where.
        thread: ThreadRef,
        /// FAQ answer or documented fix.
        kind: Kind,
        /// The entry's title.
        title: String,
        /// The entry's answer, markdown.
        body: String,
        /// Where it was written.
        source: Source,
        /// Error text in the conversation that identified the fix.
        recognised: Vec<String>,
        /// The buttons under it.
        buttons: Vec<Offer>,
        /// The conversation's offer number ([`crate::domain::State::offer`]).
        #[serde(default)]
        offer: u64,
    },
    /// *Did you mean*: a few plausible entries to choose from.
    Choices {
        /// Where.
        thread: ThreadRef,
        /// The question put to the customer.
        text: String,
        /// One button per entry, then *Talk to a human*.
        buttons: Vec<Offer>,
        /// The conversation's offer number ([`crate::domain::State::offer`]).
        #[serde(default)]
        offer: u64,
    },
    /// A plain message from the bot, possibly with buttons.
    Say {
        /// Where.
        thread: ThreadRef,
        /// What.
        text: String,
        /// Buttons under it, if any.
        buttons: Vec<Offer>,
    },
    /// The customer is told a ticket was opened for them.
    TicketOpened {
        /// Where.
        thread: ThreadRef,
        /// The ticket.
        ticket: TicketId,
        /// What the customer reads.
        text: String,
    },
    /// A new ticket card in the staff channel.
    PostStaffCard(Card),
    /// The ticket's card changed (claimed, unclaimed, resolved, reopened).
    UpdateStaffCard(Card),
    /// The member of staff who claimed a ticket joins the customer's thread.
    AddToThread {
        /// The thread.
        thread: ThreadRef,
        /// Who joins.
        staff: Person,
        /// The ticket they claimed (where staff cannot join the customer's
        /// thread, the adapter adds them to what stands in for it).
        #[serde(default)]
        ticket: Option<TicketId>,
    },
    /// A member of staff writes to the customer.
    StaffMessage {
        /// Where.
        thread: ThreadRef,
        /// Who writes.
        from: Person,
        /// What.
        text: String,
    },
    /// The customer wrote while their ticket waits for or has a human. For
    /// staff who do not share the customer's thread: a DM relayed to the
    /// staff channel, the terminal staff desk. Where staff are in the thread
    /// it needs nothing done.
    CustomerMessage {
        /// The ticket.
        ticket: TicketId,
        /// The customer's thread.
        thread: ThreadRef,
        /// The customer.
        from: Person,
        /// What they wrote (as logged: capped).
        text: String,
    },
    /// Remind the staff role of an unclaimed ticket.
    PingStaff {
        /// The ticket.
        ticket: TicketId,
        /// The role to mention.
        role: String,
        /// First reminder or the louder second one.
        level: PingLevel,
        /// What the staff channel reads.
        text: String,
    },
    /// A quiet conversation is told it will be closed.
    InactivityNotice {
        /// Where.
        thread: ThreadRef,
        /// What.
        text: String,
    },
    /// The conversation is closed (archive the thread).
    Close {
        /// Where.
        thread: ThreadRef,
        /// The last words.
        text: String,
    },
    /// After a resolution: how did we do, 1 to 5?
    AskRating {
        /// Where.
        thread: ThreadRef,
        /// The ticket rated.
        ticket: TicketId,
        /// The question.
        text: String,
        /// The five ratings.
        buttons: Vec<Offer>,
    },
    /// A notice only one person sees ("already claimed by Alice").
    Ephemeral {
        /// Who sees it.
        user: UserId,
        /// What.
        text: String,
    },
    /// A maintenance window or outage starts to hold: posted in the
    /// announcement channel, where there is one.
    Announce {
        /// The notice's id.
        notice: String,
        /// What everyone reads (both languages).
        text: String,
    },
    /// A message for one customer alone, away from a thread others may read
    /// (the terms of their contract): a direct message on Discord.
    Private {
        /// Who reads it.
        user: UserId,
        /// What.
        text: String,
    },
}

/// A button with its label in the conversation's language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Offer {
    /// What pressing it means.
    pub button: Button,
    /// What it says.
    pub label: String,
}

/// Where an answer was written, for the customer and for maintainers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    /// The entry's id.
    pub entry_id: String,
    /// Its file, relative to the FAQ directory.
    pub path: String,
    /// The line of its title.
    pub line: usize,
}

impl Source {
    /// Where `entry` was written.
    pub fn of(entry: &crate::knowledge::Entry) -> Self {
        Source {
            entry_id: entry.id.clone(),
            path: entry.origin.path.to_string_lossy().replace('\\', "/"),
            line: entry.origin.line,
        }
    }
}

/// How loud a reminder is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PingLevel {
    /// The first reminder.
    Normal,
    /// The second, later and louder.
    Loud,
}

/// A ticket as the staff channel shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Card {
    /// The ticket.
    pub ticket: TicketId,
    /// The customer's thread.
    pub thread: ThreadRef,
    /// The customer.
    pub customer: Person,
    /// Open, claimed or resolved.
    pub status: CardStatus,
    /// Why the bot handed over.
    pub reason: Reason,
    /// What the customer wrote about this problem, oldest first.
    pub customer_wrote: Vec<String>,
    /// What the bot already suggested and what the customer said to it.
    pub suggested: Vec<Suggested>,
    /// When the ticket was opened.
    pub opened_at: DateTime<Utc>,
    /// The customer's maintenance contract, as it stood when the ticket
    /// was opened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract: Option<ContractTerms>,
    /// The details staff need, as the customer gave them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<Detail>,
    /// What staff can do with it now.
    pub buttons: Vec<StaffButton>,
}

/// A ticket's state as shown on its card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum CardStatus {
    /// Waiting for someone to claim it.
    Open,
    /// Someone has it.
    Claimed {
        /// Who.
        by: Person,
    },
    /// Done.
    Resolved {
        /// Who resolved it.
        by: Person,
        /// What solved it.
        note: String,
    },
}

/// An entry the bot offered before handing over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suggested {
    /// The entry's id.
    pub entry_id: String,
    /// Its title.
    pub title: String,
    /// What the customer said to it, if anything.
    pub feedback: Option<Feedback>,
}

/// A button on a staff card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StaffButton {
    /// Take the ticket.
    Claim,
    /// Give it back.
    Unclaim,
    /// Close it with a note.
    Resolve,
    /// Open it again.
    Reopen,
}

/// Where an action is delivered: the customer's thread, the staff channel,
/// or one person. Deliveries to one route happen in order.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Route {
    /// A conversation's thread.
    Thread(ThreadRef),
    /// The staff channel.
    Staff,
    /// One person, privately.
    User(UserId),
    /// The announcement channel.
    Announcements,
}

impl Route {
    /// The route as stored in the outbox (`thread:…`, `staff`, `user:…`).
    pub fn key(&self) -> String {
        match self {
            Route::Thread(t) => format!("thread:{t}"),
            Route::Staff => "staff".to_string(),
            Route::User(u) => format!("user:{u}"),
            Route::Announcements => "announce".to_string(),
        }
    }
}

impl Action {
    /// Where this action goes.
    pub fn route(&self) -> Route {
        match self {
            Action::Answer { thread, .. }
            | Action::Choices { thread, .. }
            | Action::Say { thread, .. }
            | Action::TicketOpened { thread, .. }
            | Action::AddToThread { thread, .. }
            | Action::StaffMessage { thread, .. }
            | Action::InactivityNotice { thread, .. }
            | Action::Close { thread, .. }
            | Action::AskRating { thread, .. } => Route::Thread(thread.clone()),
            Action::PostStaffCard(_)
            | Action::UpdateStaffCard(_)
            | Action::CustomerMessage { .. }
            | Action::PingStaff { .. } => Route::Staff,
            Action::Announce { .. } => Route::Announcements,
            Action::Ephemeral { user, .. } | Action::Private { user, .. } => {
                Route::User(user.clone())
            }
        }
    }

    /// The action's name, as stored in the outbox's `kind` column.
    pub fn kind(&self) -> &'static str {
        match self {
            Action::Answer { .. } => "answer",
            Action::Choices { .. } => "choices",
            Action::Say { .. } => "say",
            Action::TicketOpened { .. } => "ticket_opened",
            Action::PostStaffCard(_) => "post_staff_card",
            Action::UpdateStaffCard(_) => "update_staff_card",
            Action::AddToThread { .. } => "add_to_thread",
            Action::StaffMessage { .. } => "staff_message",
            Action::CustomerMessage { .. } => "customer_message",
            Action::PingStaff { .. } => "ping_staff",
            Action::InactivityNotice { .. } => "inactivity_notice",
            Action::Close { .. } => "close",
            Action::AskRating { .. } => "ask_rating",
            Action::Ephemeral { .. } => "ephemeral",
            Action::Private { .. } => "private",
            Action::Announce { .. } => "announce",
        }
    }

    /// The buttons offered with this action.
    pub fn buttons(&self) -> &[Offer] {
        match self {
            Action::Answer { buttons, .. }
            | Action::Choices { buttons, .. }
            | Action::Say { buttons, .. }
            | Action::AskRating { buttons, .. } => buttons,
            _ => &[],
        }
    }

    /// The answer or *did you mean* this action offers, numbered in its
    /// conversation ([`crate::domain::State::offer`]).
    pub fn offer(&self) -> Option<u64> {
        match self {
            Action::Answer { offer, .. } | Action::Choices { offer, .. } => Some(*offer),
            _ => None,
        }
    }
}
