//! The model stage of the encoders' tokenizers: the `tokenizers` crate's
//! own models for WordPiece and the rest, and a compact one for Unigram
//! (SentencePiece) vocabularies. The crate's Unigram keeps its pieces in a
//! trie with a hash map per byte: multilingual-e5-small's 250,002 pieces
//! took about 250 MB there (80 MB for the 114,592 in Latin script, to
//! which the vocabulary used to be narrowed, at the cost of other scripts'
//! words becoming unknown). Here the pieces are a finite-state transducer
//! (the `fst` crate) from piece to id, of a few megabytes, walked byte by
//! byte as the trie was; the best path through the pieces is found as the
//! crate finds it (the highest total score, ties to the piece found first,
//! unknown characters fused), so the ids are the same: checked against the
//! crate's own Unigram over real text in several scripts in
//! `tests/semantic/multilingual.rs` and on random vocabularies below.
//!
//! Normalizing, splitting into words, special tokens and truncation stay
//! the crate's: [`Tokenizer`] is its `TokenizerImpl` with this model stage.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use tokenizers::models::unigram::UnigramTrainer;
use tokenizers::models::{ModelWrapper, TrainerWrapper};
use tokenizers::{
    DecoderWrapper, Model, NormalizerWrapper, PostProcessorWrapper, PreTokenizerWrapper, Token,
    TokenizerImpl,
};

/// A tokenizer with the model stage of this module.
pub type Tokenizer = TokenizerImpl<
    Pieces,
    NormalizerWrapper,
    PreTokenizerWrapper,
    PostProcessorWrapper,
    DecoderWrapper,
>;

/// The tokenizer of a `tokenizer.json`.
pub fn from_bytes(json: &[u8]) -> Result<Tokenizer, serde_json::Error> {
    serde_json::from_slice(json)
}

/// The score of an unknown character below the lowest piece's (the
/// `tokenizers` crate's and SentencePiece's penalty).
const UNKNOWN_PENALTY: f64 = 10.0;

/// The model stage of a [`Tokenizer`]: a Unigram vocabulary held
/// compactly, any other kind of model as the `tokenizers` crate holds it.
pub enum Pieces {
    /// A SentencePiece Unigram vocabulary.
    Unigram(Unigram),
    /// WordPiece, BPE or WordLevel.
    Other(ModelWrapper),
}

impl<'de> Deserialize<'de> for Pieces {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let json = serde_json::Value::deserialize(deserializer)?;
        if json.get("type").and_then(serde_json::Value::as_str) == Some("Unigram") {
            Unigram::deserialize(json)
                .map(Pieces::Unigram)
                .map_err(D::Error::custom)
        } else {
            ModelWrapper::deserialize(json)
                .map(Pieces::Other)
                .map_err(D::Error::custom)
        }
    }
}

impl Model for Pieces {
    type Trainer = TrainerWrapper;

    fn tokenize(&self, sequence: &str) -> tokenizers::Result<Vec<Token>> {
        match self {
            Pieces::Unigram(m) => m.tokenize(sequence),
            Pieces::Other(m) => m.tokenize(sequence),
        }
    }

    fn token_to_id(&self, token: &str) -> Option<u32> {
        match self {
            Pieces::Unigram(m) => m.token_to_id(token),
            Pieces::Other(m) => m.token_to_id(token),
        }
    }

    fn id_to_token(&self, id: u32) -> Option<String> {
        match self {
            Pieces::Unigram(m) => m.id_to_token(id),
            Pieces::Other(m) => m.id_to_token(id),
        }
    }

    fn get_vocab(&self) -> HashMap<String, u32> {
        match self {
            Pieces::Unigram(m) => m.get_vocab(),
            Pieces::Other(m) => m.get_vocab(),
        }
    }

    fn get_vocab_size(&self) -> usize {
        match self {
            Pieces::Unigram(m) => m.get_vocab_size(),
            Pieces::Other(m) => m.get_vocab_size(),
        }
    }

