//! Property test of the FAQ parser and `check`: generated files, from random
//! bytes to structure-aware front matter and `## ` lists, never make parsing,
//! loading or rendering a finding panic, and no case hangs. A fixed budget
//! of cases from a fixed seed keeps it to seconds in CI and the same on
//! every run (`FUZZ_CASES=10000` runs more, from a random seed, or from
//! `PROPTEST_RNG_SEED`); a crash it finds is kept below as a named
//! regression test.

use std::path::Path;
use std::time::{Duration, Instant};

use frontline::knowledge::{Lang, check_symptom, parse_file};
use proptest::prelude::*;
use proptest::test_runner::RngSeed;

use super::{faq, load};

/// Parses `text` as the file at `rel` and renders every finding.
fn check_text(rel: &str, text: &str) {
    let started = Instant::now();
    let parsed = parse_file(Path::new(rel), Path::new(rel), text, Lang::En);
    for d in &parsed.diagnostics {
        let shown = d.render(false);
        assert!(shown.contains(&d.message), "{shown}");
        assert!(d.span.0 + d.span.1 <= d.source.len());
    }
    if parsed.diagnostics.iter().any(|d| d.is_error()) {
        assert!(parsed.entries.is_empty());
    }
    // A hang, not a speed target (the build is unoptimised and the
    // machine shared): the largest generated files take milliseconds.
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{} bytes took {:?}",
        text.len(),
        started.elapsed()
    );
}

/// `cases` cases from a fixed seed, or `FUZZ_CASES` cases from a random
/// one (`PROPTEST_RNG_SEED` sets either seed).
fn budget(cases: u32) -> ProptestConfig {
    let more: Option<u32> = std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok());
    let mut config = ProptestConfig {
        cases: more.unwrap_or(cases),
        ..ProptestConfig::default()
    };
    if more.is_none() && std::env::var_os("PROPTEST_RNG_SEED").is_none() {
        config.rng_seed = RngSeed::Fixed(20_261_207);
    }
    config
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vec![
            "id", "title", "questions", "tags", "lang", "kind", "symptoms"
        ])
        .prop_map(str::to_string),
        1 => "[a-z_]{1,10}",
        1 => ".{0,12}",
    ]
}

fn scalar() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9 ?]{0,24}",
        ".{0,24}",
        "\"[^\"\\\\]{0,20}\"",
        "'[^']{0,20}'",
        "[&*][a-z]{1,3}( [a-z]{0,5})?",
        "[a-z0-9()|+*?.\\\\\\[\\]{}^$ -]{0,16}",
        prop::sample::select(vec![
            "en", "de", "fix", "faq", "~", "null", "|", ">", "{", "["
        ])
        .prop_map(str::to_string),
        (0usize..80_000).prop_map(|n| "a".repeat(n)),
        (60_000usize..80_000).prop_map(|n| format!("{}: b", "a".repeat(n))),
    ]
}

fn value() -> impl Strategy<Value = String> {
    let leaf = scalar();
    leaf.prop_recursive(6, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(|v| format!("[{}]", v.join(", "))),
            prop::collection::vec(inner.clone(), 0..6)
                .prop_map(|v| v.iter().map(|x| format!("\n  - {x}")).collect()),
            (inner.clone(), inner).prop_map(|(k, v)| format!("{{{k}: {v}}}")),
            (1usize..300).prop_map(|depth| format!("{}x{}", "[".repeat(depth), "]".repeat(depth))),
        ]
    })
}

fn front_matter_file() -> impl Strategy<Value = String> {
    (
        prop::collection::vec((key(), value()), 0..8),
        prop::option::of("&[a-z] ?"),
        ".{0,200}",
        any::<bool>(),
    )
        .prop_map(|(pairs, anchor, body, closed)| {
            let mut text = String::from("---\n");
            for (k, v) in pairs {
                text.push_str(&format!("{k}: {}{v}\n", anchor.clone().unwrap_or_default()));
            }
            if closed {
                text.push_str("---\n");
            }
            text.push_str(&body);
            text
        })
}

fn list_file() -> impl Strategy<Value = String> {
    (
        ".{0,40}",
        prop::collection::vec(("[^\n]{0,40}", ".{0,120}", 0usize..4), 0..40),
    )
        .prop_map(|(preamble, sections)| {
            let mut text = preamble;
            for (heading, body, hashes) in sections {
                text.push_str(&format!("\n{} {heading}\n{body}\n", "#".repeat(hashes)));
            }
            text
        })
}

fn any_file() -> impl Strategy<Value = String> {
    prop_oneof![
        front_matter_file(),
        list_file(),
        prop::collection::vec(any::<u8>(), 0..2_000)
            .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
        ".{0,400}",
    ]
}

proptest! {
    #![proptest_config(budget(256))]

    #[test]
    fn generated_front_matter_never_panics(text in front_matter_file(), fix in any::<bool>()) {
        check_text(if fix { "fixes/x.md" } else { "x.md" }, &text);
    }

    #[test]
    fn generated_list_files_never_panic(text in list_file()) {
        check_text("list.md", &text);
    }

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..4_000)) {
        check_text("bytes.md", &String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn random_symptoms_never_panic(symptom in ".{0,24}") {
        let _ = check_symptom(&symptom);
    }
}

proptest! {
    #![proptest_config(budget(32))]

    #[test]
    fn generated_directories_load_and_every_finding_renders(
        files in prop::collection::vec((any_file(), any::<bool>()), 1..6),
        raw in prop::collection::vec(any::<u8>(), 0..300),
    ) {
        let mut named: Vec<(String, Vec<u8>)> = files
            .into_iter()
            .enumerate()
            .map(|(i, (text, fix))| {
                let rel = if fix { format!("fixes/f{i}.md") } else { format!("f{i}.md") };
                (rel, text.into_bytes())
            })
            .collect();
        named.push(("raw.md".into(), raw));
        let borrowed: Vec<(&str, &[u8])> =
            named.iter().map(|(r, t)| (r.as_str(), t.as_slice())).collect();
        let dir = faq(&borrowed);
        load(dir.path());
    }
}

/// Found against the first version: miette panicked rendering a YAML
/// error past column 65,535.
#[test]
fn a_yaml_error_past_column_65535_renders() {
    let long = "a".repeat(70_000);
    check_text("x.md", &format!("---\ntitle: {long}: b\n---\nAnswer.\n"));
    check_text("x.md", &format!("## Q\n{long} [link]({long}\n"));
}

/// Found against the first version: a file that is not UTF-8 stopped the
/// whole load, with no finding about it.
#[test]
fn a_directory_with_a_file_that_is_not_utf8_loads_the_rest() {
    let dir = faq(&[("a.md", b"## Q\n\xff\n"), ("b.md", b"## R\nAnswer.\n")]);
    assert_eq!(load(dir.path()).files, 2);
}

#[test]
fn a_deeply_nested_yaml_value_is_a_finding() {
    let depth = 5_000;
    let text = format!(
        "---\ntitle: x\nquestions: {}x{}\n---\nAnswer.\n",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    check_text("x.md", &text);
}

#[test]
fn a_multibyte_character_at_a_yaml_error_renders() {
    check_text("x.md", "---\ntitle: ä: ö\n---\nAnswer.\n");
    check_text("x.md", "---\nü\u{0}\n---\n");
}
