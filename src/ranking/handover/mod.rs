//! Self-calibrated hand-over: the operating point chosen for each
//! knowledge base when its index is built, without labels. The knowledge
//! itself tells what its in-scope rankings look like (listed questions held
//! out and ranked against the rest), what a near miss looks like (questions
//! of entries left out, ranked against the others) and, with a shipped list
//! of generic questions, what a far miss looks like. The line is the lowest
//! top score (less its answer's lift and its entry's offset,
//! [`crate::index::Hit::decisive`])
//! that hands over the configured share of both kinds of misses;
//! optionally (`model`) it is drawn on the probability of a small
//! "answerable?" model over a few signals of a ranking, trained on those
//! samples, instead.
//!
//! Sampling and ranking are [`sample`]'s; the generic questions are
//! [`far`]'s; the model is [`answerable`]'s. Triage only reads the
//! operating point chosen here.

pub mod answerable;
mod cache;
pub mod far;
mod sample;

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::index::RankWeights;
use crate::knowledge::Knowledge;
use crate::ranking::Thresholds;
use crate::ranking::fusion::{FusionWeights, Scale};
use crate::semantic::Semantic;

pub use answerable::{Answerability, Signals};
pub use sample::{Confusable, InScope, Samples, ScaleSamples};

/// How much an entry in another language than the question's counts on
/// each scale ([`Thresholds::other_language`], in the order of
/// [`Scale::ALL`]): the calibration ranks its samples as triage ranks
/// questions, so a German question whose entry is left out does not count
/// as a near miss scoring high on the English twin of that entry, which
/// triage would discount.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct OtherLanguage(pub [f32; 4]);

impl OtherLanguage {
    /// The factor on `scale`.
    pub fn on(&self, scale: Scale) -> f32 {
        self.0[scale.index()]
    }
}

/// How the hand-over is calibrated (`[handover]`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct HandoverSettings {
    /// The share of questions the FAQ does not answer that should be handed
    /// over to a human (near and far misses alike).
    pub target: f32,
    /// Whether the operating point chosen for each knowledge base when its
    /// index is built decides (`frontline check` shows it either way). On
    /// by default: the static thresholds were calibrated on one corpus and
    /// hand over far fewer than the target on others (docs/ranking.md); a
    /// scale with too few held-out questions keeps them, raised to a floor
    /// drawn from its misses where lower. Thresholds set in
    /// the settings (different from the shipped ones) are kept for their
    /// scale either way.
    pub calibrate: bool,
    /// Whether the "answerable?" model decides (else the line is drawn on
    /// the top score alone). Off by default: on the dev sets it did not
    /// separate better than the top score (docs/ranking.md).
    pub model: bool,
    /// Rounds whose knowledge is embedded, at least (each adapts the
    /// model's last layer once more on the first build; cached like the
    /// FAQ's own). A small FAQ gets more, up to all five, until the
    /// held-out questions of each of its languages are expected to reach
    /// twice `min_samples`: on a few dozen entries an embedded round is
    /// cheap, and one round would leave too few samples to choose a line.
    pub model_rounds: usize,
    /// Generic questions scoring at least this quantile of the held-out
    /// questions answered right count as in scope for this FAQ (its topics
    /// may be generic ones: weather, travel, small talk) and are not used
    /// as far misses; 1 or more keeps them all.
    pub far_cut: f32,
    /// At most this many listed questions are held out (and as many near
    /// misses ranked), over all rounds.
    pub sample: usize,
    /// A scale with fewer held-out questions than this keeps its static
    /// thresholds, raised where they would hand over less than `target` of
    /// its misses (see [`floor_point`]); near misses count toward that
    /// from [`FLOOR_NEAR`] of them on (or this many, if fewer).
    pub min_samples: usize,
}

impl Default for HandoverSettings {
    fn default() -> Self {
        HandoverSettings {
            target: 0.9,
            calibrate: true,
            model: false,
            model_rounds: 1,
            far_cut: 0.5,
            sample: 1500,
            min_samples: 50,
        }
    }
}

impl HandoverSettings {
    /// Static thresholds only: no calibration.
    pub fn fixed() -> Self {
        HandoverSettings {
            calibrate: false,
            ..HandoverSettings::default()
        }
    }

