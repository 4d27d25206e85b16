//! A customer's new question in a place where every question gets a thread
//! of its own (a support channel). One open question per customer per place
//! at a time: a customer who writes there again within
//! [`EngineSettings::new_thread_cooldown_secs`] of opening a thread (a
//! burst of messages, a second line sent as a message of its own) has it
//! added to the conversation they just opened, instead of a thread, a
//! conversation and perhaps a ticket for every message. Later questions get
//! threads of their own as usual.
//!
//! The adapter asks before it makes a thread ([`Engine::place_question`]);
//! the store settles the race between messages handled at the same moment,
//! here or on another instance, so exactly one of them opens the thread.
//! Before a command asks in an existing thread, the adapter asks whether
//! that is someone else's conversation ([`Engine::may_ask_in`]).

use chrono::{DateTime, Duration, Utc};

use super::{Engine, EngineError, EngineSettings, phrases};
use crate::domain::{Conversation, Person, ThreadRef};
use crate::store::NewOpening;

/// Where a customer's new question in a place goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placement {
    /// Into the thread the adapter was about to make for it.
    NewThread,
    /// Into the customer's open conversation in this thread.
    Join(ThreadRef),
}

impl EngineSettings {
    fn new_thread_cooldown(&self) -> Duration {
        Duration::seconds(i64::try_from(self.new_thread_cooldown_secs).unwrap_or(i64::MAX / 1000))
    }
}

impl Engine {
    /// Decides where `customer`'s new question in `place` goes, before the
    /// adapter makes `thread` for it: into `thread` (the adapter makes it),
    /// or into the thread of the question they opened in `place` less than
    /// the cooldown ago. Asking again for the same `thread` (the same
    /// message seen twice) gives the same answer.
    pub async fn place_question(
        &self,
        place: &ThreadRef,
        customer: &Person,
        thread: &ThreadRef,
        now: DateTime<Utc>,
    ) -> Result<Placement, EngineError> {
        if self.settings.new_thread_cooldown_secs == 0 {
            return Ok(Placement::NewThread);
        }
        let opening = NewOpening {
            place: place.clone(),
            customer: customer.id.clone(),
            thread: thread.clone(),
            at: now,
        };
        let since = now
            .checked_sub_signed(self.settings.new_thread_cooldown())
            .unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
        let holder = self.store.open_question(&opening, since).await?;
        Ok(if holder == *thread {
            Placement::NewThread
        } else {
            Placement::Join(holder)
        })
    }

    /// Whether `by` may ask in `thread` by a command that asks there (`/ask`,
    /// `/ticket`): not in another customer's conversation. `Err` is what
    /// they are told, in that conversation's language.
    pub async fn may_ask_in(
        &self,
        thread: &ThreadRef,
        by: &Person,
    ) -> Result<Result<(), String>, EngineError> {
        let conv = self.store.conversation_by_thread(thread).await?;
        Ok(match conv.as_ref().and_then(|c| not_theirs(c, by)) {
            Some(refusal) => Err(refusal),
            None => Ok(()),
        })
    }

    /// The adapter could not make the thread it was told to
    /// ([`Placement::NewThread`]): the customer's next question in `place`
    /// opens one again instead of joining a thread that does not exist.
    pub async fn question_not_opened(
        &self,
        place: &ThreadRef,
        customer: &Person,
        thread: &ThreadRef,
    ) -> Result<(), EngineError> {
        self.store
            .forget_question(place, &customer.id, thread)
            .await?;
        Ok(())
    }
}

/// What `by` is told who asks in `conv` when it is another customer's;
/// `None` when it is theirs.
pub(super) fn not_theirs(conv: &Conversation, by: &Person) -> Option<String> {
    (conv.customer.id != by.id).then(|| phrases::not_your_conversation(conv.lang))
}
