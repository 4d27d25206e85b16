//! The samples self-calibration chooses from, made in rounds. Each round
//! leaves a fifth of the entries out of the knowledge (every fifth, shifted
//! by the round) and, of the entries kept, a fifth of their listed
//! questions; what is left is indexed as if it were the FAQ: lexically,
//! and, in the first few rounds ([`model_rounds`]), semantically as a knowledge
//! base of its own (its own adapted last layer and classifier, cached like
//! any other). Then:
//!
//! - each held-out question of a kept entry is an in-scope sample: its
//!   ranking, and whether its own entry came first;
//! - each question of a left-out entry is a near miss: a question about a
//!   topic the FAQ does not cover, in the FAQ's own words, ranked by a model
//!   that never saw that topic (as a real customer's new problem is);
//! - the shipped generic questions, ranked against the first round's
//!   knowledge, are far misses.
//!
//! Nothing the samples are ranked against was trained on them, so the
//! estimate holds with the model's adapted layer too.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::answerable::Signals;
use super::{HandoverSettings, OtherLanguage, far};
use crate::index::{FaqIndex, Hit, RankWeights};
use crate::knowledge::{Entry, Knowledge, Lang};
use crate::ranking::fusion::{FusionWeights, LEXICAL_HITS, Scale, fuse, fuse_multilingual};
use crate::ranking::rank::discount_other_languages;
use crate::semantic::{Adaptation, BuildKind, Semantic, SemanticIndex};

/// Rounds of the lexical calibration (each leaves out a fifth of the
/// entries and of the listed questions).
pub const ROUNDS: usize = 5;
/// How many entries a ranking keeps (as triage does).
const LIMIT: usize = 10;
/// Listed texts a round's semantic knowledge embeds, at most (a larger FAQ
/// keeps fewer listed questions per entry there, and at least
/// [`MIN_PER_ENTRY`]): bounds the time a first build of a large FAQ takes.
const MODEL_TEXTS: usize = 4_000;
/// Listed questions each entry keeps in a round, at least.
const MIN_PER_ENTRY: usize = 12;

/// A held-out question ranked against the knowledge without it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InScope {
    /// Its ranking's signals.
    pub signals: Signals,
    /// Whether the top entry is the question's own.
    pub right: bool,
}

/// The samples of one score scale.
#[derive(Debug, Clone, Default)]
pub struct ScaleSamples {
    /// Held-out listed questions.
    pub in_scope: Vec<InScope>,
    /// Questions of left-out entries.
    pub near: Vec<Signals>,
    /// Generic out-of-scope questions.
    pub far: Vec<Signals>,
}

/// Samples on every scale, with the entries most often confused.
#[derive(Debug, Clone, Default)]
pub struct Samples {
    /// Lexical scores.
    pub lexical: ScaleSamples,
    /// Hybrid scores of the main model.
    pub hybrid: ScaleSamples,
    /// Hybrid scores with the companion.
    pub companion: ScaleSamples,
    /// The multilingual encoder's scores (languages the main model does not
    /// understand).
    pub multilingual: ScaleSamples,
    /// Pairs of entries whose held-out questions rank the other first.
    pub confusable: Vec<Confusable>,
}

impl Samples {
    fn scale(&mut self, scale: Scale) -> &mut ScaleSamples {
        match scale {
            Scale::Lexical => &mut self.lexical,
            Scale::Hybrid => &mut self.hybrid,
            Scale::Companion => &mut self.companion,
            Scale::Multilingual => &mut self.multilingual,
        }
    }
}

/// Two entries whose held-out questions rank the other first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confusable {
    /// One entry's id.
    pub a: String,
    /// The other's.
    pub b: String,
    /// How many held-out questions of either ranked the other first.
    pub count: usize,
}

/// How many confusable pairs are kept.
const CONFUSABLE: usize = 5;

/// A listed question: its entry (in the whole knowledge) and position.
#[derive(Debug, Clone, Copy)]
struct Question {
    entry: usize,
    question: usize,
}

/// One round's knowledge and what is ranked against it.
struct Round {
    /// The entries kept, with the listed questions kept.
    knowledge: Knowledge,
    /// The entry of the whole knowledge each kept entry is.
    kept: Vec<usize>,
    /// Held-out questions of kept entries.
    held: Vec<Question>,
    /// Questions of left-out entries.
    near: Vec<Question>,
}

