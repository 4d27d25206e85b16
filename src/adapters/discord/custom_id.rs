//! The `custom_id` of the bot's buttons: `fl:<action>:<id>[.<offer>][:<arg>]`,
//! for example `fl:nw:42.3` (*Not what I asked* in conversation 42, under its
//! third answer or *did you mean*), `fl:ch:42.4:1` (the second choice of its
//! fourth) or `fl:rt:7:5` (five stars for ticket 7). It carries only numbers
//! the store can look up and check (is offer 3 the latest of conversation
//! 42, is the presser its customer?); anything a client sends is untrusted,
//! so parsing is strict and a forged or garbled id is an error, never a
//! guess. Whether the id is still *active* is for the store to say.

use std::fmt;
use std::str::FromStr;

/// Every id starts with this, so foreign components are told apart at once.
const PREFIX: &str = "fl";

/// Discord's limit on a `custom_id`, in characters.
pub const CUSTOM_ID_LIMIT: usize = 100;

pub use crate::domain::ButtonAction;

/// The most *did you mean* choices one message offers (Discord: 5 buttons a row).
pub const MAX_CHOICE_BUTTONS: u8 = 5;

/// A parsed button id: an action on a store record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ButtonId {
    /// What to do.
    pub action: ButtonAction,
    /// The record it applies to: the conversation for answer and choice
    /// buttons, the ticket for [`ButtonAction::Claim`] and [`ButtonAction::Rate`].
    pub id: i64,
    /// Which of the conversation's answers or *did you mean*s the button is
    /// under (`State::offer`); `None` on buttons without one (and on those
    /// posted before buttons carried it).
    pub offer: Option<u64>,
}

/// Why a `custom_id` was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a frontline button id: {0:?}")]
pub struct BadButtonId(pub String);

impl ButtonId {
    /// A button id for `action` on record `id`.
    pub fn new(action: ButtonAction, id: i64) -> Self {
        ButtonId {
            action,
            id,
            offer: None,
        }
    }

    /// The same button, under offer `offer` of its conversation.
    pub fn under(self, offer: u64) -> Self {
        ButtonId {
            offer: Some(offer),
            ..self
        }
    }

    fn code(self) -> (&'static str, Option<u8>) {
        match self.action {
            ButtonAction::Solved => ("ok", None),
            ButtonAction::NotWhatIAsked => ("nw", None),
            ButtonAction::TalkToHuman => ("hu", None),
            ButtonAction::FixedIt => ("fx", None),
            ButtonAction::StillBroken => ("sb", None),
            ButtonAction::Choose(n) => ("ch", Some(n)),
            ButtonAction::Rate(n) => ("rt", Some(n)),
            ButtonAction::Claim => ("cl", None),
        }
    }
}

impl fmt::Display for ButtonId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (code, arg) = self.code();
        write!(f, "{PREFIX}:{code}:{}", self.id)?;
        if let Some(offer) = self.offer {
            write!(f, ".{offer}")?;
        }
        if let Some(arg) = arg {
            write!(f, ":{arg}")?;
        }
        Ok(())
    }
}

impl FromStr for ButtonId {
    type Err = BadButtonId;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        parse(raw).ok_or_else(|| BadButtonId(raw.chars().take(CUSTOM_ID_LIMIT).collect()))
    }
}

fn parse(raw: &str) -> Option<ButtonId> {
    if raw.len() > CUSTOM_ID_LIMIT {
        return None;
    }
    let mut parts = raw.split(':');
    if parts.next()? != PREFIX {
        return None;
    }
    let code = parts.next()?;
    let record = parts.next()?;
    let (id, offer) = match record.split_once('.') {
        Some((id, offer)) => (id, Some(number::<u64>(offer)?)),
        None => (record, None),
    };
    let id = number::<i64>(id).filter(|&id| id > 0)?;
    let arg = parts.next().map(number::<u8>);
    if parts.next().is_some() {
        return None;
    }
    let action = match (code, arg) {
        ("ok", None) => ButtonAction::Solved,
        ("nw", None) => ButtonAction::NotWhatIAsked,
        ("hu", None) => ButtonAction::TalkToHuman,
        ("fx", None) => ButtonAction::FixedIt,
        ("sb", None) => ButtonAction::StillBroken,
        ("cl", None) => ButtonAction::Claim,
        ("ch", Some(Some(n))) if n < MAX_CHOICE_BUTTONS => ButtonAction::Choose(n),
        ("rt", Some(Some(n))) if (1..=5).contains(&n) => ButtonAction::Rate(n),
        _ => return None,
    };
    // Only a conversation's buttons are under one of its offers.
    if offer.is_some() && matches!(action, ButtonAction::Claim | ButtonAction::Rate(_)) {
        return None;
    }
    Some(ButtonId { action, id, offer })
}

