//! The trade-off between answering and handing over, across operating
//! points rather than at the configured thresholds alone.
//!
//! Each query is reduced to its top score (the best entry's score less its
//! answer's lift and its offset, or the "answerable?" model's probability where one decided; 0
//! for an empty ranking). Where decisions were made on scales with
//! different lines (English and German), scores are moved onto the line of
//! the scale most of them were made on: each counts by its distance to its
//! own scale's line, and thresholds are reported on that scale. An answer
//! threshold `t` (answer = suggest = `t`, margin 0)
//! answers a query when its top score is `>= t` and hands it over otherwise;
//! the threshold is swept by `calibrate`'s sweep, not a second one.
//!
//! - `auroc`: the area under the ROC curve of that decision, in-scope queries
//!   being the positives and out-of-scope ones the negatives. It equals the
//!   probability that a random in-scope query's top score exceeds a random
//!   out-of-scope query's, ties counting half: 1 separates perfectly, 0.5 is
//!   chance, 0 is reversed.
//! - `auroc_correct`: the same with only the in-scope queries whose top-1 is
//!   the expected entry as positives, and the out-of-scope queries together
//!   with the in-scope queries whose top-1 is wrong as negatives (answering a
//!   wrong entry is as bad as answering a question no entry answers). Without
//!   out-of-scope queries it still measures how well the score tells right
//!   top-1s from wrong ones.
//! - `answered_at_90`: the highest share of in-scope queries answered
//!   correctly (top-1 is the expected entry and scores `>= t`) over the
//!   thresholds that hand over at least 0.90 of the out-of-scope queries;
//!   `threshold_at_90` and `handover_at_90` are that threshold and the share
//!   it hands over. `curve` holds the same for a few hand-over targets.
//!
//! Every figure that needs out-of-scope queries is `None` without them (not
//! 0: there is nothing to measure); `auroc_correct` is `None` when one of its
//! two classes is empty.

use serde::Serialize;

use super::Outcome;
use super::calibrate::{Point, best, points};

/// Hand-over shares at which `curve` reports an operating point.
pub const HANDOVER_TARGETS: [f64; 5] = [0.80, 0.85, 0.90, 0.95, 0.99];

/// The hand-over share `answered_at_90` requires.
const TARGET_90: f64 = 0.90;

/// One operating point: the lowest answer threshold that hands over at
/// least `handover_target` of the out-of-scope queries.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct OperatingPoint {
    /// The hand-over share required.
    pub handover_target: f64,
    /// Answer (and suggestion) threshold, margin 0, on the scale most
    /// decisions were made on (the others' lines move with it).
    pub threshold: f32,
    /// Share of in-scope queries answered with the expected entry.
    pub answered_correct: f64,
    /// Share of out-of-scope queries handed over (at least the target).
    pub handover_recall: f64,
}

/// The trade-off figures of a set of outcomes; see the module doc.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tradeoff {
    /// AUROC, in scope against out of scope, by top score.
    pub auroc: Option<f64>,
    /// AUROC, right top-1 against out of scope or wrong top-1, by top score.
    pub auroc_correct: Option<f64>,
    /// The operating point at 0.90 handed over.
    pub at_90: Option<OperatingPoint>,
    /// Operating points at `HANDOVER_TARGETS`; empty without out-of-scope queries.
    pub curve: Vec<OperatingPoint>,
}

/// The trade-off figures of `outcomes`.
pub fn tradeoff(outcomes: &[Outcome]) -> Tradeoff {
    let points = points(outcomes);
    let tops = |keep: &dyn Fn(&Point) -> bool| -> Vec<f32> {
        points.iter().filter(|p| keep(p)).map(|p| p.top).collect()
    };
    let in_scope = tops(&|p| p.correct.is_some());
    let out_of_scope = tops(&|p| p.correct.is_none());
    let right = tops(&|p| p.correct == Some(true));
    let not_right = tops(&|p| p.correct != Some(true));
    let at = |target| operating_point(&points, target);
    Tradeoff {
        auroc: auroc(&in_scope, &out_of_scope),
        auroc_correct: auroc(&right, &not_right),
        at_90: at(TARGET_90),
        curve: HANDOVER_TARGETS.iter().filter_map(|&t| at(t)).collect(),
    }
}

fn operating_point(points: &[Point], target: f64) -> Option<OperatingPoint> {
    best(points, target, &[0.0]).map(|c| OperatingPoint {
        handover_target: target,
        threshold: c.answer,
        answered_correct: c.answered_correct,
        handover_recall: c.handover_recall,
    })
}

