//! Ranking for triage: lexical (BM25 retrieval, TF-IDF similarity) alone, or
//! fused with semantic similarity when a model is loaded and understands the
//! customer's language. The fused score of an entry is a weighted mean of its
//! centroid cosine, its best listed-question cosine, its probability under
//! the build-time classifier and its lexical score, and, with a companion
//! encoder, the companion's centroid and best cosines. A customer writing a
//! language the main model does not understand (German) is ranked by the
//! multilingual encoder's cosines fused with the lexical score instead.
//! Scores of the modes live on different scales, so each has its own
//! thresholds.

use serde::{Deserialize, Serialize};

use crate::index::{FaqIndex, Hit, Part};
use crate::knowledge::{Lang, MIN_QUESTIONS};
use crate::ranking::Thresholds;
use crate::ranking::handover::Gate;
use crate::semantic::{Companion, EntrySimilarity, Multilingual, Semantic, SemanticIndex};

/// How many lexical hits are fused with the semantic similarities.
pub const LEXICAL_HITS: usize = 20;

/// The default weight of the multilingual classifier's probability.
const MULTILINGUAL_CLASSIFIER: f32 = 0.5;

/// Weights of the fused score. Defaults were calibrated on the dev sets in
/// `shared/eval` (banking77 and clinc150, 10-shot corpora), both at once.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct FusionWeights {
    /// Cosine to the entry's centroid.
    pub centroid: f32,
    /// Cosine to the entry's closest title or listed question.
    pub best: f32,
    /// Probability under the classifier trained on the listed questions.
    pub classifier: f32,
    /// The lexical score.
    pub lexical: f32,
    /// The companion encoder's cosine to the entry's centroid (counted only
    /// when a companion is loaded).
    pub companion_centroid: f32,
    /// The companion encoder's cosine to the entry's closest title or
    /// listed question (likewise).
    pub companion_best: f32,
    /// The multilingual encoder's cosine to the entry's centroid, where it
    /// ranks (a language the main model does not understand).
    pub multilingual_centroid: f32,
    /// The multilingual encoder's cosine to the entry's closest title or
    /// listed question (likewise).
    pub multilingual_best: f32,
    /// The lexical score's weight beside the multilingual encoder's cosines.
    pub multilingual_lexical: f32,
    /// Probability under the classifier trained on the multilingual
    /// encoder's vectors of the listed questions (likewise).
    pub multilingual_classifier: f32,
    /// How much an entry's answer and suggestion lines rise with how much
    /// more tightly its own texts cluster than the average entry's
    /// ([`EntrySimilarity::tightness`], in cosine): a line per entry
    /// rather than one for all. The questions of a tight entry score high
    /// when they are its own, so a question that merely lands nearest to
    /// it (a topic the FAQ lacks, next door) is told apart by a higher
    /// line; a loose entry's own questions score lower and get a lower
    /// one. Ranking is not changed, nor is a documented fix's line.
    /// Chosen on the near-miss dev sets of `shared/eval` (docs/ranking.md):
    /// 0.25 to 0.5 all helped.
    pub tightness: f32,
    /// The weight, in the ranking, of the cosine to the start of an
    /// entry's answer (by the main model, or by the multilingual encoder
    /// where that ranks) for an entry that lists no questions. It stands
    /// in for phrasings the entry does not list: an entry listing fewer
    /// than [`MIN_QUESTIONS`] (what `frontline check` warns about, except
    /// for the sections of a list entry, which list none) gets a
    /// share of it, one listing that many or more none (its questions say better how
    /// customers ask; an answer cost a few tenths of a point of top-1 on
    /// banking77, whose answers are placeholders). It orders the entries
    /// only: an entry's lines are drawn on its score without the answer
    /// (the difference is kept as its [`Hit::lift`] and taken off again),
    /// so the thresholds and the calibrated line keep their meaning. Chosen on
    /// the demo FAQ without its questions and xsid-de (docs/ranking.md).
    pub answer: f32,
}