/// Every `len / cap`-th of `items`, at most `cap` of them, evenly spread.
fn thin<T: Copy>(items: &[T], cap: usize) -> Vec<T> {
    if items.len() <= cap {
        return items.to_vec();
    }
    (0..cap).map(|k| items[k * items.len() / cap]).collect()
}

/// Round `r`'s knowledge: entries `i` with `i % ROUNDS == r` left out, the
/// listed questions `j` of kept entry `i` with `(i + 1 + j % 4) % ROUNDS ==
/// r` held out (an entry keeps at least one), and at most `per_entry`
/// questions kept per entry; `None` when fewer than two entries are kept.
fn round(knowledge: &Knowledge, r: usize, per_entry: usize, cap: usize) -> Option<Round> {
    let mut kept_entries = Vec::new();
    let mut kept = Vec::new();
    let (mut held, mut near) = (Vec::new(), Vec::new());
    for (i, e) in knowledge.entries().iter().enumerate() {
        let n = e.questions.len();
        if i % ROUNDS == r {
            near.extend((0..n).map(|question| Question { entry: i, question }));
            continue;
        }
        // Question `j` is held out in one of the four rounds that keep its
        // entry, so every listed question is held out once over the rounds.
        let out = |j: usize| n >= 2 && (i + 1 + j % (ROUNDS - 1)) % ROUNDS == r;
        held.extend(
            (0..n)
                .filter(|&j| out(j))
                .map(|question| Question { entry: i, question }),
        );
        let questions: Vec<String> = (0..n)
            .filter(|&j| !out(j))
            .take(per_entry)
            .map(|j| e.questions[j].clone())
            .collect();
        kept_entries.push(Entry {
            questions,
            ..e.clone()
        });
        kept.push(i);
    }
    if kept.len() < 2 {
        return None;
    }
    Some(Round {
        knowledge: Knowledge::new(kept_entries).ok()?,
        kept,
        held: thin(&held, cap),
        near: thin(&near, cap),
    })
}

/// How many rounds are embedded: `settings.model_rounds`, or more (up to
/// all) while the listed questions of the knowledge's least-asked language
/// would give fewer than twice `settings.min_samples` held-out questions
/// (each round holds out about a fifth of them, at most `settings.sample`
/// over all rounds). A language whose entries list no questions at all
/// asks for no more rounds (no round would give it a sample); when no
/// language has any, `settings.model_rounds` are embedded, for their
/// generic questions.
pub fn model_rounds(knowledge: &Knowledge, settings: &HandoverSettings) -> usize {
    let Some(fewest) = knowledge
        .langs()
        .iter()
        .filter(|lang| {
            knowledge
                .entries()
                .iter()
                .any(|e| e.lang == **lang && !e.questions.is_empty())
        })
        .map(|lang| {
            knowledge
                .entries()
                .iter()
                .filter(|e| e.lang == *lang && e.questions.len() >= 2)
                .map(|e| e.questions.len())
                .sum::<usize>()
        })
        .min()
    else {
        return settings.model_rounds.clamp(1, ROUNDS);
    };
    let per_round = fewest.min(settings.sample).div_ceil(ROUNDS).max(1);
    let wanted = (2 * settings.min_samples).div_ceil(per_round);
    wanted.max(settings.model_rounds).clamp(1, ROUNDS)
}

/// The texts of `questions`, each with its language and its own entry in
/// `round`'s knowledge (if kept).
fn texts<'k>(
    knowledge: &'k Knowledge,
    round: &Round,
    questions: &[Question],
) -> Vec<(&'k str, Lang, Option<usize>)> {
    questions
        .iter()
        .map(|q| {
            let e = knowledge.entry(q.entry);
            let own = round.kept.iter().position(|k| *k == q.entry);
            (e.questions[q.question].as_str(), e.lang, own)
        })
        .collect()
}