    /// Thresholds calibrated for each knowledge base.
    pub fn calibrated() -> Self {
        HandoverSettings {
            calibrate: true,
            ..HandoverSettings::default()
        }
    }
}

impl std::fmt::Display for OperatingPoint {
    /// The line and the shares it is expected to reach, for people.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.floor {
            write!(
                f,
                "answer at {:.3} at least (the static thresholds where higher): the entries list too few questions to tell how many would be answered; expected handed over:",
                self.threshold
            )?;
            let (_, near, far) = self.samples;
            let kinds = [
                (self.expected_handover_far, far, "generic questions"),
                (self.expected_handover_near, near, "near misses"),
            ];
            for (i, (share, n, kind)) in kinds.into_iter().filter(|k| k.1 > 0).enumerate() {
                let sep = if i == 0 { " " } else { ", " };
                write!(f, "{sep}{share:.3} of {n} {kind}")?;
            }
            return Ok(());
        }
        match &self.model {
            Some(_) => write!(
                f,
                "answer at answerable probability {:.3} (top score about {:.3})",
                self.threshold, self.score_threshold
            )?,
            None => write!(f, "answer at {:.3}", self.threshold)?,
        }
        write!(
            f,
            "; expected {:.3} of its held-out listed questions answered correctly, {:.3} of near and {:.3} of far misses handed over ({} held-out questions, {} near, {} far",
            self.expected_answered,
            self.expected_handover_near,
            self.expected_handover_far,
            self.samples.0,
            self.samples.1,
            self.samples.2
        )?;
        if self.far_dropped > 0 {
            write!(
                f,
                ", {} generic ones scoring like in scope left out",
                self.far_dropped
            )?;
        }
        write!(f, ")")
    }
}

/// The operating point chosen on one score scale, and what it is expected to do.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct OperatingPoint {
    /// The line: on the model's probability when there is a model, else
    /// on the top score.
    pub threshold: f32,
    /// The line on the top score alone that hands over the same share
    /// (the answer and suggestion thresholds in use beside the model).
    pub score_threshold: f32,
    /// The "answerable?" model, if one decides.
    pub model: Option<Answerability>,
    /// Share of held-out listed questions answered with their own entry.
    pub expected_answered: f32,
    /// Share of near misses handed over.
    pub expected_handover_near: f32,
    /// Share of far misses handed over.
    pub expected_handover_far: f32,
    /// Held-out questions (in scope), near misses and far misses used.
    pub samples: (usize, usize, usize),
    /// Generic questions left out because they score like in-scope ones.
    pub far_dropped: usize,
    /// Whether the line is only a floor under the static thresholds, drawn
    /// from the misses alone: the FAQ lists too few questions to tell how
    /// its in-scope questions score (`expected_answered` is then unknown).
    #[serde(default)]
    pub floor: bool,
}

impl OperatingPoint {
    /// `static_thresholds` with this point's answer and suggestion
    /// thresholds on the top score and no margin (the fix and language
    /// factors stay).
    ///
    /// A floor raises the static answer and suggestion thresholds to its
    /// line where they are below it, and keeps the rest.
    pub fn thresholds(&self, static_thresholds: &Thresholds) -> Thresholds {
        if self.floor {
            return Thresholds {
                answer: static_thresholds.answer.max(self.score_threshold),
                suggest: static_thresholds.suggest.max(self.score_threshold),
                ..static_thresholds.clone()
            };
        }
        Thresholds {
            answer: self.score_threshold,
            suggest: self.score_threshold,
            margin: 0.0,
            ..static_thresholds.clone()
        }
    }

    /// The model and its line, if a model decides.
    pub fn gate(&self) -> Option<Gate> {
        self.model.clone().map(|model| Gate {
            model,
            threshold: self.threshold,
        })
    }
}

/// What decides whether a ranking is answered when a model does: its
/// probability at least the line.
#[derive(Debug, Clone, PartialEq)]
pub struct Gate {
    /// The model.
    pub model: Answerability,
    /// The line on its probability.
    pub threshold: f32,
}