    fn save(&self, folder: &Path, prefix: Option<&str>) -> tokenizers::Result<Vec<PathBuf>> {
        match self {
            Pieces::Unigram(m) => m.save(folder, prefix),
            Pieces::Other(m) => m.save(folder, prefix),
        }
    }

    fn get_trainer(&self) -> TrainerWrapper {
        match self {
            Pieces::Unigram(m) => m.get_trainer(),
            Pieces::Other(m) => m.get_trainer(),
        }
    }
}

/// A Unigram vocabulary: each piece's score, the non-empty pieces as a
/// finite-state transducer to their ids.
pub struct Unigram {
    /// Every non-empty piece to its id (of a piece listed twice, the last).
    ids: fst::Map<Vec<u8>>,
    /// The pieces one after the other: piece `i` is
    /// `text[starts[i]..starts[i + 1]]`.
    text: String,
    starts: Vec<u32>,
    scores: Vec<f64>,
    unk_id: Option<u32>,
    byte_fallback: bool,
    /// The score of a character no piece begins with.
    unk_score: f64,
}

/// The `model` object of a `tokenizer.json` of type Unigram.
#[derive(Deserialize)]
struct UnigramJson {
    vocab: Vec<(String, f64)>,
    unk_id: Option<usize>,
    #[serde(default)]
    byte_fallback: bool,
}

impl<'de> Deserialize<'de> for Unigram {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let json = UnigramJson::deserialize(deserializer)?;
        Unigram::new(json.vocab, json.unk_id, json.byte_fallback).map_err(D::Error::custom)
    }
}

/// A node of the best-path search: the best path ending at a position.
#[derive(Clone, Copy)]
struct Best {
    score: f64,
    /// Where its last piece begins; `None` while no path reaches here.
    from: Option<usize>,
    id: u32,
}

impl Best {
    /// Whether a path of `score` is better: ties go to the path found first.
    fn beaten_by(&self, score: f64) -> bool {
        self.from.is_none() || score > self.score
    }
}

impl Unigram {
    /// A vocabulary of `[piece, score]` in id order. An empty piece is
    /// never matched, and, unlike in the crate, has no id to look up.
    pub fn new(
        vocab: Vec<(String, f64)>,
        unk_id: Option<usize>,
        byte_fallback: bool,
    ) -> Result<Self, String> {
        if let Some(unk) = unk_id
            && unk >= vocab.len()
        {
            return Err(format!(
                "the unknown piece's id {unk} is outside a vocabulary of {}",
                vocab.len()
            ));
        }
        let total: usize = vocab.iter().map(|(p, _)| p.len()).sum();
        if u32::try_from(vocab.len()).is_err() || u32::try_from(total).is_err() {
            return Err("a vocabulary too large".into());
        }
        let mut keyed: Vec<(&[u8], u64)> = vocab
            .iter()
            .zip(0u64..)
            .filter(|((piece, _), _)| !piece.is_empty())
            .map(|((piece, _), id)| (piece.as_bytes(), id))
            .collect();
        // Sorted by piece; of one piece listed twice the last id first,
        // and only it kept (the crate's map keeps the last inserted).
        keyed.sort_unstable_by(|a, b| a.0.cmp(b.0).then(b.1.cmp(&a.1)));
        keyed.dedup_by(|later, kept| later.0 == kept.0);
        let ids = fst::Map::from_iter(keyed).map_err(|e| e.to_string())?;
        let mut text = String::with_capacity(total);
        let mut starts = Vec::with_capacity(vocab.len() + 1);
        let mut scores = Vec::with_capacity(vocab.len());
        for (piece, score) in &vocab {
            starts.push(text.len() as u32);
            text.push_str(piece);
            scores.push(*score);
        }
        starts.push(text.len() as u32);
        let lowest = scores.iter().copied().fold(f64::INFINITY, f64::min);
        Ok(Unigram {
            ids,
            text,
            starts,
            scores,
            unk_id: unk_id.map(|u| u as u32),
            byte_fallback,
            unk_score: lowest - UNKNOWN_PENALTY,
        })
    }

