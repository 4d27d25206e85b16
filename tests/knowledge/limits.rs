use frontline::knowledge::limits::{
    MAX_ANSWER_BYTES, MAX_ENTRIES_PER_FILE, MAX_FILE_BYTES, MAX_FRONT_MATTER_BYTES, MAX_LINE_CHARS,
};

use super::{PRINTER, errors, faq, load};

#[test]
fn a_file_over_the_size_limit_is_refused_and_the_other_files_are_still_checked() {
    let big = format!("## Q\n{}", "word word\n".repeat(MAX_FILE_BYTES * 3 / 20));
    let dir = faq(&[
        ("big.md", big.as_bytes()),
        ("printer.md", PRINTER.as_bytes()),
        ("thin.md", b"---\ntitle: Thin\n---\nAnswer.\n"),
    ]);
    let loaded = load(dir.path());
    assert_eq!(
        errors(dir.path(), &loaded),
        ["big.md:1:1: file is 1.5 MiB; the limit is 1.0 MiB per file (MAX_FILE_BYTES)"]
    );
    assert_eq!(loaded.files, 3);
    assert!(
        loaded
            .diagnostics
            .iter()
            .any(|d| d.message.contains("entry `thin` lists 0 question(s)")),
        "{:?}",
        loaded.diagnostics
    );
}

#[test]
fn a_line_over_the_length_limit_is_refused_where_it_goes_over() {
    let text = format!("## Q\nshort\n## R\n{}\n", "x".repeat(MAX_LINE_CHARS + 5));
    let dir = faq(&[("long.md", text.as_bytes())]);
    let loaded = load(dir.path());
    assert_eq!(
        errors(dir.path(), &loaded),
        [format!(
            "long.md:4:{}: line is {} characters long; the limit is {MAX_LINE_CHARS} (MAX_LINE_CHARS)",
            MAX_LINE_CHARS + 1,
            MAX_LINE_CHARS + 5
        )]
    );
    assert!(loaded.knowledge.is_none());
}

#[test]
fn an_answer_over_the_size_limit_is_refused() {
    let answer = "A short line of an answer.\n".repeat(MAX_ANSWER_BYTES / 20);
    let entry = format!("---\ntitle: Long\nquestions: [a, b, c]\n---\n{answer}");
    let list = format!("## Fine\nShort.\n\n## Long\n{answer}");
    let dir = faq(&[("entry.md", entry.as_bytes()), ("list.md", list.as_bytes())]);
    let loaded = load(dir.path());
    assert_eq!(
        errors(dir.path(), &loaded),
        [
            "entry.md:5:1: answer is 43.2 KiB; the limit is 32 KiB (MAX_ANSWER_BYTES)",
            "list.md:4:1: answer is 43.2 KiB; the limit is 32 KiB (MAX_ANSWER_BYTES)",
        ]
    );
}

#[test]
fn a_list_file_over_the_entry_limit_is_refused_at_the_first_entry_too_many() {
    let list: String = (0..=MAX_ENTRIES_PER_FILE)
        .map(|i| format!("## Question {i}\nAnswer {i}.\n"))
        .collect();
    let dir = faq(&[("many.md", list.as_bytes())]);
    let loaded = load(dir.path());
    assert_eq!(
        errors(dir.path(), &loaded),
        [format!(
            "many.md:{}:1: file has {} `## ` entries; the limit is {MAX_ENTRIES_PER_FILE} per file (MAX_ENTRIES_PER_FILE)",
            2 * MAX_ENTRIES_PER_FILE + 1,
            MAX_ENTRIES_PER_FILE + 1
        )]
    );
}

#[test]
fn a_list_file_at_the_limits_loads() {
    let body = "An answer line that is of an ordinary length for a FAQ.\n".repeat(30);
    let list: String = (0..MAX_ENTRIES_PER_FILE)
        .map(|i| format!("## Question number {i}\n{body}\n"))
        .collect();
    assert!(list.len() < MAX_FILE_BYTES && list.len() > MAX_FILE_BYTES / 2);
    let dir = faq(&[("many.md", list.as_bytes())]);
    let loaded = load(dir.path());
    assert_eq!(errors(dir.path(), &loaded), Vec::<String>::new());
    let knowledge = loaded.knowledge.expect("loads");
    assert_eq!(knowledge.entries().len(), MAX_ENTRIES_PER_FILE);
    assert_eq!(knowledge.entries()[499].origin.line, 499 * 32 + 1);
}

#[test]
fn front_matter_over_the_size_limit_is_refused() {
    let questions: String = (0..MAX_FRONT_MATTER_BYTES / 30)
        .map(|i| format!("  - a question asked in words number {i}\n"))
        .collect();
    let text = format!("---\ntitle: Many\nquestions:\n{questions}---\nAnswer.\n");
    let dir = faq(&[("many.md", text.as_bytes())]);
    let loaded = load(dir.path());
    let errors = errors(dir.path(), &loaded);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with("many.md:2:1: front matter is ")
            && errors[0].ends_with("KiB; the limit is 64 KiB (MAX_FRONT_MATTER_BYTES)"),
        "{errors:?}"
    );
}

#[test]
fn yaml_aliases_are_refused_before_they_are_expanded() {
    // The 1 MB file of the report expanded to 1.9 GB; this one stays under
    // every size limit and would still expand to 13.5 MB.
    let anchor = "x".repeat(9_000);
    let aliases = "*a, ".repeat(1_500);
    let text = format!("---\ntitle: &a \"{anchor}\"\nquestions: [{aliases}]\n---\nAnswer.\n");
    let dir = faq(&[("bomb.md", text.as_bytes())]);
    let started = std::time::Instant::now();
    let loaded = load(dir.path());
    assert_eq!(
        errors(dir.path(), &loaded),
        ["bomb.md:3:13: YAML aliases (`*name`) are not allowed in front matter"]
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}

#[test]
fn asterisks_in_quoted_text_comments_and_block_scalars_are_not_aliases() {
    let text = "---\ntitle: \"*ERR* on start\"\nquestions:\n  - '*ERR* appears'\n  - what does error 5 * 3 mean # not *an alias\n  - >\n    * looks like a bullet\ntags: [a, 'b*']\n---\nAnswer.\n";
    let dir = faq(&[("star.md", text.as_bytes())]);
    let loaded = load(dir.path());
    assert_eq!(errors(dir.path(), &loaded), Vec::<String>::new());
    let knowledge = loaded.knowledge.expect("loads");
    assert_eq!(knowledge.entries()[0].title, "*ERR* on start");
    assert_eq!(knowledge.entries()[0].questions[2], "* looks like a bullet");
}
