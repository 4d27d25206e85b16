//! The README's first command: a customer in `frontline chat`, a member of
//! staff in `frontline staff`, one SQLite file between them.

use crate::terminal::{Workspace, arg, faq};

#[test]
fn a_customer_and_staff_talk_through_two_terminals() {
    let ws = Workspace::new();
    let faq = arg(&faq());
    let chat_args = [
        "chat",
        "--faq",
        &faq,
        "--session",
        "demo",
        "--name",
        "Una",
        "--poll-ms",
        "50",
    ];
    let mut chat = ws.start(&chat_args);
    chat.wait_for("describe your question");

    chat.line("I forgot my password");
    chat.wait_for("How do I reset my password?");
    chat.wait_for("[1] Solved  [2] Not what I asked  [3] Talk to a human");
    chat.line("1");
    chat.wait_for("Glad I could help");

    chat.line("our coffee machine leaks water");
    chat.wait_for("ticket #1");

    let staff_args = ["staff", "--faq", &faq, "--name", "Alice", "--poll-ms", "50"];
    let desk = ws.run(&staff_args, "list\nclaim 1\nreply 1 Which model is it?\n");
    assert!(
        desk.contains("NEW ticket #1 from Una — open, unclaimed"),
        "{desk}"
    );
    assert!(
        desk.contains("customer wrote: our coffee machine leaks water"),
        "{desk}"
    );
    assert!(
        desk.contains("Una: our coffee machine leaks water"),
        "the list shows it: {desk}"
    );
    assert!(
        desk.contains("UPDATE ticket #1 from Una — claimed by Alice"),
        "{desk}"
    );

    chat.wait_for("(Alice joined the conversation)");
    chat.wait_for("Alice (support): Which model is it?");
    chat.line("It is the Jura E8 in the kitchen");

    let bob = ws.run(
        &["staff", "--faq", &faq, "--name", "Bob", "--poll-ms", "50"],
        "claim 1\n",
    );
    assert!(
        bob.contains("Ticket #1 is already claimed by Alice."),
        "{bob}"
    );

    let desk = ws.run(
        &staff_args,
        "show 1\nresolve 1 Replaced the seal of the water tank.\n",
    );
    assert!(
        desk.contains("It is the Jura E8 in the kitchen"),
        "show has the transcript: {desk}"
    );
    assert!(
        desk.contains("resolved by Alice: Replaced the seal of the water tank."),
        "{desk}"
    );
    // What the customer wrote after the claim reached a desk as it came
    // (whichever desk polled first after it was written).
    let desks = format!("{bob}{desk}");
    assert!(
        desks.contains("#1 Una: It is the Jura E8 in the kitchen"),
        "{desks}"
    );

    chat.wait_for("Alice marked your request as resolved: Replaced the seal of the water tank.");
    chat.wait_for("[5] ★★★★★");
    chat.line("5");
    chat.wait_for("Thank you for your rating (5 of 5)!");
    chat.line("/quit");
    chat.finish();

    let drafted = ws.run(&staff_args, "draft 1\n");
    assert!(drafted.contains("draft for fixes/"), "{drafted}");
    assert!(
        drafted.contains("title: Our coffee machine leaks water"),
        "{drafted}"
    );
    assert!(
        drafted.contains("Replaced the seal of the water tank."),
        "{drafted}"
    );

    let tickets = ws.run(&["tickets", "list", "--all"], "");
    assert!(tickets.contains("#1    resolved"), "{tickets}");
    let shown = ws.run(&["tickets", "show", "1"], "");
    assert!(shown.contains("rating: 5 of 5"), "{shown}");
    let stats = ws.run(&["stats"], "");
    assert!(stats.contains("deflection rate:    50.0%"), "{stats}");
}
