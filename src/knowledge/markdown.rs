//! Markdown helpers: the plain text of an answer (what the index sees) and
//! the `## ` sections of a list file. Parsing is pulldown-cmark's job.

use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};

/// The readable text of a markdown fragment: no markup, one line per block.
pub fn plain_text(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    for event in Parser::new(markdown) {
        match event {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            Event::End(
                TagEnd::Paragraph | TagEnd::Item | TagEnd::Heading(_) | TagEnd::CodeBlock,
            ) => out.push('\n'),
            _ => {}
        }
    }
    out.trim().to_string()
}

/// One `## ` section of a list file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// The heading text (the question).
    pub heading: String,
    /// Byte offset where the heading starts.
    pub heading_start: usize,
    /// The markdown below the heading, up to the next `## ` or the end.
    pub body: String,
}

/// The `## ` sections of `markdown`, and the byte range of any text before the
/// first one that is not a `# ` title.
pub fn h2_sections(markdown: &str) -> (Vec<Section>, Option<(usize, usize)>) {
    let mut headings: Vec<(usize, usize, String)> = Vec::new(); // start, end, text
    let mut preamble: Option<(usize, usize)> = None;
    let mut current: Option<(usize, String)> = None;
    let mut in_h1 = false;
    for (event, range) in Parser::new(markdown).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading {
                level: HeadingLevel::H2,
                ..
            }) => current = Some((range.start, String::new())),
            Event::Start(Tag::Heading {
                level: HeadingLevel::H1,
                ..
            }) if headings.is_empty() => in_h1 = true,
            Event::End(TagEnd::Heading(HeadingLevel::H1)) => in_h1 = false,
            Event::End(TagEnd::Heading(HeadingLevel::H2)) => {
                if let Some((start, text)) = current.take() {
                    headings.push((start, range.end, text.trim().to_string()));
                }
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, text)) = current.as_mut() {
                    text.push_str(&t);
                } else if headings.is_empty() && !in_h1 && !t.trim().is_empty() {
                    preamble.get_or_insert((range.start, range.end - range.start));
                }
            }
            _ => {}
        }
    }
    let sections = headings
        .iter()
        .enumerate()
        .map(|(i, (start, end, heading))| {
            let body_end = headings.get(i + 1).map_or(markdown.len(), |h| h.0);
            Section {
                heading: heading.clone(),
                heading_start: *start,
                body: markdown[*end..body_end].trim().to_string(),
            }
        })
        .collect();
    (sections, preamble)
}

/// A URL-fragment style slug of a heading: lowercase, words joined by `-`.
pub fn slug(heading: &str) -> String {
    let mut out = String::new();
    for word in heading
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push('-');
        }
        out.extend(word.chars().flat_map(char::to_lowercase));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_drops_markup() {
        let text = plain_text("Open **Settings → Account** and `click`.\n\n1. one\n2. two");
        assert_eq!(text, "Open Settings → Account and click.\none\ntwo");
    }

    #[test]
    fn sections_split_at_h2_and_skip_the_title() {
        let md = "# General\n\n## How do I call you?\nRing us.\n\n## Hours?\nNine to five.\n";
        let (sections, preamble) = h2_sections(md);
        assert_eq!(preamble, None);
        assert_eq!(sections.len(), 2);
        assert_eq!(sections[0].heading, "How do I call you?");
        assert_eq!(sections[0].body, "Ring us.");
        assert_eq!(sections[1].body, "Nine to five.");
    }

    #[test]
    fn text_before_the_first_question_is_reported() {
        let (_, preamble) = h2_sections("stray words\n\n## Q\nA\n");
        assert_eq!(preamble, Some((0, 11)));
    }

    #[test]
    fn slugs_keep_umlauts() {
        assert_eq!(
            slug("Wie ändere ich mein Passwort?"),
            "wie-ändere-ich-mein-passwort"
        );
    }
}
