//! The multilingual encoder: a German question reaches the German entry by
//! meaning (and by its answer, where the entry lists no questions), English
//! questions are ranked as before, and a model that cannot be loaded leaves
//! the others ranking.

use frontline::brain::{Brain, BrainSettings};
use frontline::knowledge::Lang;
use frontline::ranking::fusion::FusionWeights;
use frontline::ranking::fusion::Mode;
use frontline::semantic::{Semantic, SemanticSettings};
use frontline::triage::{Context, Level};

use crate::helpers::{brain, model_dir, model_with_multilingual, multilingual_dir, settings};

#[test]
fn a_german_question_reaches_the_german_entry_through_the_multilingual_model() {
    let Some(m) = model_with_multilingual() else {
        return;
    };
    assert!(m.multilingual().is_some(), "the multilingual encoder loads");
    let brain = brain(Some(m));
    assert!(brain.semantic().is_some_and(|(_, i)| i.has_multilingual()));
    // Its words are not the entry's (Kennwort, klappt, neues): its meaning leads there.
    let d = brain.triage(
        "Mein Kennwort klappt nicht mehr, wie bekomme ich ein neues?",
        &Context::default(),
    );
    assert_eq!(d.mode, Mode::Hybrid, "{d:?}");
    assert_eq!(d.ranking[0].id, "passwort-zuruecksetzen", "{:?}", d.ranking);
    // Each German entry has its line against the German entries' average
    // in the multilingual encoder's space.
    assert!(
        d.ranking
            .iter()
            .any(|c| c.lang == Lang::De && c.offset != 0.0),
        "{:?}",
        d.ranking
    );
    let d = brain.triage(
        "Von daheim komme ich nicht ins Firmennetz",
        &Context::default(),
    );
    assert_eq!(d.ranking[0].id, "vpn-einrichten", "{:?}", d.ranking);
}

#[test]
fn a_german_faq_of_titles_and_answers_is_ordered_by_its_answers_too_its_lines_unmoved() {
    let Some(m) = model_with_multilingual() else {
        return;
    };
    // Ten entries of the demo FAQ with their titles and answers alone. Each
    // question shares little with its entry's title ("Welche Zahlungsarten
    // bieten Sie an?") and much with its answer ("… per Überweisung
    // zahlen"), and a neighbouring title is a little closer.
    let faq = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/titles-de");
    let load = |fusion: FusionWeights| {
        let settings = BrainSettings {
            fusion,
            ..settings()
        };
        Brain::load(&faq, settings, Some(m.clone()))
            .expect("loads")
            .0
    };
    let with = load(FusionWeights::default());
    let without = load(FusionWeights {
        answer: 0.0,
        ..FusionWeights::default()
    });
    let asked = [
        (
            "Braucht ihr von uns einen Vertrag zur Auftragsverarbeitung?",
            "datenschutz-av-vertrag",
        ),
        (
            "Wie stelle ich in Outlook eine automatische Antwort für den Urlaub ein?",
            "abwesenheitsnotiz",
        ),
        (
            "Kann ich die Rechnung auch per Überweisung bezahlen?",
            "zahlungsarten",
        ),
    ];
    let mut first_without = 0;
    for (text, want) in asked {
        let d = with.triage(text, &Context::default());
        assert_eq!(d.mode, Mode::Hybrid);
        assert_eq!(d.ranking[0].id, want, "{text}: {:?}", d.ranking);
        let plain = without.triage(text, &Context::default());
        first_without += usize::from(plain.ranking[0].id == want);
        // The lines are drawn on the score without the answer: every entry
        // ranked both ways is as far from them either way.
        for c in &d.ranking {
            let same = plain
                .ranking
                .iter()
                .find(|p| p.id == c.id)
                .expect("all ten entries are ranked both ways");
            assert!(
                (c.decisive() - same.decisive()).abs() < 1e-4,
                "{text}: {c:?} against {same:?}"
            );
        }
        assert!(d.ranking[0].lift > 0.0, "{:?}", d.ranking[0]);
    }
    assert_eq!(first_without, 0, "the titles alone rank none of them first");
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
    assert!(m.multilingual().is_none());
    let brain = brain(Some(std::sync::Arc::new(m)));
    let d = brain.triage("Ich habe mein Passwort vergessen", &Context::default());
    assert_eq!(
        d.mode,
        Mode::Lexical,
        "German falls back to the lexical ranking"
    );
    assert_eq!(d.ranking[0].id, "passwort-zuruecksetzen");
}