/// Ranks every sample; see the module documentation.
pub fn collect(
    knowledge: &Knowledge,
    semantic: Option<&Semantic>,
    ranking: &RankWeights,
    fusion: &FusionWeights,
    other_language: &OtherLanguage,
    settings: &HandoverSettings,
) -> Samples {
    let entries = knowledge.entries().len().max(1);
    let per_entry = (MODEL_TEXTS / entries).max(MIN_PER_ENTRY);
    let cap = settings.sample.div_ceil(ROUNDS);
    let rounds = model_rounds(knowledge, settings);
    let trained =
        Adaptation::training_size(knowledge.entries().iter().map(|e| 1 + e.questions.len()));
    let mut samples = Samples::default();
    let mut confused: HashMap<(usize, usize), usize> = HashMap::new();
    for r in 0..ROUNDS {
        let Some(round) = self::round(knowledge, r, per_entry, cap) else {
            continue;
        };
        let Ok(lexical) = FaqIndex::build(&round.knowledge, ranking.clone())
            .inspect_err(|e| tracing::warn!(error = %e, "calibration: a round's index failed"))
        else {
            continue;
        };
        let model = semantic.filter(|_| r < rounds).and_then(|m| {
            let listed: Vec<usize> = round
                .kept
                .iter()
                .map(|&i| knowledge.entry(i).questions.len())
                .collect();
            SemanticIndex::build_for_calibration(&round.knowledge, m, &listed, trained)
                .inspect_err(
                    |e| tracing::warn!(error = %e, "calibration: a round's embedding failed"),
                )
                .ok()
                .map(|s| (m, s))
        });
        let ranker = RoundRanker {
            knowledge: &round.knowledge,
            lexical: &lexical,
            model: model.as_ref().map(|(m, s)| (*m, s)),
            fusion,
            other_language,
        };
        let held = texts(knowledge, &round, &round.held);
        for (question, (top, right)) in
            round
                .held
                .iter()
                .zip(rank_all(&held, &ranker, &mut samples, true))
        {
            // Entries in another language than the question's are not
            // confusable for a customer: triage prefers their own language.
            let top = top
                .filter(|_| !right)
                .map(|top| round.kept[top])
                .filter(|&top| knowledge.entry(top).lang == knowledge.entry(question.entry).lang);
            if let Some(top) = top {
                let pair = (question.entry.min(top), question.entry.max(top));
                *confused.entry(pair).or_default() += 1;
            }
        }
        rank_all(
            &texts(knowledge, &round, &round.near),
            &ranker,
            &mut samples,
            false,
        );
        if r == 0 {
            for &lang in knowledge.langs() {
                let generic: Vec<(&str, Lang, Option<usize>)> = far::questions(lang)
                    .into_iter()
                    .map(|t| (t, lang, None))
                    .collect();
                far_misses(&generic, &ranker, &mut samples);
            }
        }
    }
    let mut pairs: Vec<((usize, usize), usize)> = confused.into_iter().collect();
    pairs.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    samples.confusable = pairs
        .into_iter()
        .take(CONFUSABLE)
        .map(|((a, b), count)| Confusable {
            a: knowledge.entry(a).id.clone(),
            b: knowledge.entry(b).id.clone(),
            count,
        })
        .collect();
    samples
}

/// One text ranked: lexically, and on the model's scale (with that scale)
/// where the model understands its language.
struct Ranking {
    /// The lexical ranking, as triage's lexical mode ranks.
    lexical: Vec<Hit>,
    /// The lexical search's own top entry, before any discount (a signal of
    /// the "answerable?" model, as in triage).
    lexical_top: Option<usize>,
    /// The ranking on the model's scale.
    model: Option<(Vec<Hit>, Scale)>,
}

/// What a round ranks with.
struct RoundRanker<'r> {
    /// The round's knowledge (hits are its entries).
    knowledge: &'r Knowledge,
    /// Its lexical index.
    lexical: &'r FaqIndex,
    /// The model and the round's embeddings, when the round is embedded.
    model: Option<(&'r Semantic, &'r SemanticIndex)>,
    fusion: &'r FusionWeights,
    other_language: &'r OtherLanguage,
}

