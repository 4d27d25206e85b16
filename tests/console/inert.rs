//! What a customer writes reaches the staff desk as text, never as orders
//! to the terminal: control characters are shown, a right-to-left override
//! is named, and a line break cannot forge a line of the transcript. The
//! same holds for what staff write back into the customer's terminal.

use crate::hostile::{self, RAW};
use crate::terminal::{Workspace, arg, faq};

fn staff_args(faq: &str) -> [&str; 7] {
    ["staff", "--faq", faq, "--name", "Alice", "--poll-ms", "50"]
}

/// What a session printed to its terminal: its output without the log
/// lines (stderr), which are not the terminal's text.
fn stdout(seen: &str) -> String {
    seen.lines()
        .filter(|l| !l.starts_with("[stderr] "))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn control_characters_a_customer_types_reach_the_staff_desk_inert() {
    let ws = Workspace::new();
    let faq = arg(&faq());
    let mut chat = ws.start(&[
        "chat",
        "--faq",
        &faq,
        "--session",
        "hostile",
        "--name",
        hostile::NAME,
        "--poll-ms",
        "50",
    ]);
    chat.wait_for("describe your question");
    chat.line("our coffee machine leaks water\x1b[2K\r\x07\0\u{202E}gnp.exe");
    chat.wait_for("ticket #1");

    let desk = stdout(&ws.run(
        &staff_args(&faq),
        "list\nshow 1\nclaim 1\nreply 1 \x1b[31mred\x07 alert\n",
    ));
    hostile::assert_inert(desk.as_bytes());
    assert!(
        desk.contains("NEW ticket #1 from Eve<U+202E> — open, unclaimed"),
        "{desk}"
    );

    chat.wait_for("Alice (support): red alert");
    chat.line("still \x1b[2Kleaking\x07");
    chat.line("/quit");
    let seen = stdout(&chat.finish());
    for c in RAW {
        assert!(!seen.contains(c), "{c:?} reached the customer raw:\n{seen}");
    }

    let desk = stdout(&ws.run(&staff_args(&faq), ""));
    assert!(desk.contains("#1 Eve<U+202E>: still leaking"), "{desk}");
    for c in RAW {
        assert!(!desk.contains(c), "{c:?} reached the desk raw:\n{desk}");
    }
}

#[tokio::test]
async fn a_line_break_in_a_customers_message_cannot_forge_a_line_on_the_staff_desk() {
    let ws = Workspace::new();
    hostile::open_hostile_ticket(&ws.database_url(), &faq()).await;
    let faq = arg(&faq());

    let desk = stdout(&ws.run(&staff_args(&faq), "list\nshow 1\n"));
    hostile::assert_inert(desk.as_bytes());
    hostile::assert_not_forged(&desk);
    assert!(desk.contains("FORGED"), "the second line is shown: {desk}");
}
