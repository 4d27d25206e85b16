use predicates::prelude::*;

use super::{fixture, frontline};

/// Runs `check` on a broken fixture and returns its output; it must fail.
fn check_fails(name: &str) -> String {
    let out = frontline()
        .args(["check", &fixture(&format!("broken/{name}"))])
        .assert()
        .failure()
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).expect("utf-8")
}

#[test]
fn the_demo_faq_is_clean() {
    frontline()
        .args(["check", "faq"])
        .assert()
        .success()
        .stdout(predicate::str::contains("0 error(s), 0 warning(s)"));
}

#[test]
fn invalid_yaml_is_reported_with_file_line_and_the_offending_line() {
    let out = check_fails("invalid-yaml");
    assert!(
        out.contains(
            "invalid-yaml/vpn.md:2:11: invalid YAML in front matter: mapping values are not allowed"
        ),
        "{out}"
    );
    assert!(
        out.contains("title: VPN: how do I connect from home?"),
        "{out}"
    );
}

#[test]
fn a_missing_title_is_reported_at_the_front_matter() {
    let out = check_fails("missing-title");
    assert!(
        out.contains("missing-title/vpn.md:1:1: missing title"),
        "{out}"
    );
}

#[test]
fn a_missing_answer_is_reported_at_the_closing_line() {
    let out = check_fails("missing-answer");
    assert!(
        out.contains("missing-answer/vpn.md:7:1: missing answer"),
        "{out}"
    );
}

#[test]
fn a_duplicate_id_names_both_places() {
    let out = check_fails("duplicate-id");
    assert!(
        out.contains("duplicate-id/second.md:3:1: duplicate id `vpn`"),
        "{out}"
    );
    assert!(
        out.contains("already used by tests/fixtures/broken/duplicate-id/first.md:3"),
        "{out}"
    );
}

#[test]
fn an_invalid_symptom_regex_is_reported_where_it_is_written() {
    let out = check_fails("invalid-symptom");
    assert!(
        out.contains(
            "invalid-symptom/fixes/outlook.md:5:6: invalid symptom regex `data file (cannot`"
        ),
        "{out}"
    );
    assert!(out.contains("unclosed group"), "{out}");
}

#[test]
fn a_symptom_matching_ordinary_sentences_is_too_broad() {
    let out = check_fails("broad-symptom");
    assert!(
        out.contains(
            "broad-symptom/fixes/outlook.md:5:6: symptom `does(n.t| not) work` is too broad"
        ),
        "{out}"
    );
    assert!(out.contains("\"it does not work\""), "{out}");
}

#[test]
fn a_symptom_matching_the_empty_string_is_too_broad() {
    let out = check_fails("empty-symptom");
    assert!(
        out.contains("empty-symptom/fixes/outlook.md:4:6: symptom `(0x8004010F)?` is too broad: it matches the empty string"),
        "{out}"
    );
}

#[test]
fn a_misspelt_key_is_an_error_not_silently_dropped() {
    let out = check_fails("unknown-key");
    assert!(
        out.contains(
            "unknown-key/vpn.md:3:1: invalid YAML in front matter: unknown field `qestions`"
        ),
        "{out}"
    );
}

#[test]
fn thin_entries_and_shared_questions_are_warnings_that_do_not_fail() {
    frontline()
        .args(["check", &fixture("warnings")])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "warnings/vpn.md:2:1: entry `vpn` lists 1 question(s); 3 or more",
        ))
        .stdout(predicate::str::contains(
            "warnings/vpn.md:4:5: question \"vpn from home\" is also asked in `vpn-client`",
        ))
        .stdout(predicate::str::contains("0 error(s), 2 warning(s)"));
}

#[test]
fn deny_warnings_turns_warnings_into_failure() {
    frontline()
        .args(["check", "--deny-warnings", &fixture("warnings")])
        .assert()
        .failure();
}

