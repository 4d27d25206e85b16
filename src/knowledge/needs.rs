//! What staff need to take over a problem a documented fix did not solve:
//! a fix's `needs:` (`host`, `error`, `session_code`, `user`). Before its
//! ticket opens, the customer is asked for each one they have not already
//! written; each kind knows its question in both languages, its short label
//! for a form and how to recognise it in what the customer wrote.

use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

use super::entry::Lang;

/// A detail staff need.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Need {
    /// The affected computer or server: host name or IP address.
    Host,
    /// The exact error message.
    Error,
    /// The code of a remote-support session the customer started.
    SessionCode,
    /// The affected user account.
    User,
}

static HOST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(?:(?:[a-z0-9-]+\.)+(?:local|lan|intern|internal|corp|de|com|net|org|eu|at|ch)|(?:srv|pc|nb|ws|dc|fs|vm|host|server|client|laptop|rechner)[-_]?\d+|(?:\d{1,3}\.){3}\d{1,3})\b",
    )
    .expect("a valid pattern")
});

static ERROR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)(?:\b0x[0-9a-f]{3,8}\b|\b(?:error|fehler|code|err)\s*:?\s*#?[0-9a-f]{3,}\b|\baadsts\d+\b|\b[45]\d\d[ -][45]\.\d\.\d+\b|"[^"]{8,}")"#,
    )
    .expect("a valid pattern")
});

static SESSION_CODE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b\d{3}[ -]?\d{3}(?:[ -]?\d{3})?\b").expect("a valid pattern"));

static USER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b|\b(?:user|benutzer|konto|account)(?:name)?\s*[:=]\s*\S{2,}|\b[a-z0-9-]+\\[\w.-]+",
    )
        .expect("a valid pattern")
});

impl Need {
    /// Every kind, in the order they are asked.
    pub const ALL: [Need; 4] = [Need::Host, Need::Error, Need::User, Need::SessionCode];

    /// The name written in a fix's `needs:`.
    pub fn as_str(self) -> &'static str {
        match self {
            Need::Host => "host",
            Need::Error => "error",
            Need::SessionCode => "session_code",
            Need::User => "user",
        }
    }

    /// Its name for staff, on the ticket's card.
    pub fn staff_label(self) -> &'static str {
        match self {
            Need::Host => "Host",
            Need::Error => "Error message",
            Need::SessionCode => "Remote-session code",
            Need::User => "User account",
        }
    }

    /// A label of at most 45 characters, for a form field.
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Need::Host, Lang::En) => "Computer or server name (or IP)",
            (Need::Host, Lang::De) => "Rechner- oder Servername (oder IP)",
            (Need::Error, Lang::En) => "The exact error message",
            (Need::Error, Lang::De) => "Die genaue Fehlermeldung",
            (Need::SessionCode, Lang::En) => "Remote-session code",
            (Need::SessionCode, Lang::De) => "Sitzungscode der Fernwartung",
            (Need::User, Lang::En) => "Affected user account",
            (Need::User, Lang::De) => "Betroffenes Benutzerkonto",
        }
    }

    /// The question put to the customer.
    pub fn question(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Need::Host, Lang::En) => {
                "What is the name of the affected computer or server (host name or IP address)?"
            }
            (Need::Host, Lang::De) => {
                "Wie heißt der betroffene Rechner oder Server (Hostname oder IP-Adresse)?"
            }
            (Need::Error, Lang::En) => {
                "What is the exact error message? Copy it, or type it exactly as shown."
            }
            (Need::Error, Lang::De) => {
                "Wie lautet die genaue Fehlermeldung? Kopieren Sie sie oder schreiben Sie sie genau ab."
            }
            (Need::SessionCode, Lang::En) => {
                "Please start the remote-support app and tell us the session code it shows."
            }
            (Need::SessionCode, Lang::De) => {
                "Bitte starten Sie die Fernwartungs-App und nennen Sie uns den angezeigten Sitzungscode."
            }
            (Need::User, Lang::En) => "Which user account is affected (name or e-mail address)?",
            (Need::User, Lang::De) => {
                "Welches Benutzerkonto ist betroffen (Name oder E-Mail-Adresse)?"
            }
        }
    }

    /// Whether `text` (something the customer wrote) already gives it.
    pub fn given_in(self, text: &str) -> bool {
        match self {
            Need::Host => HOST.is_match(text),
            Need::Error => ERROR.is_match(text),
            Need::SessionCode => SESSION_CODE.is_match(text),
            Need::User => USER.is_match(text),
        }
    }
}

impl std::str::FromStr for Need {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_lowercase();
        Need::ALL
            .into_iter()
            .find(|n| n.as_str() == wanted)
            .ok_or_else(|| format!("unknown need `{}`", s.trim()))
    }
}

/// The needs of `needs` that nothing in `wrote` gives, in asking order.
pub fn missing(needs: &[Need], wrote: &[String]) -> Vec<Need> {
    Need::ALL
        .into_iter()
        .filter(|n| needs.contains(n) && !wrote.iter().any(|w| n.given_in(w)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_the_customer_already_wrote_is_not_asked_again() {
        let wrote = vec![
            "Outlook on PC-042 says 0x8004010F".to_string(),
            "since this morning".to_string(),
        ];
        let all = [Need::Host, Need::Error, Need::SessionCode, Need::User];
        assert_eq!(missing(&all, &wrote), [Need::User, Need::SessionCode]);
        assert_eq!(missing(&[Need::Error], &wrote), []);
    }

    #[test]
    fn each_need_is_recognised_in_typical_wordings() {
        assert!(Need::Host.given_in("it is fs01.kanzlei.local"));
        assert!(Need::Host.given_in("Server 192.168.10.5"));
        assert!(Need::Host.given_in("on srv-3"));
        assert!(!Need::Host.given_in("my computer"));
        assert!(Need::Error.given_in("Fehler 691"));
        assert!(Need::Error.given_in("AADSTS50126"));
        assert!(Need::Error.given_in("550 5.7.1 relay denied"));
        assert!(!Need::Error.given_in("it does not work"));
        assert!(Need::SessionCode.given_in("code is 123 456 789"));
        assert!(!Need::SessionCode.given_in("in 2 minutes"));
        assert!(Need::User.given_in("anna.berger@kanzlei-berger.de"));
        assert!(Need::User.given_in("Benutzer: aberger"));
        assert!(Need::User.given_in(r"KANZLEI\aberger"));
        assert!(!Need::User.given_in("the user cannot log in"));
    }

    #[test]
    fn form_labels_fit_discord() {
        for need in Need::ALL {
            for lang in Lang::ALL {
                assert!(need.label(lang).chars().count() <= 45, "{need:?}");
            }
        }
    }
}
