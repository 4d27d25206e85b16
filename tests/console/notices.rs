//! Notices at the terminal: staff publish an outage at the desk, and a
//! customer in `frontline chat` asking about it is told the notice, with
//! *Talk to a human*, and gets no ticket.

use crate::terminal::{Workspace, arg, faq};

#[test]
fn staff_publish_a_notice_at_the_desk_and_a_customer_asking_is_told() {
    let ws = Workspace::new();
    let faq = arg(&faq());
    let desk = ws.run(
        &["staff", "--faq", &faq, "--name", "Alice", "--poll-ms", "50"],
        "notice publish mail-down services=mail for=2h symptom='0x800ccc0e' \
         en='Mail is down; we are on it.' de='Mail ist gestört.'\nnotice list\n",
    );
    assert!(
        desk.contains("Notice `mail-down` published: outage of mail, active"),
        "{desk}"
    );
    assert!(desk.contains("active   mail-down (outage, mail)"), "{desk}");

    let chat_args = [
        "chat",
        "--faq",
        &faq,
        "--session",
        "notice",
        "--name",
        "Una",
        "--poll-ms",
        "50",
    ];
    let mut chat = ws.start(&chat_args);
    chat.wait_for("describe your question");
    chat.line("is the mail server down?");
    chat.wait_for("**Known outage** (mail");
    chat.wait_for("Mail is down; we are on it.");
    chat.wait_for("[1] Talk to a human");
    chat.line("/quit");
    let rest = chat.finish();
    assert!(!rest.contains("ticket #"), "{rest}");
}
