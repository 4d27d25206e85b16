//! Buttons a customer presses: feedback on an answer or fix, a *did you
//! mean* choice, a rating. A button counts only if it belongs to what the
//! bot is waiting for and only for the customer who asked.

use chrono::{DateTime, Utc};

use super::Engine;
use super::phrases;
use super::turn::{LogLine, Turn};
use crate::brain::Brain;
use crate::domain::{
    Action, AnswerId, Awaiting, Button, Conversation, Feedback, Outcome, Person, Pressed, Rating,
    Reason, Refusal, SourceKey, ThreadRef, TicketId,
};
use crate::knowledge::{Kind, Lang};
use crate::store::{ActorKind, StoreError, Via};

impl Engine {
    pub(super) async fn on_press(
        &self,
        source: &SourceKey,
        thread: &ThreadRef,
        by: &Person,
        (pressed, offer): (&Pressed, Option<u64>),
        now: DateTime<Utc>,
    ) -> Result<Outcome, StoreError> {
        let brain = self.brain.get();
        let Some(mut conv) = self.store.conversation_by_thread(thread).await? else {
            let mut turn = Turn::begin(&*self.store, now).await?;
            let lang = brain.settings().default_lang.0;
            turn.push(None, None, ephemeral(by, phrases::no_conversation(lang)));
            turn.refuse(Refusal::NotFound);
            return turn.finish().await;
        };
        // What the button means now; `None` when it no longer acts.
        let button = match pressed {
            Pressed::Meaning(button) => Some(button.clone()),
            Pressed::Id { action, record } => conv.button(*action, *record, offer),
        }
        .filter(|_| conv.state.is_current(offer));
        let mut turn = Turn::begin(&*self.store, now).await?;
        let label = match &button {
            Some(button) => phrases::label(button, Lang::En, None),
            None => "(a button no longer active)".to_owned(),
        };
        let line = LogLine {
            conversation: conv.id,
            ticket: conv.ticket,
            actor: ActorKind::Customer,
            person: Some(by),
            kind: "press",
            text: &label,
            source: Some(source),
        };
        if !turn.log(line).await? {
            return Ok(Outcome::repeated());
        }
        if by.id != conv.customer.id {
            turn.push(
                None,
                None,
                ephemeral(by, phrases::not_your_buttons(conv.lang)),
            );
            turn.refuse(Refusal::NotYours);
            return turn.finish().await;
        }
        let Some(button) = button else {
            turn.push(None, None, ephemeral(by, phrases::stale_button(conv.lang)));
            turn.refuse(Refusal::Stale);
            return turn.finish().await;
        };
        conv.touch(now);
        self.pressed(&brain, &mut turn, &mut conv, source, &button)
            .await?;
        turn.tx.save_conversation(&conv).await?;
        turn.finish().await
    }

