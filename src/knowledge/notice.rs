//! The typed form of a notice: a planned maintenance window or a known
//! outage, with when it holds, the services it affects, the symptoms that
//! recognise a customer asking about it and its text in English and German.
//! Notices come from markdown under `notices/` (parsed in `notices`) or from
//! staff, kept in the database; deciding whether a message is about one is
//! left to `triage::notices`.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::entry::Lang;

/// Whether a notice announces planned work or reports a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NoticeKind {
    /// Planned maintenance.
    Maintenance,
    /// A known outage or disruption.
    Outage,
}

impl NoticeKind {
    /// The name written in front matter and stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::Maintenance => "maintenance",
            NoticeKind::Outage => "outage",
        }
    }
}

impl std::str::FromStr for NoticeKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "maintenance" => Ok(NoticeKind::Maintenance),
            "outage" => Ok(NoticeKind::Outage),
            other => Err(format!(
                "unknown notice kind `{other}` (expected `maintenance` or `outage`)"
            )),
        }
    }
}

/// Where a notice was published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "from", rename_all = "lowercase")]
pub enum NoticeOrigin {
    /// A file under `notices/` in the knowledge directory.
    File {
        /// Path relative to the knowledge directory.
        path: PathBuf,
        /// 1-based line of its `start:`.
        line: usize,
    },
    /// A member of staff, with the staff command.
    Staff {
        /// The name of who published it.
        by: String,
        /// When.
        at: DateTime<Utc>,
    },
}

/// Where a notice stands at a given moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NoticeStatus {
    /// It starts later.
    Planned,
    /// It holds now.
    Active,
    /// It is over.
    Ended,
}

impl NoticeStatus {
    /// A lowercase word for lists.
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeStatus::Planned => "planned",
            NoticeStatus::Active => "active",
            NoticeStatus::Ended => "ended",
        }
    }
}

/// One notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notice {
    /// Stable identifier.
    pub id: String,
    /// Maintenance or outage.
    pub kind: NoticeKind,
    /// When it starts to hold.
    pub start: DateTime<Utc>,
    /// When it stops holding (exclusive).
    pub end: DateTime<Utc>,
    /// The services it affects (`mail`, `vpn`, …).
    pub services: Vec<String>,
    /// Regular expressions, matched case-insensitively, that recognise a
    /// customer writing about it.
    pub symptoms: Vec<String>,
    /// The English text, markdown.
    pub text_en: Option<String>,
    /// The German text, markdown.
    pub text_de: Option<String>,
    /// Where it came from.
    pub origin: NoticeOrigin,
}

impl Notice {
    /// Where it stands at `now`.
    pub fn status(&self, now: DateTime<Utc>) -> NoticeStatus {
        if now < self.start {
            NoticeStatus::Planned
        } else if now < self.end {
            NoticeStatus::Active
        } else {
            NoticeStatus::Ended
        }
    }

    /// Whether it holds at `now`.
    pub fn is_active(&self, now: DateTime<Utc>) -> bool {
        self.status(now) == NoticeStatus::Active
    }

    /// Its text in `lang`, or in the other language when it has none in `lang`.
    pub fn text(&self, lang: Lang) -> (Lang, &str) {
        let (en, de) = (self.text_en.as_deref(), self.text_de.as_deref());
        match (lang, en, de) {
            (Lang::De, _, Some(de)) | (Lang::En, None, Some(de)) => (Lang::De, de),
            (_, Some(en), _) => (Lang::En, en),
            (_, None, None) => (lang, ""),
        }
    }

    /// One line for staff: where it stands at `now`, id, kind, services,
    /// window and where it came from.
    pub fn describe(&self, now: DateTime<Utc>) -> String {
        let from = match &self.origin {
            NoticeOrigin::File { path, line } => format!("{}:{line}", path.display()),
            NoticeOrigin::Staff { by, at } => {
                format!("published by {} at {}", by, at.format("%Y-%m-%d %H:%M"))
            }
        };
        format!(
            "{:<8} {} ({}, {}) {} → {} — {from}",
            self.status(now).as_str(),
            self.id,
            self.kind.as_str(),
            self.services.join(", "),
            self.start.format("%Y-%m-%d %H:%M"),
            self.end.format("%Y-%m-%d %H:%M UTC"),
        )
    }

    /// Whether its window overlaps `other`'s.
    pub fn overlaps(&self, other: &Notice) -> bool {
        self.start < other.end && other.start < self.end
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn notice(en: Option<&str>, de: Option<&str>) -> Notice {
        Notice {
            id: "mail".into(),
            kind: NoticeKind::Outage,
            start: Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap(),
            end: Utc.with_ymd_and_hms(2026, 3, 2, 18, 0, 0).unwrap(),
            services: vec!["mail".into()],
            symptoms: Vec::new(),
            text_en: en.map(Into::into),
            text_de: de.map(Into::into),
            origin: NoticeOrigin::File {
                path: "notices/mail.md".into(),
                line: 3,
            },
        }
    }

    #[test]
    fn a_notice_is_planned_then_active_then_ended() {
        let n = notice(Some("down"), None);
        let at = |h| Utc.with_ymd_and_hms(2026, 3, 2, h, 0, 0).unwrap();
        assert_eq!(n.status(at(7)), NoticeStatus::Planned);
        assert_eq!(n.status(at(8)), NoticeStatus::Active);
        assert_eq!(n.status(at(17)), NoticeStatus::Active);
        assert_eq!(n.status(at(18)), NoticeStatus::Ended);
    }

    #[test]
    fn the_text_is_in_the_customers_language_when_there_is_one() {
        let both = notice(Some("down"), Some("gestört"));
        assert_eq!(both.text(Lang::De), (Lang::De, "gestört"));
        assert_eq!(both.text(Lang::En), (Lang::En, "down"));
        let english = notice(Some("down"), None);
        assert_eq!(english.text(Lang::De), (Lang::En, "down"));
        let german = notice(None, Some("gestört"));
        assert_eq!(german.text(Lang::En), (Lang::De, "gestört"));
    }
}
