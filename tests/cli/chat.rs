use super::frontline;

#[test]
fn chat_answers_questions_typed_in_the_terminal() {
    let out = frontline()
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
    assert!(text.contains("hand this to a human"), "{text}");
}
