//! Self-calibrated hand-over: the operating point (answer / hand-over
//! thresholds) chosen for each knowledge base when its index is built,
//! without labels. The knowledge itself tells what its in-scope scores look
//! like (listed questions held out, K-fold, and ranked against the rest),
//! what a near miss looks like (the same rankings without the question's own
//! entry) and, with a shipped list of generic questions, what a far miss
//! looks like. The threshold is the lowest that hands over the configured
//! share of both kinds of misses.
//!
//! Sampling and ranking are [`sample`]'s; the generic questions are
//! [`far`]'s. Triage only reads the thresholds chosen here.

mod cache;
pub mod far;
mod sample;

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::fusion::{FusionWeights, Scale};
use crate::index::{FaqIndex, RankWeights};
use crate::knowledge::Knowledge;
use crate::semantic::{Semantic, SemanticIndex};
use crate::triage::Thresholds;

pub use sample::{Confusable, Samples, ScaleSamples};

/// How the hand-over is calibrated (`[handover]`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct HandoverSettings {
    /// The share of questions the FAQ does not answer that should be handed
    /// over to a human (near and far misses alike).
    pub target: f32,
    /// Whether the thresholds chosen for each knowledge base when its index
    /// is built decide (off by default: on the dev sets they do not yet
    /// beat the static ones, see docs/ranking.md; `frontline check` shows
    /// them either way). Thresholds set in the settings (different from
    /// the shipped ones) are kept for their scale either way.
    pub calibrate: bool,
    /// At most this many listed questions are held out.
    pub sample: usize,
    /// A scale with fewer held-out questions than this keeps its static thresholds.
    pub min_samples: usize,
}

impl Default for HandoverSettings {
    fn default() -> Self {
        HandoverSettings {
            target: 0.9,
            calibrate: false,
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
    /// The threshold and the shares it is expected to reach, for people.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "answer at {:.3}; expected {:.3} answered correctly, {:.3} of near and {:.3} of far misses handed over ({} held-out questions, {} near, {} far)",
            self.threshold,
            self.expected_answered,
            self.expected_handover_near,
            self.expected_handover_far,
            self.samples.0,
            self.samples.1,
            self.samples.2
        )
    }
}

/// The operating point chosen on one score scale, and what it is expected to do.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct OperatingPoint {
    /// Answer (and suggestion) threshold.
    pub threshold: f32,
    /// Share of held-out listed questions answered with their own entry.
    pub expected_answered: f32,
    /// Share of near misses handed over.
    pub expected_handover_near: f32,
    /// Share of far misses handed over.
    pub expected_handover_far: f32,
    /// Held-out questions (in scope), near misses and far misses ranked.
    pub samples: (usize, usize, usize),
}

impl OperatingPoint {
    /// `static_thresholds` with this point's answer and suggestion thresholds
    /// and no margin (the fix and language factors stay).
    pub fn thresholds(&self, static_thresholds: &Thresholds) -> Thresholds {
        Thresholds {
            answer: self.threshold,
            suggest: self.threshold,
            margin: 0.0,
            ..static_thresholds.clone()
        }
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
            // Not calibrated: held-out questions are ranked only by the
            // main model's scales, so the static thresholds hold.
            Scale::Multilingual => None,
        }
    }

    /// One line per calibrated scale, for people: the threshold and the
    /// shares expected.
    pub fn lines(&self) -> Vec<String> {
        [
            ("lexical", &self.lexical),
            ("hybrid", &self.hybrid),
            ("companion", &self.companion),
        ]
        .into_iter()
        .filter_map(|(scale, p)| {
            let p = p.as_ref()?;
            Some(format!("{scale}: {p}"))
        })
        .collect()
    }

    /// Calibrates `knowledge` (indexed as `index`, and embedded as
    /// `semantic` when a model is loaded), or reads the result kept in the
    /// model's cache directory for exactly these inputs.
    pub fn compute(
        knowledge: &Knowledge,
        index: &FaqIndex,
        semantic: Option<(&Semantic, &SemanticIndex)>,
        ranking: &RankWeights,
        fusion: &FusionWeights,
        settings: &HandoverSettings,
    ) -> Calibration {
        let started = Instant::now();
        let file = semantic.and_then(|(m, s)| {
            let dir = m.cache_dir.as_deref()?;
            Some(cache::file(dir, knowledge, m, s, ranking, fusion, settings))
        });
        if let Some(mut kept) = file.as_deref().and_then(cache::read) {
            kept.cached = true;
            kept.elapsed = started.elapsed();
            return kept;
        }
        let samples = sample::collect(knowledge, index, semantic, ranking, fusion, settings);
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
            (s.in_scope.len() >= settings.min_samples.max(1))
                .then(|| operating_point(s, settings.target))
                .flatten()
        };
        Calibration {
            lexical: point(&samples.lexical),
            hybrid: point(&samples.hybrid),
            companion: point(&samples.companion),
            confusable: samples.confusable.clone(),
            elapsed: Duration::ZERO,
            cached: false,
        }
    }
}

