//! `notice` at the terminal staff desk: publish a maintenance window or
//! outage at once (kept in the database), end one, or list them all.
//!
//! ```text
//! notice list
//! notice end ID
//! notice publish ID services=mail[,…] en='…' [de='…'] [symptom='regex']… [for=4h]
//!                   [start=2026-03-02T08:00:00Z] [kind=outage|maintenance]
//! ```
//!
//! Values with spaces are quoted ('…' or "…"). What a notice is and when it
//! matches is the engine's business; this only reads the line.

use chrono::{DateTime, Utc};

use crate::domain::{NewNotice, NoticeCommand, parse_duration};
use crate::knowledge::notices::parse_time;
use crate::knowledge::{Notice, NoticeKind};
use crate::terminal::one_line;

/// What `notice …` asks for.
#[derive(Debug, PartialEq)]
pub enum NoticeLine {
    /// Every notice with where it stands.
    List,
    /// Publish or end one.
    Command(NoticeCommand),
}

/// How long a notice published without `for=` lasts.
const DEFAULT_HOURS: i64 = 4;

/// Reads what follows `notice`; `Err` says what is wrong.
pub fn parse_notice_line(rest: &str) -> Result<NoticeLine, String> {
    let words = words(rest)?;
    let (verb, args) = words.split_first().ok_or(USAGE)?;
    match verb.to_lowercase().as_str() {
        "list" | "ls" => Ok(NoticeLine::List),
        "end" => match args {
            [id] => Ok(NoticeLine::Command(NoticeCommand::End { id: id.clone() })),
            _ => Err("`notice end` needs the notice's id".to_owned()),
        },
        "publish" => publish(args).map(|n| NoticeLine::Command(NoticeCommand::Publish(n))),
        _ => Err(USAGE.to_owned()),
    }
}

const USAGE: &str = "usage: notice list | notice end ID | notice publish ID services=mail en='…' [de='…'] [symptom='regex'] [for=4h] [start=…] [kind=outage|maintenance]";

fn publish(args: &[String]) -> Result<NewNotice, String> {
    let (id, pairs) = args
        .split_first()
        .ok_or("`notice publish` needs an id first")?;
    let mut notice = NewNotice {
        id: id.clone(),
        kind: NoticeKind::Outage,
        start: None,
        lasts: chrono::Duration::hours(DEFAULT_HOURS),
        services: Vec::new(),
        symptoms: Vec::new(),
        text_en: None,
        text_de: None,
    };
    for pair in pairs {
        let (key, value) = pair
            .split_once('=')
            .ok_or_else(|| format!("expected key=value, not `{}`", one_line(pair)))?;
        match key {
            "services" | "service" => {
                notice
                    .services
                    .extend(value.split(',').map(|s| s.trim().to_owned()));
            }
            "symptom" | "symptoms" => notice.symptoms.push(value.to_owned()),
            "en" => notice.text_en = Some(value.to_owned()),
            "de" => notice.text_de = Some(value.to_owned()),
            "for" => {
                notice.lasts = parse_duration(value).ok_or_else(|| {
                    format!(
                        "`for` is a length such as 90m, 4h or 2d, not `{}`",
                        one_line(value)
                    )
                })?;
            }
            "start" => {
                notice.start = Some(parse_time(value).ok_or_else(|| {
                    format!(
                        "`start` is a date and time such as 2026-03-02T08:00:00Z, not `{}`",
                        one_line(value)
                    )
                })?);
            }
            "kind" => notice.kind = value.parse()?,
            other => return Err(format!("unknown key `{}`; {USAGE}", one_line(other))),
        }
    }
    Ok(notice)
}

/// Splits `text` at spaces, keeping quoted parts ('…', "…") together.
fn words(text: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let mut started = false;
    for c in text.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                started = true;
            }
            (None, c) if c.is_whitespace() => {
                if started {
                    out.push(std::mem::take(&mut word));
                    started = false;
                }
            }
            (None, c) => {
                word.push(c);
                started = true;
            }
        }
    }
    if quote.is_some() {
        return Err("a quote is not closed".to_owned());
    }
    if started {
        out.push(word);
    }
    Ok(out)
}

/// One notice as a line: where it stands at `now`, id, kind, services,
/// window and where it came from.
pub fn notice_line(notice: &Notice, now: DateTime<Utc>) -> String {
    one_line(&notice.describe(now)).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_published_notice_reads_its_keys_and_quoted_texts() {
        let line = parse_notice_line(
            "publish mail-down services=mail,smtp for=2h symptom='mail.*(down|geht nicht)' en='Mail is down.' de=\"Mail ist gestört.\"",
        );
        let Ok(NoticeLine::Command(NoticeCommand::Publish(n))) = line else {
            panic!("{line:?}");
        };
        assert_eq!(n.id, "mail-down");
        assert_eq!(n.services, ["mail", "smtp"]);
        assert_eq!(n.symptoms, ["mail.*(down|geht nicht)"]);
        assert_eq!(n.lasts, chrono::Duration::hours(2));
        assert_eq!(n.text_en.as_deref(), Some("Mail is down."));
        assert_eq!(n.text_de.as_deref(), Some("Mail ist gestört."));
    }

    #[test]
    fn ending_and_listing_and_mistakes() {
        assert_eq!(
            parse_notice_line("end mail-down"),
            Ok(NoticeLine::Command(NoticeCommand::End {
                id: "mail-down".into()
            }))
        );
        assert_eq!(parse_notice_line("list"), Ok(NoticeLine::List));
        assert!(parse_notice_line("publish x for=soon").is_err());
        assert!(parse_notice_line("publish x en='open").is_err());
        assert!(parse_notice_line("dance").is_err());
    }
}