impl Default for FusionWeights {
    /// The companion's weights were chosen on the dev sets from a plateau:
    /// its two cosines at 0.45 to 0.75 each gave the same top-1 within
    /// ±0.1 point on both. The multilingual encoder's were chosen on the
    /// xsid-de dev set (both corpora): its cosines lie close together (0.8
    /// to 0.9 for most entries), so the lexical score weighs little beside
    /// them (0.1 to 0.25 of 2 gave the same top-1 within a point), and the
    /// centroid tells entries apart better than the closest listed text.
    fn default() -> Self {
        FusionWeights {
            centroid: 1.0,
            best: 1.0,
            classifier: 0.5,
            lexical: 0.5,
            companion_centroid: 0.6,
            companion_best: 0.6,
            multilingual_centroid: 1.5,
            multilingual_best: 0.5,
            multilingual_lexical: 0.15,
            multilingual_classifier: MULTILINGUAL_CLASSIFIER,
            tightness: 0.4,
            answer: 2.0,
        }
    }
}

impl FusionWeights {
    /// The fused score of one entry, in about -1..=1 (1: identical).
    pub fn score(&self, semantic: EntrySimilarity, lexical: f32) -> f32 {
        mean(self.parts(&semantic, lexical))
    }

    /// The weight of the answer's cosine for an entry listing `listed`
    /// questions: [`FusionWeights::answer`], less a [`MIN_QUESTIONS`]th
    /// of it for each question, so none from that many on.
    pub fn answer_weight(&self, listed: usize) -> f32 {
        let missing = MIN_QUESTIONS.saturating_sub(listed);
        self.answer * missing as f32 / MIN_QUESTIONS as f32
    }

    /// The weighted sum of one entry's signals and the sum of their
    /// weights (the answer left out).
    fn parts(&self, semantic: &EntrySimilarity, lexical: f32) -> (f32, f32) {
        let mut sum = self.centroid + self.best + self.classifier + self.lexical;
        let mut total = self.centroid * semantic.centroid
            + self.best * semantic.best
            + self.classifier * semantic.classifier
            + self.lexical * lexical;
        if let Some(c) = semantic.companion {
            sum += self.companion_centroid + self.companion_best;
            total += self.companion_centroid * c.centroid + self.companion_best * c.best;
        }
        (total, sum)
    }

    /// An entry's score to rank by and its lift over the score its lines
    /// are drawn on: the weighted mean `parts` gives, with the cosine to
    /// the entry's answer added at [`FusionWeights::answer`]'s weight for
    /// it (no lift without an answer).
    fn ranked(&self, (total, sum): (f32, f32), semantic: &EntrySimilarity) -> (f32, f32) {
        let score = mean((total, sum));
        let weight = self.answer_weight(semantic.listed);
        match semantic.answer {
            Some(a) if weight > 0.0 && sum > 0.0 => {
                let with = (total + weight * a) / (sum + weight);
                (with, with - score)
            }
            _ => (score, 0.0),
        }
    }

    /// The fused score of one entry from the multilingual encoder's cosines
    /// and the lexical score alone (the main model does not understand the
    /// language), in about -1..=1.
    pub fn score_multilingual(&self, semantic: &EntrySimilarity, lexical: f32) -> f32 {
        mean(self.multilingual_parts(semantic, lexical))
    }

    /// [`FusionWeights::parts`] on the multilingual encoder's scale.
    fn multilingual_parts(&self, semantic: &EntrySimilarity, lexical: f32) -> (f32, f32) {
        let sum = self.multilingual_centroid
            + self.multilingual_best
            + self.multilingual_lexical
            + self.multilingual_classifier;
        let total = self.multilingual_centroid * semantic.centroid
            + self.multilingual_best * semantic.best
            + self.multilingual_lexical * lexical
            + self.multilingual_classifier * semantic.classifier;
        (total, sum)
    }

    /// These weights for an index whose multilingual vectors have a
    /// classifier (`classifies`) or not: without one its weight is 0.
    pub fn for_multilingual(&self, classifies: bool) -> FusionWeights {
        FusionWeights {
            multilingual_classifier: if classifies {
                self.multilingual_classifier
            } else {
                0.0
            },
            ..self.clone()
        }
    }

