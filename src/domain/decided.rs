//! What the engine made of one inbound event: the actions it decided, the
//! conversation behind each, and whether it acted on the event or refused
//! it, and why. Adapters translate
//! this (take the buttons off a pressed message, say a press waits) and
//! never decide it themselves.

use super::action::Action;
use super::ids::ConversationId;

/// The engine's answer to one event.
#[derive(Debug, Clone, PartialEq)]
pub struct Decided {
    /// What to do, in order (already in the outbox, except the private
    /// notices a client shows itself).
    pub actions: Vec<Action>,
    /// The conversation each action is about, in the same order (`None`
    /// for one about none, such as a private notice).
    pub conversations: Vec<Option<ConversationId>>,
    /// Whether the event acted.
    pub ruling: Ruling,
}

/// Whether an event acted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ruling {
    /// It acted (a message answered, a press taken, a command done).
    Taken,
    /// The same event (its source) was handled before: nothing is done again.
    Repeated,
    /// It was refused; the person was told why among the actions.
    Refused(Refusal),
}

/// Why an event was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Nothing to act on: no conversation in the thread, no such ticket.
    NotFound,
    /// Someone else's buttons.
    NotYours,
    /// A button that no longer acts: under an earlier answer or *did you
    /// mean*, of another conversation, or for something the conversation
    /// no longer waits for.
    Stale,
    /// The conversation is with staff: its buttons wait for them.
    WithStaff,
    /// The ticket is not in a state for it: claimed by someone else,
    /// resolved, not resolved (to reopen).
    Conflict,
    /// The command lacks what it needs (a note to resolve with).
    Incomplete,
}

impl Decided {
    /// Acted (or nothing to refuse), with nothing to do yet: what a tick
    /// starts from and gathers into ([`Decided::extend`]).
    pub fn taken() -> Self {
        Decided {
            actions: Vec::new(),
            conversations: Vec::new(),
            ruling: Ruling::Taken,
        }
    }

    /// Handled before: nothing.
    pub fn repeated() -> Self {
        Decided {
            ruling: Ruling::Repeated,
            ..Decided::taken()
        }
    }

    /// Adds what `more` decided (with the conversations behind it); its
    /// ruling is not kept (a tick's parts are never refused).
    pub fn extend(&mut self, more: Decided) {
        self.actions.extend(more.actions);
        self.conversations.extend(more.conversations);
    }

    /// Each action with the conversation it is about.
    pub fn about(&self) -> impl Iterator<Item = (&Action, Option<ConversationId>)> {
        self.actions.iter().zip(self.conversations.iter().copied())
    }

    /// Whether the event acted now.
    pub fn is_taken(&self) -> bool {
        self.ruling == Ruling::Taken
    }
}
