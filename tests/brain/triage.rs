use std::path::Path;

use frontline::brain::{BrainSettings, DefaultLang};
use frontline::knowledge::Lang;
use frontline::triage::{Context, Decision, Level};

use super::{demo, load};

fn ask(text: &str) -> Decision {
    demo().triage(text, &Context::default())
}

fn chosen(d: &Decision) -> Vec<&str> {
    d.chosen.iter().map(|c| c.id.as_str()).collect()
}

#[test]
fn a_listed_question_is_answered_at_the_first_level() {
    let d = ask("I forgot my password");
    assert_eq!(d.level, Level::Answer);
    assert_eq!(chosen(&d), ["en/password-reset"]);
    assert!(
        d.why.reason.contains("en/password-reset"),
        "{}",
        d.why.reason
    );
}

#[test]
fn misspelt_words_still_find_the_entry() {
    let d = ask("pasword reset");
    assert_eq!(d.ranking[0].id, "en/password-reset");
    let d = ask("Passwort vergesen");
    assert_eq!(d.ranking[0].id, "de/passwort-zuruecksetzen");
}

#[test]
fn german_compounds_match_entries_that_use_their_parts() {
    // The entry says "Drucker" and "Treiber" as well as the compound.
    let d = ask("Wo bekomme ich den Druckertreiber?");
    assert_eq!(d.ranking[0].id, "de/druckertreiber-installieren");
    // The entry says "Passwort"; the customer writes a compound.
    let d = ask("Passwortänderung");
    assert_eq!(d.ranking[0].id, "de/passwort-zuruecksetzen");
    assert!(
        d.ranking[0].matched_terms.iter().any(|t| t == "passwort"),
        "{:?}",
        d.ranking[0]
    );
}

#[test]
fn a_german_question_prefers_the_german_entry() {
    let d = ask("Wie setze ich mein Passwort zurück?");
    assert_eq!(d.lang, Lang::De);
    assert_eq!(chosen(&d), ["de/passwort-zuruecksetzen"]);
    let d = ask("How do I reset my password?");
    assert_eq!(d.lang, Lang::En);
    assert_eq!(chosen(&d), ["en/password-reset"]);
}

#[test]
fn a_matching_symptom_wins_over_faq_answers() {
    // Mentions the mailbox (an FAQ topic) but quotes a documented error.
    let d = ask("my mailbox is full and mails bounce with 552 5.2.2");
    assert_eq!(d.level, Level::Fix);
    assert_eq!(chosen(&d), ["fixes/smtp-552-postfach-voll"]);
    assert_eq!(d.why.symptoms[0].entry_id, "fixes/smtp-552-postfach-voll");
    assert!(d.why.reason.contains("552 5.2.2"), "{}", d.why.reason);
}

#[test]
fn a_strong_text_match_to_a_fix_is_second_level_without_a_symptom() {
    let d = ask("Ich kann keine Rechnung öffnen, die Datei ist beschädigt");
    assert_eq!(d.level, Level::Fix);
    assert_eq!(chosen(&d), ["fixes/rechnung-pdf-beschaedigt"]);
}

#[test]
fn symptoms_quoted_earlier_in_the_conversation_still_count() {
    let history = vec!["Outlook shows 0x8004010F when it starts".to_string()];
    let d = demo().triage(
        "what should I do now?",
        &Context {
            history: &history,
            ..Context::default()
        },
    );
    assert_eq!(d.level, Level::Fix);
    assert_eq!(chosen(&d), ["fixes/outlook-0x8004010f"]);
}

#[test]
fn a_fix_already_offered_is_not_offered_again_for_an_unrelated_message() {
    let history = vec!["Outlook says 0x8004010F".to_string()];
    let offered = vec!["fixes/outlook-0x8004010f".to_string()];
    let d = demo().triage(
        "my printer prints blank pages",
        &Context {
            history: &history,
            offered: &offered,
            ..Context::default()
        },
    );
    assert!(
        d.top().is_none_or(|c| c.id != "fixes/outlook-0x8004010f"),
        "{:?}: {}",
        d.level,
        d.why.reason
    );
    assert!(d.why.symptoms.is_empty());
}

#[test]
fn a_fix_already_offered_comes_again_when_the_new_message_shows_its_symptom() {
    let history = vec!["Outlook says 0x8004010F".to_string()];
    let offered = vec!["fixes/outlook-0x8004010f".to_string()];
    let d = demo().triage(
        "still 0x8004010F after a restart",
        &Context {
            history: &history,
            offered: &offered,
            ..Context::default()
        },
    );
    assert_eq!(d.level, Level::Fix);
    assert_eq!(chosen(&d), ["fixes/outlook-0x8004010f"]);
}

#[test]
fn an_earlier_symptom_gives_way_to_a_message_that_clearly_asks_something_else() {
    let history = vec!["Outlook shows 0x8004010F when it starts".to_string()];
    let d = demo().triage(
        "I forgot my password",
        &Context {
            history: &history,
            ..Context::default()
        },
    );
    assert_eq!(d.level, Level::Answer, "{}", d.why.reason);
    assert_ne!(chosen(&d), ["fixes/outlook-0x8004010f"]);
}

#[test]
fn the_conversation_does_not_drag_an_old_topic_into_an_unrelated_message() {
    let history = vec!["I forgot my password".to_string()];
    let d = demo().triage(
        "what is the airspeed velocity of an unladen swallow",
        &Context {
            history: &history,
            ..Context::default()
        },
    );
    assert_eq!(d.level, Level::Handover);
}