    fn piece(&self, id: u32) -> Option<&str> {
        let i = id as usize;
        let (start, end) = (*self.starts.get(i)?, *self.starts.get(i + 1)?);
        Some(&self.text[start as usize..end as usize])
    }

    /// The ids of the pieces `bytes` begins with, shortest first, with
    /// their lengths.
    fn prefixes<'a>(&'a self, bytes: &'a [u8]) -> impl Iterator<Item = (usize, u32)> + 'a {
        let fst = self.ids.as_fst();
        let mut node = fst.root();
        let mut out = fst::raw::Output::zero();
        let mut bytes = bytes.iter().enumerate();
        std::iter::from_fn(move || {
            loop {
                let (i, &b) = bytes.next()?;
                let t = node.transition(node.find_input(b)?);
                out = out.cat(t.out);
                node = fst.node(t.addr);
                if node.is_final() {
                    return Some((i + 1, out.cat(node.final_output()).value() as u32));
                }
            }
        })
    }

    /// `sentence` cut into its best pieces: their texts, runs of unknown
    /// characters fused into one.
    fn best_pieces<'s>(&self, sentence: &'s str) -> tokenizers::Result<Vec<&'s str>> {
        let size = sentence.len();
        let unset = Best {
            score: 0.0,
            from: None,
            id: 0,
        };
        let mut best = vec![unset; size + 1];
        let mut at = 0;
        while at < size {
            let so_far = best[at].score;
            let char_len = sentence[at..].chars().next().map_or(1, char::len_utf8);
            let mut one_char = false;
            for (len, id) in self.prefixes(&sentence.as_bytes()[at..]) {
                let score = so_far + self.scores[id as usize];
                if best[at + len].beaten_by(score) {
                    best[at + len] = Best {
                        score,
                        from: Some(at),
                        id,
                    };
                }
                one_char |= len == char_len;
            }
            // A character no piece of its own covers may be unknown, if
            // that is the best way to reach past it (an error only then,
            // in a vocabulary without an unknown piece, as in the crate).
            let end = at + char_len;
            let score = so_far + self.unk_score;
            if !one_char && best[end].beaten_by(score) {
                let unk = self
                    .unk_id
                    .ok_or("a character no piece covers, and no unknown piece")?;
                best[end] = Best {
                    score,
                    from: Some(at),
                    id: unk,
                };
            }
            at += char_len;
        }
        let mut pieces = Vec::new();
        let mut end = size;
        // The start of a run of unknown pieces being fused, read backwards.
        let mut unknown_from: Option<usize> = None;
        let mut unknown_to = size;
        while end > 0 {
            let node = best[end];
            let from = node
                .from
                .ok_or("an unreachable position in the best path")?;
            if Some(node.id) == self.unk_id {
                if unknown_from.is_none() {
                    unknown_to = end;
                }
                unknown_from = Some(from);
            } else {
                if let Some(start) = unknown_from.take() {
                    pieces.push(&sentence[start..unknown_to]);
                }
                pieces.push(&sentence[from..end]);
            }
            end = from;
        }
        if let Some(start) = unknown_from {
            pieces.push(&sentence[start..unknown_to]);
        }
        pieces.reverse();
        Ok(pieces)
    }
}

impl Model for Unigram {
    type Trainer = TrainerWrapper;

