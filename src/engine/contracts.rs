//! The customer's maintenance contract in a conversation: which one covers
//! them (looked up at each of their messages, from who they are and, on
//! Discord, their roles), a question about it answered from their own
//! contract and only to them, and a request for remote maintenance from a
//! customer whose contract does not include it answered with what a
//! contract would include and how to get one. Where the knowledge has no
//! contracts, none of this applies: nobody is told they lack one.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use regex::Regex;

use super::message::offer;
use super::phrases;
use super::turn::Turn;
use crate::domain::{Action, Awaiting, Button, Conversation};
use crate::knowledge::{Asker, Contracts, Service};

/// "my contract", "unser Wartungsvertrag": the customer's own contract.
static OWN_CONTRACT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(?:(?:my|our)\s+(?:maintenance\s+|service\s+|support\s+)?(?:contract|agreement|sla)|(?:mein|meine|meinen|meinem|meines|unser|unsere|unseren|unserem|unseres)\s+(?:wartungs|service|support)?vertrag(?:s|es)?)\b",
    )
    .expect("a valid pattern")
});

/// Whole questions about which contract the customer has.
static WHICH_CONTRACT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^\W*(?:(?:what'?s|what is|which is)\s+(?:in\s+)?(?:my|our)\s+(?:maintenance\s+|service\s+|support\s+)?(?:contract|agreement|sla|plan)|(?:which|what)\s+(?:kind of\s+)?(?:maintenance\s+|service\s+|support\s+)?(?:contract|agreement|sla|plan)\s+do\s+(?:i|we)\s+have|do\s+(?:i|we)\s+have\s+an?\s+(?:maintenance\s+|service\s+|support\s+)?(?:contract|agreement|sla)|(?:welchen|was für einen)\s+(?:wartungs|service|support)?vertrag\s+(?:habe ich|haben wir)|(?:habe ich|haben wir)\s+(?:einen\s+)?(?:wartungs|service|support)?vertrag)\b[^.!?]*[.!?]?\W*$",
    )
    .expect("a valid pattern")
});

/// Words that ask what it says, as opposed to how to end or pay it.
static ABOUT_TERMS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(?:cover|covers|covered|coverage|include|includes|included|scope|level|response|resolution|valid|expire|expires|details|terms|umfasst|umfang|abgedeckt|deckt|enthalten|enthält|beinhaltet|inklusive|leistung|leistungen|reaktionszeit|gültig|läuft|bedingungen|details|part|teil)\b",
    )
    .expect("a valid pattern")
});

/// Questions about a contract that its terms do not answer.
static NOT_TERMS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:cancel\w*|terminat\w*|notice period|kündig\w*|kuendig\w*|invoice\w*|rechnung\w*|price|prices|cost|costs|kosten|preis\w*)\b")
        .expect("a valid pattern")
});

/// A request for remote maintenance or diagnosis.
static REMOTE: LazyLock<Regex> = LazyLock::new(|| {
    // Not remote access as such ("connect to the office remotely",
    // "Fernzugriff von zu Hause"): that is the VPN.
    Regex::new(
        r"(?i)\b(?:remote\s+(?:maintenance|support|session|diagnos\w*|assistance|help|repair)|(?:look|check|fix|repair|help)\w*\s+(?:\w+\s+){0,4}remotely|remotely\s+(?:and\s+)?(?:look|check|fix|repair|help)\w*|(?:connect|log\s*in|dial\s+in)\w*\s+(?:\w+\s+){0,3}(?:my|our)\s+(?:pc|computer|laptop|server|machine|desktop)\s+remotely|fernwartung\w*|ferndiagnose\w*|fernsupport\w*|fernhilfe|aufschalten|aufschaltung)\b",
    )
    .expect("a valid pattern")
});

/// Whether `text` asks what the customer's own contract covers.
pub fn asks_about_own_contract(text: &str) -> bool {
    !NOT_TERMS.is_match(text)
        && (WHICH_CONTRACT.is_match(text)
            || OWN_CONTRACT.is_match(text) && ABOUT_TERMS.is_match(text))
}

/// Whether `text` asks for remote maintenance or diagnosis.
pub fn asks_for_remote(text: &str) -> bool {
    REMOTE.is_match(text)
}

/// Notes in `conv` the valid contract covering its customer (with their
/// platform `roles`) at `now`. Where the roles are unknown (a DM), a
/// contract found by them before stands unless one names the customer.
pub(super) fn note(
    contracts: &Contracts,
    conv: &mut Conversation,
    roles: Option<&[String]>,
    now: DateTime<Utc>,
) {
    let asker = Asker {
        id: &conv.customer.id.0,
        roles: roles.unwrap_or_default(),
    };
    let found = contracts.covering(asker, now).map(|c| c.id.clone());
    if found.is_some() || roles.is_some() {
        conv.state.contract = found;
    }
}