#[test]
fn json_output_lists_findings_with_line() {
    let out = frontline()
        .args(["check", "--json", &fixture("broken/missing-title")])
        .assert()
        .failure()
        .get_output()
        .stdout
        .clone();
    let findings: serde_json::Value = serde_json::from_slice(&out).expect("json");
    assert_eq!(findings[0]["severity"], "error");
    assert_eq!(findings[0]["line"], 1);
    assert_eq!(findings[0]["message"], "missing title");
}

#[test]
fn a_missing_directory_is_a_clear_error() {
    frontline()
        .args(["check", "no/such/dir"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no/such/dir is not a directory"));
}

/// A temporary FAQ directory with one file.
fn faq_with(rel: &str, text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(rel);
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
    dir
}

#[test]
fn findings_on_a_line_of_70000_characters_are_reported_not_a_panic() {
    let long = "a".repeat(70_000);
    let dir = faq_with("vpn.md", &format!("---\ntitle: {long}: b\n---\nAnswer.\n"));
    let mut latin1 = format!("## Where is the invoice?\n{long}").into_bytes();
    latin1.extend(b"\xe9\n");
    std::fs::write(dir.path().join("latin1.md"), latin1).expect("write");
    let out = frontline()
        .args(["check", dir.path().to_str().expect("utf-8 path")])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).expect("utf-8");
    assert!(
        out.contains("latin1.md:2:70001: the file is not valid UTF-8 (byte 70025)"),
        "{out}"
    );
    assert!(out.contains("aaaa\u{fffd}"), "{out}");
    assert!(
        out.contains("vpn.md:2:10001: line is 70010 characters long; the limit is 10000"),
        "{out}"
    );
    assert!(
        out.contains("vpn.md:2:1: front matter is 68.4 KiB"),
        "{out}"
    );
    assert!(out.contains("3 error(s)"), "{out}");
    assert!(out.len() < 5_000, "{out}");
}

#[test]
fn a_symptom_that_is_an_ordinary_word_is_too_broad() {
    let dir = faq_with(
        "fixes/sync.md",
        "---\ntitle: Sync fails with E1042\nsymptoms:\n  - 'E1042'\n  - 'password'\n---\nRestart the sync app.\n",
    );
    let out = frontline()
        .args(["check", dir.path().to_str().expect("utf-8 path")])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).expect("utf-8");
    assert!(
        out.contains(
            "fixes/sync.md:5:6: symptom `password` is too broad: \"password\" is an ordinary word"
        ),
        "{out}"
    );
}

/// What a successful `frontline check` with the self-calibration on prints,
/// with `min_samples` in the environment where given.
fn calibrated_check(min_samples: Option<&str>, args: &[&str]) -> String {
    let mut cmd = frontline();
    cmd.env("FRONTLINE_HANDOVER__CALIBRATE", "true");
    if let Some(n) = min_samples {
        cmd.env("FRONTLINE_HANDOVER__MIN_SAMPLES", n);
    }
    let out = cmd
        .arg("check")
        .args(args)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).expect("utf-8")
}

#[test]
fn check_shows_the_operating_point_and_the_confusable_entries_with_their_places() {
    let out = calibrated_check(Some("40"), &[&fixture("overlap")]);
    assert!(
        out.contains("hand-over (target 0.90) lexical: answer at"),
        "{out}"
    );
    assert!(out.contains("confusable entries"), "{out}");
    assert!(out.contains("printer-") && out.contains(".md:2)"), "{out}");
    assert!(!out.contains("at least"), "{out}");
}

#[test]
fn check_says_a_faq_of_titles_alone_gets_only_a_floor() {
    let out = calibrated_check(None, &["--lexical", &fixture("titles")]);
    assert!(
        out.contains("hand-over (target 0.90) lexical: answer at")
            && out.contains("at least")
            && out.contains("of 80 generic questions"),
        "{out}"
    );
}