    fn tokenize(&self, sentence: &str) -> tokenizers::Result<Vec<Token>> {
        let mut tokens = Vec::new();
        let mut offset = 0;
        for piece in self.best_pieces(sentence)? {
            let span = (offset, offset + piece.len());
            offset += piece.len();
            if let Some(id) = self.token_to_id(piece) {
                tokens.push(Token::new(id, piece.to_string(), span));
                continue;
            }
            if self.byte_fallback {
                let bytes: Option<Vec<Token>> = piece
                    .bytes()
                    .map(|b| {
                        let name = format!("<0x{b:02X}>");
                        self.token_to_id(&name).map(|id| Token::new(id, name, span))
                    })
                    .collect();
                if let Some(bytes) = bytes {
                    tokens.extend(bytes);
                    continue;
                }
            }
            let unk = self.unk_id.ok_or("an unknown piece, and no unknown id")?;
            tokens.push(Token::new(unk, piece.to_string(), span));
        }
        Ok(tokens)
    }

    fn token_to_id(&self, token: &str) -> Option<u32> {
        self.ids.get(token).map(|id| id as u32)
    }

    fn id_to_token(&self, id: u32) -> Option<String> {
        self.piece(id).map(str::to_string)
    }

    fn get_vocab(&self) -> HashMap<String, u32> {
        (0..self.scores.len() as u32)
            .filter_map(|id| Some((self.piece(id)?.to_string(), id)))
            .filter(|(piece, id)| self.token_to_id(piece) == Some(*id))
            .collect()
    }

    fn get_vocab_size(&self) -> usize {
        self.scores.len()
    }

    fn save(&self, _folder: &Path, _prefix: Option<&str>) -> tokenizers::Result<Vec<PathBuf>> {
        Err("a compact Unigram vocabulary is read, not saved".into())
    }

