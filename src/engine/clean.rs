//! The edge where untrusted text enters the engine: every text an inbound
//! event carries (a message, a ticket summary, a staff note, reply or
//! resolution, a person's name, attachment links) loses its control
//! characters before anything is decided or stored. A NUL cannot be stored
//! in PostgreSQL's TEXT at all, and no other control character (escape
//! sequences, BEL, C1 codes) belongs in a support conversation; line breaks
//! and tabs stay, and a carriage return becomes a line break. A complete
//! escape sequence goes whole, its parameters with it. Everything else of
//! the text is kept as written.
//!
//! Showing stored text safely on a terminal is the console adapter's
//! concern; this only keeps what cannot or should not be stored out.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

use crate::domain::{Detail, Inbound, Person, StaffCommand};

/// Discord's most roles in one server: more from an adapter is not a member's.
const MAX_ROLES: usize = 250;

/// `text` without control characters except `\n` and `\t`, and without
/// complete terminal escape sequences (ECMA-48 control sequences such as
/// `ESC [2J`, and strings such as a window title `ESC ]0;…BEL`), whose
/// parameters would otherwise stay behind as words; `\r\n` and a lone `\r`
/// become `\n`. An escape that starts no complete sequence loses only its
/// control character, so no text is lost to it. Borrowed when there was
/// nothing to remove.
pub fn clean_text(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unwanted) {
        return Cow::Borrowed(text);
    }
    let text = SEQUENCE.replace_all(text, "");
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push('\n');
                }
            }
            c if is_unwanted(c) => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// A complete escape sequence: a control sequence (`ESC [` or CSI, then
/// parameter and intermediate bytes, then its final byte) or a control
/// string (`ESC ]`, `P`, `X`, `^`, `_` or their C1 forms, up to BEL or
/// the string terminator), each of bounded length.
static SEQUENCE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?:\x1b\[|\x{9b})[0-?]{0,32}[ -/]{0,4}[@-~]",
        r"|(?:\x1b[\]PX^_]|[\x{90}\x{98}\x{9d}-\x{9f}])[^\x07\x1b\x{9c}]{0,512}(?:\x07|\x1b\\|\x{9c})",
    ))
    .expect("a valid pattern")
});

/// A control character other than a line break or a tab (C0, DEL, C1).
fn is_unwanted(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\t'
}

fn cleaned(text: &str) -> String {
    clean_text(text).into_owned()
}

fn clean_person(person: &Person) -> Person {
    Person {
        id: person.id.clone(),
        name: cleaned(&person.name),
    }
}

impl Inbound {
    /// The event with every text it carries cleaned ([`clean_text`]).
    pub fn cleaned(&self) -> Inbound {
        match self {
            Inbound::Message {
                source,
                thread,
                author,
                text,
                attachments,
                lang,
                elsewhere,
                roles,
            } => Inbound::Message {
                source: source.clone(),
                thread: thread.clone(),
                author: clean_person(author),
                text: cleaned(text),
                attachments: attachments.iter().map(|a| cleaned(a)).collect(),
                lang: *lang,
                elsewhere: elsewhere.clone(),
                roles: roles
                    .as_ref()
                    .map(|r| r.iter().take(MAX_ROLES).cloned().collect()),
            },
            Inbound::Ticket {
                source,
                thread,
                by,
                summary,
                lang,
                roles,
            } => Inbound::Ticket {
                source: source.clone(),
                thread: thread.clone(),
                by: clean_person(by),
                summary: summary.as_deref().map(cleaned),
                lang: *lang,
                roles: roles
                    .as_ref()
                    .map(|r| r.iter().take(MAX_ROLES).cloned().collect()),
            },
            Inbound::Flooding {
                thread,
                author,
                lang,
            } => Inbound::Flooding {
                thread: thread.clone(),
                author: clean_person(author),
                lang: *lang,
            },
            Inbound::Press {
                source,
                thread,
                by,
                button,
                offer,
            } => Inbound::Press {
                source: source.clone(),
                thread: thread.clone(),
                by: clean_person(by),
                button: button.clone(),
                offer: *offer,
            },
            Inbound::Details {
                source,
                thread,
                by,
                details,
                offer,
            } => Inbound::Details {
                source: source.clone(),
                thread: thread.clone(),
                by: clean_person(by),
                details: details
                    .iter()
                    .map(|d| Detail {
                        need: d.need,
                        value: cleaned(&d.value),
                    })
                    .collect(),
                offer: *offer,
            },
            Inbound::Staff {
                source,
                ticket,
                staff,
                command,
            } => Inbound::Staff {
                source: source.clone(),
                ticket: *ticket,
                staff: clean_person(staff),
                command: clean_command(command),
            },
            Inbound::Tick => Inbound::Tick,
        }
    }
}

fn clean_command(command: &StaffCommand) -> StaffCommand {
    match command {
        StaffCommand::Note { text } => StaffCommand::Note {
            text: cleaned(text),
        },
        StaffCommand::Reply { text } => StaffCommand::Reply {
            text: cleaned(text),
        },
        StaffCommand::Resolve { note } => StaffCommand::Resolve {
            note: cleaned(note),
        },
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nul_is_dropped_and_the_rest_kept() {
        assert_eq!(clean_text("printer\0 broken"), "printer broken");
    }

    #[test]
    fn escapes_bells_and_c1_codes_are_dropped_but_lines_and_tabs_stay() {
        assert_eq!(
            clean_text("a\u{1b}[2Kb\u{7}\tc\u{85}d\u{7f}\ne"),
            "ab\tcd\ne"
        );
    }

    #[test]
    fn an_escape_sequence_goes_with_its_parameters() {
        assert_eq!(
            clean_text(
                "\u{1b}[2J\u{1b}[31mmy printer is on fire\u{1b}]0;pwned\u{7} \u{1b}[8mhidden\u{1b}[0m"
            ),
            "my printer is on fire hidden"
        );
    }

    #[test]
    fn an_escape_that_starts_no_complete_sequence_costs_no_text() {
        assert_eq!(
            clean_text("see log \u{1b}]0;x\nprinter jams"),
            "see log ]0;x\nprinter jams"
        );
        assert_eq!(clean_text("\u{1b}Überweisung"), "Überweisung");
        assert_eq!(clean_text("a\u{1b}\nb"), "a\nb");
        assert_eq!(clean_text("\u{9b}2Jok"), "ok");
    }

    #[test]
    fn carriage_returns_become_line_breaks() {
        assert_eq!(clean_text("one\r\ntwo\rthree"), "one\ntwo\nthree");
    }

    #[test]
    fn clean_text_is_borrowed_untouched() {
        assert!(matches!(
            clean_text("Grüße, 0x8004010F\n\tok"),
            Cow::Borrowed(_)
        ));
    }
}
