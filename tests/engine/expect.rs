//! Reading what the bot did.

use frontline::engine::{Action, Button, Card, PingLevel, TicketId, UserId};
use frontline::knowledge::Kind;

/// The kinds of the actions, in order.
pub fn kinds(actions: &[Action]) -> Vec<&'static str> {
    actions.iter().map(Action::kind).collect()
}

/// An answer or fix shown to the customer.
#[derive(Debug)]
pub struct Shown {
    pub entry: String,
    pub kind: Kind,
    pub recognised: Vec<String>,
    pub buttons: Vec<Button>,
    pub labels: Vec<String>,
}

/// The answer among `actions`.
pub fn answer(actions: &[Action]) -> Shown {
    for a in actions {
        if let Action::Answer {
            source,
            kind,
            recognised,
            buttons,
            ..
        } = a
        {
            return Shown {
                entry: source.entry_id.clone(),
                kind: *kind,
                recognised: recognised.clone(),
                buttons: buttons.iter().map(|o| o.button.clone()).collect(),
                labels: buttons.iter().map(|o| o.label.clone()).collect(),
            };
        }
    }
    panic!("expected an answer, got {:?}", kinds(actions))
}

/// The *did you mean* buttons among `actions`.
pub fn choices(actions: &[Action]) -> Vec<Button> {
    for a in actions {
        if let Action::Choices { buttons, .. } = a {
            return buttons.iter().map(|o| o.button.clone()).collect();
        }
    }
    panic!("expected choices, got {:?}", kinds(actions))
}

/// The text of the bot's first plain message.
pub fn said(actions: &[Action]) -> String {
    for a in actions {
        if let Action::Say { text, .. } = a {
            return text.clone();
        }
    }
    panic!(
        "expected the bot to say something, got {:?}",
        kinds(actions)
    )
}

/// The ticket the customer was told about.
pub fn opened(actions: &[Action]) -> TicketId {
    for a in actions {
        if let Action::TicketOpened { ticket, .. } = a {
            return *ticket;
        }
    }
    panic!("expected a ticket, got {:?}", kinds(actions))
}

/// The staff card posted or updated.
pub fn card(actions: &[Action]) -> Card {
    for a in actions {
        if let Action::PostStaffCard(c) | Action::UpdateStaffCard(c) = a {
            return c.clone();
        }
    }
    panic!("expected a staff card, got {:?}", kinds(actions))
}

/// The private notice to `user`.
pub fn notice_to(actions: &[Action], user: &UserId) -> String {
    for a in actions {
        if let Action::Ephemeral { user: to, text } = a
            && to == user
        {
            return text.clone();
        }
    }
    panic!("expected a notice to {user}, got {actions:?}")
}

/// The levels of the pings among `actions`.
pub fn pings(actions: &[Action]) -> Vec<(TicketId, PingLevel)> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::PingStaff { ticket, level, .. } => Some((*ticket, *level)),
            _ => None,
        })
        .collect()
}
