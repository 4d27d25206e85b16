//! Splitting a long answer into pieces that fit Discord's limits (2,000
//! characters for a message, 4,096 for an embed description) without
//! breaking its markdown. Cuts go, in order of preference, between
//! paragraphs, between lines, between words; never inside inline code, a
//! link, or a bold, italic or struck span. A fenced code block is kept whole
//! when it fits; when it does not, it is cut between lines and the fence is
//! closed at the end of one piece and opened again at the start of the next.
//! Lengths are counted as Discord counts them (UTF-16 units), which is never
//! less than the number of characters. What goes into which message or embed
//! is the caller's choice.

use std::ops::Range;

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag};

/// Discord's limit on a message's content.
pub const MESSAGE_LIMIT: usize = 2000;
/// Discord's limit on an embed's description.
pub const EMBED_DESCRIPTION_LIMIT: usize = 4096;

/// The smallest limit that leaves room for reopening a code fence.
const MIN_LIMIT: usize = 32;

/// The length of `text` as Discord counts it.
pub fn discord_len(text: &str) -> usize {
    text.encode_utf16().count()
}

/// Room kept at the end of a one-message text for saying what was left out.
const LEFT_OUT_ROOM: usize = 48;

/// `text` as one message of at most `limit` Discord characters: whole if it
/// fits, else its first piece and how many lines were left out, so that a
/// reader of a long list knows it goes on.
pub fn one_message(text: &str, limit: usize) -> String {
    if discord_len(text.trim()) <= limit {
        return text.trim().to_owned();
    }
    let pieces = split_markdown(text, limit.saturating_sub(LEFT_OUT_ROOM));
    let Some((first, rest)) = pieces.split_first() else {
        return String::new();
    };
    let lines: usize = rest
        .iter()
        .map(|p| p.lines().filter(|l| !l.trim().is_empty()).count())
        .sum();
    format!("{first}\n… and {lines} more line(s) not shown")
}

/// `text` in pieces of at most `limit` (at least 32) Discord characters each.
pub fn split_markdown(text: &str, limit: usize) -> Vec<String> {
    let limit = limit.max(MIN_LIMIT);
    let layout = Layout::of(text);
    let mut pieces = Vec::new();
    let mut start = skip_blank(text, 0);
    let mut prefix = String::new();
    while start < text.len() {
        let rest = text[start..].trim_end();
        if discord_len(&prefix) + discord_len(rest) <= limit {
            pieces.push(format!("{prefix}{rest}"));
            break;
        }
        let budget = limit.saturating_sub(discord_len(&prefix)).max(1);
        let cut = layout.best_cut(text, start, budget);
        let body = &text[start..cut.end];
        let piece = match &cut.fence {
            Some(fence) => format!("{prefix}{body}{}", fence.close),
            None => format!("{prefix}{}", body.trim_end()),
        };
        if !piece.trim().is_empty() {
            pieces.push(piece);
        }
        prefix = cut
            .fence
            .map(|f| format!("{}\n", f.open))
            .unwrap_or_default();
        start = if prefix.is_empty() {
            skip_blank(text, cut.end)
        } else {
            cut.end
        };
    }
    pieces
}

fn skip_blank(text: &str, from: usize) -> usize {
    text.len() - text[from..].trim_start().len()
}

/// A fenced code block: where it is, and how to open and close it again.
#[derive(Debug, Clone)]
struct Fence {
    /// From the opening fence line to the end of the closing one.
    span: Range<usize>,
    /// Where the code starts (after the opening line).
    body_start: usize,
    /// The opening line, e.g. "```rust".
    open: String,
    /// What closes it, e.g. "```".
    close: String,
}

/// Where a piece ends, and the fence it ends inside, if any.
struct Cut {
    end: usize,
    fence: Option<Fence>,
}

/// What must not be cut: inline spans and code blocks.
struct Layout {
    /// Inline spans (code, links, emphasis): no cut strictly inside.
    spans: Vec<Range<usize>>,
    fences: Vec<Fence>,
}