    /// Whether the multilingual encoder's cosines weigh anything.
    pub fn multilingual_weighs(&self) -> bool {
        self.multilingual_centroid + self.multilingual_best > 0.0
    }
}

/// A weighted sum over the sum of its weights (0 when they weigh nothing).
fn mean((total, sum): (f32, f32)) -> f32 {
    if sum <= 0.0 { 0.0 } else { total / sum }
}

/// Which ranking produced a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Lexical only.
    #[default]
    Lexical,
    /// Lexical fused with semantic similarity.
    Hybrid,
}

/// The scale of a ranking's scores: which signals were fused. Each has
/// thresholds of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// Lexical scores alone.
    Lexical,
    /// Lexical fused with the main model's similarities.
    Hybrid,
    /// ... and with the companion encoder's.
    Companion,
    /// Lexical fused with the multilingual encoder's similarities alone
    /// (a language the main model does not understand).
    Multilingual,
}

impl Scale {
    /// Every scale, in the order of per-scale arrays ([`Scale::index`]).
    pub const ALL: [Scale; 4] = [
        Scale::Lexical,
        Scale::Hybrid,
        Scale::Companion,
        Scale::Multilingual,
    ];

    /// Its place in [`Scale::ALL`] and in arrays kept per scale.
    pub fn index(self) -> usize {
        self as usize
    }

    /// The mode a decision on this scale reports.
    pub fn mode(self) -> Mode {
        match self {
            Scale::Lexical => Mode::Lexical,
            Scale::Hybrid | Scale::Companion | Scale::Multilingual => Mode::Hybrid,
        }
    }
}

/// The semantic half of a hybrid ranker.
pub struct Hybrid<'a> {
    /// The model.
    pub model: &'a Semantic,
    /// The embedded knowledge.
    pub index: &'a SemanticIndex,
    /// Fusion weights.
    pub weights: &'a FusionWeights,
    /// Thresholds on the fused scale of the main model alone.
    pub thresholds: &'a Thresholds,
    /// Thresholds on the fused scale with the companion encoder.
    pub companion_thresholds: &'a Thresholds,
    /// Thresholds on the fused scale of the multilingual encoder alone.
    pub multilingual_thresholds: &'a Thresholds,
}

impl Hybrid<'_> {
    /// Whether the companion's cosines join the fusion for `lang`: it is
    /// loaded, embedded this knowledge, understands `lang` and weighs
    /// something.
    fn companion_for(&self, lang: Lang) -> Option<&Companion> {
        let weighs = self.weights.companion_centroid + self.weights.companion_best > 0.0;
        self.model
            .companion
            .as_ref()
            .filter(|c| weighs && self.index.has_companion() && c.understands(lang))
    }

    /// The multilingual encoder, when it ranks `lang` for this knowledge:
    /// it is loaded, ranks for `lang`, embedded this knowledge and weighs
    /// something.
    fn multilingual_for(&self, lang: Lang) -> Option<&Multilingual> {
        self.weights
            .multilingual_weighs()
            .then(|| self.index.multilingual_for(self.model, lang))
            .flatten()
    }
}

/// Entries ranked for a text, best first, and the scale of their scores.
pub struct Ranked {
    /// The entries.
    pub hits: Vec<Hit>,
    /// What was fused (lexical when the semantic side failed).
    pub scale: Scale,
    /// The entry the lexical ranking alone puts first.
    pub lexical_top: Option<usize>,
}

/// Everything that ranks entries for a text.
pub struct Ranker<'a> {
    /// The lexical index.
    pub lexical: &'a FaqIndex,
    /// Thresholds on the lexical scale.
    pub lexical_thresholds: &'a Thresholds,
    /// The semantic side, when a model is loaded and wanted.
    pub hybrid: Option<Hybrid<'a>>,
    /// The "answerable?" model and its line per scale (lexical, hybrid,
    /// companion, multilingual), where one decides instead of the answer
    /// threshold.
    pub gates: [Option<&'a Gate>; 4],
}