    async fn pressed(
        &self,
        brain: &Brain,
        turn: &mut Turn,
        conv: &mut Conversation,
        source: &SourceKey,
        button: &Button,
    ) -> Result<(), StoreError> {
        let customer = conv.customer.clone();
        match (conv.state.awaiting.clone(), button) {
            (Awaiting::Feedback { answer, kind, .. }, Button::Solved | Button::FixedIt)
                if kind_fits(kind, button) =>
            {
                let feedback = if kind == Kind::Fix {
                    Feedback::FixedIt
                } else {
                    Feedback::Solved
                };
                feedback_on(turn, conv, answer, feedback).await?;
                conv.state.new_topic();
                say(turn, conv, phrases::glad(conv.lang));
            }
            (
                Awaiting::Feedback {
                    answer, entry_id, ..
                },
                Button::NotWhatIAsked,
            ) => {
                feedback_on(turn, conv, answer, Feedback::NotWhatIAsked).await?;
                conv.state.rejected.push(entry_id);
                let decision = self.triage_topic(brain, conv);
                self.respond(
                    brain,
                    turn,
                    conv,
                    &decision,
                    Via::Next,
                    Reason::NothingElseFits,
                    source,
                )
                .await?;
            }
            (Awaiting::Feedback { answer, .. }, Button::TalkToHuman) => {
                feedback_on(turn, conv, answer, Feedback::TalkToHuman).await?;
                self.escalate(turn, conv, Reason::AskedForHuman, source)
                    .await?;
            }
            (
                Awaiting::Feedback {
                    answer,
                    kind: Kind::Fix,
                    entry_id,
                },
                Button::StillBroken,
            ) => {
                feedback_on(turn, conv, answer, Feedback::StillBroken).await?;
                self.fix_failed(brain, turn, conv, &entry_id, source)
                    .await?;
            }
            (Awaiting::Choice { entries }, Button::Choose(id)) if entries.contains(id) => {
                match brain.knowledge().position(id) {
                    Some(ix) => {
                        let entry = brain.knowledge().entry(ix);
                        self.give_answer(turn, conv, entry, 0.0, Via::Choice, Vec::new())
                            .await?;
                    }
                    None => {
                        conv.state.awaiting = Awaiting::Question;
                        say(turn, conv, phrases::entry_gone(conv.lang));
                    }
                }
            }
            (
                Awaiting::Choice { .. }
                | Awaiting::Notice { .. }
                | Awaiting::ContractOffer
                | Awaiting::Details { .. },
                Button::TalkToHuman,
            ) => {
                self.escalate(turn, conv, Reason::AskedForHuman, source)
                    .await?;
            }
            (Awaiting::Rating { ticket }, Button::Rate(rating)) => {
                rate(turn, conv, ticket, *rating).await?;
            }
            (Awaiting::Human { .. }, _) => {
                turn.push(
                    None,
                    None,
                    ephemeral(&customer, phrases::with_staff(conv.lang)),
                );
                turn.refuse(Refusal::WithStaff);
            }
            _ => {
                turn.push(
                    None,
                    None,
                    ephemeral(&customer, phrases::stale_button(conv.lang)),
                );
                turn.refuse(Refusal::Stale);
            }
        }
        Ok(())
    }
}

/// *Solved* belongs to FAQ answers, *Fixed it* to documented fixes.
fn kind_fits(kind: Kind, button: &Button) -> bool {
    matches!(
        (kind, button),
        (Kind::Faq, Button::Solved) | (Kind::Fix, Button::FixedIt)
    )
}

pub(super) async fn feedback_on(
    turn: &mut Turn,
    conv: &mut Conversation,
    answer: AnswerId,
    feedback: Feedback,
) -> Result<(), StoreError> {
    turn.tx.record_feedback(answer, feedback, turn.now).await?;
    if let Some(o) = conv.state.offered.iter_mut().find(|o| o.answer == answer) {
        o.feedback = Some(feedback);
    }
    Ok(())
}

async fn rate(
    turn: &mut Turn,
    conv: &mut Conversation,
    ticket: TicketId,
    rating: Rating,
) -> Result<(), StoreError> {
    turn.tx.rate(ticket, rating).await?;
    turn.log(LogLine {
        conversation: conv.id,
        ticket: Some(ticket),
        actor: ActorKind::Customer,
        person: Some(&conv.customer.clone()),
        kind: "rated",
        text: &rating.stars().to_string(),
        source: None,
    })
    .await?;
    conv.state.awaiting = Awaiting::Question;
    say(turn, conv, phrases::rated(conv.lang, rating));
    Ok(())
}

fn say(turn: &mut Turn, conv: &Conversation, text: String) {
    let action = Action::Say {
        thread: conv.thread.clone(),
        text,
        buttons: Vec::new(),
    };
    turn.push(Some(conv.id), None, action);
}

fn ephemeral(to: &Person, text: String) -> Action {
    Action::Ephemeral {
        user: to.id.clone(),
        text,
    }
}
