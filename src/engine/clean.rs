//! The edge where untrusted text enters the engine: every text an inbound
//! event carries (a message, a ticket summary, a staff note, reply or
//! resolution, a person's name, attachment links) loses its control
//! characters before anything is decided or stored. A NUL cannot be stored
//! in PostgreSQL's TEXT at all, and no other control character (escape
//! sequences, BEL, C1 codes) belongs in a support conversation; line breaks
//! and tabs stay, and a carriage return becomes a line break. An escape
//! sequence goes whole, its parameters with it. Everything else of the text
//! is kept as written.
//!
//! Showing stored text safely on a terminal is the console adapter's
//! concern; this only keeps what cannot or should not be stored out.

use std::borrow::Cow;

use crate::domain::{Detail, Inbound, Person, StaffCommand};

/// Discord's most roles in one server: more from an adapter is not a member's.
const MAX_ROLES: usize = 250;

/// `text` without control characters except `\n` and `\t`, and without
/// terminal escape sequences whole (`ESC [2J`, a window title set by
/// `ESC ]0;…BEL`: vte's parser reads them as a terminal would); `\r\n` and
/// a lone `\r` become `\n`. Borrowed when there was nothing to remove.
pub fn clean_text(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unwanted) {
        return Cow::Borrowed(text);
    }
    let mut kept = Kept {
        out: String::with_capacity(text.len()),
        after_cr: false,
    };
    vte::Parser::new().advance(&mut kept, text.as_bytes());
    Cow::Owned(kept.out)
}

/// What a terminal would show of a text: its characters and line breaks.
struct Kept {
    out: String,
    after_cr: bool,
}

impl vte::Perform for Kept {
    fn print(&mut self, c: char) {
        self.after_cr = false;
        if !is_unwanted(c) {
            self.out.push(c);
        }
    }

    fn execute(&mut self, byte: u8) {
        match byte {
            b'\n' if self.after_cr => {}
            b'\n' | b'\r' => self.out.push('\n'),
            b'\t' => self.out.push('\t'),
            _ => {}
        }
        self.after_cr = byte == b'\r';
    }
}

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
            clean_text("a\u{1b}[2Kb\u{7}\tc\u{9b}d\u{7f}\ne"),
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
