use super::frontline;

#[test]
fn chat_answers_questions_typed_in_the_terminal_and_hands_over_the_rest() {
    let db = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", db.path().join("chat.db").display());
    let out = frontline()
        .env("DATABASE_URL", &url)
        .arg("chat")
        .write_stdin("I forgot my password\nwhat is the airspeed velocity of an unladen swallow\n")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("How do I reset my password?"), "{text}");
    assert!(text.contains("source: en/password-reset"), "{text}");
    assert!(text.contains("as ticket #1"), "{text}");
}
