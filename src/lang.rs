//! Which language a customer writes in. Only the languages the bot answers
//! in are considered; detection itself is whatlang's.

use whatlang::Detector;

use crate::knowledge::Lang;

/// Detects English or German in `text`. Where it cannot be sure ("Backup
/// schedule", "Server down": words both languages use), `by_words` (which
/// language's texts use the words of `text`, say) decides, else
/// `fallback`; a text that says too little (a bare error code, a single
/// word) is in `fallback`.
pub fn detect_with(
    text: &str,
    fallback: Lang,
    by_words: impl FnOnce(&str) -> Option<Lang>,
) -> Lang {
    if has_german_letters(text) {
        return Lang::De;
    }
    let letters = text.chars().filter(|c| c.is_alphabetic()).count();
    if letters < 3 {
        return fallback;
    }
    // whatlang's unsure guess on a few words is a coin toss ("Backup
    // schedule" reads German to it): it is not taken.
    clearly(text).or_else(|| by_words(text)).unwrap_or(fallback)
}

/// The language `text` clearly is by its function words or by whatlang's
/// reliable detection, if it clearly is one.
fn clearly(text: &str) -> Option<Lang> {
    function_word_vote(text).or_else(|| {
        let detector = Detector::with_allowlist(vec![whatlang::Lang::Eng, whatlang::Lang::Deu]);
        detector
            .detect(text)
            .filter(whatlang::Info::is_reliable)
            .map(|info| of_whatlang(info.lang()))
    })
}

fn has_german_letters(text: &str) -> bool {
    text.chars()
        .any(|c| matches!(c, 'ä' | 'ö' | 'ü' | 'ß' | 'Ä' | 'Ö' | 'Ü'))
}

fn of_whatlang(lang: whatlang::Lang) -> Lang {
    match lang {
        whatlang::Lang::Deu => Lang::De,
        _ => Lang::En,
    }
}

/// Short words only one of the languages uses. Statistical detection is
/// unreliable on the few words a chat message has ("VPN im Homeoffice"); a
/// function word settles it.
const GERMAN: &[&str] = &[
    "ich",
    "im",
    "ist",
    "nicht",
    "mein",
    "meine",
    "meinen",
    "mir",
    "mich",
    "wie",
    "wo",
    "was",
    "warum",
    "wann",
    "der",
    "die",
    "das",
    "dem",
    "den",
    "ein",
    "eine",
    "einen",
    "und",
    "oder",
    "mit",
    "auf",
    "für",
    "bei",
    "kann",
    "geht",
    "funktioniert",
    "bitte",
    "sie",
    "wir",
    "zu",
    "vom",
    "zum",
    "zur",
    "auch",
    "noch",
    "schon",
    "kein",
    "keine",
];
const ENGLISH: &[&str] = &[
    "i", "my", "is", "not", "the", "a", "an", "and", "or", "with", "how", "what", "where", "why",
    "when", "can", "does", "do", "to", "of", "for", "on", "it", "you", "we", "me", "please",
    "this", "that", "from", "at", "no", "won't", "can't", "doesn't",
];

/// The language whose function words the text uses more, if one does.
fn function_word_vote(text: &str) -> Option<Lang> {
    let (mut de, mut en) = (0, 0);
    for word in text
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
    {
        let w = word.to_lowercase();
        de += usize::from(GERMAN.contains(&w.as_str()));
        en += usize::from(ENGLISH.contains(&w.as_str()));
    }
    match de.cmp(&en) {
        std::cmp::Ordering::Greater => Some(Lang::De),
        std::cmp::Ordering::Less => Some(Lang::En),
        std::cmp::Ordering::Equal => None,
    }
}

/// Like [`detect_with`], but keeps `current` unless the text is clearly in
/// another language: for the language a conversation is held in, where a
/// short message ("our coffee machine leaks") must not switch it.
pub fn detect_reliably(text: &str, current: Lang) -> Lang {
    if has_german_letters(text) {
        return Lang::De;
    }
    clearly(text).unwrap_or(current)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`detect_with`] with nothing to ask about the words.
    fn detect(text: &str, fallback: Lang) -> Lang {
        detect_with(text, fallback, |_| None)
    }

    #[test]
    fn detects_german_and_english_questions() {
        assert_eq!(
            detect("Wie setze ich mein Passwort zurück?", Lang::En),
            Lang::De
        );
        assert_eq!(detect("Mein Drucker druckt nicht mehr", Lang::En), Lang::De);
        assert_eq!(detect("How do I reset my password?", Lang::De), Lang::En);
        assert_eq!(detect("my printer stopped printing", Lang::De), Lang::En);
    }

    #[test]
    fn a_function_word_settles_a_short_message() {
        assert_eq!(detect("VPN im Homeoffice", Lang::En), Lang::De);
        assert_eq!(detect("VPN at home office", Lang::De), Lang::En);
    }

    #[test]
    fn only_clear_text_changes_a_conversation_language() {
        assert_eq!(
            detect_reliably("our coffee machine leaks water", Lang::En),
            Lang::En
        );
        assert_eq!(detect_reliably("error E1042", Lang::En), Lang::En);
        assert_eq!(
            detect_reliably("Ich habe mein Passwort vergessen", Lang::En),
            Lang::De
        );
        assert_eq!(
            detect_reliably(
                "Der Drucker im zweiten Stock druckt seit gestern nicht mehr",
                Lang::En
            ),
            Lang::De
        );
        assert_eq!(
            detect_reliably(
                "The printer on the second floor has not printed since yesterday",
                Lang::De
            ),
            Lang::En
        );
    }

    #[test]
    fn where_detection_is_unsure_the_words_decide_then_the_fallback() {
        // Words both languages use: whatlang's guess is not taken.
        assert_eq!(detect("Backup schedule", Lang::En), Lang::En);
        assert_eq!(detect("Backup schedule", Lang::De), Lang::De);
        assert_eq!(
            detect_with("Backup schedule", Lang::De, |_| Some(Lang::En)),
            Lang::En
        );
        // Clear text is not asked about.
        assert_eq!(
            detect_with("Ich habe mein Passwort vergessen", Lang::En, |_| Some(
                Lang::En
            )),
            Lang::De
        );
    }

    #[test]
    fn too_little_text_keeps_the_fallback() {
        assert_eq!(detect("0x80", Lang::De), Lang::De);
    }
}
