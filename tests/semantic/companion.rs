//! The companion encoder: that it computes what the original (TensorFlow.js)
//! does, and that its cosines join the fusion, with thresholds of their own
//! and a cache of their own.

use std::path::Path;

use frontline::brain::{Brain, BrainSettings};
use frontline::eval::{calibrate, read_queries, report, run};
use frontline::fusion::Mode;
use frontline::semantic::{Companion, Precision, SemanticSettings, dot};
use frontline::triage::{Context, Thresholds};

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
            let one = c.embed_one(&r.text).expect("embeds");
            for (how, v) in [("alone", &one), ("in a batch", b)] {
                let cos = dot(v, &r.vector);
                assert!(cos > least, "{precision:?} {how}: {:?}: cos {cos}", r.text);
                assert!((dot(v, v) - 1.0).abs() < 1e-4, "unit length");
            }
            assert!(!r.tokens.is_empty());
        }
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

#[test]
fn the_companion_changes_the_fused_scores_and_its_thresholds_decide() {
    let Some(alone) = model(None) else { return };
    let Some(both) = model_with_companion(None) else {
        return;
    };
    let text = "my inbox has no space left";
    let a = brain(Some(alone)).triage(text, &Context::default());
    let b = brain(Some(both)).triage(text, &Context::default());
    assert_eq!(a.ranking[0].id, "mailbox-full");
    assert_eq!(b.ranking[0].id, "mailbox-full");
    assert_ne!(a.confidence, b.confidence, "the companion's cosines count");
    // A confidence between the two defaults is answered without the
    // companion and not with it: each setup decides on its own line.
    let (without, with) = (Thresholds::hybrid(), Thresholds::companion());
    assert!(with.answer > without.answer);
    let mut settings = BrainSettings::default();
    settings.companion_thresholds.answer = 2.0;
    settings.companion_thresholds.suggest = 2.0;
    let strict = Brain::load(&fixture(), settings, model_with_companion(None))
        .expect("loads")
        .0;
    let d = strict.triage(text, &Context::default());
    assert_eq!(d.level, frontline::triage::Level::Handover, "{d:?}");
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