impl Layout {
    fn of(text: &str) -> Layout {
        let mut spans = Vec::new();
        let mut fences = Vec::new();
        let parser = Parser::new_ext(text, Options::ENABLE_STRIKETHROUGH);
        for (event, range) in parser.into_offset_iter() {
            match event {
                Event::Code(_) => spans.push(range),
                Event::Start(
                    Tag::Strong
                    | Tag::Emphasis
                    | Tag::Strikethrough
                    | Tag::Link { .. }
                    | Tag::Image { .. },
                ) => spans.push(range),
                Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(_))) => {
                    fences.push(fence(text, range));
                }
                _ => {}
            }
        }
        Layout { spans, fences }
    }

    fn in_span(&self, at: usize) -> bool {
        self.spans.iter().any(|s| s.start < at && at < s.end)
    }

    fn fence_at(&self, at: usize) -> Option<&Fence> {
        self.fences
            .iter()
            .find(|f| f.span.start < at && at < f.span.end)
    }

    /// The best place to end a piece that starts at `start` and may hold `budget`.
    fn best_cut(&self, text: &str, start: usize, budget: usize) -> Cut {
        let window_end = end_within(text, start, budget);
        let half = start + (window_end - start) / 2;
        let mut best: Option<(u8, usize, Option<&Fence>)> = None;
        for (i, c) in text[start..window_end].char_indices() {
            let at = start + i + c.len_utf8();
            let rank = match c {
                '\n' if text[..at - 1].ends_with('\n') => 3,
                '\n' => 2,
                ' ' => 1,
                _ => continue,
            };
            if self.in_span(at) {
                continue;
            }
            let (rank, fence) = match self.fence_at(at) {
                Some(f) if c != '\n' || at <= f.body_start || only_fence_left(text, at, f) => {
                    continue;
                }
                Some(f) if discord_len(&text[start..at]) + discord_len(&f.close) > budget => {
                    continue;
                }
                Some(f) => (2, Some(f)),
                None => (rank, None),
            };
            // Cutting a code block that would fit a piece of its own is the last resort.
            let whole_fits = fence.is_some_and(|f| discord_len(&text[f.span.clone()]) <= budget);
            let score = match whole_fits {
                true => 0,
                false => (at >= half) as u8 * 4 + rank,
            };
            if best.is_none_or(|(s, _, _)| score >= s) {
                best = Some((score, at, fence));
            }
        }
        match best {
            Some((_, end, fence)) => Cut {
                end,
                fence: fence.cloned(),
            },
            None => self.hard_cut(text, start, budget, window_end),
        }
    }

    /// No boundary fits: cut at the last character that does.
    fn hard_cut(&self, text: &str, start: usize, budget: usize, window_end: usize) -> Cut {
        match self.fence_at(window_end) {
            Some(f) => {
                let room = budget.saturating_sub(discord_len(&f.close) + 1).max(1);
                let end = end_within(text, start, room);
                Cut {
                    end,
                    fence: Some(Fence {
                        close: format!("\n{}", f.close),
                        ..f.clone()
                    }),
                }
            }
            None => Cut {
                end: window_end,
                fence: None,
            },
        }
    }
}

/// The largest end (a char boundary past `start`) with `text[start..end]` within `budget`.
fn end_within(text: &str, start: usize, budget: usize) -> usize {
    let mut used = 0;
    let mut end = start;
    for c in text[start..].chars() {
        used += c.len_utf16();
        if used > budget {
            break;
        }
        end += c.len_utf8();
    }
    if end == start {
        end + text[start..].chars().next().map_or(0, char::len_utf8)
    } else {
        end
    }
}

/// Whether all that is left of fence `f` after `at` is its closing line.
fn only_fence_left(text: &str, at: usize, f: &Fence) -> bool {
    text[at..f.span.end.min(text.len())]
        .trim()
        .chars()
        .all(|c| c == '`' || c == '~')
}

fn fence(text: &str, span: Range<usize>) -> Fence {
    let block = &text[span.clone()];
    let line_end = block.find('\n').map_or(block.len(), |i| i + 1);
    let line = block[..line_end].trim();
    let marks: String = line.chars().take_while(|&c| c == '`' || c == '~').collect();
    // The language is kept for highlighting; a long info string is not worth the room.
    let lang: String = line[marks.len()..]
        .split_whitespace()
        .next()
        .unwrap_or("")
        .chars()
        .take(16)
        .collect();
    Fence {
        body_start: span.start + line_end,
        span,
        open: format!("{marks}{lang}"),
        close: marks,
    }
}

#[cfg(test)]
#[path = "split_tests.rs"]
mod tests;
