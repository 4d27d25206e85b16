//! Text from outside — customers' messages and names, staff notes, titles
//! from the FAQ — made inert before it is printed to a terminal.
//!
//! A terminal obeys what it is sent: an escape sequence clears a line,
//! moves the cursor or retitles the window, a carriage return goes back to
//! overwrite what was printed, BEL rings, NUL may cut the line, and
//! Unicode's bidirectional overrides and isolates reorder what follows, so
//! that a line reads differently from what it holds. [`terminal_safe`]
//! shows each such character as a visible stand-in instead (`␛`, `␇`,
//! `<U+202E>`); [`one_line`] also shows line breaks as `␤`, for fields that
//! must stay on one line (names, titles); [`hanging`] prints multi-line text
//! after a prefix with every further line indented under the first, so that
//! a line break in a customer's message cannot forge a line of a log.
//!
//! The console adapter and the maintainers' commands (`tickets`, `gaps`,
//! `stats`, …) print through these; the bot's own fixed words need none of
//! it. Discord renders markdown, not escapes, and its adapter escapes text
//! its own way.

use std::borrow::Cow;
use std::fmt::Write as _;

/// `text` with every control character but the line break shown visibly:
/// C0 controls as their control pictures (`␛`, `␇`, `␀`, `␍`), DEL as `␡`,
/// C1 controls, bidirectional controls and invisible format characters as
/// `<U+XXXX>`; a tab becomes a space and a `\r\n` line end a plain `\n`.
/// Borrows `text` when there is nothing to change.
pub fn terminal_safe(text: &str) -> Cow<'_, str> {
    escape(text, false)
}

/// Like [`terminal_safe`], and line breaks shown as `␤`: the text stays on
/// one line.
pub fn one_line(text: &str) -> Cow<'_, str> {
    escape(text, true)
}

/// `prefix` and then `text`, each made safe, with every line of `text`
/// after its first indented to where the first began, so that no line of
/// `text` can pass for a line of its own.
pub fn hanging(prefix: &str, text: &str) -> String {
    let prefix = one_line(prefix);
    let indent = " ".repeat(prefix.chars().count());
    let text = terminal_safe(text);
    let mut out = String::with_capacity(prefix.len() + text.len());
    out.push_str(&prefix);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
            out.push_str(&indent);
        }
        out.push_str(line);
    }
    out
}

/// At most `max` characters of `text`, and `…` when it was cut.
pub fn ellipsis(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

fn escape(text: &str, fold_lines: bool) -> Cow<'_, str> {
    let Some(first) = text.find(|c| needs_escape(c, fold_lines)) else {
        return Cow::Borrowed(text);
    };
    let mut out = String::with_capacity(text.len() + 16);
    out.push_str(&text[..first]);
    let mut chars = text[first..].chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' if fold_lines => out.push('␤'),
            '\n' => out.push('\n'),
            '\t' => out.push(' '),
            '\u{7f}' => out.push('␡'),
            c if u32::from(c) < 0x20 => {
                out.push(char::from_u32(0x2400 + u32::from(c)).expect("a control picture"));
            }
            c if needs_escape(c, fold_lines) => {
                let _ = write!(out, "<U+{:04X}>", u32::from(c));
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char, fold_lines: bool) -> bool {
    match c {
        '\n' => fold_lines,
        c => c.is_control() || is_hidden_format(c),
    }
}

/// Characters that print nothing yet reorder, join, hide or break text:
/// the bidirectional marks, embeddings, overrides and isolates, zero-width
/// spaces and joiners of words, invisible operators, the byte order mark,
/// interlinear annotations, tag characters, and the line and paragraph
/// separators some terminals break lines at. Zero-width (non-)joiners are
/// left alone: scripts and emoji need them, and they reorder nothing.
fn is_hidden_format(c: char) -> bool {
    matches!(
        c,
        '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'
            | '\u{200E}'
            | '\u{200F}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{E0000}'..='\u{E007F}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a hostile message carries: erase the line, back to its start,
    /// the bell, NUL, and a right-to-left override.
    const HOSTILE: &str = "ok\x1b[2K\rforged\x07\0\u{202E}txt.exe";

    #[test]
    fn plain_text_is_borrowed_unchanged() {
        for text in [
            "",
            "my printer prints blank pages",
            "Drücker — 打印机 ☕ 👩‍💻",
            "a\nb",
        ] {
            assert!(matches!(terminal_safe(text), Cow::Borrowed(t) if t == text));
        }
    }

    #[test]
    fn escapes_bells_and_nuls_are_shown_not_obeyed() {
        assert_eq!(terminal_safe(HOSTILE), "ok␛[2K␍forged␇␀<U+202E>txt.exe");
    }

    #[test]
    fn no_control_character_but_the_line_break_survives() {
        let all: String = (0u32..0x100)
            .chain(0x2000..0x2070)
            .chain([0x061C, 0x180E, 0xFEFF, 0xFFF9, 0xE0001, 0xE0041])
            .filter_map(char::from_u32)
            .collect();
        let safe = terminal_safe(&all);
        for c in safe.chars() {
            assert!(
                c == '\n' || !(c.is_control() || is_hidden_format(c)),
                "{:?} survived",
                c
            );
        }
        assert!(!one_line(&all).contains('\n'));
    }

    #[test]
    fn every_bidirectional_control_is_neutralised() {
        for c in [
            '\u{061C}', '\u{200E}', '\u{200F}', '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}',
            '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}',
        ] {
            let text = format!("a{c}b");
            assert_eq!(terminal_safe(&text), format!("a<U+{:04X}>b", u32::from(c)));
        }
    }

    #[test]
    fn c1_controls_and_del_are_shown_by_their_code() {
        assert_eq!(
            terminal_safe("a\u{9b}2Jb\u{85}c\u{7f}"),
            "a<U+009B>2Jb<U+0085>c␡"
        );
    }

    #[test]
    fn tabs_become_spaces_and_windows_line_ends_plain_ones() {
        assert_eq!(terminal_safe("a\tb\r\nc\rd"), "a b\nc␍d");
    }

    #[test]
    fn one_line_shows_line_breaks() {
        assert_eq!(one_line("first\nsecond\r\n"), "first␤second␤");
    }

    #[test]
    fn the_safe_text_is_safe_again_unchanged() {
        let once = one_line(HOSTILE).into_owned();
        assert_eq!(one_line(&once), once);
    }

    #[test]
    fn a_line_break_in_a_message_cannot_start_a_line_of_the_log() {
        let shown = hanging(
            "  12-03 10:00  Una  ",
            "hi\n[staff] Alice: resolved\n\x1b[1A",
        );
        assert_eq!(
            shown,
            "  12-03 10:00  Una  hi\n                    [staff] Alice: resolved\n                    ␛[1A"
        );
    }

    #[test]
    fn the_prefix_of_a_hanging_text_is_kept_on_one_line() {
        assert_eq!(hanging("Eve\n\x07: ", "x"), "Eve␤␇: x");
    }

    #[test]
    fn ellipsis_cuts_at_characters_not_bytes() {
        assert_eq!(ellipsis("Grüße", 3), "Grü…");
        assert_eq!(ellipsis("short", 5), "short");
    }
}
