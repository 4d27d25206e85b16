//! Maintainer tools on what the engine recorded: stats, gaps, drafted fixes.

use chrono::Duration;
use frontline::brain::Brain;
use frontline::engine::{Button, StaffCommand};
use frontline::knowledge::{Kind, Lang, load_dir};
use frontline::maintain::{draft_fix, gaps, stats};
use frontline::store::{Store, TicketState};
use frontline::triage::Level;

use crate::expect::opened;
use crate::harness::{Bot, alice, faq_dir};

#[tokio::test]
async fn stats_count_answers_deflection_rejections_and_response_times() {
    let mut bot = Bot::start().await;
    bot.says("I forgot my password").await;
    bot.presses(Button::Solved).await;
    bot.says("invoice").await;
    bot.presses(Button::NotWhatIAsked).await;
    bot.presses(Button::Solved).await;
    let ticket = opened(&bot.says("our coffee machine leaks water").await);
    bot.now += Duration::minutes(10);
    bot.staff(&alice(), ticket, StaffCommand::Claim).await;
    bot.now += Duration::minutes(20);
    bot.staff(
        &alice(),
        ticket,
        StaffCommand::Resolve {
            note: "Replaced the seal.".into(),
        },
    )
    .await;

    let s = stats::compute(&bot.answers().await, &bot.tickets().await);
    assert_eq!(s.answers, 3);
    assert_eq!(s.solved_by_bot, 2);
    assert_eq!(s.tickets, 1);
    assert_eq!(s.deflection_rate, Some(2.0 / 3.0));
    assert_eq!(
        s.not_what_i_asked,
        [(
            "en/invoice-copy".to_string(),
            "Where can I find my invoices or get an invoice copy?".to_string(),
            1
        )]
    );
    assert_eq!(s.tickets_by_state, [(TicketState::Resolved, 1)]);
    assert_eq!(s.median_time_to_claim, Some(Duration::minutes(10)));
    assert_eq!(s.median_time_to_resolve, Some(Duration::minutes(30)));
    let report = stats::render(&s);
    assert!(report.contains("deflection rate:    66.7%"), "{report}");
    assert!(
        report.contains("median time to claim:   10 min"),
        "{report}"
    );
    bot.stop().await;
}

#[tokio::test]
async fn gaps_group_the_questions_that_ended_in_tickets_or_rejections() {
    let mut bot = Bot::start().await;
    for (i, text) in [
        "our coffee machine leaks water",
        "the coffee machine is leaking again",
        "the parking garage gate is stuck",
    ]
    .iter()
    .enumerate()
    {
        bot.thread = frontline::engine::ThreadRef(format!("test:thread-{i}"));
        bot.says(text).await;
    }
    bot.thread = frontline::engine::ThreadRef("test:thread-invoice".into());
    bot.says("invoice").await;
    bot.presses(Button::NotWhatIAsked).await;

    let questions = gaps::unanswered(&bot.answers().await, &bot.tickets().await);
    assert_eq!(questions.len(), 4, "{questions:#?}");
    let groups = gaps::group(questions, gaps::DEFAULT_SIMILARITY, Lang::En);
    assert_eq!(
        groups[0].questions.len(),
        2,
        "the coffee machine comes first: {groups:#?}"
    );
    assert!(
        groups[0]
            .questions
            .iter()
            .all(|q| q.text.contains("coffee machine"))
    );
    assert_eq!(groups.len(), 3);
    bot.stop().await;
}

#[tokio::test]
async fn a_resolved_ticket_becomes_a_documented_fix_that_passes_check_and_is_found() {
    let mut bot = Bot::start().await;
    let ticket = opened(
        &bot.says("Our scanner cannot send scans by mail, it reports 554 5.7.1")
            .await,
    );
    bot.says("the display also says \"Client host rejected: access denied\"")
        .await;
    bot.staff(&alice(), ticket, StaffCommand::Claim).await;
    let not_yet = draft_fix::draft(&bot.ticket(ticket).await, &[], Lang::En);
    assert!(matches!(
        not_yet,
        Err(draft_fix::DraftError::NotResolved(_))
    ));
    let note = "Open the scanner's web page under Network > SMTP.\n\
                Set the server to smtp.office365.com, port 587, STARTTLS.\n\
                Enter the scanner mailbox's app password and send a test scan.";
    bot.staff(
        &alice(),
        ticket,
        StaffCommand::Resolve { note: note.into() },
    )
    .await;

    let t = bot.ticket(ticket).await;
    let events = bot.db.store.events(t.conversation).await.unwrap();
    let draft = draft_fix::draft(&t, &events, Lang::En).expect("a draft");
    assert_eq!(
        draft.symptoms,
        [r"554 5\.7\.1", "Client host rejected: access denied"]
    );
    assert!(draft.path.starts_with("fixes"));
    assert!(
        draft
            .markdown
            .contains("title: Our scanner cannot send scans by mail, it reports 554 5.7.1"),
        "{}",
        draft.markdown
    );
    assert!(
        draft
            .markdown
            .contains("1. Open the scanner's web page under Network > SMTP.\n2. Set the server"),
        "{}",
        draft.markdown
    );

    let dir = tempfile::tempdir().unwrap();
    copy_dir(&faq_dir(), dir.path());
    std::fs::write(dir.path().join(&draft.path), &draft.markdown).unwrap();
    let loaded = load_dir(dir.path(), Lang::En).unwrap();
    assert_eq!(loaded.error_count(), 0, "{:#?}", loaded.diagnostics);
    let knowledge = loaded.knowledge.expect("the FAQ with the draft loads");
    let id = draft
        .path
        .with_extension("")
        .to_string_lossy()
        .replace('\\', "/");
    let entry = &knowledge.entries()[knowledge.position(&id).expect("the draft is an entry")];
    assert_eq!(entry.kind, Kind::Fix);
    let brain = Brain::new(knowledge.clone(), Default::default(), None).unwrap();
    let decision = brain.triage("scans bounce with 554 5.7.1", &Default::default());
    assert_eq!(decision.level, Level::Fix);
    assert_eq!(decision.chosen[0].id, id, "the 3rd level fed the 2nd");
    bot.stop().await;
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}
