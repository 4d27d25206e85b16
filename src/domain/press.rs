//! A pressed button, as any client sends it (what it does, the record it is
//! on, the answer or *did you mean* it is under), and what it means for a
//! conversation: the one rule for telling an active button from a stale one,
//! pure, so that it is tested without a database and no adapter repeats it.

use super::conversation::{Awaiting, Conversation, State};
use super::inbound::{Button, Rating};

/// What a button does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ButtonAction {
    /// The FAQ answer solved it.
    Solved,
    /// Show the next candidate instead.
    NotWhatIAsked,
    /// Hand over to a human.
    TalkToHuman,
    /// The documented fix worked.
    FixedIt,
    /// The documented fix did not help.
    StillBroken,
    /// The n-th *did you mean* choice (0-based).
    Choose(u8),
    /// A rating of 1 to 5 stars.
    Rate(u8),
    /// A member of staff claims the ticket.
    Claim,
}

impl State {
    /// Whether a button under offer `offer` is under the latest answer or
    /// *did you mean* (buttons without an offer predate offers and count as
    /// current).
    pub fn is_current(&self, offer: Option<u64>) -> bool {
        offer.is_none_or(|offer| offer == self.offer)
    }
}

impl Conversation {
    /// What the customer's button `action` on record `id` (this
    /// conversation, or for a rating its ticket) under `offer` means now;
    /// `None` when it is no longer active: another conversation's, under an
    /// earlier answer or *did you mean*, a choice or rating this
    /// conversation no longer waits for, or a staff button. Whether the
    /// presser is the customer is the engine's to check.
    pub fn button(&self, action: ButtonAction, id: i64, offer: Option<u64>) -> Option<Button> {
        match (action, &self.state.awaiting) {
            (ButtonAction::Rate(n), Awaiting::Rating { ticket }) if ticket.0 == id => {
                Rating::try_from(n).ok().map(Button::Rate)
            }
            (ButtonAction::Rate(_) | ButtonAction::Claim, _) => None,
            _ if self.id.0 != id || !self.state.is_current(offer) => None,
            (ButtonAction::Choose(n), Awaiting::Choice { entries }) => {
                entries.get(usize::from(n)).cloned().map(Button::Choose)
            }
            (ButtonAction::Choose(_), _) => None,
            (ButtonAction::Solved, _) => Some(Button::Solved),
            (ButtonAction::NotWhatIAsked, _) => Some(Button::NotWhatIAsked),
            (ButtonAction::TalkToHuman, _) => Some(Button::TalkToHuman),
            (ButtonAction::FixedIt, _) => Some(Button::FixedIt),
            (ButtonAction::StillBroken, _) => Some(Button::StillBroken),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ConversationId, Person, Status, ThreadRef, TicketId};

    fn conversation(awaiting: Awaiting, offer: u64) -> Conversation {
        let now = chrono::Utc::now();
        let mut c = Conversation {
            id: ConversationId(7),
            thread: ThreadRef("console:1".into()),
            customer: Person::new("console:ana", "Ana"),
            lang: crate::knowledge::Lang::En,
            status: Status::Open,
            state: State::default(),
            ticket: None,
            opened_at: now,
            last_activity_at: now,
            notice_sent_at: None,
            version: 1,
        };
        c.state.awaiting = awaiting;
        c.state.offer = offer;
        c
    }

    fn choice() -> Awaiting {
        Awaiting::Choice {
            entries: vec!["vpn".into(), "mail".into()],
        }
    }

    #[test]
    fn a_button_under_the_latest_offer_acts() {
        let c = conversation(choice(), 3);
        assert_eq!(
            c.button(ButtonAction::Choose(1), 7, Some(3)),
            Some(Button::Choose("mail".into()))
        );
        assert_eq!(
            c.button(ButtonAction::TalkToHuman, 7, Some(3)),
            Some(Button::TalkToHuman)
        );
        // Buttons posted before they carried an offer still act.
        assert_eq!(
            c.button(ButtonAction::Solved, 7, None),
            Some(Button::Solved)
        );
    }

    #[test]
    fn a_button_under_an_earlier_offer_or_of_another_conversation_is_stale() {
        let c = conversation(choice(), 3);
        assert_eq!(c.button(ButtonAction::Choose(0), 7, Some(2)), None);
        assert_eq!(c.button(ButtonAction::Solved, 7, Some(2)), None);
        assert_eq!(c.button(ButtonAction::Solved, 8, Some(3)), None);
    }

    #[test]
    fn a_choice_acts_only_while_choices_are_offered_and_only_within_them() {
        assert_eq!(
            conversation(choice(), 3).button(ButtonAction::Choose(2), 7, Some(3)),
            None
        );
        assert_eq!(
            conversation(Awaiting::Question, 3).button(ButtonAction::Choose(0), 7, Some(3)),
            None
        );
    }

    #[test]
    fn a_rating_acts_only_for_the_ticket_awaiting_it() {
        let c = conversation(
            Awaiting::Rating {
                ticket: TicketId(5),
            },
            3,
        );
        let five = Rating::try_from(5).unwrap();
        assert_eq!(
            c.button(ButtonAction::Rate(5), 5, None),
            Some(Button::Rate(five))
        );
        assert_eq!(c.button(ButtonAction::Rate(5), 6, None), None);
        assert_eq!(c.button(ButtonAction::Rate(9), 5, None), None);
        let waiting = conversation(
            Awaiting::Human {
                ticket: TicketId(5),
            },
            3,
        );
        assert_eq!(waiting.button(ButtonAction::Rate(5), 5, None), None);
    }

    #[test]
    fn claim_is_not_a_customer_button() {
        assert_eq!(
            conversation(choice(), 3).button(ButtonAction::Claim, 7, Some(3)),
            None
        );
    }
}