/// The rankings of `texts` (each with its language and its own entry in
/// the round's knowledge, if any), at most [`LIMIT`] entries each, those in
/// another language than the text's discounted as triage discounts them
/// (triage's further cap at the best entry in the customer's language
/// that reaches the suggestion line is not repeated: that line is what the
/// calibration chooses).
fn rankings(texts: &[(&str, Lang, Option<usize>)], ranker: &RoundRanker<'_>) -> Vec<Ranking> {
    let RoundRanker {
        knowledge,
        lexical,
        model,
        fusion,
        other_language,
    } = *ranker;
    let lexical_hits: Vec<Vec<Hit>> = texts
        .iter()
        .map(|(t, _, _)| lexical.search(t, LEXICAL_HITS))
        .collect();
    let mut hybrid: Vec<Option<(Vec<Hit>, Scale)>> = vec![None; texts.len()];
    if let Some((m, index)) = model {
        for lang in Lang::ALL.into_iter().filter(|l| m.understands(*l)) {
            let (which, batch) = written_in(texts, lang);
            if which.is_empty() {
                continue;
            }
            let layer = index.adaptation().map(|a| a.layer());
            let Ok(vectors) = m.encoder.embed_with(&batch, layer) else {
                tracing::warn!("calibration: embedding held-out questions failed");
                continue;
            };
            // Held-out and left-out questions are the FAQ's listed ones:
            // the companion (and the multilingual encoder, below) find
            // them in their caches once the FAQ's build has embedded them
            // (the generic far misses, ranked in one round, are embedded).
            let companion = companion_takes_part(m, index, fusion, lang)
                .then(|| {
                    m.companion.as_ref().and_then(|c| {
                        c.cache
                            .embed_with("", &batch, BuildKind::Scratch, |b| {
                                m.encoder.install(|| c.embed(b))
                            })
                            .ok()
                    })
                })
                .flatten()
                .map(|(vectors, _)| vectors);
            let scale = if companion.is_some() {
                Scale::Companion
            } else {
                Scale::Hybrid
            };
            for (k, &i) in which.iter().enumerate() {
                let second = companion.as_ref().map(|c| &c[k][..]);
                let Ok(sims) = index.similarities(&vectors[k], second, &m.encoder) else {
                    continue;
                };
                let fused = fuse(fusion, lexical_hits[i].clone(), &sims, LIMIT);
                hybrid[i] = Some((fused, scale));
            }
        }
        multilingual_rankings(texts, &lexical_hits, m, index, fusion, &mut hybrid);
    }
    let prefer = |mut hits: Vec<Hit>, lang: Lang, scale: Scale| {
        hits.truncate(LIMIT);
        discount_other_languages(&mut hits, knowledge, lang, other_language.on(scale));
        hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.entry.cmp(&b.entry)));
        hits
    };
    lexical_hits
        .into_iter()
        .zip(hybrid)
        .zip(texts)
        .map(|((lex, hybrid), (_, lang, _))| Ranking {
            lexical_top: lex.first().map(|h| h.entry),
            lexical: prefer(lex, *lang, Scale::Lexical),
            model: hybrid.map(|(hits, scale)| (prefer(hits, *lang, scale), scale)),
        })
        .collect()
}

