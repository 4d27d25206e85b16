//! Asking before escalating: when a documented fix did not help and it
//! declares what staff need (`needs:`), the customer is asked for each
//! detail they have not already written, one plain question at a time (or
//! all at once in a form, where the platform has one: [`Inbound::Details`]),
//! and the ticket opens with the answers on it. Each detail is asked once;
//! a request for a human cuts it short.
//!
//! [`Inbound::Details`]: crate::domain::Inbound::Details

use chrono::{DateTime, Utc};

use super::Engine;
use super::message::capped;
use super::phrases;
use super::press::feedback_on;
use super::turn::Turn;
use crate::brain::Brain;
use crate::domain::{
    Action, Awaiting, ButtonAction, Conversation, Decided, Detail, Feedback, Person, Reason,
    Refusal, SourceKey, ThreadRef,
};
use crate::knowledge::{Kind, Lang, Need, missing};
use crate::store::StoreError;

impl Engine {
    /// What staff need that the customer has not written yet, if pressing
    /// *Still broken* now would ask for it: the fix awaiting feedback in
    /// `conv` declares needs. For a platform that asks in a form.
    pub fn details_wanted(&self, conv: &Conversation) -> Vec<Need> {
        match &conv.state.awaiting {
            Awaiting::Feedback {
                entry_id,
                kind: Kind::Fix,
                ..
            } => self.missing_for(&self.brain.get(), conv, entry_id),
            Awaiting::Details { missing, .. } => missing.clone(),
            _ => Vec::new(),
        }
    }

    /// The details a press of `action` on `record` under `offer` by `by` in
    /// `thread` asks for first, with the conversation's language: for a
    /// platform that answers such a press with a form. `None` when it would
    /// not: not *Still broken*, not the customer's, no longer active, or
    /// nothing missing.
    pub async fn form_for_press(
        &self,
        thread: &ThreadRef,
        by: &Person,
        (action, record, offer): (ButtonAction, i64, Option<u64>),
    ) -> Result<Option<(Vec<Need>, Lang)>, StoreError> {
        if action != ButtonAction::StillBroken {
            return Ok(None);
        }
        let Some(conv) = self.store.conversation_by_thread(thread).await? else {
            return Ok(None);
        };
        if conv.customer.id != by.id || conv.button(action, record, offer).is_none() {
            return Ok(None);
        }
        let wanted = self.details_wanted(&conv);
        Ok((!wanted.is_empty()).then_some((wanted, conv.lang)))
    }

    fn missing_for(&self, brain: &Brain, conv: &Conversation, entry_id: &str) -> Vec<Need> {
        let Some(entry) = brain
            .knowledge()
            .position(entry_id)
            .map(|i| brain.knowledge().entry(i))
        else {
            return Vec::new();
        };
        let mut wanted = missing(&entry.needs, &conv.state.topic);
        // The error text that found the fix is the error staff need.
        let symptoms = brain.knowledge().symptoms();
        let recognised = conv.state.topic.iter().any(|said| {
            symptoms
                .matches(said)
                .iter()
                .any(|hit| brain.knowledge().entry(hit.entry).id == entry.id)
        });
        if recognised {
            wanted.retain(|n| *n != Need::Error);
        }
        wanted
    }

    /// The fix `entry_id` did not help: ask for what staff need, or open
    /// the ticket when nothing is missing.
    pub(super) async fn fix_failed(
        &self,
        brain: &Brain,
        turn: &mut Turn,
        conv: &mut Conversation,
        entry_id: &str,
        source: &SourceKey,
    ) -> Result<(), StoreError> {
        let missing = self.missing_for(brain, conv, entry_id);
        if missing.is_empty() {
            return self
                .escalate(turn, conv, Reason::FixDidNotHelp, source)
                .await;
        }
        let first = missing[0];
        conv.state.awaiting = Awaiting::Details {
            entry_id: entry_id.to_string(),
            missing,
            answers: Vec::new(),
        };
        let text = format!(
            "{}\n\n{}",
            phrases::details_first(conv.lang),
            first.question(conv.lang)
        );
        ask(turn, conv, text);
        Ok(())
    }

