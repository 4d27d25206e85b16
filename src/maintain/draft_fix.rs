//! `frontline draft-fix TICKET`: a documented fix drafted from a resolved
//! ticket, so that the 3rd level feeds the 2nd. Symptoms are the error codes
//! and quoted error messages the customer wrote (escaped, so they match
//! literally); the questions are the customer's own words; the steps are the
//! resolution note. The draft is parsed like any FAQ file before it is
//! returned, so it passes `frontline check`; a maintainer reviews it.

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

use crate::domain::TicketId;
use crate::knowledge::markdown::slug;
use crate::knowledge::{Diagnostic, Lang, check_symptom, parse_file};
use crate::store::{Event, Store, StoreError, Ticket, TicketState};

/// Why no draft could be written.
#[derive(Debug, thiserror::Error)]
pub enum DraftError {
    /// Only resolved tickets say what solved the problem.
    #[error("ticket #{0} is not resolved yet; resolve it with a note first")]
    NotResolved(i64),
    /// The draft did not parse (a bug: it is built to parse).
    #[error("the draft for ticket #{ticket} does not parse: {}", .errors.first().map_or(String::new(), |d| d.message.clone()))]
    Invalid {
        /// The ticket.
        ticket: i64,
        /// What is wrong.
        errors: Vec<Diagnostic>,
    },
    /// No ticket has that number.
    #[error("there is no ticket #{0}")]
    NoTicket(i64),
    /// The ticket or its transcript could not be read.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A drafted fix.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    /// Where it belongs, relative to the FAQ directory (`fixes/<slug>.md`).
    pub path: PathBuf,
    /// The file's text.
    pub markdown: String,
    /// The symptoms found.
    pub symptoms: Vec<String>,
}

#[derive(Serialize)]
struct FrontMatter<'a> {
    title: &'a str,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    symptoms: &'a [String],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    questions: &'a [String],
    lang: Lang,
}

/// Error codes customers quote: hex codes, Azure AD codes, SMTP status
/// codes, product codes such as E1042, and numbered errors ("error 809").
static CODES: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        r"\b0x[0-9A-Fa-f]{4,8}\b",
        r"\bAADSTS\d{5,6}\b",
        r"\b[245]\d\d[ .-]\d\.\d{1,3}\.\d{1,3}\b",
        r"\b[A-Z]{1,4}-?\d{3,6}\b",
    ]
    .iter()
    .map(|p| Regex::new(p).expect("valid"))
    .collect()
});
/// "error 809", "Fehler 691", "code: 7200": the number only counts with its word.
static NUMBERED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\b(error|fehler|code)\s*:?\s*(\d{3,5})\b").expect("valid"));
/// A quoted error message: "…", „…“, “…”.
static QUOTED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#""([^"\n]{10,80})"|„([^“\n]{10,80})“|“([^”\n]{10,80})”"#).expect("valid")
});

/// Reads ticket `id` and its transcript from `store` and drafts a fix from it.
pub async fn draft_ticket(
    store: &dyn Store,
    id: TicketId,
    default_lang: Lang,
) -> Result<Draft, DraftError> {
    let ticket = store.ticket(id).await?.ok_or(DraftError::NoTicket(id.0))?;
    let events = store.events(ticket.conversation).await?;
    draft(&ticket, &events, default_lang)
}

/// Drafts a fix from a resolved ticket and its conversation's events.
pub fn draft(ticket: &Ticket, events: &[Event], default_lang: Lang) -> Result<Draft, DraftError> {
    let (TicketState::Resolved, Some(note)) = (ticket.state, ticket.resolution.as_deref()) else {
        return Err(DraftError::NotResolved(ticket.id.0));
    };
    let customer_text = customer_lines(ticket, events);
    let all = customer_text.join("\n");
    let lang = crate::lang::detect_reliably(&all, default_lang);
    let symptoms = symptoms(&all);
    let title = title(ticket.question());
    let questions: Vec<String> = customer_text
        .iter()
        .map(|q| q.trim().replace('\n', " "))
        .filter(|q| !q.is_empty() && q.chars().count() <= 200 && !q.eq_ignore_ascii_case(&title))
        .fold(Vec::new(), |mut v, q| {
            if !v.contains(&q) {
                v.push(q);
            }
            v
        });
    let front = FrontMatter {
        title: &title,
        symptoms: &symptoms,
        questions: &questions,
        lang,
    };
    let yaml = serde_yaml_ng::to_string(&front).expect("front matter serialises");
    let markdown = format!(
        "---\n# Drafted by `frontline draft-fix` from ticket #{}: review before committing.\n{yaml}---\n{}\n",
        ticket.id,
        steps(note)
    );
    let name = format!("{}.md", file_slug(&title, ticket.id.0));
    let path = Path::new("fixes").join(name);
    let parsed = parse_file(&path, &path, &markdown, default_lang);
    let errors: Vec<Diagnostic> = parsed
        .diagnostics
        .into_iter()
        .filter(Diagnostic::is_error)
        .collect();
    if !errors.is_empty() {
        return Err(DraftError::Invalid {
            ticket: ticket.id.0,
            errors,
        });
    }
    Ok(Draft {
        path,
        markdown,
        symptoms,
    })
}