#[test]
fn rejected_entries_are_left_out_so_the_next_candidate_comes_up() {
    let first = ask("I forgot my password");
    let rejected = vec![first.chosen[0].id.clone()];
    let d = demo().triage(
        "I forgot my password",
        &Context {
            exclude: &rejected,
            ..Context::default()
        },
    );
    assert!(d.ranking.iter().all(|c| c.id != rejected[0]));
    assert_eq!(d.ranking[0].id, first.ranking[1].id);
}

#[test]
fn nothing_in_common_is_handed_to_a_human() {
    let d = ask("what is the airspeed velocity of an unladen swallow");
    assert_eq!(d.level, Level::Handover);
    assert!(d.chosen.is_empty());
}

#[test]
fn plausible_but_unsure_matches_become_did_you_mean_with_at_most_three() {
    let mut settings = BrainSettings::default();
    settings.thresholds.answer = 0.99;
    settings.thresholds.suggest = 0.05;
    let brain = load(
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/faq")),
        settings,
    );
    let d = brain.triage("printer", &Context::default());
    assert_eq!(d.level, Level::DidYouMean);
    assert!((1..=3).contains(&d.chosen.len()), "{:?}", d.chosen);
    assert!(d.chosen.iter().all(|c| c.decisive() >= 0.05));
}

#[test]
fn a_tie_at_the_top_is_not_answered_outright() {
    let mut settings = BrainSettings::default();
    settings.thresholds.margin = 1.0;
    let brain = load(
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/faq")),
        settings,
    );
    let d = brain.triage("I forgot my password", &Context::default());
    assert_eq!(d.level, Level::DidYouMean);
}

#[test]
fn the_channel_language_overrides_detection() {
    let d = demo().triage(
        "VPN",
        &Context {
            lang: Some(Lang::De),
            ..Context::default()
        },
    );
    assert_eq!(d.lang, Lang::De);
    assert_eq!(d.ranking[0].lang, Lang::De);
}

#[test]
fn a_compound_finds_an_entry_that_only_uses_its_parts() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("drucker.md"),
        "---\ntitle: Der Drucker braucht einen neuen Treiber\nquestions:\n  - Drucker druckt nicht\n  - Treiber fehlt\n  - Drucker einrichten\nlang: de\n---\nLaden Sie den Treiber aus dem Portal.\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("passwort.md"),
        "---\ntitle: Passwort vergessen\nquestions:\n  - neues Passwort\n  - Passwort abgelaufen\n  - Kennwort geht nicht\nlang: de\n---\nNutzen Sie das Portal.\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("vpn.md"),
        "---\ntitle: VPN im Homeoffice\nquestions:\n  - VPN verbinden\n  - Fernzugriff\n  - von zu Hause arbeiten\nlang: de\n---\nStarten Sie FortiClient.\n",
    )
    .unwrap();
    let brain = load(dir.path(), BrainSettings::default());
    let d = brain.triage("Druckertreiber", &Context::default());
    assert_eq!(d.ranking[0].id, "drucker", "{:?}", d.ranking);
    let d = brain.triage("Passwortänderung", &Context::default());
    assert_eq!(d.ranking[0].id, "passwort", "{:?}", d.ranking);
}

#[test]
fn a_short_question_in_words_both_languages_use_is_read_by_the_faqs_own_words() {
    // "Backup schedule" is too short for whatlang to be sure (its guess is
    // German); "schedule" is a word only the English entries use.
    let d = ask("Backup schedule");
    assert_eq!(d.lang, Lang::En, "{:?}", d.ranking);
    assert_eq!(d.ranking[0].id, "en/backup-schedule", "{:?}", d.ranking);

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("backup.md"),
        "---\ntitle: When are backups made?\nquestions:\n  - backup schedule\n  - how often do backups run\n  - nightly backup\nlang: en\n---\nEvery night at 2 am.\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("sicherung.md"),
        "---\ntitle: Wann läuft die Datensicherung?\nquestions:\n  - Backup Zeitplan\n  - Datensicherung nachts\n  - wie oft Backups laufen\nlang: de\n---\nJede Nacht um 2 Uhr.\n",
    )
    .unwrap();
    for default in [Lang::En, Lang::De] {
        let settings = BrainSettings {
            default_lang: DefaultLang(default),
            ..BrainSettings::default()
        };
        let brain = load(dir.path(), settings);
        let d = brain.triage("Backup schedule", &Context::default());
        assert_eq!((d.lang, d.ranking[0].id.as_str()), (Lang::En, "backup"));
        let d = brain.triage("Backup Zeitplan", &Context::default());
        assert_eq!((d.lang, d.ranking[0].id.as_str()), (Lang::De, "sicherung"));
        // Words neither language's entries alone use: the conversation's
        // language so far, else the configured one.
        assert_eq!(brain.triage("Backup", &Context::default()).lang, default);
        for held_in in [Lang::En, Lang::De] {
            let ctx = Context {
                fallback_lang: Some(held_in),
                ..Context::default()
            };
            assert_eq!(brain.triage("Backup", &ctx).lang, held_in);
        }
        // A compound of words only German entries use.
        let d = brain.triage("Datensicherungszeitplan", &Context::default());
        assert_eq!(d.lang, Lang::De);
    }
}