    /// The customer answered the current question: record it (and whatever
    /// else it also gives), ask the next, or open the ticket.
    pub(super) async fn detail_answered(
        &self,
        turn: &mut Turn,
        conv: &mut Conversation,
        text: &str,
        source: &SourceKey,
    ) -> Result<(), StoreError> {
        let Awaiting::Details {
            entry_id,
            mut missing,
            mut answers,
        } = std::mem::take(&mut conv.state.awaiting)
        else {
            return Ok(());
        };
        let value = capped(text.trim(), self.settings.max_message_chars);
        if let Some(current) = (!missing.is_empty()).then(|| missing.remove(0)) {
            answers.push(Detail {
                need: current,
                value: value.clone(),
            });
        }
        // One answer may give more than was asked: what it also gives is
        // not asked again (staff read it in the answer recorded above).
        missing.retain(|n| !n.given_in(&value));
        let next = missing.first().copied();
        conv.state.awaiting = Awaiting::Details {
            entry_id,
            missing,
            answers,
        };
        match next {
            Some(need) => {
                ask(turn, conv, need.question(conv.lang).to_string());
                Ok(())
            }
            None => {
                self.escalate(turn, conv, Reason::FixDidNotHelp, source)
                    .await
            }
        }
    }

    /// The customer filled in the form of details after *Still broken*:
    /// the fix's feedback is recorded if it was not yet, and the ticket
    /// opens with what they gave.
    pub(super) async fn on_details(
        &self,
        source: &SourceKey,
        thread: &ThreadRef,
        by: &Person,
        (given, offer): (&[Detail], Option<u64>),
        now: DateTime<Utc>,
    ) -> Result<Decided, StoreError> {
        let brain = self.brain.get();
        let logged: Vec<String> = given
            .iter()
            .map(|d| format!("{}: {}", d.need.staff_label(), d.value))
            .collect();
        let logged = capped(&logged.join("\n"), self.settings.max_message_chars);
        let arrival = super::message::Arrival {
            source,
            thread,
            by,
            kind: "details",
            logged: &logged,
            opening: &logged,
            lang: None,
        };
        let Some((mut turn, mut conv)) = self.arrive(&brain, arrival, now).await? else {
            return Ok(Decided::repeated());
        };
        let given: Vec<Detail> = given
            .iter()
            .filter(|d| !d.value.trim().is_empty())
            .map(|d| Detail {
                need: d.need,
                value: capped(d.value.trim(), self.settings.max_message_chars),
            })
            .collect();
        match conv.state.awaiting.clone() {
            _ if conv.customer.id != by.id => {
                let told = Action::Ephemeral {
                    user: by.id.clone(),
                    text: phrases::not_your_buttons(conv.lang),
                };
                turn.push(None, None, told);
                turn.refuse(Refusal::NotYours);
                return turn.finish().await;
            }
            // A form from under an earlier answer is no longer about this one.
            _ if !conv.state.is_current(offer) => {
                let told = Action::Ephemeral {
                    user: by.id.clone(),
                    text: phrases::stale_button(conv.lang),
                };
                turn.push(None, None, told);
                turn.refuse(Refusal::Stale);
                return turn.finish().await;
            }
            Awaiting::Feedback {
                answer,
                entry_id,
                kind: Kind::Fix,
            } => {
                feedback_on(&mut turn, &mut conv, answer, Feedback::StillBroken).await?;
                conv.state.awaiting = Awaiting::Details {
                    entry_id,
                    missing: Vec::new(),
                    answers: given,
                };
            }
            Awaiting::Details {
                entry_id,
                mut answers,
                ..
            } => {
                answers.extend(given);
                conv.state.awaiting = Awaiting::Details {
                    entry_id,
                    missing: Vec::new(),
                    answers,
                };
            }
            _ => {
                let told = Action::Ephemeral {
                    user: by.id.clone(),
                    text: phrases::stale_button(conv.lang),
                };
                turn.push(None, None, told);
                turn.refuse(Refusal::Stale);
                return turn.finish().await;
            }
        }
        conv.customer_returns(now);
        self.escalate(&mut turn, &mut conv, Reason::FixDidNotHelp, source)
            .await?;
        turn.tx.save_conversation(&conv).await?;
        turn.finish().await
    }
}

/// Puts a question for a detail to the customer.
fn ask(turn: &mut Turn, conv: &Conversation, text: String) {
    let action = Action::Say {
        thread: conv.thread.clone(),
        text,
        buttons: Vec::new(),
    };
    turn.push(Some(conv.id), None, action);
}

/// The answers collected while asking for details, for the ticket.
pub(super) fn collected(conv: &Conversation) -> Vec<Detail> {
    match &conv.state.awaiting {
        Awaiting::Details { answers, .. } => answers.clone(),
        _ => Vec::new(),
    }
}
