use super::frontline;

fn ask_json(text: &str) -> serde_json::Value {
    let out = frontline()
        .args(["ask", "--json", text])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).expect("json decision")
}

#[test]
fn an_faq_question_gets_a_first_level_answer_with_scores() {
    let d = ask_json("I forgot my password");
    assert_eq!(d["level"], "answer");
    assert_eq!(d["chosen"][0]["id"], "en/password-reset");
    assert!(d["confidence"].as_f64().unwrap() > 0.0);
    assert!(d["ranking"].as_array().unwrap().len() > 1);
}

#[test]
fn an_error_code_gets_the_documented_fix_and_what_matched() {
    let d = ask_json("Outlook won't start, it says 0x8004010F");
    assert_eq!(d["level"], "fix");
    assert_eq!(d["chosen"][0]["id"], "fixes/outlook-0x8004010f");
    assert_eq!(d["why"]["symptoms"][0]["matched"], "0x8004010F");
}

#[test]
fn an_unrelated_question_is_handed_to_a_human() {
    let d = ask_json("what is the airspeed velocity of an unladen swallow");
    assert_eq!(d["level"], "handover");
    assert!(d["chosen"].as_array().unwrap().is_empty());
}

#[test]
fn text_output_names_level_and_ranking() {
    let out = frontline()
        .args(["ask", "Wie setze ich mein Passwort zurück?"])
        .assert()
        .success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(text.contains("level: 1st level: FAQ answer"), "{text}");
    assert!(text.contains("language: de"), "{text}");
    assert!(
        text.contains("1. ") && text.contains("de/passwort-zuruecksetzen"),
        "{text}"
    );
}

#[test]
fn log_lines_to_a_file_or_pipe_carry_no_colour_codes() {
    let out = frontline()
        .env("FRONTLINE_MODEL_DIR", "/nonexistent/model")
        .args(["ask", "I forgot my password"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("WARN"), "{stderr}");
    assert!(!stderr.contains('\u{1b}'), "{stderr:?}");
}

#[cfg(unix)]
#[test]
fn output_into_a_reader_that_stopped_ends_quietly_not_in_a_panic() {
    use std::os::unix::process::ExitStatusExt;
    use std::process::Stdio;
    let cmd = frontline();
    let mut raw = std::process::Command::new(cmd.get_program());
    for (key, value) in cmd.get_envs() {
        match value {
            Some(value) => raw.env(key, value),
            None => raw.env_remove(key),
        };
    }
    let mut child = raw
        .args(["ask", "--json", "I forgot my password"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("RUST_BACKTRACE")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The reader goes away before the answer is written (like `| head -0`).
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.signal(), Some(libc::SIGPIPE), "{:?}", out.status);
}
