//! Input no one means to type — bytes that are not UTF-8, empty and blank
//! lines, a very long line, commands without their arguments — is answered
//! or refused, and the session goes on to the next line.

use crate::terminal::{Workspace, arg, faq};

#[test]
fn a_line_that_is_not_utf8_does_not_end_the_chat() {
    let ws = Workspace::new();
    let faq = arg(&faq());
    let mut chat = ws.start(&[
        "chat",
        "--faq",
        &faq,
        "--session",
        "latin1",
        "--poll-ms",
        "50",
    ]);
    chat.wait_for("describe your question");
    // Bytes that begin no UTF-8 character, in a greeting, so that the line
    // opens no ticket and the question after it is triaged.
    chat.send_bytes(b"hello \xff\xfe there\n");
    chat.wait_for("How can I help?");
    chat.line("I forgot my password");
    chat.wait_for("How do I reset my password?");
    chat.line("/quit");
    chat.finish();
}

#[test]
fn blank_long_and_incomplete_lines_end_neither_the_chat_nor_the_staff_desk() {
    let ws = Workspace::new();
    let faq = arg(&faq());
    let long = "x ".repeat(100_000);
    let chat = ws.run(
        &["chat", "--faq", &faq, "--session", "odd", "--poll-ms", "50"],
        &format!("\n   \n\t\n{long}\nI forgot my password\n"),
    );
    assert!(chat.contains("I can read at most 4000"), "{chat}");
    assert!(chat.contains("How do I reset my password?"), "{chat}");

    let desk = ws.run(
        &["staff", "--faq", &faq, "--name", "Alice", "--poll-ms", "50"],
        &format!(
            "\n   \nreply\nreply 1\nshow 99999999999999999999\nclaim -1\nnote 1\n{}\nlist\n",
            "x".repeat(100_000)
        ),
    );
    assert!(desk.contains("`reply` needs a ticket number"), "{desk}");
    assert!(desk.contains("`reply` needs a message"), "{desk}");
    assert!(desk.contains("`show` needs a ticket number"), "{desk}");
    assert!(desk.contains("There is no ticket #-1."), "{desk}");
    assert!(desk.contains("`note` needs a note"), "{desk}");
    assert!(
        desk.contains(&format!("unknown command `{}…`", "x".repeat(40))),
        "{desk}"
    );
    assert!(desk.contains("no open tickets"), "{desk}");
}

#[test]
fn a_button_number_past_the_last_button_is_refused_and_a_lone_word_asks_for_more() {
    let ws = Workspace::new();
    let faq = arg(&faq());
    let chat = ws.run(
        &[
            "chat",
            "--faq",
            &faq,
            "--session",
            "stray",
            "--poll-ms",
            "50",
        ],
        "lol\nmy account is locked\n4\n",
    );
    assert!(chat.contains("There is no button 4: type 1 to 3"), "{chat}");
    assert!(chat.contains("I found nothing on that"), "{chat}");
    assert!(!chat.contains("ticket #"), "{chat}");
}
