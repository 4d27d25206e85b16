use super::{fixture, frontline};

#[test]
fn eval_ends_with_one_json_line_of_figures() {
    let out = frontline()
        .args([
            "eval",
            "--faq",
            &fixture("small"),
            "--queries",
            &fixture("small/queries.jsonl"),
            "--json",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    let last = text.lines().last().expect("output");
    let r: serde_json::Value = serde_json::from_str(last).expect("last line is JSON");
    for key in [
        "queries",
        "in_scope",
        "top1",
        "top3",
        "mrr",
        "answered_correct",
        "out_of_scope",
        "handover_recall",
        "p50_us",
        "p99_us",
        "answered_wrong",
        "did_you_mean",
        "did_you_mean_hit",
        "auroc",
        "auroc_correct",
        "answered_at_90",
        "threshold_at_90",
        "handover_at_90",
        "curve",
    ] {
        assert!(r.get(key).is_some(), "missing {key} in {last}");
    }
    assert_eq!(r["queries"], 4);
    assert_eq!(r["in_scope"], 3);
    assert_eq!(r["out_of_scope"], 1);
    assert_eq!(r["top1"], 1.0);
    assert_eq!(r["handover_recall"], 1.0);
    let auroc = r["auroc"]
        .as_f64()
        .expect("auroc with an out-of-scope query");
    assert!((0.0..=1.0).contains(&auroc), "{last}");
    assert!(r["answered_at_90"].as_f64().is_some(), "{last}");
    assert_eq!(r["curve"].as_array().map(Vec::len), Some(5), "{last}");
}

#[test]
fn eval_without_out_of_scope_queries_reports_no_trade_off() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("q.jsonl");
    std::fs::write(
        &path,
        "{\"text\": \"forgot my password\", \"expect\": \"password\"}\n",
    )
    .unwrap();
    let out = frontline()
        .args(["eval", "--faq", &fixture("small"), "--json", "--queries"])
        .arg(&path)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    let last = text.lines().last().expect("output");
    let r: serde_json::Value = serde_json::from_str(last).expect("last line is JSON");
    for key in [
        "auroc",
        "answered_at_90",
        "threshold_at_90",
        "handover_at_90",
    ] {
        assert!(r[key].is_null(), "{key} should be null in {last}");
    }
    assert_eq!(r["curve"], serde_json::json!([]));
}

#[test]
fn a_broken_queries_line_is_reported_with_its_number() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("q.jsonl");
    std::fs::write(&path, "{\"text\": \"a\", \"expect\": null}\nnot json\n").unwrap();
    frontline()
        .args(["eval", "--faq", &fixture("small"), "--queries"])
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("q.jsonl:2: not a labelled query"));
}

fn queries_file(text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("q.jsonl");
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

#[test]
fn an_expected_entry_the_faq_lacks_is_an_error_not_a_wrong_answer() {
    let (_dir, path) = queries_file(
        "{\"text\": \"I forgot my password\", \"expect\": \"password\"}\n{\"text\": \"a\", \"expect\": \"pasword\"}\n",
    );
    frontline()
        .args(["eval", "--faq", &fixture("small"), "--queries"])
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "1 expected entry is not in the FAQ: pasword",
        ));
}

#[test]
fn an_empty_queries_file_is_an_error() {
    let (_dir, path) = queries_file("\n\n");
    frontline()
        .args(["eval", "--faq", &fixture("small"), "--queries"])
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("holds no labelled query"));
}

#[test]
fn a_byte_order_mark_before_the_first_query_is_skipped() {
    let (_dir, path) =
        queries_file("\u{feff}{\"text\": \"I forgot my password\", \"expect\": \"password\"}\n");
    frontline()
        .args(["eval", "--faq", &fixture("small"), "--queries"])
        .arg(&path)
        .assert()
        .success()
        .stdout(predicates::str::contains("1 queries"));
}

#[test]
fn a_hand_over_share_outside_0_to_1_is_refused() {
    for bad in ["2", "0", "NaN", "-0.5"] {
        frontline()
            .args(["eval", "--faq", &fixture("small"), "--queries"])
            .arg(fixture("small/queries.jsonl"))
            .arg(format!("--calibrate={bad}"))
            .assert()
            .code(2)
            .stderr(predicates::str::contains("is not a share between 0 and 1"));
    }
}
