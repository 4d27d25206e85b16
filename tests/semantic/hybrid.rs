use std::path::Path;

use frontline::brain::{Brain, BrainSettings};
use frontline::eval::{calibrate, read_queries, report, run};
use frontline::ranking::Thresholds;
use frontline::ranking::fusion::Mode;
use frontline::triage::{Context, Level};

use crate::helpers::{brain, fixture, model, settings};

fn queries() -> Vec<frontline::eval::LabelledQuery> {
    read_queries(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hybrid-queries.jsonl"))
        .expect("queries parse")
}

#[test]
fn hybrid_ranking_finds_paraphrases_that_lexical_ranking_misses() {
    let Some(m) = model(None) else { return };
    let brain = brain(Some(m));
    let queries = queries();
    let lexical = report(&run(&brain, &queries, Mode::Lexical, || {}), Mode::Lexical);
    let hybrid = report(&run(&brain, &queries, Mode::Hybrid, || {}), Mode::Hybrid);
    assert_eq!(hybrid.top1, 1.0, "{hybrid:?}");
    assert!(lexical.top1 < hybrid.top1, "{lexical:?}");
}

#[test]
fn the_shipped_hybrid_thresholds_answer_paraphrases_and_hand_over_the_rest() {
    let Some(m) = model(None) else { return };
    let brain = brain(Some(m));
    let r = report(&run(&brain, &queries(), Mode::Hybrid, || {}), Mode::Hybrid);
    assert_eq!(r.handover_recall, 1.0, "{r:?}");
    assert!(r.answered_correct >= 0.8, "{r:?}");
}

#[test]
fn thresholds_calibrated_on_the_fixture_do_at_least_as_well_as_the_shipped_ones() {
    let Some(m) = model(None) else { return };
    let brain = brain(Some(m));
    let outcomes = run(&brain, &queries(), Mode::Hybrid, || {});
    let shipped = report(&outcomes, Mode::Hybrid);
    let c = calibrate(&outcomes, 1.0).expect("the fixture has out-of-scope questions");
    assert_eq!(c.handover_recall, 1.0);
    assert!(
        c.answered_correct >= shipped.answered_correct,
        "{c:?} {shipped:?}"
    );
    assert!(c.answer > 0.0 && c.answer < 1.0);
}

#[test]
fn each_entry_is_answered_on_a_line_of_its_own_that_rises_with_how_tightly_its_questions_cluster() {
    let Some(m) = model(None) else { return };
    let brain = brain(Some(m.clone()));
    let decided: Vec<_> = queries()
        .into_iter()
        .map(|q| {
            let d = brain.triage(&q.text, &Context::default());
            (q.text, d)
        })
        .filter(|(_, d)| d.mode == Mode::Hybrid && d.level != Level::Fix && !d.ranking.is_empty())
        .collect();
    let offsets: Vec<f32> = decided
        .iter()
        .flat_map(|(_, d)| d.ranking.iter().map(|c| c.offset))
        .collect();
    assert!(offsets.iter().any(|o| *o > 0.0) && offsets.iter().any(|o| *o < 0.0));
    // One line on the scale for all: what is answered reaches it once its
    // entry's offset is taken off the score, what is not does not.
    let line = Thresholds::hybrid().answer;
    for (text, d) in &decided {
        let top = &d.ranking[0];
        assert_eq!(
            d.level == Level::Answer,
            top.decisive() >= line,
            "{text}: {top:?}"
        );
    }
    // A line between the score and the score less the offset: a tight
    // entry (offset above 0) is not answered there although its score is
    // above it, a loose one is although its score is below.
    let apart: Vec<_> = decided
        .iter()
        .filter(|(_, d)| d.ranking[0].offset.abs() > 0.005)
        .collect();
    assert!(!apart.is_empty());
    for (text, d) in apart {
        let top = &d.ranking[0];
        let between = top.score - top.offset / 2.0;
        let settings = BrainSettings {
            hybrid_thresholds: Thresholds {
                answer: between,
                suggest: between,
                ..Thresholds::hybrid()
            },
            ..settings()
        };
        let moved = Brain::load(&fixture(), settings, Some(m.clone()))
            .expect("the fixture loads")
            .0;
        let again = moved.triage(text, &Context::default());
        assert_eq!(again.ranking[0].id, top.id, "the ranking does not move");
        let answered = again.level == Level::Answer;
        assert_eq!(answered, top.offset < 0.0, "{text}: {top:?} at {between}");
    }
}

#[test]
fn an_english_question_is_ranked_by_meaning() {
    let Some(m) = model(None) else { return };
    let d = brain(Some(m)).triage("my inbox has no space left", &Context::default());
    assert_eq!(d.mode, Mode::Hybrid);
    assert_eq!(d.level, Level::Answer);
    assert_eq!(d.chosen[0].id, "mailbox-full");
}

#[test]
fn a_german_question_gets_the_german_entry_although_the_model_is_english() {
    let Some(m) = model(None) else { return };
    let brain = brain(Some(m));
    let d = brain.triage("Ich habe mein Passwort vergessen", &Context::default());
    assert_eq!(d.mode, Mode::Lexical, "the model covers English only");
    assert_eq!(d.ranking[0].id, "passwort-zuruecksetzen");
    let d = brain.triage("VPN im Homeoffice", &Context::default());
    assert_eq!(d.ranking[0].id, "vpn-einrichten");
    assert!(
        d.ranking
            .iter()
            .all(|c| c.id != "vpn" || c.score <= d.ranking[0].score)
    );
}

#[test]
fn without_a_model_the_brain_ranks_lexically() {
    let brain = brain(None);
    assert!(brain.semantic().is_none());
    let d = brain.triage("I forgot my password", &Context::default());
    assert_eq!(d.mode, Mode::Lexical);
    assert_eq!(d.ranking[0].id, "password-reset");
}

#[test]
fn feedback_moves_a_score_by_at_most_its_cap() {
    use frontline::ranking::feedback::{EntryFeedback, FeedbackPrior, FeedbackSettings};
    let brain = brain(None);
    let text = "I forgot my password";
    let plain = brain.triage(text, &Context::default());
    let rejected = FeedbackPrior::new(
        [(
            "password-reset".to_string(),
            EntryFeedback {
                solved: 0,
                not_what_i_asked: 1_000_000,
            },
        )],
        FeedbackSettings::default(),
    );
    let ctx = Context {
        feedback: Some(&rejected),
        ..Context::default()
    };
    let with = brain.triage(text, &ctx);
    let score = |d: &frontline::triage::Decision| {
        d.ranking
            .iter()
            .find(|c| c.id == "password-reset")
            .expect("ranked")
            .score
    };
    let cap = FeedbackSettings::default().cap;
    assert!(score(&with) < score(&plain));
    assert!(score(&with) >= score(&plain) * (1.0 - cap) - 1e-6);
    assert_eq!(
        with.ranking[0].id, "password-reset",
        "a clear match stays first"
    );
}

#[test]
fn every_listed_text_is_its_own_entrys_closest_on_one_thread_and_on_two() {
    use frontline::semantic::SemanticSettings;
    let Some(two) = crate::helpers::model_with(SemanticSettings {
        cache_dir: None,
        query_threads: 2,
        ..SemanticSettings::default()
    }) else {
        return;
    };
    let brain = brain(Some(two));
    let (m, index) = brain.semantic().expect("hybrid");
    let one = crate::helpers::model_with(SemanticSettings {
        cache_dir: None,
        query_threads: 1,
        ..SemanticSettings::default()
    })
    .expect("the model");
    for (e, entry) in brain.knowledge().entries().iter().enumerate() {
        // Rows of the first entries fall in the first half, of the last in the second.
        for text in std::iter::once(&entry.title).chain(&entry.questions) {
            let q = m.embed_query_for(index, text).expect("embeds");
            let sims = index
                .similarities(&q, None, &m.encoder)
                .expect("similarities");
            assert!(sims[e].best > 0.999, "{text}: {:?}", sims[e]);
            let alone = index
                .similarities(&q, None, &one.encoder)
                .expect("similarities");
            assert_eq!(sims, alone, "{text}");
        }
    }
}
