//! The samples self-calibration chooses from. Listed questions are held out
//! K-fold: each fold's are taken out of the knowledge, which is indexed again
//! (lexically; semantically by dropping their rows, nothing is embedded), and
//! each held-out question is ranked against it. Its own entry ranked first
//! or not, and the score, make an in-scope sample; the same ranking without
//! its own entry makes a near miss. Far misses are the shipped generic
//! questions ranked against the whole knowledge.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::{HandoverSettings, far};
use crate::fusion::{FusionWeights, LEXICAL_HITS, Scale, fuse};
use crate::index::{FaqIndex, Hit, RankWeights};
use crate::knowledge::{Knowledge, Lang};
use crate::semantic::{EntrySimilarity, Semantic, SemanticIndex};

/// How many folds the sampled questions are split into.
pub const FOLDS: usize = 5;
/// How many entries a ranking keeps (as triage does).
const LIMIT: usize = 10;

/// A held-out question ranked against the knowledge without it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InScope {
    /// The top score.
    pub score: f32,
    /// Whether the top entry is the question's own.
    pub right: bool,
    /// The top score's lead over the runner-up.
    pub lead: f32,
}

/// The samples of one score scale.
#[derive(Debug, Clone, Default)]
pub struct ScaleSamples {
    /// Held-out listed questions.
    pub in_scope: Vec<InScope>,
    /// Top scores of the same rankings without the question's own entry.
    pub near: Vec<f32>,
    /// Top scores of generic out-of-scope questions.
    pub far: Vec<f32>,
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
    /// The multilingual encoder's scores (not sampled yet).
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

/// One held-out question.
struct Held {
    entry: usize,
    question: usize,
    /// Its row in the semantic index (titles and questions, entry by entry).
    row: usize,
}

/// Up to `cap` listed questions, spread evenly over the entries with at
/// least two, evenly spaced within each; the `i`-th is in fold `i % FOLDS`.
fn pick(knowledge: &Knowledge, cap: usize) -> Vec<Held> {
    let entries = knowledge.entries();
    let eligible = entries.iter().filter(|e| e.questions.len() >= 2).count();
    if eligible == 0 {
        return Vec::new();
    }
    let per = (cap / eligible).max(1);
    let mut held = Vec::new();
    let mut row = 0;
    for (i, e) in entries.iter().enumerate() {
        let n = e.questions.len();
        if n >= 2 && held.len() < cap {
            let take = per.min(n);
            held.extend((0..take).map(|k| Held {
                entry: i,
                question: k * n / take,
                row: row + 1 + k * n / take,
            }));
        }
        row += 1 + n;
    }
    held
}

/// Ranks every sample; see the module documentation.
pub fn collect(
    knowledge: &Knowledge,
    index: &FaqIndex,
    semantic: Option<(&Semantic, &SemanticIndex)>,
    ranking: &RankWeights,
    fusion: &FusionWeights,
    settings: &HandoverSettings,
) -> Samples {
    let held = pick(knowledge, settings.sample);
    let rows: usize = knowledge
        .entries()
        .iter()
        .map(|e| 1 + e.questions.len())
        .sum();
    let semantic = semantic.filter(|(_, s)| s.len() == rows);
    let mut samples = Samples::default();
    let mut confused: HashMap<(usize, usize), usize> = HashMap::new();
    for fold in 0..FOLDS {
        let out: Vec<&Held> = held.iter().skip(fold).step_by(FOLDS).collect();
        if out.is_empty() {
            continue;
        }
        let Some(lexical) = fold_index(knowledge, &out, ranking) else {
            continue;
        };
        let fold_semantic = semantic.and_then(|(m, s)| {
            let mut drop_rows = vec![false; rows];
            out.iter().for_each(|h| drop_rows[h.row] = true);
            s.without(&drop_rows, None)
                .inspect_err(
                    |e| tracing::warn!(error = %e, "calibration: a fold's classifier failed"),
                )
                .ok()
                .map(|fold| (m, s, fold))
        });
        for h in out {
            let e = knowledge.entry(h.entry);
            let text = &e.questions[h.question];
            let hits = lexical.search(text, LEXICAL_HITS);
            let lexical_hits: Vec<Hit> = hits.iter().take(LIMIT).cloned().collect();
            let mut serving = record(&mut samples.lexical, &lexical_hits, &lexical_hits, h.entry);
            if let Some((model, full, fold)) = &fold_semantic
                && model.understands(e.lang)
            {
                let (scale, companion) = companion_for(model, full, fusion, e.lang, h.row);
                let Ok(sims) = fold.similarities(full.row(h.row), companion, &model.encoder) else {
                    continue;
                };
                let ranked = fuse(fusion, hits.clone(), &sims, LIMIT);
                let without = fuse(fusion, hits, &without_entry(sims, h.entry), LIMIT + 1);
                serving = record(samples.scale(scale), &ranked, &without, h.entry);
            }
            if let Some(top) = serving.filter(|t| *t != h.entry) {
                let pair = (h.entry.min(top), h.entry.max(top));
                *confused.entry(pair).or_default() += 1;
            }
        }
    }
    far_misses(knowledge, index, semantic, fusion, &mut samples);
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

/// The lexical index of `knowledge` without the `out` questions.
fn fold_index(knowledge: &Knowledge, out: &[&Held], ranking: &RankWeights) -> Option<FaqIndex> {
    let mut entries = knowledge.entries().to_vec();
    let mut drop: Vec<(usize, usize)> = out.iter().map(|h| (h.entry, h.question)).collect();
    drop.sort_unstable();
    for (i, e) in entries.iter_mut().enumerate() {
        let mut k = 0;
        e.questions.retain(|_| {
            k += 1;
            drop.binary_search(&(i, k - 1)).is_err()
        });
    }
    let knowledge = Knowledge::new(entries).ok()?;
    FaqIndex::build(&knowledge, ranking.clone())
        .inspect_err(|e| tracing::warn!(error = %e, "calibration: a fold's index failed"))
        .ok()
}

/// Which hybrid scale a text in `lang` is ranked on, with the companion's
/// vector of row `row` when the companion takes part (as in
/// [`crate::fusion::Ranker::search`]).
fn companion_for<'a>(
    model: &Semantic,
    index: &'a SemanticIndex,
    fusion: &FusionWeights,
    lang: Lang,
    row: usize,
) -> (Scale, Option<&'a [f32]>) {
    let weighs = fusion.companion_centroid + fusion.companion_best > 0.0;
    let takes_part = model
        .companion
        .as_ref()
        .is_some_and(|c| weighs && index.has_companion() && c.understands(lang));
    match index.companion_row(row).filter(|_| takes_part) {
        Some(v) => (Scale::Companion, Some(v)),
        None => (Scale::Hybrid, None),
    }
}

/// The similarities as if `entry` were not in the knowledge: its own are
/// dropped by the ranking, and the classifier's probability mass it held is
/// spread over the others in proportion (a softmax over the remaining
/// entries), as a classifier that never learnt it would roughly give.
fn without_entry(mut sims: Vec<EntrySimilarity>, entry: usize) -> Vec<EntrySimilarity> {
    let own = sims.get(entry).map_or(0.0, |s| s.classifier);
    let rest = (1.0 - own).max(1e-6);
    for s in &mut sims {
        s.classifier = (s.classifier / rest).min(1.0);
    }
    sims
}

/// Records one held-out question's ranking (`ranked`) and near miss (the
/// best of `without` other than its own entry) in `samples`; returns the
/// top entry.
fn record(
    samples: &mut ScaleSamples,
    ranked: &[Hit],
    without: &[Hit],
    own: usize,
) -> Option<usize> {
    let top = ranked.first();
    let score = top.map_or(0.0, |t| t.score);
    samples.in_scope.push(InScope {
        score,
        right: top.is_some_and(|t| t.entry == own),
        lead: score - ranked.get(1).map_or(0.0, |h| h.score),
    });
    let near = without
        .iter()
        .find(|h| h.entry != own)
        .map_or(0.0, |h| h.score);
    samples.near.push(near);
    top.map(|t| t.entry)
}

/// Ranks the shipped generic questions in each language of the knowledge
/// against all of it.
fn far_misses(
    knowledge: &Knowledge,
    index: &FaqIndex,
    semantic: Option<(&Semantic, &SemanticIndex)>,
    fusion: &FusionWeights,
    samples: &mut Samples,
) {
    for &lang in knowledge.langs() {
        let texts = far::questions(lang);
        for t in &texts {
            let top = index.search(t, 1).first().map_or(0.0, |h| h.score);
            samples.lexical.far.push(top);
        }
        let Some((model, full)) = semantic.filter(|(m, _)| m.understands(lang)) else {
            continue;
        };
        let layer = full.adaptation().map(|a| a.layer());
        let Ok(vectors) = model.encoder.embed_with(&texts, layer) else {
            tracing::warn!("calibration: embedding the generic questions failed");
            continue;
        };
        let (scale, _) = companion_for(model, full, fusion, lang, 0);
        let companion = match (scale, &model.companion) {
            (Scale::Companion, Some(c)) => model.encoder.install(|| c.embed(&texts)).ok(),
            _ => None,
        };
        let scale = if companion.is_some() {
            scale
        } else {
            Scale::Hybrid
        };
        for (i, (t, v)) in texts.iter().zip(&vectors).enumerate() {
            let second = companion.as_ref().map(|c| c[i].as_slice());
            let Ok(sims) = full.similarities(v, second, &model.encoder) else {
                continue;
            };
            let hits = fuse(fusion, index.search(t, LEXICAL_HITS), &sims, 1);
            samples
                .scale(scale)
                .far
                .push(hits.first().map_or(0.0, |h| h.score));
        }
    }
}
