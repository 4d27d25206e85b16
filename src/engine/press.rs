//! Buttons a customer presses: feedback on an answer or fix, a *did you
//! mean* choice, a rating. A button counts only if it belongs to what the
//! bot is waiting for and only for the customer who asked.

use chrono::{DateTime, Utc};

use super::Engine;
use super::phrases;
use super::turn::{LogLine, Turn};
use crate::brain::Brain;
use crate::domain::{
    Action, AnswerId, Awaiting, Button, Conversation, Decided, Feedback, Person, Pressed, Rating,
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
    ) -> Result<Decided, StoreError> {
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
            return Ok(Decided::repeated());
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
        match effect(&conv.state.awaiting, button) {
            Effect::Thanks { answer, feedback } => {
                feedback_on(turn, conv, answer, feedback).await?;
                conv.state.new_topic();
                say(turn, conv, phrases::glad(conv.lang));
            }
            Effect::NextCandidate { answer, rejected } => {
                feedback_on(turn, conv, answer, Feedback::NotWhatIAsked).await?;
                conv.state.rejected.push(rejected);
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
            Effect::Human { answer } => {
                if let Some(answer) = answer {
                    feedback_on(turn, conv, answer, Feedback::TalkToHuman).await?;
                }
                self.escalate(turn, conv, Reason::AskedForHuman, source)
                    .await?;
            }
            Effect::FixFailed { answer, fix } => {
                feedback_on(turn, conv, answer, Feedback::StillBroken).await?;
                self.fix_failed(brain, turn, conv, &fix, source).await?;
            }
            Effect::Choose(id) => match brain.knowledge().position(&id) {
                Some(ix) => {
                    let entry = brain.knowledge().entry(ix);
                    self.give_answer(turn, conv, entry, 0.0, Via::Choice, Vec::new())
                        .await?;
                }
                None => {
                    conv.state.awaiting = Awaiting::Question;
                    say(turn, conv, phrases::entry_gone(conv.lang));
                }
            },
            Effect::Rate { ticket, rating } => rate(turn, conv, ticket, rating).await?,
            Effect::Refused(why) => {
                let text = match why {
                    Refusal::WithStaff => phrases::with_staff(conv.lang),
                    _ => phrases::stale_button(conv.lang),
                };
                turn.push(None, None, ephemeral(&conv.customer, text));
                turn.refuse(why);
            }
        }
        Ok(())
    }
}

/// What a customer's button does, given what the conversation waits for.
#[derive(Debug, Clone, PartialEq)]
enum Effect {
    /// The answer or fix helped: feedback recorded, thanks said.
    Thanks {
        answer: AnswerId,
        feedback: Feedback,
    },
    /// *Not what I asked*: the entry is rejected and the next one tried.
    NextCandidate { answer: AnswerId, rejected: String },
    /// A human is asked for (as feedback on the answer shown, if one is).
    Human { answer: Option<AnswerId> },
    /// *Still broken* under a documented fix.
    FixFailed { answer: AnswerId, fix: String },
    /// A *did you mean* choice.
    Choose(String),
    /// The rating of a resolved ticket.
    Rate { ticket: TicketId, rating: Rating },
    /// Nothing: the button does not fit what the conversation waits for.
    Refused(Refusal),
}