impl Gate {
    /// The model's probability for `signals`, and whether it answers.
    pub fn decide(&self, signals: &Signals) -> (f32, bool) {
        let p = self.model.probability(signals);
        (p, p >= self.threshold)
    }
}

/// The operating points chosen for one knowledge version, per scale (`None`
/// where too few samples, or no ranking on that scale).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Calibration {
    /// Lexical scores.
    pub lexical: Option<OperatingPoint>,
    /// Hybrid scores of the main model.
    pub hybrid: Option<OperatingPoint>,
    /// Hybrid scores with the companion.
    pub companion: Option<OperatingPoint>,
    /// The multilingual encoder's scores.
    pub multilingual: Option<OperatingPoint>,
    /// Entries whose held-out questions rank another entry first, most often first.
    pub confusable: Vec<Confusable>,
    /// How long it took (0 when read from the cache).
    #[serde(skip)]
    pub elapsed: Duration,
    /// Whether it was read from the cache.
    #[serde(skip)]
    pub cached: bool,
}

impl Calibration {
    /// The point for `scale`, if one was chosen.
    pub fn point(&self, scale: Scale) -> Option<&OperatingPoint> {
        match scale {
            Scale::Lexical => self.lexical.as_ref(),
            Scale::Hybrid => self.hybrid.as_ref(),
            Scale::Companion => self.companion.as_ref(),
            Scale::Multilingual => self.multilingual.as_ref(),
        }
    }

    /// One line per calibrated scale, for people: the threshold and the
    /// shares expected.
    pub fn lines(&self) -> Vec<String> {
        self.points()
            .map(|(scale, p)| format!("{scale}: {p}"))
            .collect()
    }

    /// The points chosen, each with the name of its scale.
    pub fn points(&self) -> impl Iterator<Item = (&'static str, &OperatingPoint)> {
        [
            ("lexical", &self.lexical),
            ("hybrid", &self.hybrid),
            ("companion", &self.companion),
            ("multilingual", &self.multilingual),
        ]
        .into_iter()
        .filter_map(|(scale, p)| Some((scale, p.as_ref()?)))
    }

    /// Calibrates `knowledge` (its rounds embedded by `semantic` when a
    /// model is loaded), or reads the result kept in the model's cache
    /// directory for exactly these inputs. It needs nothing of the FAQ's
    /// own embeddings, so it can run while they are built.
    pub fn compute(
        knowledge: &Knowledge,
        semantic: Option<&Semantic>,
        ranking: &RankWeights,
        fusion: &FusionWeights,
        other_language: &OtherLanguage,
        settings: &HandoverSettings,
    ) -> Calibration {
        let started = Instant::now();
        let file = semantic.and_then(|m| {
            let dir = m.cache_dir.as_deref()?;
            let ranked = cache::Ranked {
                ranking,
                fusion,
                other_language,
            };
            Some(cache::file(dir, knowledge, m, &ranked, settings))
        });
        if let Some(mut kept) = file.as_deref().and_then(cache::read) {
            kept.cached = true;
            kept.elapsed = started.elapsed();
            return kept;
        }
        let samples = sample::collect(
            knowledge,
            semantic,
            ranking,
            fusion,
            other_language,
            settings,
        );
        let mut calibration = Calibration::from_samples(&samples, settings);
        calibration.elapsed = started.elapsed();
        if let Some(file) = &file {
            cache::write(file, &calibration);
        }
        calibration
    }

    /// The operating points for `samples`.
    pub fn from_samples(samples: &Samples, settings: &HandoverSettings) -> Calibration {
        let point = |s: &ScaleSamples| {
            if s.in_scope.len() >= settings.min_samples.max(1) {
                operating_point(s, settings)
            } else {
                floor_point(s, settings)
            }
        };
        Calibration {
            lexical: point(&samples.lexical),
            hybrid: point(&samples.hybrid),
            companion: point(&samples.companion),
            multilingual: point(&samples.multilingual),
            confusable: samples.confusable.clone(),
            elapsed: Duration::ZERO,
            cached: false,
        }
    }
}

