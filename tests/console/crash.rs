//! A crash between the state change and its delivery loses nothing and
//! delivers nothing twice.

use frontline::store::{Scope, SqlStore, Store};

use crate::terminal::{Workspace, arg, count, faq};

async fn pending(ws: &Workspace) -> i64 {
    let store = SqlStore::connect(&ws.database_url())
        .await
        .expect("the database opens");
    let n = store.pending_actions(&Scope::All).await.expect("counted");
    store.close().await;
    n
}

#[tokio::test]
async fn actions_committed_before_a_sigkill_are_delivered_once_after_restart() {
    let ws = Workspace::new();
    let faq = arg(&faq());
    let args = [
        "chat",
        "--faq",
        &faq,
        "--session",
        "crash",
        "--poll-ms",
        "50",
    ];

    let mut doomed = ws.start(&[&args[..], &["--hold-before-delivery"]].concat());
    doomed.wait_for("describe your question");
    doomed.line("I forgot my password");
    doomed.wait_for("held: 1 action(s) committed, not delivered");
    assert!(
        !doomed.seen.iter().any(|l| l.contains("How do I reset")),
        "nothing was delivered"
    );
    doomed.kill();
    assert_eq!(pending(&ws).await, 1, "the answer waits in the outbox");

    let restarted = ws.run(&args, "");
    assert_eq!(
        count(&restarted, "How do I reset my password?"),
        1,
        "{restarted}"
    );
    assert_eq!(pending(&ws).await, 0);

    let again = ws.run(&args, "");
    assert_eq!(
        count(&again, "How do I reset my password?"),
        0,
        "delivered once: {again}"
    );
}
