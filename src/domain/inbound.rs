//! What happens to the bot: a message in a conversation, a button pressed, a
//! staff command, the clock moving on. Adapters build these from platform
//! events; the engine trusts them (staff commands come only from people the
//! adapter checked are staff).

use serde::{Deserialize, Serialize};

use super::conversation::Detail;
use super::ids::{Person, SourceKey, ThreadRef, TicketId};
use super::press::ButtonAction;
use crate::knowledge::Lang;
pub use crate::knowledge::notices::parse_duration;

/// One inbound event.
#[derive(Debug, Clone, PartialEq)]
pub enum Inbound {
    /// Someone wrote in a conversation's thread. The first writer of a thread
    /// is its customer; what others write there is kept in the transcript.
    Message {
        /// Platform and message id, for idempotency.
        source: SourceKey,
        /// The conversation's thread.
        thread: ThreadRef,
        /// Who wrote.
        author: Person,
        /// What they wrote.
        text: String,
        /// Links to files attached to it (screenshots, logs): kept in the
        /// transcript and relayed to staff, never triaged.
        attachments: Vec<String>,
        /// The language configured for the place the conversation starts in
        /// (a support channel's), if any; it then speaks that language for
        /// good. Ignored for a conversation that already exists.
        lang: Option<Lang>,
        /// Where it was written, when not in the conversation's thread: a
        /// further question in a support channel that joins the customer's
        /// open conversation there (the engine's `place_question`).
        elsewhere: Option<Elsewhere>,
        /// The ids of the author's roles on the platform (Discord roles),
        /// which a maintenance contract may cover; `None` where the platform
        /// did not say (a Discord DM): the contract found before stands.
        roles: Option<Vec<String>>,
    },
    /// A customer asks for a human straight away (`/ticket`), with an
    /// optional summary of the problem. Starts the conversation if the thread
    /// has none yet.
    Ticket {
        /// Platform and interaction id, for idempotency.
        source: SourceKey,
        /// The conversation's thread.
        thread: ThreadRef,
        /// Who asks.
        by: Person,
        /// What is wrong, in their words.
        summary: Option<String>,
        /// The configured language of the place, as for [`Inbound::Message`].
        lang: Option<Lang>,
        /// Their roles, as for [`Inbound::Message`].
        roles: Option<Vec<String>>,
    },
    /// A customer writes faster than the adapter's flood limit allows; the
    /// adapter sends this once per burst and drops their messages until it
    /// refills. The customer is asked, politely, to slow down.
    Flooding {
        /// Where they wrote.
        thread: ThreadRef,
        /// Who.
        author: Person,
        /// The configured language of the place, as for [`Inbound::Message`].
        lang: Option<Lang>,
    },
    /// Someone pressed one of the bot's buttons in a thread.
    Press {
        /// Platform and interaction id, for idempotency.
        source: SourceKey,
        /// The conversation's thread.
        thread: ThreadRef,
        /// Who pressed.
        by: Person,
        /// Which button.
        button: Pressed,
        /// The answer or *did you mean* the button is under
        /// ([`crate::domain::State::offer`]), where the platform knows it: a
        /// press under an earlier one is refused instead of acting on the
        /// current one.
        offer: Option<u64>,
    },
    /// The customer gave the details staff need in a form (after *Still
    /// broken* under a fix that declares them): the ticket opens with them.
    Details {
        /// Platform and interaction id, for idempotency.
        source: SourceKey,
        /// The conversation's thread.
        thread: ThreadRef,
        /// Who filled it in.
        by: Person,
        /// What they wrote, per detail.
        details: Vec<Detail>,
        /// The answer whose *Still broken* showed the form
        /// ([`crate::domain::State::offer`]): a form from under an earlier
        /// one is refused.
        offer: Option<u64>,
    },
    /// A member of staff acts on a ticket.
    Staff {
        /// Platform and interaction id, for idempotency.
        source: SourceKey,
        /// The ticket.
        ticket: TicketId,
        /// The member of staff.
        staff: Person,
        /// What they do.
        command: StaffCommand,
    },
    /// Time passed: pings for unclaimed tickets, notices and closing for
    /// quiet conversations.
    Tick,
}