#[test]
fn notice_dates_that_are_reversed_or_unparsable_are_reported_with_file_and_line() {
    let out = check_fails("notice-dates");
    assert!(
        out.contains("notice-dates/notices/reversed.md:3:1: the notice ends before it starts"),
        "{out}"
    );
    assert!(
        out.contains(
            "notice-dates/notices/unparsable.md:3:1: `start` is not a date and time: `next monday`"
        ),
        "{out}"
    );
}

#[test]
fn overlapping_windows_of_one_service_are_reported_with_both_places() {
    let out = check_fails("notice-overlap");
    assert!(
        out.contains(
            "notice-overlap/notices/mail-outage.md:3:1: the window of `mail-outage` overlaps `mail-move` for service `mail`"
        ),
        "{out}"
    );
    assert!(
        out.contains("(tests/fixtures/broken/notice-overlap/notices/mail-move.md:3)"),
        "{out}"
    );
}

#[test]
fn notices_lists_the_demo_outage_as_active_and_the_window_as_planned() {
    let db = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", db.path().join("n.db").display());
    let out = frontline()
        .env("DATABASE_URL", &url)
        .args(["notices", "faq"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).expect("utf-8");
    assert!(
        out.contains("active   portal-outage (outage, portal, kundenportal)"),
        "{out}"
    );
    assert!(
        out.contains("planned  backup-maintenance-2031-01 (maintenance, backup)"),
        "{out}"
    );
    assert!(out.contains("notices/portal-outage.md:4"), "{out}");
}

#[test]
fn notices_of_a_broken_faq_say_so_and_fail() {
    let db = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", db.path().join("n.db").display());
    let faq = faq_with("broken.md", "---\ntitle: [unclosed\n---\nAnswer.\n");
    frontline()
        .env("DATABASE_URL", &url)
        .arg("notices")
        .arg(faq.path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains("its notices are left out"));
}

#[test]
fn contracts_with_unknown_levels_bad_dates_unknown_ids_or_a_shared_role_are_reported_with_file_and_line()
 {
    let out = check_fails("contracts");
    for expected in [
        "contracts/contracts/gold.md:3:1: unknown contract level `gold`",
        "contracts/contracts/dates.md:7:1: the contract ends before it starts",
        "contracts/contracts/ids.md:7:1: `@carol` is not a Discord id",
        "contracts/contracts/twice-b.md:8:1: Discord role 345678901234567890 is covered by `twice-b` and `twice-a` at the same time",
    ] {
        assert!(out.contains(expected), "{expected} in {out}");
    }
}

#[test]
fn chat_can_act_as_a_contract_customer() {
    frontline()
        .args(["chat", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("--as"));
}

#[test]
fn unknown_needs_and_needs_outside_a_fix_are_reported_with_file_and_line() {
    let out = check_fails("needs");
    for expected in [
        "needs/fixes/vpn-809.md:9:1: unknown need `serial_number`",
        "needs/en/hours.md:7:1: needs on an entry that is not a fix",
    ] {
        assert!(out.contains(expected), "{expected} in {out}");
    }
}

#[test]
fn a_file_starting_with_a_byte_order_mark_is_read_as_any_other() {
    let text = "\u{feff}---\ntitle: How do I reset my password?\nquestions:\n  - I forgot my password\n  - password expired\n  - change my password\n---\nUse the portal.\n";
    let dir = faq_with("password.md", text);
    frontline().arg("check").arg(dir.path()).assert().success();
    let out = frontline()
        .args(["ask", "--faq"])
        .arg(dir.path())
        .args(["--json", "I forgot my password"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let d: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(d["chosen"][0]["id"], "password", "{d}");
}

#[test]
fn draft_fix_into_a_missing_faq_directory_is_refused_not_created() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-faq");
    frontline()
        .args(["draft-fix", "1", "--faq"])
        .arg(&missing)
        .env(
            "FRONTLINE_DATABASE_URL",
            format!("sqlite://{}", dir.path().join("t.db").display()),
        )
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is not an FAQ directory"));
    assert!(!missing.exists());
}
