//! The name of a conversation's thread, taken from the customer's question:
//! one line of plain words, without markdown marks or mention syntax, cut at
//! a word within Discord's 100-character limit. Which thread to open is the
//! adapter's decision; this only names it.

use std::sync::LazyLock;

use regex::Regex;

use super::split::discord_len;

/// Discord's limit on a thread name.
pub const THREAD_NAME_LIMIT: usize = 100;

static NOISE: LazyLock<Regex> = LazyLock::new(|| {
    // Mentions, channel links, custom emoji (kept as :name:), then markdown marks.
    Regex::new(r"<@[!&]?\d+>|<#\d+>|<a?(:\w+:)\d+>|[*_`~|>#\\]+")
        .expect("the noise pattern is valid")
});

/// A thread name for `question`, or `fallback` when nothing readable is left.
pub fn thread_name(question: &str, fallback: &str) -> String {
    let cleaned = NOISE.replace_all(question, |caps: &regex::Captures<'_>| {
        caps.get(1).map_or(" ", |emoji| emoji.as_str()).to_owned()
    });
    let words: Vec<&str> = cleaned
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect();
    let name = words.join(" ");
    if name.is_empty() {
        let fallback = fallback.trim();
        return if fallback.is_empty() {
            "Question".to_owned()
        } else {
            cut(fallback)
        };
    }
    cut(&name)
}

/// `text` cut at a word so that it and an ellipsis fit the limit.
fn cut(text: &str) -> String {
    if discord_len(text) <= THREAD_NAME_LIMIT {
        return text.to_owned();
    }
    let room = THREAD_NAME_LIMIT - 1; // the ellipsis
    let mut end = 0;
    let mut used = 0;
    for (i, c) in text.char_indices() {
        used += c.len_utf16();
        if used > room {
            break;
        }
        end = i + c.len_utf8();
    }
    let head = &text[..end];
    let at_word = match head.rfind(' ') {
        Some(space) if space >= head.len() / 2 => &head[..space],
        _ => head,
    };
    format!("{}…", at_word.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_question_is_its_own_name() {
        assert_eq!(
            thread_name("How do I reset my password?", "x"),
            "How do I reset my password?"
        );
    }

    #[test]
    fn lines_and_runs_of_spaces_become_single_spaces() {
        assert_eq!(
            thread_name("  printer\n\n  is   offline\t again ", "x"),
            "printer is offline again"
        );
    }

    #[test]
    fn markdown_marks_and_mentions_are_dropped() {
        assert_eq!(
            thread_name(
                "**Sync** fails with `E1042` <@123> see <#456> <:sad:789>",
                "x"
            ),
            "Sync fails with E1042 see :sad:"
        );
        assert_eq!(thread_name("> quoted # heading", "x"), "quoted heading");
    }

    #[test]
    fn a_long_question_is_cut_at_a_word_within_the_limit() {
        let question = "why does the app freeze every time I try to save a document that is larger than ten megabytes on my laptop";
        let name = thread_name(question, "x");
        assert!(discord_len(&name) <= THREAD_NAME_LIMIT, "{name}");
        assert!(name.ends_with('…'), "{name}");
        let kept = name.trim_end_matches('…');
        assert!(question.starts_with(kept), "{name}");
        assert!(
            question[kept.len()..].starts_with(' '),
            "cut inside a word: {name}"
        );
    }

    #[test]
    fn one_endless_word_is_cut_hard() {
        let name = thread_name(&"ü".repeat(300), "x");
        assert_eq!(name.chars().count(), THREAD_NAME_LIMIT);
    }

    #[test]
    fn emoji_count_as_discord_counts_them() {
        let name = thread_name(&"😀".repeat(80), "x");
        assert!(
            discord_len(&name) <= THREAD_NAME_LIMIT,
            "{}",
            discord_len(&name)
        );
    }

    #[test]
    fn nothing_readable_gives_the_fallback() {
        assert_eq!(
            thread_name("<@1> ** ``", "Question from alice"),
            "Question from alice"
        );
        assert_eq!(thread_name("", "  "), "Question");
    }
}
