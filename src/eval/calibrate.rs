//! Threshold calibration on labelled outcomes: the answer threshold (also
//! the suggestion threshold, so everything below it is handed over) and the
//! margin that answer the most in-scope queries correctly while handing over
//! at least a required share of the out-of-scope ones. The thresholds
//! concern the whole score distribution, never single queries. The same
//! sweep (margin 0) gives the operating points of the trade-off curve that
//! `curve` reports.

use serde::Serialize;

use super::Outcome;

/// Margins tried (lead of the best match over the runner-up).
const MARGINS: [f32; 5] = [0.0, 0.01, 0.02, 0.05, 0.1];

/// Chosen thresholds and what they achieve on the outcomes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Calibration {
    /// Answer (and suggestion) threshold.
    pub answer: f32,
    /// Required lead over the runner-up.
    pub margin: f32,
    /// Share of in-scope queries answered with the expected entry.
    pub answered_correct: f64,
    /// Share of out-of-scope queries handed over.
    pub handover_recall: f64,
}

/// What one outcome contributes: its best score, its lead, and whether the
/// best entry is the expected one (`None` when out of scope).
pub(super) struct Point {
    /// The best score (0 for an empty ranking).
    pub(super) top: f32,
    /// The best score's lead over the runner-up.
    pub(super) lead: f32,
    /// Whether the best entry is the expected one; `None` out of scope.
    pub(super) correct: Option<bool>,
}

/// The thresholds that answer the most in-scope queries correctly while
/// handing over at least `min_handover` of the out-of-scope ones; `None`
/// without out-of-scope queries (nothing to calibrate hand-over on).
pub fn calibrate(outcomes: &[Outcome], min_handover: f64) -> Option<Calibration> {
    best(&points(outcomes), min_handover, &MARGINS)
}

/// What each outcome contributes to calibration. Decisions made on
/// different scales (each with a line of its own) are put on the scale
/// most of them were made on: a score counts by its distance to its own
/// scale's line, so one threshold moves every scale's line alike. With one
/// scale the scores are as ranked.
pub(super) fn points(outcomes: &[Outcome]) -> Vec<Point> {
    let reference = most_common_line(outcomes);
    outcomes
        .iter()
        .map(|o| {
            let mut p = point(o);
            if !o.decision.ranking.is_empty() {
                p.top += reference - o.decision.line;
            }
            p
        })
        .collect()
}

/// The line most decisions were held to (the first of equals), 0 for none.
fn most_common_line(outcomes: &[Outcome]) -> f32 {
    let mut counts: Vec<(u32, usize)> = Vec::new();
    for o in outcomes {
        let bits = o.decision.line.to_bits();
        match counts.iter_mut().find(|(b, _)| *b == bits) {
            Some((_, n)) => *n += 1,
            None => counts.push((bits, 1)),
        }
    }
    let most = counts.iter().map(|(_, n)| *n).max().unwrap_or(0);
    counts
        .iter()
        .find(|(_, n)| *n == most)
        .map_or(0.0, |(b, _)| f32::from_bits(*b))
}

/// The sweep behind `calibrate`: every answer threshold just above an
/// out-of-scope score (and 0), with each of `margins`; of those that hand
/// over at least `min_handover`, the one answering the most in-scope
/// queries correctly (the higher threshold on a tie).
pub(super) fn best(points: &[Point], min_handover: f64, margins: &[f32]) -> Option<Calibration> {
    let out_of_scope: Vec<f32> = points
        .iter()
        .filter(|p| p.correct.is_none())
        .map(|p| p.top)
        .collect();
    if out_of_scope.is_empty() {
        return None;
    }
    let mut candidates: Vec<f32> = out_of_scope.iter().map(|s| s.next_up()).collect();
    candidates.push(0.0);
    let mut best: Option<Calibration> = None;
    for &answer in &candidates {
        for &margin in margins {
            let c = evaluate(points, answer, margin);
            if c.handover_recall < min_handover {
                continue;
            }
            if best.is_none_or(|b| {
                c.answered_correct > b.answered_correct
                    || (c.answered_correct == b.answered_correct && c.answer > b.answer)
            }) {
                best = Some(c);
            }
        }
    }
    best
}

/// An outcome's score is its top candidate's, or the "answerable?"
/// model's probability where a model decided.
fn point(o: &Outcome) -> Point {
    let top = o.decision.ranking.first();
    let runner_up = o.decision.ranking.get(1).map_or(0.0, |c| c.score);
    Point {
        top: o
            .decision
            .answerable
            .unwrap_or_else(|| top.map_or(0.0, |c| c.decisive())),
        lead: top.map_or(0.0, |c| c.score - runner_up),
        correct: o.expect.as_ref().map(|e| top.is_some_and(|c| &c.id == e)),
    }
}

fn evaluate(points: &[Point], answer: f32, margin: f32) -> Calibration {
    let (mut inside, mut right, mut outside, mut handed) = (0usize, 0usize, 0usize, 0usize);
    for p in points {
        let answered = p.top >= answer && p.lead >= margin;
        match p.correct {
            Some(correct) => {
                inside += 1;
                right += usize::from(answered && correct);
            }
            None => {
                outside += 1;
                handed += usize::from(p.top < answer);
            }
        }
    }
    let share = |n: usize, d: usize| if d == 0 { 0.0 } else { n as f64 / d as f64 };
    Calibration {
        answer,
        margin,
        answered_correct: share(right, inside),
        handover_recall: share(handed, outside),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::testing::ranked as outcome;

    #[test]
    fn the_threshold_sits_just_above_the_out_of_scope_scores_it_must_hand_over() {
        let outcomes = [
            outcome(Some("a"), &[("a", 0.9), ("b", 0.2)]),
            outcome(Some("b"), &[("b", 0.6), ("a", 0.1)]),
            outcome(Some("a"), &[("b", 0.5), ("a", 0.4)]),
            outcome(None, &[("a", 0.45), ("b", 0.1)]),
            outcome(None, &[("b", 0.3), ("a", 0.1)]),
        ];
        let c = calibrate(&outcomes, 1.0).expect("out-of-scope queries exist");
        assert_eq!(c.handover_recall, 1.0);
        assert!(c.answer > 0.45 && c.answer <= 0.6, "{c:?}");
        assert!((c.answered_correct - 2.0 / 3.0).abs() < 1e-9);
    }

    #[test]
    fn a_lower_hand_over_target_answers_more() {
        let outcomes = [
            outcome(Some("a"), &[("a", 0.9)]),
            outcome(Some("b"), &[("b", 0.4)]),
            outcome(None, &[("a", 0.5)]),
            outcome(None, &[("a", 0.2)]),
        ];
        let strict = calibrate(&outcomes, 1.0).expect("calibrated");
        let lenient = calibrate(&outcomes, 0.5).expect("calibrated");
        assert_eq!(strict.answered_correct, 0.5);
        assert_eq!(lenient.answered_correct, 1.0);
        assert!(lenient.answer <= 0.4);
    }

    #[test]
    fn without_out_of_scope_queries_there_is_nothing_to_calibrate() {
        assert_eq!(calibrate(&[outcome(Some("a"), &[("a", 0.9)])], 0.9), None);
    }
}