/// The positions of `texts` written in `lang`, and those texts.
fn written_in<'t>(
    texts: &[(&'t str, Lang, Option<usize>)],
    lang: Lang,
) -> (Vec<usize>, Vec<&'t str>) {
    (0..texts.len())
        .filter(|&i| texts[i].1 == lang)
        .map(|i| (i, texts[i].0))
        .unzip()
}

/// Into `hybrid`, the rankings of the texts in a language the main model
/// does not understand and the multilingual encoder ranks (as
/// [`crate::ranking::fusion::Ranker::search`] ranks them): its cosines
/// fused with the lexical hits.
fn multilingual_rankings(
    texts: &[(&str, Lang, Option<usize>)],
    lexical_hits: &[Vec<Hit>],
    model: &Semantic,
    index: &SemanticIndex,
    fusion: &FusionWeights,
    hybrid: &mut [Option<(Vec<Hit>, Scale)>],
) {
    for lang in Lang::ALL {
        let Some(multilingual) = fusion
            .multilingual_weighs()
            .then(|| index.multilingual_for(model, lang))
            .flatten()
        else {
            continue;
        };
        let (which, batch) = written_in(texts, lang);
        if which.is_empty() {
            continue;
        }
        let Ok((vectors, _)) = multilingual.embed_listed(&batch, &[], BuildKind::Scratch) else {
            tracing::warn!("calibration: the multilingual encoder failed on held-out questions");
            continue;
        };
        for (vector, &i) in vectors.iter().zip(&which) {
            if let Some(Ok(similarities)) = index.multilingual_similarities(vector) {
                let weights = fusion.for_multilingual(index.multilingual_classifies());
                let fused =
                    fuse_multilingual(&weights, lexical_hits[i].clone(), &similarities, LIMIT);
                hybrid[i] = Some((fused, Scale::Multilingual));
            }
        }
    }
}

/// The signals of a ranking.
fn signals(hits: &[Hit], lexical_top: Option<usize>, text: &str) -> Signals {
    let ranking: Vec<(usize, f32, f32)> = hits
        .iter()
        .take(LIMIT)
        .map(|h| (h.entry, h.decisive(), h.words))
        .collect();
    Signals::of(&ranking, lexical_top, text)
}

/// Ranks `texts` and records them as in-scope samples (`in_scope`) or near
/// misses; returns, per text, the top entry on the scale serving it and
/// whether it is the text's own.
fn rank_all(
    texts: &[(&str, Lang, Option<usize>)],
    ranker: &RoundRanker<'_>,
    samples: &mut Samples,
    in_scope: bool,
) -> Vec<(Option<usize>, bool)> {
    let rankings = rankings(texts, ranker);
    let mut tops = Vec::with_capacity(texts.len());
    for ((text, _, own), ranking) in texts.iter().zip(&rankings) {
        let record = |samples: &mut ScaleSamples, hits: &[Hit]| {
            let s = signals(hits, ranking.lexical_top, text);
            let top = hits.first().map(|h| h.entry);
            let right = top.is_some() && top == *own;
            if in_scope {
                samples.in_scope.push(InScope { signals: s, right });
            } else {
                samples.near.push(s);
            }
            (top, right)
        };
        let mut serving = record(&mut samples.lexical, &ranking.lexical);
        if let Some((hits, scale)) = &ranking.model {
            serving = record(samples.scale(*scale), hits);
        }
        tops.push(serving);
    }
    tops
}

/// Ranks generic questions and records them as far misses.
fn far_misses(
    texts: &[(&str, Lang, Option<usize>)],
    ranker: &RoundRanker<'_>,
    samples: &mut Samples,
) {
    let rankings = rankings(texts, ranker);
    for ((text, _, _), ranking) in texts.iter().zip(&rankings) {
        let top = ranking.lexical_top;
        samples
            .lexical
            .far
            .push(signals(&ranking.lexical, top, text));
        if let Some((hits, scale)) = &ranking.model {
            samples.scale(*scale).far.push(signals(hits, top, text));
        }
    }
}

/// Whether the companion's cosines join the fusion for `lang` (as in
/// [`crate::ranking::fusion::Ranker::search`]).
fn companion_takes_part(
    model: &Semantic,
    index: &SemanticIndex,
    fusion: &FusionWeights,
    lang: Lang,
) -> bool {
    let weighs = fusion.companion_centroid + fusion.companion_best > 0.0;
    model
        .companion
        .as_ref()
        .is_some_and(|c| weighs && index.has_companion() && c.understands(lang))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn knowledge(entries: usize, questions: usize) -> Knowledge {
        let entries = (0..entries)
            .map(|i| Entry {
                id: format!("e{i}"),
                title: format!("title {i}"),
                questions: (0..questions)
                    .map(|j| format!("question {i} {j}"))
                    .collect(),
                tags: Vec::new(),
                lang: Lang::En,
                kind: crate::knowledge::Kind::Faq,
                symptoms: Vec::new(),
                needs: Vec::new(),
                answer_markdown: String::new(),
                answer_text: String::new(),
                origin: crate::knowledge::Origin {
                    path: format!("e{i}.md").into(),
                    line: 1,
                },
            })
            .collect();
        Knowledge::new(entries).unwrap()
    }

    #[test]
    fn over_the_rounds_every_entry_is_left_out_once_and_every_question_held_out_once() {
        let k = knowledge(12, 10);
        let mut held = HashMap::new();
        let mut left_out = HashMap::new();
        for r in 0..ROUNDS {
            let round = round(&k, r, 100, 10_000).unwrap();
            for q in &round.held {
                assert_ne!(q.entry % ROUNDS, r, "held out of an entry left out");
                *held.entry((q.entry, q.question)).or_insert(0) += 1;
            }
            for q in &round.near {
                *left_out.entry((q.entry, q.question)).or_insert(0) += 1;
            }
            // What is held out is not in the round's knowledge.
            for (sub, &whole) in round.knowledge.entries().iter().zip(&round.kept) {
                let n = round.held.iter().filter(|q| q.entry == whole).count();
                assert_eq!(sub.questions.len(), 10 - n);
                assert!(!sub.questions.is_empty());
            }
        }
        assert_eq!(held.len(), 120);
        assert!(held.values().all(|n| *n == 1));
        assert_eq!(left_out.len(), 120);
        assert!(left_out.values().all(|n| *n == 1));
    }

    #[test]
    fn a_small_faq_embeds_more_rounds_a_large_one_the_setting() {
        let settings = HandoverSettings::default();
        // 15 entries × 10 questions: 30 held out a round, 100 wanted.
        assert_eq!(model_rounds(&knowledge(15, 10), &settings), 4);
        // 25 × 4: 20 a round; all five are not quite enough, five it is.
        assert_eq!(model_rounds(&knowledge(25, 4), &settings), ROUNDS);
        // 150 × 10: one round holds out 300.
        assert_eq!(model_rounds(&knowledge(150, 10), &settings), 1);
        let two = HandoverSettings {
            model_rounds: 2,
            ..settings.clone()
        };
        assert_eq!(model_rounds(&knowledge(150, 10), &two), 2);
        let many = HandoverSettings {
            model_rounds: 9,
            ..settings.clone()
        };
        assert_eq!(model_rounds(&knowledge(150, 10), &many), ROUNDS);
        // Titles alone: nothing to sample but generic questions, so the
        // setting; one question per entry still gives near misses.
        assert_eq!(model_rounds(&knowledge(40, 0), &settings), 1);
        assert_eq!(model_rounds(&knowledge(40, 0), &two), 2);
        assert_eq!(model_rounds(&knowledge(40, 1), &settings), ROUNDS);
    }

    #[test]
    fn entries_in_another_language_are_discounted_as_triage_discounts_them() {
        let base = knowledge(1, 0).entries()[0].clone();
        let entry = |id: &str, title: &str, lang: Lang| Entry {
            id: id.into(),
            title: title.into(),
            lang,
            ..base.clone()
        };
        let k = Knowledge::new(vec![
            entry("en/vpn", "forticlient vpn setup at home", Lang::En),
            entry("de/vpn", "forticlient vpn einrichten zuhause", Lang::De),
        ])
        .unwrap();
        let lexical = FaqIndex::build(&k, RankWeights::default()).unwrap();
        let fusion = FusionWeights::default();
        let ranker = RoundRanker {
            knowledge: &k,
            lexical: &lexical,
            model: None,
            fusion: &fusion,
            other_language: &OtherLanguage([0.5; 4]),
        };
        let score = |hits: &[Hit], entry: usize| {
            hits.iter()
                .find(|h| h.entry == entry)
                .map(|h| h.score)
                .unwrap()
        };
        let text = "forticlient vpn";
        let raw = lexical.search(text, LEXICAL_HITS);
        // A German question: the English entry counts half, the German one fully.
        let de = &rankings(&[(text, Lang::De, None)], &ranker)[0].lexical;
        assert!((score(de, 0) - score(&raw, 0) * 0.5).abs() < 1e-6, "{de:?}");
        assert_eq!(score(de, 1), score(&raw, 1));
        assert_eq!(de[0].entry, 1, "its own language first: {de:?}");
        // With no entry in the question's language nothing is discounted.
        let only_en =
            Knowledge::new(vec![entry("en/vpn", "forticlient vpn setup", Lang::En)]).unwrap();
        let lexical = FaqIndex::build(&only_en, RankWeights::default()).unwrap();
        let ranker = RoundRanker {
            knowledge: &only_en,
            lexical: &lexical,
            ..ranker
        };
        let de = &rankings(&[(text, Lang::De, None)], &ranker)[0].lexical;
        assert_eq!(score(de, 0), score(&lexical.search(text, LEXICAL_HITS), 0));
    }

    #[test]
    fn thinning_keeps_an_even_spread() {
        let v: Vec<usize> = (0..10).collect();
        assert_eq!(thin(&v, 5), vec![0, 2, 4, 6, 8]);
        assert_eq!(thin(&v, 20), v);
    }
}