/// Every line of the FAQ's Markdown files and the sentences of the
/// tokenizer fixture (eval sets in English and German, odd spacing,
/// controls, NFKC cases, other scripts).
fn real_texts() -> Vec<String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut texts = Vec::new();
    for entry in walkdir::WalkDir::new(root.join("faq")) {
        let path = entry.expect("readable faq/").into_path();
        if path.extension().is_some_and(|e| e == "md") {
            let text = std::fs::read_to_string(&path).expect("readable");
            texts.extend(text.lines().map(str::to_string));
        }
    }
    let fixture = std::fs::read_to_string(root.join("tests/fixtures/e5-tokens.jsonl")).unwrap();
    for line in fixture.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        texts.push(v["text"].as_str().expect("a text").to_string());
    }
    // Names and signs in other scripts inside German and English questions.
    texts.extend(
        [
            "Herr Дмитрий Иванов kann sich nicht am VPN anmelden",
            "Η κυρία Παπαδοπούλου sagt: der Drucker im 2. OG druckt nicht",
            "latency of 5 µs on the μ-controller, Δt = 3 s",
            "مرحبا, my invoice from Ağustos shows the wrong amount",
        ]
        .map(str::to_string),
    );
    texts
}

/// The bot's Unigram model (a finite-state transducer of the pieces)
/// against the `tokenizers` crate's own (a trie), with the whole
/// vocabulary of the multilingual encoder and of the companion: the same
/// tokens for every text, in any script.
#[test]
fn real_texts_are_tokenized_as_by_the_tokenizers_crate() {
    let dirs = [multilingual_dir(), crate::helpers::companion_dir()];
    for dir in dirs.into_iter().flatten() {
        let json = std::fs::read(dir.join("tokenizer.json")).unwrap();
        let library = tokenizers::Tokenizer::from_bytes(&json).unwrap();
        let ours = frontline::semantic::tokenizer(&json).unwrap();
        let texts = real_texts();
        for text in &texts {
            let a = ours.encode(text.as_str(), true).unwrap();
            let b = library.encode(text.as_str(), true).unwrap();
            assert_eq!(a.get_ids(), b.get_ids(), "{dir:?}: {text:?}");
            assert_eq!(a.get_offsets(), b.get_offsets(), "{dir:?}: {text:?}");
        }
        assert!(texts.len() > 500, "{} texts compared", texts.len());
    }
    // e5's whole vocabulary: a Cyrillic name is pieces, not unknown.
    if let Some(dir) = multilingual_dir() {
        let json = std::fs::read(dir.join("tokenizer.json")).unwrap();
        let ours = frontline::semantic::tokenizer(&json).unwrap();
        let unknown = ours.token_to_id("<unk>").expect("an unknown piece");
        let ids = ours
            .encode("Дмитрий Иванов", false)
            .unwrap()
            .get_ids()
            .to_vec();
        assert!(ids.len() > 1 && !ids.contains(&unknown), "{ids:?}");
    }
}

#[test]
fn the_multilingual_encoder_is_loaded_only_for_a_knowledge_in_its_languages() {
    let Some(dir) = multilingual_dir() else {
        return;
    };
    let cache = tempfile::tempdir().expect("temp dir");
    let Some(m) = crate::helpers::model_with(SemanticSettings {
        cache_dir: Some(cache.path().to_path_buf()),
        multilingual_dir: Some(dir),
        ..SemanticSettings::default()
    }) else {
        return;
    };
    let english = tempfile::tempdir().expect("temp dir");
    crate::helpers::copy_dir(&crate::helpers::fixture().join("en"), english.path());
    // Calibrated, with a cache directory: its rounds and the key it is
    // kept under ask about the encoder too.
    let calibrated = BrainSettings {
        handover: frontline::ranking::handover::HandoverSettings::calibrated(),
        ..settings()
    };
    let (en, _) = Brain::load(english.path(), calibrated, Some(m.clone())).expect("loads");
    assert!(en.knowledge().langs().iter().all(|&l| l == Lang::En));
    assert!(
        m.multilingual_loaded().is_none(),
        "an English FAQ does not load it"
    );
    // A German question finds no German entry to be ranked against.
    en.triage("Ich habe mein Passwort vergessen", &Context::default());
    assert!(
        m.multilingual_loaded().is_none(),
        "nor does a German question"
    );
    // The FAQ gains German entries (a reload builds a new brain): loaded then.
    let both = brain(Some(m.clone()));
    assert!(m.multilingual_loaded().is_some());
    let d = both.triage("Ich habe mein Passwort vergessen", &Context::default());
    assert_eq!(d.mode, Mode::Hybrid, "{d:?}");
    assert_eq!(d.ranking[0].id, "passwort-zuruecksetzen");
}