/// Where a message was written outside its conversation's thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Elsewhere {
    /// The place (a support channel): the customer is told there where
    /// their message went.
    pub place: ThreadRef,
    /// The conversation's thread as the platform links to it (`<#123>` on
    /// Discord).
    pub link: String,
}

/// A pressed button, as the client knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pressed {
    /// What it means, from a client that offers only the conversation's
    /// current buttons (the terminal).
    Meaning(Button),
    /// A platform's button id: what it does on which record (the
    /// conversation, or for a rating its ticket). The engine tells whether
    /// it still acts ([`crate::domain::Conversation::button`]).
    Id {
        /// What it does.
        action: ButtonAction,
        /// The record it is on.
        record: i64,
    },
}

impl From<Button> for Pressed {
    fn from(button: Button) -> Self {
        Pressed::Meaning(button)
    }
}

/// A button the bot offers a customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "button", content = "value", rename_all = "snake_case")]
pub enum Button {
    /// The FAQ answer solved it.
    Solved,
    /// The answer is about something else: show the next candidate.
    NotWhatIAsked,
    /// Hand over to a human now.
    TalkToHuman,
    /// The documented fix worked.
    FixedIt,
    /// The documented fix did not help: open a ticket.
    StillBroken,
    /// One of the *did you mean* choices, by entry id.
    Choose(String),
    /// The customer's rating of the human help, 1 to 5.
    Rate(Rating),
}

/// A rating from 1 to 5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Rating(u8);

impl Rating {
    /// Every rating, lowest first.
    pub fn all() -> impl Iterator<Item = Rating> {
        (1..=5).map(Rating)
    }

    /// The number of stars.
    pub fn stars(self) -> u8 {
        self.0
    }
}

impl TryFrom<u8> for Rating {
    type Error = String;
    fn try_from(n: u8) -> Result<Self, Self::Error> {
        if (1..=5).contains(&n) {
            Ok(Rating(n))
        } else {
            Err(format!("a rating is 1 to 5, not {n}"))
        }
    }
}

impl From<Rating> for u8 {
    fn from(r: Rating) -> u8 {
        r.0
    }
}

/// What a member of staff does with a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum StaffCommand {
    /// Take the ticket; exactly one member of staff gets it.
    Claim,
    /// Give it back to the queue.
    Unclaim,
    /// An internal note the customer does not see.
    Note {
        /// The note.
        text: String,
    },
    /// Close it with what solved the problem; the customer is asked to rate.
    Resolve {
        /// What solved it (becomes the steps of a drafted fix).
        note: String,
    },
    /// Open a resolved ticket again.
    Reopen,
    /// Write to the customer in their thread.
    Reply {
        /// The message.
        text: String,
    },
}

/// What a member of staff does with a notice (`/notice`, `notice` at the
/// terminal desk): publish one at once, without git, or end one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoticeCommand {
    /// Publish a notice (replacing a published one with the same id).
    Publish(NewNotice),
    /// End a notice now (a published one, or one from a file).
    End {
        /// The notice's id.
        id: String,
    },
}

/// A notice as staff publish it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNotice {
    /// Its id.
    pub id: String,
    /// Maintenance or outage.
    pub kind: crate::knowledge::NoticeKind,
    /// When it starts; `None`: now.
    pub start: Option<chrono::DateTime<chrono::Utc>>,
    /// How long it holds from its start.
    pub lasts: chrono::Duration,
    /// The services it affects.
    pub services: Vec<String>,
    /// Regular expressions that recognise customers asking about it.
    pub symptoms: Vec<String>,
    /// The English text.
    pub text_en: Option<String>,
    /// The German text.
    pub text_de: Option<String>,
}
