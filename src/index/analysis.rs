//! Text analysis shared by indexing and querying: words (lowercased, folded,
//! German compounds split, stemmed per language) and character trigrams (for
//! misspellings and compound parts the vocabulary does not know).
//!
//! Both sides of a match must be analysed by the same [`Analyzer`], so it is
//! built once per knowledge version from that version's vocabulary.

use std::collections::HashSet;

use rust_stemmers::{Algorithm, Stemmer};

use crate::knowledge::Lang;

/// Shortest compound part worth splitting off.
const MIN_PART: usize = 4;
/// Shortest word that may be a compound.
const MIN_COMPOUND: usize = 8;
/// Longest token kept; longer ones are noise (hashes, base64).
const MAX_TOKEN: usize = 40;

/// Analyses text for one knowledge version.
pub struct Analyzer {
    en: Stemmer,
    de: Stemmer,
    /// Folded lowercase German words seen in the knowledge, for compound splitting.
    german_words: HashSet<String>,
}

impl Analyzer {
    /// An analyzer whose compound splitter knows the German words of `german_texts`.
    pub fn new<'a>(german_texts: impl IntoIterator<Item = &'a str>) -> Self {
        let german_words = german_texts
            .into_iter()
            .flat_map(raw_words)
            .filter(|w| w.chars().count() >= MIN_PART)
            .collect();
        Analyzer {
            en: Stemmer::create(Algorithm::English),
            de: Stemmer::create(Algorithm::German),
            german_words,
        }
    }

    /// The index terms of `text` read as language `lang`.
    pub fn words(&self, text: &str, lang: Lang) -> Vec<String> {
        let mut out = Vec::new();
        for word in raw_words(text) {
            match lang {
                Lang::En => out.push(self.en.stem(&word).into_owned()),
                Lang::De => {
                    for part in self.split_compound(&word) {
                        out.push(self.de.stem(&part).into_owned());
                    }
                    out.push(self.de.stem(&word).into_owned());
                }
            }
        }
        out
    }

    /// Parts of a German compound, if it splits into known words (a linking
    /// `s` allowed between them); empty when it does not split.
    fn split_compound(&self, word: &str) -> Vec<String> {
        let chars: Vec<char> = word.chars().collect();
        if chars.len() < MIN_COMPOUND {
            return Vec::new();
        }
        let known = |range: std::ops::Range<usize>| {
            let s: String = chars[range].iter().collect();
            self.german_words.contains(&s).then_some(s)
        };
        // Longest known head first; the tail may be known or, if long enough, new.
        for cut in (MIN_PART..=chars.len() - MIN_PART).rev() {
            let Some(head) = known(0..cut) else { continue };
            let mut tail_start = cut;
            if chars[cut] == 's'
                && takes_linking_s(&head)
                && chars.len() - cut > MIN_PART
                && known(cut..chars.len()).is_none()
            {
                tail_start = cut + 1;
            }
            let tail: String = chars[tail_start..].iter().collect();
            let mut parts = vec![head];
            let sub = self.split_compound(&tail);
            if sub.is_empty() {
                parts.push(tail);
            } else {
                parts.extend(sub);
            }
            return parts;
        }
        // No known head: a known tail still tells what the word is about.
        for cut in MIN_PART..=chars.len() - MIN_PART {
            if let Some(tail) = known(cut..chars.len()) {
                let head: String = chars[..cut].iter().collect();
                return vec![head, tail];
            }
        }
        Vec::new()
    }

    /// Character trigrams of every word, with `_` marking word boundaries.
    pub fn grams(&self, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        for word in raw_words(text) {
            let padded: Vec<char> = std::iter::once('_')
                .chain(word.chars())
                .chain(std::iter::once('_'))
                .collect();
            for w in padded.windows(3) {
                out.push(w.iter().collect());
            }
        }
        out
    }
}

/// Whether a German compound head is one that takes a linking `s`
/// ("Wartung" + s + "vertrag"): heads ending in -ung, -heit, -keit, -ion,
/// -tät, -schaft, -ling.
fn takes_linking_s(head: &str) -> bool {
    ["ung", "heit", "keit", "ion", "taet", "schaft", "ling"]
        .iter()
        .any(|suffix| head.ends_with(suffix))
}

/// Lowercased words with umlauts and accents folded, split at anything that
/// is not a letter or digit.
pub fn raw_words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && w.chars().count() <= MAX_TOKEN)
        .map(fold)
}

/// Lowercase, with German umlauts and ß written out the way customers type
/// them without a German keyboard ("ä" → "ae", "ß" → "ss") and other accents dropped.
fn fold(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    for c in word.chars().flat_map(char::to_lowercase) {
        match c {
            'ä' => out.push_str("ae"),
            'ö' => out.push_str("oe"),
            'ü' => out.push_str("ue"),
            'ß' => out.push_str("ss"),
            'à' | 'á' | 'â' | 'ã' | 'å' => out.push('a'),
            'è' | 'é' | 'ê' | 'ë' => out.push('e'),
            'ì' | 'í' | 'î' | 'ï' => out.push('i'),
            'ò' | 'ó' | 'ô' | 'õ' => out.push('o'),
            'ù' | 'ú' | 'û' => out.push('u'),
            'ç' => out.push('c'),
            'ñ' => out.push('n'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn analyzer() -> Analyzer {
        Analyzer::new(["Der Drucker druckt nicht. Ihr Passwort ist abgelaufen. Die Änderung gilt."])
    }

    #[test]
    fn english_words_are_stemmed() {
        let a = analyzer();
        assert_eq!(
            a.words("Resetting passwords", Lang::En),
            ["reset", "password"]
        );
    }

    #[test]
    fn german_compounds_keep_the_word_and_add_its_parts() {
        let a = analyzer();
        let words = a.words("Druckertreiber", Lang::De);
        assert!(
            words.contains(&a.words("Drucker", Lang::De)[0]),
            "{words:?}"
        );
        assert!(
            words.contains(&a.words("Treiber", Lang::De)[0]),
            "{words:?}"
        );
        let words = a.words("Passwortänderung", Lang::De);
        assert!(
            words.contains(&a.words("Passwort", Lang::De)[0]),
            "{words:?}"
        );
        assert!(
            words.contains(&a.words("Änderung", Lang::De)[0]),
            "{words:?}"
        );
    }

    #[test]
    fn linking_s_joins_only_heads_that_take_it() {
        let a = Analyzer::new(["Wartung und Vertrag, unter uns"]);
        let words = a.words("Wartungsvertrag", Lang::De);
        assert!(
            words.contains(&a.words("Vertrag", Lang::De)[0]),
            "{words:?}"
        );
        assert!(
            !a.words("Unterschied", Lang::De)
                .contains(&"chied".to_string())
        );
    }

    #[test]
    fn umlauts_match_their_ascii_spelling() {
        let a = analyzer();
        assert_eq!(
            a.words("Änderung", Lang::De),
            a.words("Aenderung", Lang::De)
        );
    }

    #[test]
    fn grams_mark_word_boundaries() {
        let a = analyzer();
        assert_eq!(a.grams("VPN"), ["_vp", "vpn", "pn_"]);
    }
}