/// A plain decimal number: digits only, no sign, no leading zero.
fn number<T: FromStr>(s: &str) -> Option<T> {
    let plain =
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'));
    if plain { s.parse().ok() } else { None }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_action() -> Vec<ButtonAction> {
        let mut all = vec![
            ButtonAction::Solved,
            ButtonAction::NotWhatIAsked,
            ButtonAction::TalkToHuman,
            ButtonAction::FixedIt,
            ButtonAction::StillBroken,
            ButtonAction::Claim,
        ];
        all.extend((0..MAX_CHOICE_BUTTONS).map(ButtonAction::Choose));
        all.extend((1..=5).map(ButtonAction::Rate));
        all
    }

    #[test]
    fn every_button_survives_the_round_trip() {
        for action in every_action() {
            for id in [1, 42, i64::MAX] {
                let mut buttons = vec![ButtonId::new(action, id)];
                if !matches!(action, ButtonAction::Claim | ButtonAction::Rate(_)) {
                    buttons.extend([0, 3, u64::MAX].map(|o| ButtonId::new(action, id).under(o)));
                }
                for button in buttons {
                    let text = button.to_string();
                    assert!(text.len() <= CUSTOM_ID_LIMIT, "{text}");
                    assert_eq!(text.parse::<ButtonId>(), Ok(button), "{text}");
                }
            }
        }
    }

    #[test]
    fn ids_read_as_documented() {
        assert_eq!(
            ButtonId::new(ButtonAction::NotWhatIAsked, 42).to_string(),
            "fl:nw:42"
        );
        assert_eq!(
            ButtonId::new(ButtonAction::Rate(5), 7).to_string(),
            "fl:rt:7:5"
        );
        assert_eq!(
            ButtonId::new(ButtonAction::NotWhatIAsked, 42)
                .under(3)
                .to_string(),
            "fl:nw:42.3"
        );
        assert_eq!(
            "fl:ch:42.4:1".parse(),
            Ok(ButtonId::new(ButtonAction::Choose(1), 42).under(4))
        );
        assert_eq!("fl:cl:9".parse(), Ok(ButtonId::new(ButtonAction::Claim, 9)));
    }

    #[test]
    fn forged_or_garbled_ids_are_refused() {
        for raw in [
            "",
            "fl",
            "fl:",
            "fl:ok",
            "fl:ok:",
            "xx:ok:1",
            "FL:ok:1",
            "fl:zz:1",
            "fl:ok:0",
            "fl:ok:-1",
            "fl:ok:+1",
            "fl:ok:01",
            "fl:ok: 1",
            "fl:ok:1:",
            "fl:ok:1:2",
            "fl:ok:1:2:3",
            "fl:rt:1",
            "fl:rt:1:0",
            "fl:rt:1:6",
            "fl:rt:1:256",
            "fl:ch:1:5",
            "fl:ch:1:x",
            "fl:ok:9223372036854775808",
            "fl:ok:1\n",
            "fl:ok:1.",
            "fl:ok:.1",
            "fl:ok:1.01",
            "fl:ok:1.2.3",
            "fl:ok:1.-2",
            "fl:ch:1.2",
            "fl:cl:9.1",
            "fl:rt:7.1:5",
            "fl:ok:١",
        ] {
            assert!(raw.parse::<ButtonId>().is_err(), "accepted {raw:?}");
        }
    }

    #[test]
    fn an_overlong_id_is_refused_and_not_echoed_whole() {
        let raw = format!("fl:ok:1{}", "0".repeat(500));
        let err = raw.parse::<ButtonId>().unwrap_err();
        assert_eq!(err.0.chars().count(), CUSTOM_ID_LIMIT);
    }
}