impl Ranker<'_> {
    /// The mode used for a customer writing `lang`.
    pub fn mode(&self, lang: Lang) -> Mode {
        match &self.hybrid {
            Some(h) if h.model.understands(lang) || h.multilingual_for(lang).is_some() => {
                Mode::Hybrid
            }
            _ => Mode::Lexical,
        }
    }

    /// The thresholds for scores on `scale`.
    pub fn thresholds(&self, scale: Scale) -> &Thresholds {
        match (&self.hybrid, scale) {
            (Some(h), Scale::Hybrid) => h.thresholds,
            (Some(h), Scale::Companion) => h.companion_thresholds,
            (Some(h), Scale::Multilingual) => h.multilingual_thresholds,
            _ => self.lexical_thresholds,
        }
    }

    /// The "answerable?" gate for scores on `scale`, if one decides.
    pub fn gate(&self, scale: Scale) -> Option<&Gate> {
        self.gates[scale.index()]
    }

    /// Entries ranked for `text` (written in `lang`) in `mode`, best first,
    /// at most `limit`. A failing semantic side is logged and leaves the
    /// ranking to what still works: without the companion when only its
    /// embedding failed, lexical otherwise; [`Ranked::scale`] says which.
    /// A language the main model does not understand is ranked by the
    /// multilingual encoder fused with the lexical score, if it ranks it.
    pub fn search(&self, text: &str, lang: Lang, mode: Mode, limit: usize) -> Ranked {
        let lexical_only = |hits: Vec<Hit>| Ranked {
            lexical_top: hits.first().map(|h| h.entry),
            hits,
            scale: Scale::Lexical,
        };
        let Some(h) = self.hybrid.as_ref().filter(|_| mode == Mode::Hybrid) else {
            return lexical_only(self.lexical.search(text, limit));
        };
        if !h.model.understands(lang) {
            return match h.multilingual_for(lang) {
                Some(m) => self.multilingual(h, m, text, limit),
                None => lexical_only(self.lexical.search(text, limit)),
            };
        }
        let companion = h.companion_for(lang);
        let (embedded, (lexical, second)) = h.model.embed_query_beside(Some(h.index), text, || {
            let lexical = self.lexical.search(text, LEXICAL_HITS.max(limit));
            (lexical, companion.map(|c| c.embed_one(text)))
        });
        let second = second.and_then(|s| {
            s.inspect_err(|e| {
                tracing::warn!(error = %e, "the companion encoder failed; ranking without it");
            })
            .ok()
        });
        let similarities = embedded.and_then(|q| {
            h.index
                .similarities(&q, second.as_deref(), &h.model.encoder)
        });
        let lexical_top = lexical.first().map(|h| h.entry);
        match similarities {
            Ok(s) => Ranked {
                lexical_top,
                scale: if second.is_some() {
                    Scale::Companion
                } else {
                    Scale::Hybrid
                },
                hits: fuse(h.weights, lexical, &s, limit),
            },
            Err(e) => {
                tracing::warn!(error = %e, "semantic ranking failed; ranking lexically");
                lexical_only(lexical.into_iter().take(limit).collect())
            }
        }
    }

    /// Entries ranked for `text` by the multilingual encoder `m` fused with
    /// the lexical ranking (which runs beside the embedding); lexical alone
    /// when the encoder fails.
    fn multilingual(&self, h: &Hybrid<'_>, m: &Multilingual, text: &str, limit: usize) -> Ranked {
        let (embedded, lexical) = m.encoder.join(
            || m.embed_query(text),
            || self.lexical.search(text, LEXICAL_HITS.max(limit)),
        );
        let cosines = embedded
            .inspect_err(|e| {
                tracing::warn!(error = %e, "the multilingual encoder failed; ranking lexically");
            })
            .ok()
            .and_then(|q| h.index.multilingual_similarities(&q))
            .and_then(|s| {
                s.inspect_err(|e| {
                    tracing::warn!(error = %e, "the multilingual classifier failed; ranking lexically");
                })
                .ok()
            });
        let lexical_top = lexical.first().map(|h| h.entry);
        match cosines {
            Some(c) => Ranked {
                hits: fuse_multilingual(
                    &h.weights
                        .for_multilingual(h.index.multilingual_classifies()),
                    lexical,
                    &c,
                    limit,
                ),
                scale: Scale::Multilingual,
                lexical_top,
            },
            None => Ranked {
                hits: lexical.into_iter().take(limit).collect(),
                scale: Scale::Lexical,
                lexical_top,
            },
        }
    }
}