    fn get_trainer(&self) -> TrainerWrapper {
        TrainerWrapper::UnigramTrainer(UnigramTrainer::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// `(id, text, offsets)` of each token.
    type Tokens = Vec<(u32, String, (usize, usize))>;

    fn tokens(model: &impl Model, sentence: &str) -> Tokens {
        tokens_or_error(model, sentence).expect("tokenized")
    }

    /// Tokens, or that there was an error.
    fn tokens_or_error(model: &impl Model, sentence: &str) -> Option<Tokens> {
        let tokens = model.tokenize(sentence).ok()?;
        Some(
            tokens
                .into_iter()
                .map(|t| (t.id, t.value, t.offsets))
                .collect(),
        )
    }

    fn both(vocab: &[(&str, f64)]) -> (Unigram, tokenizers::models::unigram::Unigram) {
        let vocab: Vec<(String, f64)> = vocab.iter().map(|(p, s)| (p.to_string(), *s)).collect();
        let library = tokenizers::models::unigram::Unigram::from(vocab.clone(), Some(0), false);
        (
            Unigram::new(vocab, Some(0), false).unwrap(),
            library.unwrap(),
        )
    }

    #[test]
    fn the_best_pieces_win_and_unknown_characters_fuse() {
        let (ours, library) = both(&[
            ("<unk>", 0.0),
            ("a", -1.0),
            ("b", -1.0),
            ("ab", -1.5),
            ("abc", -4.0),
            ("c", -2.0),
            ("ä€", -1.0),
        ]);
        for sentence in ["abc", "abab", "xyab", "äxä€", "cxxc", "", "€"] {
            assert_eq!(
                tokens(&ours, sentence),
                tokens(&library, sentence),
                "{sentence:?}"
            );
        }
        // "ab" + "c" (-3.5) beats "abc" (-4.0); the unknown "xy" is one token.
        let ids = |s| {
            tokens(&ours, s)
                .into_iter()
                .map(|t| t.0)
                .collect::<Vec<_>>()
        };
        assert_eq!(ids("abc"), [3, 5]);
        assert_eq!(ids("xyab"), [0, 3]);
        assert_eq!(tokens(&ours, "xyab")[0].1, "xy");
    }

    #[test]
    fn ids_and_pieces_map_both_ways_the_last_of_a_piece_listed_twice_winning() {
        let (ours, library) = both(&[("<unk>", 0.0), ("a", -1.0), ("", -2.0), ("a", -3.0)]);
        assert_eq!(ours.token_to_id("a"), library.token_to_id("a"));
        assert_eq!(ours.token_to_id("a"), Some(3));
        assert_eq!(ours.id_to_token(1).as_deref(), Some("a"));
        assert_eq!(ours.id_to_token(2).as_deref(), Some(""));
        assert_eq!(ours.id_to_token(4), None);
        assert_eq!(ours.get_vocab_size(), 4);
        assert_eq!(
            ours.token_to_id(""),
            None,
            "an empty piece is never matched"
        );
    }

    #[test]
    fn a_unigram_tokenizer_json_gets_the_compact_model_any_other_the_crates() {
        let json = |model: serde_json::Value| {
            serde_json::to_vec(&serde_json::json!({
                "version": "1.0", "truncation": null, "padding": null, "added_tokens": [],
                "normalizer": null, "pre_tokenizer": null, "post_processor": null,
                "decoder": null, "model": model,
            }))
            .unwrap()
        };
        let unigram = from_bytes(&json(serde_json::json!(
            {"type": "Unigram", "unk_id": 0, "vocab": [["<unk>", 0.0], ["ab", -1.0]]}
        )))
        .unwrap();
        assert!(matches!(unigram.get_model(), Pieces::Unigram(_)));
        assert_eq!(unigram.encode("ab", false).unwrap().get_ids(), [1]);
        let wordpiece = from_bytes(&json(serde_json::json!(
            {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
             "max_input_chars_per_word": 100, "vocab": {"[UNK]": 0, "ab": 1}}
        )))
        .unwrap();
        assert!(matches!(wordpiece.get_model(), Pieces::Other(_)));
        assert_eq!(wordpiece.encode("ab", false).unwrap().get_ids(), [1]);
    }

    #[test]
    fn an_unknown_id_outside_the_vocabulary_is_refused() {
        let vocab = vec![("a".to_string(), -1.0)];
        assert!(Unigram::new(vocab, Some(3), false).is_err());
    }

    fn piece() -> impl Strategy<Value = String> {
        proptest::collection::vec(prop::sample::select(vec!['a', 'b', 'ä', '€', '▁']), 1..5)
            .prop_map(|c| c.into_iter().collect())
    }

    proptest! {
        /// Against the `tokenizers` crate's own Unigram on random
        /// vocabularies (scores from a few values, so ties happen) and
        /// sentences with characters no piece covers.
        /// With an unknown piece or without one (where an error must
        /// come in the same cases), with byte fallback or without (pieces
        /// for the bytes of `x` and `п`).
        #[test]
        fn tokens_are_the_tokenizers_crates_own(
            pieces in proptest::collection::vec((piece(), 0..6u8), 1..40),
            sentence in proptest::collection::vec(
                prop::sample::select(vec!['a', 'b', 'ä', '€', '▁', 'x', 'п']), 0..24),
            unknown in any::<bool>(),
            byte_fallback in any::<bool>(),
        ) {
            let mut vocab = vec![("<unk>".to_string(), 0.0)];
            vocab.extend(pieces.into_iter().map(|(p, s)| (p, -f64::from(s) / 2.0)));
            if byte_fallback {
                for byte in ["<0x78>", "<0xD0>", "<0xBF>"] {
                    vocab.push((byte.to_string(), -8.0));
                }
            }
            let unk_id = unknown.then_some(0);
            let library =
                tokenizers::models::unigram::Unigram::from(vocab.clone(), unk_id, byte_fallback)
                    .unwrap();
            let ours = Unigram::new(vocab, unk_id, byte_fallback).unwrap();
            let sentence: String = sentence.into_iter().collect();
            prop_assert_eq!(
                tokens_or_error(&ours, &sentence),
                tokens_or_error(&library, &sentence)
            );
        }
    }
}
