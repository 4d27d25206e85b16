//! The multilingual encoder: a German question reaches the German entry by
//! meaning, English questions are ranked as before, and a model that cannot
//! be loaded leaves the others ranking.

use frontline::ranking::fusion::Mode;
use frontline::semantic::{Semantic, SemanticSettings};
use frontline::triage::{Context, Level};

use crate::helpers::{brain, model_dir, model_with_multilingual};

#[test]
fn a_german_question_reaches_the_german_entry_through_the_multilingual_model() {
    let Some(m) = model_with_multilingual() else {
        return;
    };
    assert!(m.multilingual.is_some(), "the multilingual encoder loads");
    let brain = brain(Some(m));
    assert!(brain.semantic().is_some_and(|(_, i)| i.has_multilingual()));
    // Its words are not the entry's (Kennwort, klappt, neues): its meaning leads there.
    let d = brain.triage(
        "Mein Kennwort klappt nicht mehr, wie bekomme ich ein neues?",
        &Context::default(),
    );
    assert_eq!(d.mode, Mode::Hybrid, "{d:?}");
    assert_eq!(d.ranking[0].id, "passwort-zuruecksetzen", "{:?}", d.ranking);
    let d = brain.triage(
        "Von daheim komme ich nicht ins Firmennetz",
        &Context::default(),
    );
    assert_eq!(d.ranking[0].id, "vpn-einrichten", "{:?}", d.ranking);
}

#[test]
fn english_questions_are_ranked_as_without_it() {
    let Some(m) = model_with_multilingual() else {
        return;
    };
    let d = brain(Some(m)).triage("my inbox has no space left", &Context::default());
    assert_eq!(d.mode, Mode::Hybrid);
    assert_eq!(d.level, Level::Answer);
    assert_eq!(d.chosen[0].id, "mailbox-full");
}

#[test]
fn a_multilingual_directory_without_a_model_leaves_the_others_ranking() {
    let Some(dir) = model_dir() else { return };
    let empty = tempfile::tempdir().expect("temp dir");
    let settings = SemanticSettings {
        model_dir: Some(dir.clone()),
        cache_dir: None,
        multilingual_dir: Some(empty.path().to_path_buf()),
        ..SemanticSettings::default()
    };
    let m = Semantic::load_from(&dir, &settings).expect("the main model loads");
    assert!(m.multilingual.is_none());
    let brain = brain(Some(std::sync::Arc::new(m)));
    let d = brain.triage("Ich habe mein Passwort vergessen", &Context::default());
    assert_eq!(
        d.mode,
        Mode::Lexical,
        "German falls back to the lexical ranking"
    );
    assert_eq!(d.ranking[0].id, "passwort-zuruecksetzen");
}
