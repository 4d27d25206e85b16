//! Whether a message is about a notice that holds now: the first step of
//! triage, before fixes and the FAQ. A notice matches when it is active at
//! the time given (the caller's clock; nothing here reads one) and one of its
//! symptoms matches the message, or the message names one of its services
//! together with words customers use for something being down ("is the mail
//! server down?", "Mail geht nicht seit heute früh"). Pure: what to say is
//! the engine's business.

use chrono::{DateTime, Utc};
use regex::RegexBuilder;

use crate::knowledge::Notice;

/// Words (lowercase) that say something does not work, in English and German.
const DOWN_WORDS: &[&str] = &[
    "down",
    "not working",
    "isn't working",
    "doesn't work",
    "does not work",
    "stopped working",
    "outage",
    "offline",
    "unreachable",
    "not reachable",
    "can't connect",
    "cannot connect",
    "broken",
    "geht nicht",
    "funktioniert nicht",
    "ausgefallen",
    "ausfall",
    "störung",
    "gestört",
    "nicht erreichbar",
    "kaputt",
    "keine verbindung",
];

/// A notice a message is about, and what in the message showed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeMatch<'a> {
    /// The notice.
    pub notice: &'a Notice,
    /// The text that matched: a symptom's match, or the service named.
    pub matched: String,
}

/// The first of `notices` active at `now` that `text` is about.
pub fn match_notice<'a>(
    notices: impl IntoIterator<Item = &'a Notice>,
    text: &str,
    now: DateTime<Utc>,
) -> Option<NoticeMatch<'a>> {
    notices
        .into_iter()
        .filter(|n| n.is_active(now))
        .find_map(|notice| {
            let matched = by_symptom(notice, text).or_else(|| by_service(notice, text))?;
            Some(NoticeMatch { notice, matched })
        })
}

/// What the first of the notice's symptoms that matches `text` matched.
fn by_symptom(notice: &Notice, text: &str) -> Option<String> {
    notice.symptoms.iter().find_map(|symptom| {
        // Checked when the notice was written (file or staff command); one
        // that does not compile matches nothing.
        let re = RegexBuilder::new(symptom)
            .case_insensitive(true)
            .size_limit(256 * 1024)
            .build()
            .ok()?;
        re.find(text).map(|m| m.as_str().to_string())
    })
}

/// The service `text` names, when it also says that something is down.
fn by_service(notice: &Notice, text: &str) -> Option<String> {
    let lower = text.to_lowercase();
    if !DOWN_WORDS.iter().any(|w| lower.contains(w)) {
        return None;
    }
    notice
        .services
        .iter()
        .find(|s| s.chars().count() >= 3 && lower.contains(&s.to_lowercase()))
        .cloned()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::knowledge::{NoticeKind, NoticeOrigin};

    fn mail_outage() -> Notice {
        Notice {
            id: "mail-outage".into(),
            kind: NoticeKind::Outage,
            start: Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap(),
            end: Utc.with_ymd_and_hms(2026, 3, 2, 18, 0, 0).unwrap(),
            services: vec!["mail".into()],
            symptoms: vec!["0x800ccc0e".into()],
            text_en: Some("Mail is down.".into()),
            text_de: None,
            origin: NoticeOrigin::Staff {
                by: "Alice".into(),
                at: Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap(),
            },
        }
    }

    fn at(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, hour, 0, 0).unwrap()
    }

    #[test]
    fn a_question_naming_the_service_and_an_outage_matches_while_active() {
        let notices = [mail_outage()];
        for text in [
            "is the mail server down?",
            "Mail geht nicht seit heute früh",
            "E-Mail funktioniert nicht",
        ] {
            let m = match_notice(&notices, text, at(9)).expect(text);
            assert_eq!(m.matched, "mail", "{text}");
        }
    }

    #[test]
    fn a_symptom_matches_on_its_own() {
        let notices = [mail_outage()];
        let m = match_notice(&notices, "Outlook says 0x800CCC0E", at(9)).expect("symptom");
        assert_eq!(m.matched, "0x800CCC0E");
    }

    #[test]
    fn nothing_matches_before_the_start_or_after_the_end() {
        let notices = [mail_outage()];
        assert_eq!(match_notice(&notices, "is the mail down?", at(7)), None);
        assert_eq!(match_notice(&notices, "is the mail down?", at(18)), None);
    }

    #[test]
    fn the_service_alone_or_another_service_is_not_enough() {
        let notices = [mail_outage()];
        assert_eq!(
            match_notice(&notices, "how do I set up mail on my phone?", at(9)),
            None
        );
        assert_eq!(match_notice(&notices, "the VPN is down", at(9)), None);
    }
}