/// What [`answer`] did with a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Replied {
    /// Nothing: it is not about the customer's contract (or the knowledge
    /// has no contracts); triage goes on.
    No,
    /// It was about their contract and is answered.
    Answered,
    /// It asks for remote maintenance their contract does not include:
    /// they were told what a contract would include. The FAQ's answer, if
    /// it has one (how to start a session), may still follow; else they
    /// have *Talk to a human*.
    Offered,
}

/// Answers the customer's message when it is about their contract: their
/// own terms, privately; or, asking for remote maintenance their contract
/// does not include, what a contract would include.
pub(super) fn answer(
    contracts: &Contracts,
    turn: &mut Turn,
    conv: &mut Conversation,
    text: &str,
) -> Replied {
    if contracts.is_empty() {
        return Replied::No;
    }
    let own = conv
        .state
        .contract
        .as_deref()
        .and_then(|id| contracts.get(id));
    let about_own = asks_about_own_contract(text);
    let remote_missing = asks_for_remote(text) && !own.is_some_and(|c| c.includes(Service::Remote));
    if !about_own && !remote_missing {
        return Replied::No;
    }
    let thread = conv.thread.clone();
    match own {
        Some(contract) if about_own => {
            // Only the customer reads their terms: the thread may be public.
            let private = Action::Private {
                user: conv.customer.id.clone(),
                text: phrases::contract_terms(conv.lang, contract),
            };
            turn.push(Some(conv.id), None, private);
            let said = Action::Say {
                thread,
                text: phrases::contract_sent_privately(conv.lang),
                buttons: Vec::new(),
            };
            turn.push(Some(conv.id), None, said);
            // A question about the contract is not the problem a later
            // ticket is about.
            conv.state.new_topic();
            Replied::Answered
        }
        _ => {
            let said = Action::Say {
                thread,
                text: phrases::contract_offer(conv.lang, own),
                buttons: vec![offer(Button::TalkToHuman, conv)],
            };
            turn.push(Some(conv.id), None, said);
            conv.state.awaiting = Awaiting::ContractOffer;
            if about_own {
                Replied::Answered
            } else {
                Replied::Offered
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn questions_about_the_customers_own_contract_are_told_apart() {
        for asked in [
            "What does my contract cover?",
            "is remote support included in our maintenance contract",
            "what is the response time in my SLA",
            "Was umfasst mein Wartungsvertrag?",
            "Welche Leistungen sind in unserem Vertrag enthalten?",
            "Ist ein Ersatzsystem in meinem Vertrag inklusive?",
            "What's included in my maintenance contract?",
            "Is remote maintenance part of my contract?",
            "what's my SLA?",
            "Which contract do we have with you?",
            "Do I have a maintenance contract?",
            "Was deckt mein Vertrag ab?",
            "Welchen Wartungsvertrag haben wir?",
            "Haben wir einen Wartungsvertrag bei euch?",
        ] {
            assert!(asks_about_own_contract(asked), "{asked}");
        }
        for other in [
            "What does a maintenance contract cover?",
            "How do I cancel my contract?",
            "what is the notice period of my contract",
            "Wie kündige ich meinen Vertrag?",
            "Was kostet mein Wartungsvertrag?",
            "my contract number is 1234",
            "What is my contract's notice period?",
            "Do I have to sign a contract for a new laptop? The old one broke.",
            "Outlook does not start",
        ] {
            assert!(!asks_about_own_contract(other), "{other}");
        }
    }

    #[test]
    fn requests_for_remote_maintenance_are_recognised_in_both_languages() {
        for asked in [
            "Can you do remote maintenance on our server?",
            "can someone connect remotely and look at it",
            "Bitte per Fernwartung auf den Server schauen",
            "Ist eine Ferndiagnose möglich?",
            "Könnt ihr euch auf meinen Rechner aufschalten?",
            "Can you fix my laptop remotely?",
        ] {
            assert!(asks_for_remote(asked), "{asked}");
        }
        for other in [
            "My printer is offline",
            "Remote Desktop shows error 0x204",
            "Wartungsfenster am Samstag",
            "connect to the office remotely",
            "How do I get remote access from home?",
            "Fernzugriff von zu Hause einrichten",
        ] {
            assert!(!asks_for_remote(other), "{other}");
        }
    }
}
