//! `tickets list`, `tickets show`, `gaps` and `stats` print a hostile
//! customer's ticket without a raw control character, and without letting
//! a line break in the message pass for a line of the report.

use std::path::PathBuf;

use crate::frontline;
use crate::hostile;

/// Runs `frontline ARGS` on `url`; it must succeed. Returns its output.
fn report(url: &str, args: &[&str]) -> Vec<u8> {
    frontline()
        .env("DATABASE_URL", url)
        .args(args)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone()
}

#[tokio::test]
async fn reports_show_a_hostile_customers_words_inert() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("x.db").display());
    let faq = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("faq");
    hostile::open_hostile_ticket(&url, &faq).await;

    for args in [
        &["tickets", "list"][..],
        &["tickets", "show", "1"],
        &["gaps"],
    ] {
        let out = report(&url, args);
        hostile::assert_inert(&out);
        hostile::assert_not_forged(&String::from_utf8_lossy(&out));
    }
    let shown = String::from_utf8(report(&url, &["tickets", "show", "1"])).unwrap();
    assert!(
        shown.contains("ticket #1 from Eve<U+202E> — open, unclaimed"),
        "{shown}"
    );
    assert!(
        shown.contains("FORGED"),
        "the second line is shown: {shown}"
    );
    let stats = report(&url, &["stats"]);
    assert!(
        !stats.contains(&0x1b),
        "{}",
        String::from_utf8_lossy(&stats)
    );
}

/// Rows that hold raw escapes (written before the engine cleaned its input,
/// or by another tool) are still shown inert, the escapes made visible.
#[tokio::test]
async fn reports_show_raw_escapes_stored_in_the_database_inert() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("raw.db").display());
    hostile::store_raw_hostile_ticket(&url).await;
    for args in [&["tickets", "list"][..], &["tickets", "show", "1"]] {
        let out = report(&url, args);
        hostile::assert_inert_raw(&out);
        hostile::assert_not_forged(&String::from_utf8_lossy(&out));
    }
}
