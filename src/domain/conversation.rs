//! A conversation's state as the engine keeps it between events: whose it is,
//! what the bot is waiting for, and what was said and offered about the
//! current problem (the *topic*). The store saves it; only the engine
//! changes it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::ids::{AnswerId, ConversationId, Person, ThreadRef, TicketId};
use crate::knowledge::{Kind, Lang, Need};

/// How many of the customer's messages about one problem are kept as context.
pub const TOPIC_MESSAGES: usize = 8;

/// One conversation.
#[derive(Debug, Clone, PartialEq)]
pub struct Conversation {
    /// Its number.
    pub id: ConversationId,
    /// Its thread.
    pub thread: ThreadRef,
    /// The customer who started it.
    pub customer: Person,
    /// The language the bot speaks in it.
    pub lang: Lang,
    /// Open or closed.
    pub status: Status,
    /// What the engine remembers.
    pub state: State,
    /// The ticket open for it, if any.
    pub ticket: Option<TicketId>,
    /// When it started.
    pub opened_at: DateTime<Utc>,
    /// The customer's (or staff's) last message or press.
    pub last_activity_at: DateTime<Utc>,
    /// When it was told it would be closed for inactivity.
    pub notice_sent_at: Option<DateTime<Utc>>,
    /// Bumped by every save; a save against an older version is refused.
    pub version: i64,
}

impl Conversation {
    /// The customer did something: the quiet-conversation clock restarts and
    /// a notice already given no longer counts.
    pub(crate) fn touch(&mut self, now: DateTime<Utc>) {
        self.last_activity_at = now;
        self.notice_sent_at = None;
    }

    /// The customer wrote or asked again: the quiet clock restarts, and a
    /// closed conversation opens again on a new topic.
    pub(crate) fn customer_returns(&mut self, now: DateTime<Utc>) {
        self.touch(now);
        if self.status == Status::Closed {
            self.status = Status::Open;
            self.state.new_topic();
        }
    }
}

/// Whether a conversation is going on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Going on.
    Open,
    /// Closed (after inactivity); a new message opens it again.
    Closed,
}

impl Status {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Closed => "closed",
        }
    }

    /// Reads a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "open" => Some(Status::Open),
            "closed" => Some(Status::Closed),
            _ => None,
        }
    }
}

/// What the engine remembers about a conversation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct State {
    /// What the bot waits for.
    pub awaiting: Awaiting,
    /// The customer's messages about the current problem, oldest first.
    pub topic: Vec<String>,
    /// Entries the customer said were not what they asked.
    pub rejected: Vec<String>,
    /// Entries offered about the current problem and the feedback on each.
    pub offered: Vec<Offered>,
    /// The language configured for the place the conversation started in
    /// (a support channel's): the bot speaks it and triage prefers it,
    /// whatever detection says. `None`: the language is detected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel_lang: Option<Lang>,
    /// The number of the latest answer or *did you mean* offered (counting
    /// from 1): its buttons carry it, so a button under an earlier message
    /// is told apart from the current one.
    #[serde(default)]
    pub offer: u64,
    /// The maintenance contract covering the customer as of their latest
    /// message (its id), if the knowledge has one for them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contract: Option<String>,
}

impl State {
    /// Starts over after a problem was solved.
    pub fn new_topic(&mut self) {
        self.topic.clear();
        self.rejected.clear();
        self.offered.clear();
        self.awaiting = Awaiting::Question;
    }

    /// Adds a customer message to the topic, keeping the latest few.
    pub fn push_topic(&mut self, text: &str) {
        self.topic.push(text.to_string());
        if self.topic.len() > TOPIC_MESSAGES {
            self.topic.remove(0);
        }
    }
}