/// The `q` quantile (0..=1) of `values` (nearest rank); `None` when empty.
fn quantile(values: &[f32], q: f32) -> Option<f32> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f32::total_cmp);
    let rank = ((sorted.len() - 1) as f32 * q.clamp(0.0, 1.0)).round() as usize;
    Some(sorted[rank])
}

/// The point for one scale's samples: generic questions scoring like
/// in-scope ones for this FAQ set aside (`far_cut`), the model trained (if
/// `settings.model`) on the held-out questions ranked right against the
/// misses and the held-out questions ranked wrong, and the lowest line that
/// hands over at least `target` of the near misses and of the far misses.
/// `None` without misses of either kind.
pub fn operating_point(s: &ScaleSamples, settings: &HandoverSettings) -> Option<OperatingPoint> {
    let target = settings.target;
    let right: Vec<Signals> = s
        .in_scope
        .iter()
        .filter(|q| q.right)
        .map(|q| q.signals)
        .collect();
    let tops: Vec<f32> = right.iter().map(Signals::top).collect();
    let cut = match quantile(&tops, settings.far_cut) {
        Some(c) if settings.far_cut < 1.0 => c,
        _ => f32::INFINITY,
    };
    let far: Vec<Signals> = s.far.iter().filter(|f| f.top() < cut).copied().collect();
    let far_dropped = s.far.len() - far.len();
    let model = settings
        .model
        .then(|| {
            let negatives: Vec<Signals> = s
                .near
                .iter()
                .chain(&far)
                .copied()
                .chain(s.in_scope.iter().filter(|q| !q.right).map(|q| q.signals))
                .collect();
            Answerability::fit(&right, &negatives)
        })
        .flatten();
    let scores = |v: &[Signals], score: &dyn Fn(&Signals) -> f32| -> Vec<f32> {
        v.iter().map(score).collect()
    };
    let line = |score: &dyn Fn(&Signals) -> f32| {
        misses_line(&scores(&s.near, score), &scores(&far, score), target)
    };
    let score_threshold = line(&Signals::top)?;
    let score = |x: &Signals| model.as_ref().map_or(x.top(), |m| m.probability(x));
    let threshold = line(&score)?;
    let below = |v: &[Signals]| share_below(&scores(v, &score), threshold);
    let answered = s
        .in_scope
        .iter()
        .filter(|q| q.right && score(&q.signals) >= threshold)
        .count();
    let answered = if s.in_scope.is_empty() {
        0.0
    } else {
        answered as f32 / s.in_scope.len() as f32
    };
    Some(OperatingPoint {
        threshold,
        score_threshold,
        expected_answered: answered,
        expected_handover_near: below(&s.near),
        expected_handover_far: below(&far),
        samples: (s.in_scope.len(), s.near.len(), far.len()),
        far_dropped,
        model,
        floor: false,
    })
}

/// Near misses a floor counts, at least (fewer: the generic questions
/// alone draw it), unless `min_samples` is lower. A floor only raises
/// thresholds, so a line drawn on a few dozen of them can cost answers
/// but not the hand-over: a FAQ of 15 entries listing 3 questions each
/// gives 45 (under `min_samples`), and drawn from the generic questions
/// alone its floor sat under the static thresholds, which answered three
/// in four of its near misses (docs/ranking.md, small FAQs).
pub const FLOOR_NEAR: usize = 20;

/// The point for a scale with too few held-out questions to draw a line
/// for the FAQ (entries with a title and an answer but few or no listed
/// questions, or a small FAQ): a floor under the static thresholds, the
/// lowest line that hands over `target` of the shipped generic questions
/// and, where there are at least [`FLOOR_NEAR`] of them (or
/// `min_samples`, if fewer), of the near misses. The static thresholds
/// were set on FAQs that list questions and can answer most
/// generic questions on one that does not; nothing tells which generic
/// ones are in scope here, so all count. `None` with no generic questions
/// and too few near misses.
pub fn floor_point(s: &ScaleSamples, settings: &HandoverSettings) -> Option<OperatingPoint> {
    let tops = |v: &[Signals]| -> Vec<f32> { v.iter().map(Signals::top).collect() };
    let near = if s.near.len() >= FLOOR_NEAR.min(settings.min_samples).max(1) {
        tops(&s.near)
    } else {
        Vec::new()
    };
    let far = tops(&s.far);
    let line = misses_line(&near, &far, settings.target)?;
    Some(OperatingPoint {
        threshold: line,
        score_threshold: line,
        model: None,
        expected_answered: 0.0,
        expected_handover_near: share_below(&near, line),
        expected_handover_far: share_below(&far, line),
        samples: (s.in_scope.len(), near.len(), far.len()),
        far_dropped: 0,
        floor: true,
    })
}