/// The rule for a customer's button in a conversation waiting for
/// `awaiting`: pure, so every pair is tested without a database.
fn effect(awaiting: &Awaiting, button: &Button) -> Effect {
    match (awaiting, button) {
        (Awaiting::Feedback { answer, kind, .. }, Button::Solved | Button::FixedIt)
            if kind_fits(*kind, button) =>
        {
            let feedback = if *kind == Kind::Fix {
                Feedback::FixedIt
            } else {
                Feedback::Solved
            };
            Effect::Thanks {
                answer: *answer,
                feedback,
            }
        }
        (
            Awaiting::Feedback {
                answer, entry_id, ..
            },
            Button::NotWhatIAsked,
        ) => Effect::NextCandidate {
            answer: *answer,
            rejected: entry_id.clone(),
        },
        (Awaiting::Feedback { answer, .. }, Button::TalkToHuman) => Effect::Human {
            answer: Some(*answer),
        },
        (
            Awaiting::Feedback {
                answer,
                kind: Kind::Fix,
                entry_id,
            },
            Button::StillBroken,
        ) => Effect::FixFailed {
            answer: *answer,
            fix: entry_id.clone(),
        },
        (Awaiting::Choice { entries }, Button::Choose(id)) if entries.contains(id) => {
            Effect::Choose(id.clone())
        }
        (
            Awaiting::Choice { .. }
            | Awaiting::Notice { .. }
            | Awaiting::ContractOffer
            | Awaiting::Details { .. },
            Button::TalkToHuman,
        ) => Effect::Human { answer: None },
        (Awaiting::Rating { ticket }, Button::Rate(rating)) => Effect::Rate {
            ticket: *ticket,
            rating: *rating,
        },
        (Awaiting::Human { .. }, _) => Effect::Refused(Refusal::WithStaff),
        _ => Effect::Refused(Refusal::Stale),
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

#[cfg(test)]
mod tests {
    use super::{Effect, effect};
    use crate::domain::{AnswerId, Awaiting, Button, Feedback, Rating, Refusal, TicketId};
    use crate::knowledge::Kind;

    fn shown(kind: Kind) -> Awaiting {
        Awaiting::Feedback {
            answer: AnswerId(4),
            entry_id: "en/vpn".into(),
            kind,
        }
    }

    fn five() -> Rating {
        Rating::try_from(5).unwrap()
    }

    #[test]
    fn under_an_answer_each_button_does_its_own_thing() {
        let faq = shown(Kind::Faq);
        let fix = shown(Kind::Fix);
        let thanks = |feedback| Effect::Thanks {
            answer: AnswerId(4),
            feedback,
        };
        assert_eq!(effect(&faq, &Button::Solved), thanks(Feedback::Solved));
        assert_eq!(effect(&fix, &Button::FixedIt), thanks(Feedback::FixedIt));
        let next = Effect::NextCandidate {
            answer: AnswerId(4),
            rejected: "en/vpn".into(),
        };
        assert_eq!(effect(&faq, &Button::NotWhatIAsked), next);
        assert_eq!(effect(&fix, &Button::NotWhatIAsked), next);
        let human = Effect::Human {
            answer: Some(AnswerId(4)),
        };
        assert_eq!(effect(&faq, &Button::TalkToHuman), human);
        assert_eq!(
            effect(&fix, &Button::StillBroken),
            Effect::FixFailed {
                answer: AnswerId(4),
                fix: "en/vpn".into()
            }
        );
    }

    #[test]
    fn a_button_of_the_other_kind_of_answer_does_nothing() {
        let stale = Effect::Refused(Refusal::Stale);
        assert_eq!(effect(&shown(Kind::Faq), &Button::FixedIt), stale);
        assert_eq!(effect(&shown(Kind::Faq), &Button::StillBroken), stale);
        assert_eq!(effect(&shown(Kind::Fix), &Button::Solved), stale);
        assert_eq!(effect(&shown(Kind::Faq), &Button::Rate(five())), stale);
    }

    #[test]
    fn a_choice_counts_only_if_it_was_offered() {
        let choice = Awaiting::Choice {
            entries: vec!["en/vpn".into(), "en/mail".into()],
        };
        assert_eq!(
            effect(&choice, &Button::Choose("en/mail".into())),
            Effect::Choose("en/mail".into())
        );
        assert_eq!(
            effect(&choice, &Button::Choose("en/printer".into())),
            Effect::Refused(Refusal::Stale)
        );
        assert_eq!(
            effect(&Awaiting::Question, &Button::Choose("en/vpn".into())),
            Effect::Refused(Refusal::Stale)
        );
    }

    #[test]
    fn talk_to_a_human_works_wherever_the_bot_waits_for_the_customer() {
        let waits = [
            Awaiting::Choice { entries: vec![] },
            Awaiting::Notice {
                notice: "mail-outage".into(),
            },
            Awaiting::ContractOffer,
            Awaiting::Details {
                entry_id: "en/vpn".into(),
                missing: vec![],
                answers: vec![],
            },
        ];
        for awaiting in waits {
            assert_eq!(
                effect(&awaiting, &Button::TalkToHuman),
                Effect::Human { answer: None },
                "{awaiting:?}"
            );
        }
        assert_eq!(
            effect(&Awaiting::Question, &Button::TalkToHuman),
            Effect::Refused(Refusal::Stale)
        );
    }

    #[test]
    fn a_rating_counts_when_asked_for_and_staff_keep_the_rest_waiting() {
        let rating = Awaiting::Rating {
            ticket: TicketId(9),
        };
        assert_eq!(
            effect(&rating, &Button::Rate(five())),
            Effect::Rate {
                ticket: TicketId(9),
                rating: five()
            }
        );
        assert_eq!(
            effect(&rating, &Button::Solved),
            Effect::Refused(Refusal::Stale)
        );
        let human = Awaiting::Human {
            ticket: TicketId(9),
        };
        for button in [Button::Solved, Button::TalkToHuman, Button::Rate(five())] {
            assert_eq!(effect(&human, &button), Effect::Refused(Refusal::WithStaff));
        }
    }
}