/// What the bot waits for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "for", rename_all = "snake_case")]
pub enum Awaiting {
    /// A question.
    #[default]
    Question,
    /// Feedback on an answer or fix.
    Feedback {
        /// The answer.
        answer: AnswerId,
        /// Its entry.
        entry_id: String,
        /// FAQ answer or documented fix.
        kind: Kind,
    },
    /// A pick among *did you mean* choices.
    Choice {
        /// The entries offered.
        entries: Vec<String>,
    },
    /// The customer was told of a notice that holds (a maintenance window
    /// or outage); *Talk to a human* still opens a ticket.
    Notice {
        /// The notice's id.
        notice: String,
    },
    /// A documented fix did not help and staff need details first: the
    /// customer is asked for each of `missing` in turn (the first is the
    /// question asked last), then the ticket opens with `answers`.
    Details {
        /// The fix that did not help.
        entry_id: String,
        /// What is still to be asked, the current question first.
        missing: Vec<Need>,
        /// What the customer answered so far.
        answers: Vec<Detail>,
    },
    /// The customer was told what a maintenance contract would include
    /// (they asked about theirs, or for remote maintenance, without one);
    /// *Talk to a human* opens a ticket, for an offer or for help now.
    ContractOffer,
    /// A human: a ticket is open.
    Human {
        /// The ticket.
        ticket: TicketId,
    },
    /// A rating of the human help.
    Rating {
        /// The resolved ticket.
        ticket: TicketId,
    },
}

/// A detail staff need, as the customer gave it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Detail {
    /// What it is.
    pub need: Need,
    /// What the customer wrote.
    pub value: String,
}

/// An entry offered in the current topic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Offered {
    /// The answer given.
    pub answer: AnswerId,
    /// The entry.
    pub entry_id: String,
    /// Its title.
    pub title: String,
    /// What the customer said to it.
    pub feedback: Option<Feedback>,
}

/// What a customer said to an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Feedback {
    /// The FAQ answer solved it.
    Solved,
    /// It answered another question.
    NotWhatIAsked,
    /// They asked for a human instead.
    TalkToHuman,
    /// The documented fix worked.
    FixedIt,
    /// The documented fix did not help.
    StillBroken,
}

impl Feedback {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Feedback::Solved => "solved",
            Feedback::NotWhatIAsked => "not_what_i_asked",
            Feedback::TalkToHuman => "talk_to_human",
            Feedback::FixedIt => "fixed_it",
            Feedback::StillBroken => "still_broken",
        }
    }

    /// Reads a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        [
            Feedback::Solved,
            Feedback::NotWhatIAsked,
            Feedback::TalkToHuman,
            Feedback::FixedIt,
            Feedback::StillBroken,
        ]
        .into_iter()
        .find(|f| f.as_str() == s)
    }

    /// Whether the bot solved the problem.
    pub fn is_solved(self) -> bool {
        matches!(self, Feedback::Solved | Feedback::FixedIt)
    }
}

/// Why the bot handed a conversation to a human.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// No entry matched the question.
    NoMatch,
    /// The customer pressed *Talk to a human*.
    AskedForHuman,
    /// The customer pressed *Still broken* on a documented fix.
    FixDidNotHelp,
    /// After *Not what I asked* nothing else fitted.
    NothingElseFits,
}

impl Reason {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::NoMatch => "no_match",
            Reason::AskedForHuman => "asked_for_human",
            Reason::FixDidNotHelp => "fix_did_not_help",
            Reason::NothingElseFits => "nothing_else_fits",
        }
    }

    /// Reads a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        [
            Reason::NoMatch,
            Reason::AskedForHuman,
            Reason::FixDidNotHelp,
            Reason::NothingElseFits,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }

    /// A few words for staff.
    pub fn describe(self) -> &'static str {
        match self {
            Reason::NoMatch => "no FAQ entry or fix matched",
            Reason::AskedForHuman => "the customer asked for a human",
            Reason::FixDidNotHelp => "the documented fix did not help",
            Reason::NothingElseFits => "the answers offered were not what was asked",
        }
    }
}
