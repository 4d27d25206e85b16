//! Narrowing a large Unigram vocabulary to the scripts of the languages an
//! encoder serves. multilingual-e5-small's XLM-R vocabulary has 250,002
//! pieces in about a hundred languages; the `tokenizers` crate holds them in
//! a trie of a hash map per byte, about 250 MB. Pieces with a character of
//! another script than those of the configured languages (and Unicode's
//! common and inherited characters: digits, punctuation, symbols, accents,
//! `▁`) are blanked: their ids stay (so the model's rows are still
//! addressed by them), their scores stay (so the score of an unknown
//! character, the lowest score less a penalty, stays), only their text
//! becomes empty, which no text matches.
//!
//! A text written only in those scripts is tokenized exactly as with the
//! whole vocabulary: every piece that could match part of it is kept, so
//! the Viterbi lattice over it is the same (checked over real German and
//! English text in `tests/semantic/multilingual.rs`). The trade-off: a
//! word in another script inside such a text (a name in Cyrillic, a Greek
//! letter such as the μ NFKC makes of `µ`) becomes unknown tokens instead
//! of its pieces.

use super::pieces::Tokenizer;
use serde_json::Value;

use crate::knowledge::Lang;
use crate::semantic::SemanticError;

/// The Unicode script a language is written in.
fn script(lang: Lang) -> &'static str {
    match lang {
        Lang::En | Lang::De => "Latin",
    }
}

/// Matches a piece written only in the scripts of `langs`, Unicode's
/// common and inherited characters included.
fn written_in(langs: &[Lang]) -> regex::Regex {
    let mut class = String::from(r"\p{Common}\p{Inherited}");
    for lang in langs {
        class += &format!(r"\p{{{}}}", script(*lang));
    }
    regex::Regex::new(&format!("^[{class}]*$")).expect("a valid character class")
}

/// The tokenizer of `tokenizer_json`, its Unigram pieces narrowed to the
/// scripts of `langs` (see the module doc); another kind of model is
/// returned whole.
pub fn narrowed(tokenizer_json: &[u8], langs: &[Lang]) -> Result<Tokenizer, SemanticError> {
    let bad = |e: serde_json::Error| SemanticError::Model(format!("tokenizer.json: {e}"));
    let mut json: Value = serde_json::from_slice(tokenizer_json).map_err(bad)?;
    if json["model"]["type"] == "Unigram" {
        let vocab = json["model"]["vocab"].as_array_mut().ok_or_else(|| {
            SemanticError::Model("tokenizer.json: a Unigram without vocab".into())
        })?;
        blank_unless(vocab, &written_in(langs));
    }
    // From the parsed value, not from its text written anew: the scores
    // stay the very floats the whole tokenizer reads.
    serde_json::from_value(json).map_err(bad)
}

/// Empties the text of every `[piece, score]` whose piece `keep` does not match.
fn blank_unless(vocab: &mut [Value], keep: &regex::Regex) {
    for entry in vocab {
        if let Some(piece) = entry.get_mut(0)
            && piece.as_str().is_some_and(|p| !keep.is_match(p))
        {
            *piece = Value::String(String::new());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Unigram tokenizer over Latin, Cyrillic and Greek pieces.
    fn tokenizer_json() -> Vec<u8> {
        let pieces = [
            ("<unk>", 0.0),
            ("\u{2581}", -2.0),
            ("\u{2581}hal", -3.0),
            ("lo", -3.0),
            ("\u{2581}пр", -3.0),
            ("ивет", -3.0),
            ("\u{2581}Grüße", -4.0),
            ("h", -5.0),
            ("a", -5.0),
            ("l", -5.0),
            ("o", -5.0),
            ("\u{2581}μ", -6.0),
            ("!", -5.0),
            ("п", -9.0),
        ];
        let vocab: Vec<Value> = pieces
            .iter()
            .map(|(p, s)| serde_json::json!([p, s]))
            .collect();
        serde_json::to_vec(&serde_json::json!({
            "version": "1.0",
            "truncation": null,
            "padding": null,
            "added_tokens": [],
            "normalizer": null,
            "pre_tokenizer": {"type": "Metaspace", "replacement": "\u{2581}", "prepend_scheme": "always", "split": false},
            "post_processor": null,
            "decoder": null,
            "model": {"type": "Unigram", "unk_id": 0, "vocab": vocab, "byte_fallback": false},
        }))
        .unwrap()
    }

    fn ids(t: &Tokenizer, text: &str) -> Vec<u32> {
        t.encode(text, false).unwrap().get_ids().to_vec()
    }

    /// The `tokenizers` crate's own tokenizer of `json`, its own Unigram.
    fn library(json: &[u8]) -> tokenizers::Tokenizer {
        tokenizers::Tokenizer::from_bytes(json).unwrap()
    }

    fn library_ids(t: &tokenizers::Tokenizer, text: &str) -> Vec<u32> {
        t.encode(text, false).unwrap().get_ids().to_vec()
    }

    #[test]
    fn latin_text_is_tokenized_as_with_the_whole_vocabulary() {
        let json = tokenizer_json();
        let whole = library(&json);
        let narrow = narrowed(&json, &[Lang::De]).unwrap();
        for text in ["hallo hallo!", "Grüße hal lo", "oha", "x y", "hallo €"] {
            assert_eq!(ids(&narrow, text), library_ids(&whole, text), "{text}");
        }
        assert_eq!(ids(&narrow, "hallo Grüße"), [2, 3, 6]);
    }

    #[test]
    fn pieces_of_other_scripts_become_unknown_and_keep_their_ids() {
        let json = tokenizer_json();
        let whole = library(&json);
        let narrow = narrowed(&json, &[Lang::En]).unwrap();
        assert_eq!(library_ids(&whole, "привет"), [4, 5]);
        assert_eq!(ids(&narrow, "привет"), [1, 0], "▁ and one fused unknown");
        assert_eq!(library_ids(&whole, "μ"), [11]);
        assert_eq!(ids(&narrow, "μ"), [1, 0]);
        assert_eq!(narrow.get_vocab_size(false), whole.get_vocab_size(false));
        assert_eq!(narrow.id_to_token(6).as_deref(), Some("\u{2581}Grüße"));
        assert_eq!(narrow.id_to_token(13).as_deref(), Some(""));
    }
}
