//! `DATABASE_URL` as sqlx users write it: `sqlite://path` creates the file
//! (no `?mode=rwc` needed), and a directory that does not exist is named.

use crate::frontline;

#[test]
fn chat_and_staff_share_a_database_given_as_a_plain_sqlite_url() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("frontline.db");
    let url = format!("sqlite://{}", db.display());
    let chat = frontline()
        .env("DATABASE_URL", &url)
        .arg("chat")
        .write_stdin("our coffee machine leaks water\n")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let chat = String::from_utf8(chat).unwrap();
    assert!(chat.contains("ticket #1"), "{chat}");
    assert!(db.exists());

    let desk = frontline()
        .env("DATABASE_URL", &url)
        .args(["staff", "--name", "Alice"])
        .write_stdin("list\n")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let desk = String::from_utf8(desk).unwrap();
    assert!(desk.contains("our coffee machine leaks water"), "{desk}");
}

#[test]
fn a_database_in_a_directory_that_does_not_exist_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-dir");
    let url = format!("sqlite://{}/frontline.db", missing.display());
    let err = tickets_list_fails(&url);
    assert!(
        err.contains(&format!("the directory {} ", missing.display())),
        "{err}"
    );
    assert!(!missing.exists(), "the directory is not created");
}

#[test]
fn a_postgres_server_that_refuses_says_so_not_only_that_the_pool_timed_out() {
    // Nothing listens on port 1 of the loopback.
    let err = tickets_list_fails("postgres://postgres@127.0.0.1:1/x");
    assert!(err.to_lowercase().contains("refused"), "{err}");
}

#[test]
fn a_sqlite_url_without_a_file_is_an_error_saying_so() {
    for url in ["sqlite://", "sqlite:"] {
        let err = tickets_list_fails(url);
        assert!(err.contains("names no database file"), "{url}: {err}");
    }
}

#[test]
fn a_database_error_is_told_once_not_with_its_cause_repeated() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("not-a-db.db");
    std::fs::write(&path, "this is not a SQLite file, it only has its name").unwrap();
    let err = tickets_list_fails(format!("sqlite://{}", path.display()));
    assert_eq!(err.matches("not a database").count(), 1, "{err}");
}

/// The error `frontline tickets list` fails with on the database at `url`.
fn tickets_list_fails(url: impl AsRef<std::ffi::OsStr>) -> String {
    let err = frontline()
        .env("DATABASE_URL", url)
        .args(["tickets", "list"])
        .assert()
        .failure()
        .get_output()
        .stderr
        .clone();
    String::from_utf8(err).unwrap()
}