/// The lowest line that hands over at least `target` of the near misses
/// and of the far misses (scored as the line is drawn): the stricter of
/// the two, or the one there are misses for; `None` without either.
///
/// The near misses are a sample of the FAQ's own (a few dozen on a small
/// FAQ), so their line is the one expected to hand over `target` of the
/// questions they were drawn from ([`Sampled::Yes`]); the generic
/// questions are a fixed list, whose share is what it is.
fn misses_line(near: &[f32], far: &[f32], target: f32) -> Option<f32> {
    [(near, Sampled::Yes), (far, Sampled::No)]
        .into_iter()
        .filter_map(|(v, sampled)| threshold_below(v, target, sampled))
        .reduce(f32::max)
}

/// Whether scores are a sample of a larger population the line is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sampled {
    /// They are: the `k`-th smallest of `n` is expected to lie above `k /
    /// (n + 1)` of the population (not `k / n`), so the line takes one
    /// score more than the share alone would on a few dozen, and all of
    /// them when `n + 1` is under `1 / (1 - target)` (then it is expected
    /// to hand over only `n / (n + 1)`).
    Yes,
    /// They are all there is.
    No,
}

/// The share of `scores` below `line` (0 for none).
fn share_below(scores: &[f32], line: f32) -> f32 {
    if scores.is_empty() {
        return 0.0;
    }
    scores.iter().filter(|&&x| x < line).count() as f32 / scores.len() as f32
}

/// The smallest threshold `t` such that at least `target` of `scores`
/// are below `t`, or, for a sample ([`Sampled::Yes`]), of the scores it
/// was drawn from, in expectation (above all of a sample too small for
/// that); `None` for no scores.
pub fn threshold_below(scores: &[f32], target: f32, sampled: Sampled) -> Option<f32> {
    if scores.is_empty() {
        return None;
    }
    let mut sorted = scores.to_vec();
    sorted.sort_by(f32::total_cmp);
    let n = match sampled {
        Sampled::Yes => sorted.len() + 1,
        Sampled::No => sorted.len(),
    };
    let need = (((target.clamp(0.0, 1.0) * n as f32) - 1e-4).ceil() as usize).min(sorted.len());
    if need == 0 {
        return Some(sorted[0]);
    }
    // Just above the `need`-th smallest score, so that it is below.
    Some(next_up(sorted[need - 1]))
}

