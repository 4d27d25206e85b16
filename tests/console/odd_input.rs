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
