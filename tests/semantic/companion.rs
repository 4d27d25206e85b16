//! The companion encoder: that it computes what the original (TensorFlow.js)
//! does, and that its cosines join the fusion, with thresholds of their own
//! and a cache of their own.

use std::path::Path;
use std::sync::Arc;

use frontline::brain::Brain;
use frontline::eval::{calibrate, read_queries, report, run};
use frontline::ranking::Thresholds;
use frontline::ranking::fusion::Mode;
use frontline::semantic::{Companion, Precision, Semantic, SemanticSettings, dot};
use frontline::triage::{Context, Level};

use crate::helpers::{brain, companion_dir, fixture, model, model_with, model_with_companion};

#[derive(serde::Deserialize)]
struct Reference {
    texts: Vec<ReferenceText>,
}

#[derive(serde::Deserialize)]
struct ReferenceText {
    text: String,
    tokens: Vec<u32>,
    vector: Vec<f32>,
}

fn reference() -> Reference {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/use-lite-reference.json");
    serde_json::from_slice(&std::fs::read(path).expect("read")).expect("parses")
}

fn companion_at(precision: Precision) -> Option<Companion> {
    let dir = companion_dir()?;
    let settings = SemanticSettings {
        cache_dir: None,
        precision,
        ..SemanticSettings::default()
    };
    Some(Companion::load(&dir, &settings).expect("the companion loads"))
}

#[test]
fn the_companion_computes_what_tensorflow_js_computes() {
    for (precision, least) in [(Precision::F32, 0.9999), (Precision::Q8, 0.99)] {
        let Some(c) = companion_at(precision) else {
            return;
        };
        assert_eq!(c.dim(), 512);
        let reference = reference();
        let texts: Vec<&str> = reference.texts.iter().map(|t| t.text.as_str()).collect();
        let batch = c.embed(&texts).expect("embeds");
        for (r, b) in reference.texts.iter().zip(&batch) {
            // TensorFlow.js's graph reads the first 128 tokens.
            let cut = &r.tokens[..r.tokens.len().min(128)];
            assert_eq!(c.tokens(&r.text).expect("tokenizes"), cut, "{:?}", r.text);
            let one = c.embed_one(&r.text).expect("embeds");
            for (how, v) in [("alone", &one), ("in a batch", b)] {
                let cos = dot(v, &r.vector);
                assert!(cos > least, "{precision:?} {how}: {:?}: cos {cos}", r.text);
                assert!((dot(v, v) - 1.0).abs() < 1e-4, "unit length");
            }
        }
        assert!(reference.texts.iter().any(|r| r.text.is_empty()));
        assert!(reference.texts.iter().any(|r| r.tokens.len() > 128));
    }
}

#[test]
fn padding_in_a_batch_changes_no_vector() {
    let Some(c) = companion_at(Precision::F32) else {
        return;
    };
    let texts = [
        "VPN",
        "The printer on the third floor has been offline since Monday morning.",
        "",
        "How do I reset my password?",
    ];
    let batch = c.embed(&texts).expect("embeds");
    for (t, b) in texts.iter().zip(&batch) {
        let one = c.embed_one(t).expect("embeds");
        let cos = dot(&one, b);
        assert!(cos > 0.9999, "{t:?}: cos {cos}");
    }
}

#[test]
fn with_the_companion_the_fixture_is_answered_and_handed_over_at_its_thresholds() {
    let Some(m) = model_with_companion(None) else {
        return;
    };
    let brain = brain(Some(m));
    let (_, index) = brain.semantic().expect("hybrid");
    assert!(index.has_companion());
    let queries = read_queries(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hybrid-queries.jsonl"),
    )
    .expect("queries parse");
    let outcomes = run(&brain, &queries, Mode::Hybrid, || {});
    let r = report(&outcomes, Mode::Hybrid);
    assert_eq!(r.top1, 1.0, "{r:?}");
    assert_eq!(r.handover_recall, 1.0, "{r:?}");
    assert!(r.answered_correct >= 0.8, "{r:?}");
    let c = calibrate(&outcomes, 1.0).expect("out-of-scope questions");
    assert!(c.answered_correct >= r.answered_correct, "{c:?} {r:?}");
}

/// A brain over the fixture with `model`, whose `which` thresholds
/// answer nothing.
fn strict(model: Option<Arc<Semantic>>, which: &str) -> Brain {
    let mut settings = crate::helpers::settings();
    let never = Thresholds {
        answer: 2.0,
        suggest: 2.0,
        ..Thresholds::hybrid()
    };
    match which {
        "hybrid" => settings.hybrid_thresholds = never,
        "companion" => settings.companion_thresholds = never,
        _ => {}
    }
    Brain::load(&fixture(), settings, model).expect("loads").0
}