/// The point for one scale's samples: the lowest threshold that hands over
/// at least `target` of the near misses and of the far misses. `None`
/// without misses of either kind.
pub fn operating_point(s: &ScaleSamples, target: f32) -> Option<OperatingPoint> {
    let near = threshold_below(&s.near, target);
    let far = threshold_below(&s.far, target);
    let threshold = match (near, far) {
        (Some(a), Some(b)) => a.max(b),
        (Some(a), None) | (None, Some(a)) => a,
        (None, None) => return None,
    };
    let share = |n: usize, of: usize| if of == 0 { 0.0 } else { n as f32 / of as f32 };
    let below = |v: &[f32]| share(v.iter().filter(|x| **x < threshold).count(), v.len());
    let answered = s
        .in_scope
        .iter()
        .filter(|q| q.right && q.score >= threshold)
        .count();
    Some(OperatingPoint {
        threshold,
        expected_answered: share(answered, s.in_scope.len()),
        expected_handover_near: below(&s.near),
        expected_handover_far: below(&s.far),
        samples: (s.in_scope.len(), s.near.len(), s.far.len()),
    })
}

/// The smallest threshold `t` such that at least `target` of `scores` are
/// below `t`; `None` for no scores.
pub fn threshold_below(scores: &[f32], target: f32) -> Option<f32> {
    if scores.is_empty() {
        return None;
    }
    let mut sorted = scores.to_vec();
    sorted.sort_by(f32::total_cmp);
    let need = ((target.clamp(0.0, 1.0) * sorted.len() as f32) - 1e-4).ceil() as usize;
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
    use sample::InScope;

    fn in_scope(score: f32, right: bool) -> InScope {
        InScope {
            score,
            right,
            lead: 0.1,
        }
    }

    #[test]
    fn the_threshold_is_just_above_the_targeted_share_of_scores() {
        let scores = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0];
        let t = threshold_below(&scores, 0.9).unwrap();
        assert!(t > 0.9 && t < 0.9001, "{t}");
        assert_eq!(scores.iter().filter(|s| **s < t).count(), 9);
        let t = threshold_below(&scores, 0.85).unwrap();
        assert!(t > 0.9 && t < 0.9001, "{t}: 8.5 of 10 rounds up to 9");
        assert!(threshold_below(&[], 0.9).is_none());
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
            near: vec![0.2, 0.3, 0.6],
            far: vec![0.1, 0.1, 0.2],
        };
        let p = operating_point(&s, 0.9).unwrap();
        assert!(p.threshold > 0.6 && p.threshold < 0.601, "{}", p.threshold);
        assert_eq!(p.expected_answered, 0.5);
        assert_eq!(p.expected_handover_near, 1.0);
        assert_eq!(p.expected_handover_far, 1.0);
        // A lower target lets the highest near miss through.
        let p = operating_point(&s, 0.6).unwrap();
        assert!(p.threshold > 0.3 && p.threshold < 0.301, "{}", p.threshold);
        assert_eq!(p.expected_answered, 0.75);
    }

    #[test]
    fn a_scale_with_too_few_samples_has_no_operating_point() {
        let mut samples = Samples::default();
        samples.lexical.in_scope = vec![in_scope(0.9, true); 3];
        samples.lexical.near = vec![0.2; 3];
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
}
