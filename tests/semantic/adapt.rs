//! The last layer adapted to the FAQ when its index is built.

use frontline::brain::{Brain, LiveBrain, Reloaded};
use frontline::semantic::{SemanticSettings, dot};

use crate::helpers::{brain, live_copy, model, model_with};

/// Every listed title and question of the fixture's English entries, with
/// its entry id.
fn listed(brain: &Brain) -> Vec<(String, String)> {
    brain
        .knowledge()
        .entries()
        .iter()
        .filter(|e| e.lang == frontline::knowledge::Lang::En)
        .flat_map(|e| {
            std::iter::once(&e.title)
                .chain(&e.questions)
                .map(|t| (t.clone(), e.id.clone()))
        })
        .collect()
}

/// Mean over the listed texts of how much closer each is to its own
/// entry's centroid than to the closest other entry's.
fn mean_margin(brain: &Brain) -> f32 {
    let (m, index) = brain.semantic().expect("hybrid");
    let entries = brain.knowledge().entries();
    let texts = listed(brain);
    let total: f32 = texts
        .iter()
        .map(|(text, id)| {
            let q = m.embed_query_for(index, text).expect("embeds");
            let sims = index
                .similarities(&q, None, &m.encoder)
                .expect("similarities");
            let own = entries.iter().position(|e| &e.id == id).expect("entry");
            let other = sims
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != own)
                .map(|(_, s)| s.centroid)
                .fold(f32::MIN, f32::max);
            sims[own].centroid - other
        })
        .sum();
    total / texts.len() as f32
}

#[test]
fn adapting_moves_the_questions_of_an_entry_together_and_apart_from_the_others() {
    let Some(adapted) = model(None) else { return };
    let Some(plain) = model_with(SemanticSettings {
        cache_dir: None,
        adapt: false,
        ..SemanticSettings::default()
    }) else {
        return;
    };
    let adapted = brain(Some(adapted));
    let plain = brain(Some(plain));
    assert!(adapted.semantic().expect("hybrid").1.adaptation().is_some());
    assert!(plain.semantic().expect("hybrid").1.adaptation().is_none());
    let (a, p) = (mean_margin(&adapted), mean_margin(&plain));
    assert!(a > p + 0.02, "adapted margin {a}, plain {p}");
}

#[test]
fn the_last_layer_replaced_by_itself_changes_nothing() {
    let Some(m) = model(None) else { return };
    let texts = ["How do I reset my password?", "VPN does not connect"];
    let model = m.encoder.model();
    let same = model
        .layer_from(model.last_layer(), m.encoder.precision())
        .expect("layer");
    assert_eq!(
        m.encoder.embed_with(&texts, Some(&same)).expect("embeds"),
        m.encoder.embed(&texts).expect("embeds")
    );
}

#[test]
fn queries_are_embedded_with_the_adapted_layer() {
    let Some(m) = model(None) else { return };
    let brain = brain(Some(m));
    let (m, index) = brain.semantic().expect("hybrid");
    let text = "my inbox has no space left";
    let adapted = m.embed_query_for(index, text).expect("embeds");
    let plain = m.embed_query(text).expect("embeds");
    let (beside, ()) = m.embed_query_beside(Some(index), text, || ());
    assert_eq!(beside.expect("embeds"), adapted);
    let cos = dot(&adapted, &plain);
    assert!(cos < 0.999 && cos > 0.5, "cos {cos}");
}

#[test]
fn a_restart_loads_the_adapted_layer_instead_of_training_it() {
    let cache = tempfile::tempdir().expect("temp dir");
    let Some(m) = model(Some(cache.path())) else {
        return;
    };
    let first = brain(Some(m));
    let kept: Vec<_> = std::fs::read_dir(cache.path())
        .expect("cache dir")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("adapt-"))
        .collect();
    assert_eq!(kept.len(), 2, "the layer and the keys of its texts");

    let second = brain(model(Some(cache.path())));
    let (m1, i1) = first.semantic().expect("hybrid");
    let (m2, i2) = second.semantic().expect("hybrid");
    let a1 = i1.adaptation().expect("adapted");
    let a2 = i2.adaptation().expect("adapted");
    assert!(a1.trained());
    assert!(!a2.trained(), "loaded from the cache");
    assert_eq!(a1.id(), a2.id());
    assert_eq!(i2.stats.computed, 0, "and so were the embeddings");
    let text = "reach the company network while travelling";
    assert_eq!(
        m1.embed_query_for(i1, text).expect("embeds"),
        m2.embed_query_for(i2, text).expect("embeds"),
        "the same weights give the same vector"
    );
}

#[test]
fn a_large_edit_trains_anew_and_embeds_everything() {
    let cache = tempfile::tempdir().expect("temp dir");
    let Some((faq, live)) = live_copy(cache.path()) else {
        return;
    };
    let id = |live: &LiveBrain| {
        let brain = live.get();
        let index = brain.semantic().expect("hybrid").1;
        (
            index.adaptation().expect("adapted").id().to_string(),
            index.stats.computed,
        )
    };
    let (before, _) = id(&live);
    // Every question of two entries reworded: more than a few edits.
    let mut reworded = 0;
    for name in ["en/printer.md", "en/vpn.md"] {
        let file = faq.path().join(name);
        let text = std::fs::read_to_string(&file).expect("readable");
        let text = text.replace("\n  - ", "\n  - please, ");
        reworded += text.matches("please, ").count();
        std::fs::write(&file, text).expect("written");
    }
    assert!(reworded * 10 > 32, "{reworded} of 32 texts reworded");
    assert!(matches!(live.reload(), Reloaded::Swapped { .. }));
    let (after, computed) = id(&live);
    assert_ne!(before, after);
    assert_eq!(computed, 32, "a new layer embeds every text anew");
    assert!(cache.path().join(format!("adapt-{after}.texts")).exists());
}