/// What the customer wrote about the problem: the ticket's words and their
/// messages while it was open.
fn customer_lines(ticket: &Ticket, events: &[Event]) -> Vec<String> {
    let mut lines = ticket.customer_wrote.clone();
    for e in events {
        if e.actor == "customer"
            && e.kind == "message"
            && e.ticket == Some(ticket.id)
            && !lines.contains(&e.text)
        {
            lines.push(e.text.clone());
        }
    }
    lines
}

/// Error codes and quoted messages in `text`, escaped, each checked like a
/// maintainer's symptom.
pub fn symptoms(text: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut add = |s: String| {
        if check_symptom(&s).is_ok() && !found.iter().any(|f| f.eq_ignore_ascii_case(&s)) {
            found.push(s);
        }
    };
    for re in CODES.iter() {
        for m in re.find_iter(text) {
            add(regex::escape(m.as_str()));
        }
    }
    for c in NUMBERED.captures_iter(text) {
        add(format!(r"(?:error|fehler|code)\W*{}", regex::escape(&c[2])));
    }
    for c in QUOTED.captures_iter(text) {
        if let Some(m) = c.iter().skip(1).flatten().next() {
            add(regex::escape(m.as_str().trim()));
        }
    }
    found
}

/// The title: the customer's first words, cut at a word near 90 characters.
fn title(question: &str) -> String {
    let line = question.lines().next().unwrap_or("").trim();
    let mut chars = line.chars();
    let first: String = match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    };
    if first.chars().count() <= 90 {
        return first;
    }
    let cut: String = first.chars().take(90).collect();
    match cut.rfind(' ') {
        Some(i) => format!("{}…", &cut[..i]),
        None => format!("{cut}…"),
    }
}

/// The resolution note as numbered steps: one per line, or per sentence.
fn steps(note: &str) -> String {
    let lines: Vec<&str> = note
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let parts: Vec<String> = if lines.len() > 1 {
        lines
            .iter()
            .map(|l| strip_numbering(l).to_string())
            .collect()
    } else {
        note.split_inclusive(". ")
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    };
    parts
        .iter()
        .enumerate()
        .map(|(i, p)| format!("{}. {p}", i + 1))
        .collect::<Vec<_>>()
        .join("\n")
}

fn strip_numbering(line: &str) -> &str {
    let rest = line.trim_start_matches(|c: char| c.is_ascii_digit());
    if rest.len() < line.len() && (rest.starts_with(". ") || rest.starts_with(") ")) {
        rest[2..].trim_start()
    } else {
        line.trim_start_matches(['-', '*', ' '])
    }
}

fn file_slug(title: &str, ticket: i64) -> String {
    let s = slug(title);
    let s: String = s.chars().take(60).collect();
    let s = s.trim_end_matches('-');
    if s.is_empty() {
        format!("ticket-{ticket}")
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_become_literal_symptoms() {
        let text = "Outlook says 0x8004010F, sign-in fails with AADSTS50126, scans bounce \
                    with 550 5.7.1 and the sync app shows E1042. VPN: error 809";
        assert_eq!(
            symptoms(text),
            [
                "0x8004010F",
                "AADSTS50126",
                r"550 5\.7\.1",
                "E1042",
                r"(?:error|fehler|code)\W*809"
            ]
        );
    }

    #[test]
    fn quoted_messages_become_symptoms_and_ordinary_words_do_not() {
        assert_eq!(
            symptoms(r#"it says "The trust relationship failed (domain)" at login"#),
            [r"The trust relationship failed \(domain\)"]
        );
        assert!(symptoms("it does not work, please help").is_empty());
        assert!(
            symptoms(r#"it says "there is an error" "#).is_empty(),
            "too broad to keep"
        );
    }

    #[test]
    fn a_note_becomes_numbered_steps() {
        assert_eq!(
            steps("Renewed the password. Restarted the scanner."),
            "1. Renewed the password.\n2. Restarted the scanner."
        );
        assert_eq!(
            steps("1. Open settings\n2) Renew it\n- Restart"),
            "1. Open settings\n2. Renew it\n3. Restart"
        );
    }
}