/// The probability that a score drawn from `positives` exceeds one drawn
/// from `negatives`, ties counting half (the Mann-Whitney form of the area
/// under the ROC curve); `None` when either is empty.
pub fn auroc(positives: &[f32], negatives: &[f32]) -> Option<f64> {
    if positives.is_empty() || negatives.is_empty() {
        return None;
    }
    let mut sorted = negatives.to_vec();
    sorted.sort_by(f32::total_cmp);
    let wins: f64 = positives
        .iter()
        .map(|&s| {
            let below = sorted.partition_point(|&n| n < s);
            let not_above = sorted.partition_point(|&n| n <= s);
            below as f64 + 0.5 * (not_above - below) as f64
        })
        .sum();
    Some(wins / (positives.len() as f64 * negatives.len() as f64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::testing::ranked;

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-9)
    }

    #[test]
    fn in_scope_scores_all_above_out_of_scope_ones_give_an_auroc_of_one() {
        assert_eq!(auroc(&[0.8, 0.9], &[0.1, 0.2, 0.3]), Some(1.0));
    }

    #[test]
    fn in_scope_scores_all_below_out_of_scope_ones_give_an_auroc_of_zero() {
        assert_eq!(auroc(&[0.1, 0.2], &[0.8, 0.9]), Some(0.0));
    }

    #[test]
    fn equal_scores_count_half() {
        assert_eq!(auroc(&[0.5, 0.5], &[0.5]), Some(0.5));
        // 0.6 beats both, 0.4 ties with 0.4 and loses to 0.5: (2 + 0.5) / 4.
        assert_eq!(auroc(&[0.6, 0.4], &[0.4, 0.5]), Some(0.625));
    }

    #[test]
    fn without_out_of_scope_queries_the_trade_off_is_absent_not_zero() {
        let t = tradeoff(&[
            ranked(Some("a"), &[("a", 0.9)]),
            ranked(Some("b"), &[("a", 0.4)]),
        ]);
        assert_eq!(t.auroc, None);
        assert_eq!(t.at_90, None);
        assert!(t.curve.is_empty());
        // Right against wrong top-1 is still measured: 0.9 beats 0.4.
        assert_eq!(t.auroc_correct, Some(1.0));
    }

    #[test]
    fn answered_at_90_is_the_most_answered_while_handing_over_nine_in_ten() {
        // To hand over nine of these ten out-of-scope queries the threshold
        // must pass 0.5: the in-scope queries scoring 0.8 and 0.6 (right
        // top-1) are answered, 0.7 (wrong top-1) and 0.3 (too low) are not
        // answered correctly: 2 of 4.
        let mut outcomes: Vec<_> = [0.05, 0.1, 0.15, 0.2, 0.25, 0.35, 0.4, 0.45, 0.5, 0.95]
            .iter()
            .map(|&s| ranked(None, &[("a", s)]))
            .collect();
        outcomes.extend([
            ranked(Some("a"), &[("a", 0.8)]),
            ranked(Some("b"), &[("b", 0.6)]),
            ranked(Some("a"), &[("b", 0.7), ("a", 0.2)]),
            ranked(Some("b"), &[("b", 0.3)]),
        ]);
        let t = tradeoff(&outcomes);
        let at_90 = t.at_90.expect("out-of-scope queries exist");
        assert_eq!(at_90.answered_correct, 0.5);
        assert_eq!(at_90.handover_recall, 0.9);
        assert!(at_90.threshold > 0.5 && at_90.threshold <= 0.6, "{at_90:?}");
        // In scope 0.8, 0.6, 0.7, 0.3 against the ten: 9 + 9 + 9 + 5 wins of 40.
        assert!(close(t.auroc, 32.0 / 40.0), "{:?}", t.auroc);
        // Right top-1s 0.8, 0.6, 0.3 against the ten and the wrong 0.7:
        // 10 + 9 + 5 wins of 33.
        assert!(close(t.auroc_correct, 24.0 / 33.0), "{:?}", t.auroc_correct);
        // Handing over all ten needs a threshold above 0.95: nothing answered.
        let all = t.curve.last().expect("a point at 0.99");
        assert_eq!(all.handover_target, 0.99);
        assert_eq!((all.answered_correct, all.handover_recall), (0.0, 1.0));
        assert_eq!(t.curve.len(), HANDOVER_TARGETS.len());
    }

    #[test]
    fn decisions_on_two_scales_are_compared_by_their_distance_to_their_own_line() {
        // English decisions with their line at 0.5, German ones (a scale
        // whose scores run higher) with theirs at 0.8: on each scale every
        // in-scope score is above every out-of-scope one, but the raw
        // German miss (0.75) outscores the English hit (0.6).
        let on = |line: f32, mut o: Outcome| {
            o.decision.line = line;
            o
        };
        let outcomes = [
            on(0.5, ranked(Some("a"), &[("a", 0.6)])),
            on(0.5, ranked(Some("a"), &[("a", 0.7)])),
            on(0.5, ranked(None, &[("a", 0.3)])),
            on(0.8, ranked(Some("b"), &[("b", 0.9)])),
            on(0.8, ranked(None, &[("b", 0.75)])),
        ];
        let t = tradeoff(&outcomes);
        assert_eq!(t.auroc, Some(1.0));
        let at_90 = t.at_90.expect("out-of-scope queries exist");
        assert_eq!((at_90.answered_correct, at_90.handover_recall), (1.0, 1.0));
        // On the English line's scale (most decisions): the German miss
        // sits 0.05 below its line, at 0.45.
        assert!(
            at_90.threshold > 0.45 && at_90.threshold <= 0.6,
            "{at_90:?}"
        );
    }
}