const MAILBOX: &str = "my inbox has no space left";

#[test]
fn the_companion_changes_the_fused_scores_and_its_own_thresholds_decide() {
    let Some(alone) = model(None) else { return };
    let Some(both) = model_with_companion(None) else {
        return;
    };
    let a = brain(Some(alone.clone())).triage(MAILBOX, &Context::default());
    let b = brain(Some(both.clone())).triage(MAILBOX, &Context::default());
    assert_eq!(a.ranking[0].id, "mailbox-full");
    assert_eq!(b.ranking[0].id, "mailbox-full");
    assert_eq!((a.level, b.level), (Level::Answer, Level::Answer));
    assert_ne!(a.confidence, b.confidence, "the companion's cosines count");
    // With the companion its thresholds decide, not the main model's ...
    let d = strict(Some(both.clone()), "companion").triage(MAILBOX, &Context::default());
    assert_eq!(d.level, Level::Handover, "{d:?}");
    let d = strict(Some(both), "hybrid").triage(MAILBOX, &Context::default());
    assert_eq!(d.level, Level::Answer, "{d:?}");
    // ... and without it the main model's, not the companion's.
    let d = strict(Some(alone), "companion").triage(MAILBOX, &Context::default());
    assert_eq!(d.level, Level::Answer, "{d:?}");
}

#[test]
fn a_companion_that_does_not_take_part_leaves_the_main_models_scores_and_thresholds() {
    let Some(alone) = model(None) else { return };
    let want = brain(Some(alone)).triage(MAILBOX, &Context::default());
    // Not for the customer's language, or weighed at nothing.
    let Some(no_lang) = model_with(SemanticSettings {
        cache_dir: None,
        companion_dir: companion_dir(),
        companion_langs: Vec::new(),
        ..SemanticSettings::default()
    }) else {
        return;
    };
    assert!(no_lang.companion.is_some());
    let Some(both) = model_with_companion(None) else {
        return;
    };
    let mut unweighted = crate::helpers::settings();
    unweighted.fusion.companion_centroid = 0.0;
    unweighted.fusion.companion_best = 0.0;
    unweighted.companion_thresholds.answer = 2.0;
    unweighted.companion_thresholds.suggest = 2.0;
    for brain in [
        strict(Some(no_lang), "companion"),
        Brain::load(&fixture(), unweighted, Some(both))
            .expect("loads")
            .0,
    ] {
        assert!(brain.semantic().expect("hybrid").1.has_companion());
        let d = brain.triage(MAILBOX, &Context::default());
        assert_eq!(d.mode, Mode::Hybrid);
        assert_eq!(d.level, Level::Answer, "{d:?}");
        assert_eq!(d.confidence, want.confidence);
    }
}

#[test]
fn the_companions_embeddings_are_cached_so_a_restart_embeds_none() {
    let cache = tempfile::tempdir().expect("temp dir");
    let Some(m) = model_with_companion(Some(cache.path())) else {
        return;
    };
    let first = brain(Some(m));
    let stats = first
        .semantic()
        .expect("hybrid")
        .1
        .companion_stats
        .expect("companion");
    assert!(
        stats.computed > 0 && stats.computed == stats.texts,
        "{stats:?}"
    );
    // A new process: a new model over the same directory.
    let m = model_with_companion(Some(cache.path())).expect("loads");
    let again = brain(Some(m));
    let stats = again
        .semantic()
        .expect("hybrid")
        .1
        .companion_stats
        .expect("companion");
    assert_eq!(stats.computed, 0, "{stats:?}");
}

#[test]
fn a_companion_directory_without_a_model_leaves_the_main_model_ranking_alone() {
    let empty = tempfile::tempdir().expect("temp dir");
    let Some(m) = model_with(SemanticSettings {
        cache_dir: None,
        companion_dir: Some(empty.path().to_path_buf()),
        ..SemanticSettings::default()
    }) else {
        return;
    };
    assert!(m.companion.is_none());
    let brain = brain(Some(m));
    let (_, index) = brain.semantic().expect("hybrid");
    assert!(!index.has_companion());
    let d = brain.triage("my inbox has no space left", &Context::default());
    assert_eq!(d.mode, Mode::Hybrid);
    assert_eq!(d.ranking[0].id, "mailbox-full");
}
