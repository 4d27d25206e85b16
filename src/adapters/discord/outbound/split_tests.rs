use super::*;

fn assert_within(pieces: &[String], limit: usize) {
    for (i, piece) in pieces.iter().enumerate() {
        assert!(
            discord_len(piece) <= limit,
            "piece {i} has {} > {limit}:\n{piece}",
            discord_len(piece)
        );
        assert!(!piece.trim().is_empty(), "piece {i} is empty");
    }
}

/// Everything but whitespace, in order: what a reader gets across all pieces.
fn visible(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

fn sentence(n: usize) -> String {
    format!("Sentence number {n} says something useful about the problem. ")
}

fn paragraph(from: usize, sentences: usize) -> String {
    (from..from + sentences)
        .map(sentence)
        .collect::<String>()
        .trim_end()
        .to_owned()
}

#[test]
fn a_short_answer_is_one_piece() {
    assert_eq!(
        split_markdown("  Just **one** line.\n", MESSAGE_LIMIT),
        vec!["Just **one** line."]
    );
    assert!(split_markdown(" \n ", MESSAGE_LIMIT).is_empty());
}

#[test]
fn pieces_end_between_paragraphs_when_they_can() {
    let paragraphs: Vec<String> = (0..8).map(|i| paragraph(i * 10, 9)).collect();
    let text = paragraphs.join("\n\n");
    let pieces = split_markdown(&text, MESSAGE_LIMIT);
    assert_within(&pieces, MESSAGE_LIMIT);
    assert!(pieces.len() > 1);
    for piece in &pieces {
        for part in piece.split("\n\n") {
            assert!(
                paragraphs.contains(&part.to_owned()),
                "cut inside a paragraph: {part:?}"
            );
        }
    }
    assert_eq!(visible(&pieces.concat()), visible(&text));
}

#[test]
fn a_paragraph_longer_than_the_limit_is_cut_between_lines_then_words() {
    let lines: Vec<String> = (0..60).map(|i| sentence(i).trim_end().to_owned()).collect();
    let text = lines.join("\n");
    let pieces = split_markdown(&text, 500);
    assert_within(&pieces, 500);
    for piece in &pieces {
        for line in piece.lines() {
            assert!(
                lines.contains(&line.to_owned()),
                "cut inside a line: {line:?}"
            );
        }
    }
    let one_line = paragraph(0, 40);
    let pieces = split_markdown(&one_line, 500);
    assert_within(&pieces, 500);
    for piece in &pieces {
        assert!(piece.ends_with('.') || piece.ends_with(char::is_alphanumeric));
        assert!(
            one_line.contains(piece.as_str()),
            "cut inside a word: {piece:?}"
        );
    }
}

#[test]
fn bold_spans_links_and_inline_code_are_never_cut() {
    let bold = format!("**{}**", paragraph(100, 3));
    let link = "[the long guide to resetting your password safely](https://example.org/guide)";
    let code = "`frontline check --faq faq/ --format long output`";
    let filler = paragraph(0, 5);
    for inner in [bold.as_str(), link, code] {
        for limit in (200..420).step_by(7) {
            let text = format!("{filler} {inner} {filler}");
            let pieces = split_markdown(&text, limit);
            assert_within(&pieces, limit);
            assert!(
                pieces.iter().any(|p| p.contains(inner)),
                "limit {limit}: {inner:?} was cut: {pieces:#?}"
            );
        }
    }
}

#[test]
fn a_code_block_that_fits_is_kept_whole() {
    let code: String = (0..55)
        .map(|i| format!("let x{i} = compute({i});\n"))
        .collect();
    let block = format!("```rust\n{code}```");
    let text = format!("{}\n\n{block}\n\n{}", paragraph(0, 16), paragraph(50, 3));
    assert!(discord_len(&block) < MESSAGE_LIMIT && discord_len(&text) > MESSAGE_LIMIT);
    let pieces = split_markdown(&text, MESSAGE_LIMIT);
    assert_within(&pieces, MESSAGE_LIMIT);
    assert!(pieces.iter().any(|p| p.contains(&block)), "{pieces:#?}");
}

#[test]
fn a_code_block_too_long_is_closed_and_reopened_with_its_language() {
    let code: String = (0..200)
        .map(|i| format!("    step_{i}(&mut state)?;\n"))
        .collect();
    let text = format!("Run this:\n\n```rust\n{code}```\n\nThen restart.");
    let pieces = split_markdown(&text, MESSAGE_LIMIT);
    assert_within(&pieces, MESSAGE_LIMIT);
    assert!(pieces.len() >= 3, "{}", pieces.len());
    for (i, piece) in pieces.iter().enumerate() {
        let fences = piece.lines().filter(|l| l.starts_with("```")).count();
        assert_eq!(fences % 2, 0, "piece {i} leaves a fence open:\n{piece}");
        if i > 0 {
            assert!(piece.starts_with("```rust\n"), "piece {i}:\n{piece}");
        }
    }
    let lines: String = pieces
        .iter()
        .flat_map(|p| p.lines())
        .filter(|l| l.starts_with("    step_"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(lines, code, "code lines lost or cut");
}

#[test]
fn one_endless_word_is_cut_hard_within_the_limit() {
    let word = "x".repeat(5000);
    let pieces = split_markdown(&word, MESSAGE_LIMIT);
    assert_within(&pieces, MESSAGE_LIMIT);
    assert_eq!(pieces.concat(), word);
}

#[test]
fn emoji_count_twice_as_discord_counts_them() {
    let text = "😀 ".repeat(1500);
    let pieces = split_markdown(&text, MESSAGE_LIMIT);
    assert_within(&pieces, MESSAGE_LIMIT);
    assert_eq!(pieces.len(), 3);
}

#[test]
fn embed_descriptions_use_their_own_limit() {
    let text = (0..30)
        .map(|i| paragraph(i * 10, 4))
        .collect::<Vec<_>>()
        .join("\n\n");
    let pieces = split_markdown(&text, EMBED_DESCRIPTION_LIMIT);
    assert_within(&pieces, EMBED_DESCRIPTION_LIMIT);
    assert_eq!(visible(&pieces.concat()), visible(&text));
    assert!(pieces.len() < split_markdown(&text, MESSAGE_LIMIT).len());
}

/// A small deterministic generator of markdown-ish text with every construct
/// the splitter cares about, some of them longer than the limit.
fn generated(seed: u64, parts: usize) -> String {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut next = move |n: u64| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) % n
    };
    let pieces = [
        "plain words here",
        "**bold words that go on**",
        "*some emphasis*",
        "`inline code`",
        "[a link](https://example.org/a/long/path)",
        "~~struck text~~",
        "\n",
        "\n\n",
        "\n```rust\nfn main() {}\nlet x = 1;\n```\n",
        "\n```\nunclosed fence\n",
        "😀🎉",
        "ümlaut äöü",
        "- a list item\n",
        "> a quote\n",
        "averyveryveryveryverylongwordwithoutanyspaceatallthatgoesonandon",
    ];
    let mut text = String::new();
    for _ in 0..parts {
        let piece = pieces[next(pieces.len() as u64) as usize];
        let times = 1 + next(4) as usize;
        for _ in 0..times {
            text.push_str(piece);
            text.push(' ');
        }
    }
    text
}

#[test]
fn generated_texts_always_fit_and_lose_nothing_outside_code() {
    for seed in 0..300 {
        let text = generated(seed, 10 + (seed as usize % 60));
        for limit in [64, 200, MESSAGE_LIMIT] {
            let pieces = split_markdown(&text, limit);
            assert_within(&pieces, limit);
            let joined: String = pieces.concat();
            let mut rest = visible(&joined);
            // Reopened and closed fences are the only additions.
            for mark in ["```rust", "```"] {
                rest = rest.replace(mark, "");
            }
            let mut original = visible(&text);
            for mark in ["```rust", "```"] {
                original = original.replace(mark, "");
            }
            assert_eq!(rest, original, "seed {seed}, limit {limit}");
        }
    }
}

#[test]
fn spans_longer_than_the_limit_are_cut_rather_than_overflowing() {
    let code = format!("`{}`", "x ".repeat(300));
    let link = format!("[{}](https://example.org)", "word ".repeat(200));
    for text in [code, link] {
        let pieces = split_markdown(&text, 100);
        assert_within(&pieces, 100);
        assert_eq!(visible(&pieces.concat()), visible(&text));
    }
}

#[test]
fn one_message_keeps_a_short_text_whole() {
    assert_eq!(
        one_message("  #1 alice — unclaimed\n", 2000),
        "#1 alice — unclaimed"
    );
}

#[test]
fn one_message_says_how_many_lines_a_long_list_left_out() {
    let list: Vec<String> = (1..=200)
        .map(|n| format!("#{n} customer {n} — unclaimed, opened 2026-11-25 09:00"))
        .collect();
    let text = list.join("\n");
    let message = one_message(&text, MESSAGE_LIMIT);
    assert!(
        discord_len(&message) <= MESSAGE_LIMIT,
        "{}",
        discord_len(&message)
    );
    assert!(message.starts_with("#1 customer 1 "));
    let shown = message.lines().filter(|l| l.starts_with('#')).count();
    let note = message.lines().last().unwrap();
    assert_eq!(
        note,
        format!("… and {} more line(s) not shown", 200 - shown)
    );
}