/// Fuses lexical hits with the semantic similarity of every entry (entries
/// the lexical search did not find count as lexical 0).
pub fn fuse(
    weights: &FusionWeights,
    lexical: Vec<Hit>,
    semantic: &[EntrySimilarity],
    limit: usize,
) -> Vec<Hit> {
    fuse_by(lexical, semantic.len(), limit, |entry, lex| {
        let s = &semantic[entry];
        let (score, lift) = weights.ranked(weights.parts(s, lex), s);
        (score, weights.tightness * s.tightness, lift)
    })
}

/// Fuses lexical hits with the multilingual encoder's similarities to every
/// entry (cosines and its classifier's probability), the main model not
/// taking part.
pub fn fuse_multilingual(
    weights: &FusionWeights,
    lexical: Vec<Hit>,
    semantic: &[EntrySimilarity],
    limit: usize,
) -> Vec<Hit> {
    fuse_by(lexical, semantic.len(), limit, |entry, lex| {
        let s = &semantic[entry];
        let (score, lift) = weights.ranked(weights.multilingual_parts(s, lex), s);
        (score, weights.tightness * s.tightness, lift)
    })
}

/// The best `limit` of `entries`, scored by `score(entry, lexical score)`,
/// which also gives the entry's offset to the lines and its answer's lift
/// (entries the lexical search did not find count as lexical 0).
fn fuse_by(
    lexical: Vec<Hit>,
    entries: usize,
    limit: usize,
    score: impl Fn(usize, f32) -> (f32, f32, f32),
) -> Vec<Hit> {
    let mut by_entry: Vec<Option<Hit>> = vec![None; entries];
    for hit in lexical {
        if let Some(slot) = by_entry.get_mut(hit.entry) {
            *slot = Some(hit);
        }
    }
    let mut hits: Vec<Hit> = by_entry
        .into_iter()
        .enumerate()
        .map(|(entry, lexical)| {
            let lex = lexical.as_ref().map_or(0.0, |h| h.score);
            let mut hit = lexical.unwrap_or(Hit {
                entry,
                score: 0.0,
                words: 0.0,
                grams: 0.0,
                part: Part::Question,
                matched: Vec::new(),
                offset: 0.0,
                lift: 0.0,
            });
            (hit.score, hit.offset, hit.lift) = score(entry, lex);
            hit
        })
        .collect();
    hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.entry.cmp(&b.entry)));
    hits.truncate(limit);
    hits
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::semantic::Cosines;

    fn sim(centroid: f32, best: f32, classifier: f32) -> EntrySimilarity {
        EntrySimilarity {
            best,
            centroid,
            classifier,
            companion: None,
            tightness: 0.0,
            answer: None,
            listed: 10,
        }
    }

    fn lexical(entry: usize, score: f32) -> Hit {
        Hit {
            entry,
            score,
            words: score,
            grams: score,
            part: Part::Title,
            matched: vec!["printer".into()],
            offset: 0.0,
            lift: 0.0,
        }
    }

    #[test]
    fn an_answer_orders_entries_listing_few_questions_but_their_lines_stay_on_the_score_without_it()
    {
        let w = FusionWeights::default();
        assert_eq!(w.answer_weight(0), w.answer);
        assert!((w.answer_weight(1) - w.answer * 2.0 / 3.0).abs() < 1e-6);
        assert_eq!(w.answer_weight(MIN_QUESTIONS), 0.0);
        assert_eq!(w.answer_weight(10), 0.0);
        // Two title-only entries: the first's title is closer, the
        // second's answer much closer to the question.
        let title_near = EntrySimilarity {
            answer: Some(0.2),
            listed: 0,
            ..sim(0.62, 0.62, 0.0)
        };
        let answer_near = EntrySimilarity {
            answer: Some(0.8),
            listed: 0,
            ..sim(0.6, 0.6, 0.0)
        };
        let hits = fuse(&w, vec![], &[title_near, answer_near], 5);
        assert_eq!(hits[0].entry, 1, "the answer decides the order");
        let without = FusionWeights {
            answer: 0.0,
            ..w.clone()
        };
        let plain = fuse(&without, vec![], &[title_near, answer_near], 5);
        assert_eq!(
            plain[0].entry, 0,
            "the titles alone order them the other way"
        );
        for h in &hits {
            let same = plain
                .iter()
                .find(|p| p.entry == h.entry)
                .expect("both ranked");
            assert!(
                (h.decisive() - same.decisive()).abs() < 1e-6,
                "lines are drawn on the score without the answer: {h:?} {same:?}"
            );
            assert!(h.score > same.score || h.entry == 0);
        }
        // Listing enough questions, or having no answer embedded, lifts nothing.
        let listing = EntrySimilarity {
            listed: MIN_QUESTIONS,
            ..answer_near
        };
        let bare = EntrySimilarity {
            answer: None,
            ..answer_near
        };
        for s in [listing, bare] {
            let h = fuse(&w, vec![], &[s], 1);
            assert_eq!((h[0].offset, h[0].lift), (0.0, 0.0));
            assert!((h[0].score - w.score(s, 0.0)).abs() < 1e-6);
        }
        // The multilingual scale alike.
        let m = w.for_multilingual(false);
        let hits = fuse_multilingual(&m, vec![], &[title_near, answer_near], 5);
        assert_eq!(hits[0].entry, 1);
        let top = &hits[0];
        assert!((top.decisive() - m.score_multilingual(&answer_near, 0.0)).abs() < 1e-6);
    }

    #[test]
    fn each_hit_carries_its_entrys_offset_to_the_lines_and_the_order_stays_the_scores() {
        let w = FusionWeights::default();
        let tight = EntrySimilarity {
            tightness: 0.1,
            ..sim(0.8, 0.8, 0.8)
        };
        let loose = EntrySimilarity {
            tightness: -0.1,
            ..sim(0.7, 0.7, 0.7)
        };
        // A lexical hit's own offset gives way to the semantic one.
        let lexical_hit = Hit {
            offset: 0.3,
            lift: 0.0,
            ..lexical(1, 0.5)
        };
        let hits = fuse(&w, vec![lexical_hit], &[loose, tight], 5);
        assert_eq!(
            hits[0].entry, 1,
            "ranked by score, not by what the lines ask"
        );
        assert!((hits[0].offset - w.tightness * 0.1).abs() < 1e-6);
        assert!((hits[1].offset + w.tightness * 0.1).abs() < 1e-6);
        assert!((hits[0].decisive() - (hits[0].score - w.tightness * 0.1)).abs() < 1e-6);
        let flat = FusionWeights {
            tightness: 0.0,
            ..w
        };
        assert!(
            fuse(&flat, vec![], &[loose, tight], 5)
                .iter()
                .all(|h| h.offset == 0.0)
        );
    }

    #[test]
    fn the_fused_score_is_the_weighted_mean_of_the_signals() {
        let w = FusionWeights::default();
        let s = w.score(sim(0.6, 0.8, 0.9), 0.4);
        assert!((s - (0.6 + 0.8 + 0.45 + 0.2) / 3.0).abs() < 1e-6, "{s}");
        assert!((w.score(sim(1.0, 1.0, 1.0), 1.0) - 1.0).abs() < 1e-6);
    }

    #[test]
    fn the_companions_cosines_join_the_mean_only_when_it_is_loaded() {
        let w = FusionWeights::default();
        let alone = sim(0.6, 0.8, 0.9);
        let with = EntrySimilarity {
            companion: Some(Cosines {
                centroid: 0.3,
                best: 0.5,
            }),
            ..alone
        };
        let base = 0.6 + 0.8 + 0.45 + 0.2;
        assert!((w.score(alone, 0.4) - base / 3.0).abs() < 1e-6);
        let want = (base + 0.6 * 0.3 + 0.6 * 0.5) / 4.2;
        assert!(
            (w.score(with, 0.4) - want).abs() < 1e-6,
            "{}",
            w.score(with, 0.4)
        );
        // Only a companion weight of 0 leaves the score as without it.
        let off = FusionWeights {
            companion_centroid: 0.0,
            companion_best: 0.0,
            ..w
        };
        assert_eq!(off.score(with, 0.4), w.score(alone, 0.4));
    }

    #[test]
    fn without_the_main_model_the_multilingual_cosines_are_fused_with_the_lexical_score_alone() {
        let w = FusionWeights::default();
        let c = EntrySimilarity {
            centroid: 0.8,
            best: 0.9,
            classifier: 0.6,
            companion: None,
            ..EntrySimilarity::default()
        };
        let k = MULTILINGUAL_CLASSIFIER;
        let want = (1.5 * 0.8 + 0.5 * 0.9 + 0.15 * 0.4 + k * 0.6) / (2.15 + k);
        assert!((w.score_multilingual(&c, 0.4) - want).abs() < 1e-6);
        let nothing = FusionWeights {
            multilingual_centroid: 0.0,
            multilingual_best: 0.0,
            multilingual_lexical: 0.0,
            multilingual_classifier: 0.0,
            ..w
        };
        assert_eq!(nothing.score_multilingual(&c, 0.4), 0.0);
    }

    #[test]
    fn a_german_question_is_ranked_by_the_multilingual_cosines_and_the_words_it_shares() {
        let w = FusionWeights::default();
        let cos = |centroid, best, classifier| EntrySimilarity {
            centroid,
            best,
            classifier,
            companion: None,
            ..EntrySimilarity::default()
        };
        // Entry 1 is closest in meaning; entry 0 shares a word with the
        // question but means something else; entry 2 neither.
        let cosines = [
            cos(0.83, 0.85, 0.4),
            cos(0.86, 0.88, 0.4),
            cos(0.78, 0.79, 0.2),
        ];
        let hits = fuse_multilingual(&w, vec![lexical(0, 0.2)], &cosines, 3);
        assert_eq!(
            hits.iter().map(|h| h.entry).collect::<Vec<_>>(),
            vec![1, 0, 2]
        );
        // A strong lexical match can still win over a slightly closer meaning.
        let hits = fuse_multilingual(&w, vec![lexical(0, 0.9)], &cosines, 1);
        assert_eq!(hits[0].entry, 0);
        assert_eq!(hits[0].matched, vec!["printer".to_string()]);
    }

    #[test]
    fn a_strong_lexical_match_lifts_an_entry_over_a_slightly_closer_meaning() {
        let w = FusionWeights::default();
        let semantic = [sim(0.50, 0.55, 0.3), sim(0.52, 0.57, 0.3)];
        let hits = fuse(&w, vec![lexical(0, 0.7)], &semantic, 10);
        assert_eq!(hits[0].entry, 0);
        assert_eq!(hits[0].matched, vec!["printer".to_string()]);
        assert_eq!(hits[1].entry, 1);
        assert!(hits[1].matched.is_empty());
    }

    #[test]
    fn entries_the_lexical_search_missed_are_still_ranked_by_meaning() {
        let w = FusionWeights::default();
        let semantic = [sim(0.1, 0.1, 0.0), sim(0.8, 0.9, 0.9), sim(0.2, 0.3, 0.1)];
        let hits = fuse(&w, Vec::new(), &semantic, 2);
        assert_eq!(hits.iter().map(|h| h.entry).collect::<Vec<_>>(), vec![1, 2]);
    }
}
