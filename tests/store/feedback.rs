//! Customers' feedback per entry, the ranking prior's input.

use frontline::engine::{Feedback, Person, ThreadRef};
use frontline::knowledge::{Kind, Lang};
use frontline::ranking::feedback::EntryFeedback;
use frontline::store::{NewAnswer, NewConversation, Store, Via};

use crate::helpers::t0;
use crate::on_both_backends;
use crate::support::{Backend, TestDb};

on_both_backends!(
    feedback_counts_each_customer_once_per_entry,
    answers_without_feedback_or_with_other_feedback_count_nothing,
);

/// A conversation of `customer` in `thread` that got an answer from
/// `entry`, with `feedback` on it.
async fn answered(
    store: &dyn Store,
    thread: &str,
    customer: &str,
    entry: &str,
    feedback: Option<Feedback>,
) {
    let mut tx = store.begin().await.unwrap();
    let conv = tx
        .create_conversation(&NewConversation {
            thread: ThreadRef(thread.into()),
            customer: Person::new(format!("test:{customer}"), customer),
            lang: Lang::En,
            at: t0(),
        })
        .await
        .unwrap();
    let answer = tx
        .record_answer(&NewAnswer {
            conversation: conv.id,
            entry_id: entry.into(),
            title: entry.into(),
            kind: Kind::Faq,
            via: Via::Triage,
            question: "how do I reset my password".into(),
            confidence: 0.7,
            lang: Lang::En,
            at: t0(),
        })
        .await
        .unwrap();
    if let Some(feedback) = feedback {
        tx.record_feedback(answer, feedback, t0()).await.unwrap();
    }
    tx.commit().await.unwrap();
}

async fn feedback_counts_each_customer_once_per_entry(backend: Backend) {
    let Some(db) = TestDb::on(backend).await else {
        return;
    };
    let s = &*db.store;
    // Una marks the same entry Solved in three conversations: one vote.
    for thread in ["t1", "t2", "t3"] {
        answered(s, thread, "una", "password", Some(Feedback::Solved)).await;
    }
    answered(s, "t4", "ben", "password", Some(Feedback::NotWhatIAsked)).await;
    answered(s, "t5", "cem", "password", Some(Feedback::Solved)).await;
    answered(s, "t6", "una", "vpn", Some(Feedback::FixedIt)).await;
    answered(s, "t7", "ben", "vpn", Some(Feedback::NotWhatIAsked)).await;
    answered(s, "t8", "ben", "vpn", Some(Feedback::NotWhatIAsked)).await;

    let counts = s.entry_feedback().await.unwrap();
    assert_eq!(
        counts,
        vec![
            (
                "password".to_string(),
                EntryFeedback {
                    solved: 2,
                    not_what_i_asked: 1
                }
            ),
            (
                "vpn".to_string(),
                EntryFeedback {
                    solved: 1,
                    not_what_i_asked: 1
                }
            ),
        ]
    );
    db.cleanup().await;
}

async fn answers_without_feedback_or_with_other_feedback_count_nothing(backend: Backend) {
    let Some(db) = TestDb::on(backend).await else {
        return;
    };
    let s = &*db.store;
    answered(s, "t1", "una", "printer", None).await;
    answered(s, "t2", "ben", "printer", Some(Feedback::TalkToHuman)).await;
    answered(s, "t3", "cem", "printer", Some(Feedback::StillBroken)).await;
    assert_eq!(s.entry_feedback().await.unwrap(), Vec::new());
    db.cleanup().await;
}