/// The next float above `x` (a score equal to a threshold counts as above it).
fn next_up(x: f32) -> f32 {
    if x.is_nan() || x == f32::INFINITY {
        return x;
    }
    if x == 0.0 {
        return f32::from_bits(1);
    }
    let bits = x.to_bits();
    f32::from_bits(if x > 0.0 { bits + 1 } else { bits - 1 })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signals(top: f32) -> Signals {
        Signals([top, 0.1, 0.2, 1.0, 0.5, 1.5])
    }

    fn in_scope(score: f32, right: bool) -> InScope {
        InScope {
            signals: signals(score),
            right,
        }
    }

    fn scores_only() -> HandoverSettings {
        HandoverSettings {
            model: false,
            far_cut: 1.0,
            ..HandoverSettings::default()
        }
    }

    #[test]
    fn the_threshold_is_just_above_the_targeted_share_of_scores() {
        // 19 scores 0.05, 0.10, ..., 0.95: the 18th lies above 18 / 20 of
        // what they were drawn from, in expectation.
        let scores: Vec<f32> = (1..20).map(|i| 0.05 * i as f32).collect();
        let t = threshold_below(&scores, 0.9, Sampled::Yes).unwrap();
        assert!(t > 0.9 && t < 0.9001, "{t}");
        assert_eq!(scores.iter().filter(|s| **s < t).count(), 18);
        let t = threshold_below(&scores, 0.87, Sampled::Yes).unwrap();
        assert!(t > 0.9 && t < 0.9001, "{t}: 17.4 of 20 rounds up to 18");
        // Ten scores as a sample: 0.9 of 11 asks for all of them; as all
        // there is, for nine.
        let t = threshold_below(&scores[..10], 0.9, Sampled::Yes).unwrap();
        assert!(t > 0.5 && t < 0.5001, "{t}");
        let t = threshold_below(&scores[..10], 0.9, Sampled::No).unwrap();
        assert!(t > 0.45 && t < 0.4501, "{t}");
        assert!(threshold_below(&[], 0.9, Sampled::No).is_none());
    }

    #[test]
    fn the_stricter_of_near_and_far_misses_decides_and_the_answered_share_follows() {
        let s = ScaleSamples {
            in_scope: vec![
                in_scope(0.9, true),
                in_scope(0.7, true),
                in_scope(0.5, true),
                in_scope(0.8, false),
            ],
            near: vec![signals(0.2), signals(0.3), signals(0.6)],
            far: vec![signals(0.1), signals(0.1), signals(0.2)],
        };
        let p = operating_point(&s, &scores_only()).unwrap();
        assert!(p.threshold > 0.6 && p.threshold < 0.601, "{}", p.threshold);
        assert_eq!(p.score_threshold, p.threshold);
        assert_eq!(p.expected_answered, 0.5);
        assert_eq!(p.expected_handover_near, 1.0);
        assert_eq!(p.expected_handover_far, 1.0);
        // A lower target lets the highest near miss through (half of 3 + 1
        // is the second of them).
        let lenient = HandoverSettings {
            target: 0.5,
            ..scores_only()
        };
        let p = operating_point(&s, &lenient).unwrap();
        assert!(p.threshold > 0.3 && p.threshold < 0.301, "{}", p.threshold);
        assert_eq!(p.expected_answered, 0.75);
        // The near misses are a sample: 0.6 of 3 + 1 asks for all three
        // (0.6 of the three themselves would be the second).
        let sample = HandoverSettings {
            target: 0.6,
            ..scores_only()
        };
        let p = operating_point(&s, &sample).unwrap();
        assert!(p.threshold > 0.6 && p.threshold < 0.601, "{}", p.threshold);
    }

    #[test]
    fn generic_questions_scoring_like_answered_ones_are_not_taken_for_misses() {
        let s = ScaleSamples {
            in_scope: [0.5, 0.6, 0.7, 0.8, 0.9]
                .iter()
                .map(|&x| in_scope(x, true))
                .collect(),
            near: vec![signals(0.2), signals(0.3)],
            // 0.85 is above the median answered score: this FAQ answers it.
            far: vec![signals(0.1), signals(0.85)],
        };
        let cut = HandoverSettings {
            far_cut: 0.5,
            ..scores_only()
        };
        let p = operating_point(&s, &cut).unwrap();
        assert_eq!(p.far_dropped, 1);
        assert!(p.threshold > 0.3 && p.threshold < 0.301, "{}", p.threshold);
        let all = operating_point(&s, &scores_only()).unwrap();
        assert_eq!(all.far_dropped, 0);
        assert!(all.threshold > 0.85, "{}", all.threshold);
    }

    #[test]
    fn with_the_model_the_line_is_on_its_probability_and_still_hands_over_the_target() {
        let s = ScaleSamples {
            in_scope: (0..60)
                .map(|i| in_scope(0.5 + 0.005 * i as f32, i % 10 != 0))
                .collect(),
            near: (0..60).map(|i| signals(0.3 + 0.005 * i as f32)).collect(),
            far: (0..20).map(|i| signals(0.1 + 0.005 * i as f32)).collect(),
        };
        let with_model = HandoverSettings {
            model: true,
            ..HandoverSettings::default()
        };
        let p = operating_point(&s, &with_model).unwrap();
        let m = p.model.clone().expect("a model");
        assert!(p.threshold > 0.0 && p.threshold < 1.0, "{}", p.threshold);
        assert!(p.expected_handover_near >= 0.9, "{p:?}");
        assert!(p.expected_handover_far >= 0.9, "{p:?}");
        // The probability rises with the top score.
        assert!(m.probability(&signals(0.7)) > m.probability(&signals(0.4)));
        let gate = p.gate().expect("a gate");
        assert!(gate.decide(&signals(0.8)).1);
        assert!(!gate.decide(&signals(0.3)).1);
    }

    #[test]
    fn a_scale_with_too_few_samples_and_no_generic_questions_has_no_operating_point() {
        let mut samples = Samples::default();
        samples.lexical.in_scope = vec![in_scope(0.9, true); 3];
        samples.lexical.near = vec![signals(0.2); 3];
        let settings = HandoverSettings::default();
        assert!(
            Calibration::from_samples(&samples, &settings)
                .lexical
                .is_none()
        );
        let few = HandoverSettings {
            min_samples: 3,
            ..settings
        };
        assert!(Calibration::from_samples(&samples, &few).lexical.is_some());
    }

    #[test]
    fn without_enough_held_out_questions_the_misses_draw_a_floor_under_the_static_thresholds() {
        // Titles alone: no held-out questions, three near misses (too few
        // to count, under `FLOOR_NEAR`) and sixty generic ones.
        let mut samples = Samples::default();
        samples.lexical.near = vec![signals(0.95); 3];
        samples.lexical.far = (0..60).map(|i| signals(0.01 * i as f32)).collect();
        let settings = HandoverSettings::default();
        let p = Calibration::from_samples(&samples, &settings)
            .lexical
            .expect("a floor");
        assert!(p.floor && p.model.is_none());
        // 54 of the 60 generic questions are below it; the near misses
        // are too few to raise it.
        assert!(p.threshold > 0.53 && p.threshold < 0.531, "{p:?}");
        assert_eq!(p.samples, (0, 0, 60));
        assert_eq!(p.expected_handover_far, 0.9);
        // It raises static thresholds below it and keeps those above.
        let low = Thresholds {
            answer: 0.4,
            suggest: 0.3,
            margin: 0.02,
            ..Thresholds::default()
        };
        let raised = p.thresholds(&low);
        assert_eq!((raised.answer, raised.suggest), (p.threshold, p.threshold));
        assert_eq!(raised.margin, 0.02);
        let high = Thresholds {
            answer: 0.7,
            suggest: 0.6,
            ..low
        };
        assert_eq!(p.thresholds(&high), high);
        // Enough near misses count too, and the stricter kind decides:
        // FLOOR_NEAR of them, fewer than `min_samples` (a small FAQ).
        assert!(FLOOR_NEAR < settings.min_samples);
        samples.lexical.near = vec![signals(0.8); FLOOR_NEAR];
        let p = Calibration::from_samples(&samples, &settings)
            .lexical
            .expect("a floor");
        assert!(p.threshold > 0.8 && p.threshold < 0.801, "{p:?}");
        assert_eq!(p.expected_handover_near, 1.0);
        assert!(p.to_string().contains("at least"), "{p}");
        // A `min_samples` set below FLOOR_NEAR counts fewer.
        samples.lexical.near = vec![signals(0.8); 12];
        let p = Calibration::from_samples(&samples, &settings).lexical;
        assert!(
            p.expect("a floor").threshold < 0.8,
            "12 are too few by default"
        );
        let fewer = HandoverSettings {
            min_samples: 10,
            ..settings.clone()
        };
        let p = Calibration::from_samples(&samples, &fewer).lexical;
        assert!(p.expect("a floor").threshold > 0.8);
        // A few generic questions count: their list is what it is.
        samples.lexical.near.clear();
        samples.lexical.far.truncate(10);
        let p = Calibration::from_samples(&samples, &settings)
            .lexical
            .expect("a floor");
        assert!(p.threshold > 0.08 && p.threshold < 0.081, "{p:?}");
        // No misses to speak of: no floor.
        let empty = Samples::default();
        assert!(
            Calibration::from_samples(&empty, &settings)
                .lexical
                .is_none()
        );
    }
}
