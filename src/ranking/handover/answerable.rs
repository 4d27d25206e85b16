//! "Answerable?": a small logistic regression over a few signals of one
//! ranking, trained per knowledge base on the samples self-calibration
//! makes (held-out listed questions whose own entry ranks first against
//! near and far misses and held-out questions ranked wrong). Its
//! probability replaces the bare top score as what the answer threshold is
//! drawn on.
//!
//! The signals are what any ranking has: the top score, its lead over the
//! runner-up, its lead over the fifth, whether the lexical ranking alone
//! puts the same entry first, the top entry's word similarity, and the
//! question's length. Each is standardised on the samples; a signal that
//! does not vary there (agreement on the lexical scale) gets no weight.

use serde::{Deserialize, Serialize};

/// How many signals the model reads.
pub const SIGNALS: usize = 6;

/// The signals of one ranking of one question.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Signals(pub [f32; SIGNALS]);

impl Signals {
    /// From a ranking, best first, as `(entry, score, words)` (the lexical
    /// word similarity of the entry's best unit, 0 where the lexical search
    /// missed it), the entry the lexical ranking alone puts first, and the
    /// question's text.
    pub fn of(ranking: &[(usize, f32, f32)], lexical_top: Option<usize>, text: &str) -> Self {
        let score = |i: usize| ranking.get(i).map_or(0.0, |r| r.1);
        let top = score(0);
        let fifth = if ranking.len() >= 2 {
            score(ranking.len().min(5) - 1)
        } else {
            0.0
        };
        let agree = match (ranking.first(), lexical_top) {
            (Some(r), Some(l)) => f32::from(r.0 == l),
            _ => 0.0,
        };
        let words = ranking.first().map_or(0.0, |r| r.2);
        let length = (1.0 + text.split_whitespace().count() as f32).ln();
        Signals([top, top - score(1), top - fifth, agree, words, length])
    }

    /// The top score.
    pub fn top(&self) -> f32 {
        self.0[0]
    }
}

/// A fitted model: per-signal mean and scale, weights and bias.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Answerability {
    mean: Vec<f32>,
    scale: Vec<f32>,
    weights: Vec<f32>,
    bias: f32,
}

/// Gradient steps of the fit.
const STEPS: usize = 400;
/// Their length.
const RATE: f32 = 0.5;
/// L2 penalty on the weights (not the bias).
const L2: f32 = 1e-3;

impl Answerability {
    /// The probability that the top entry answers the question.
    pub fn probability(&self, s: &Signals) -> f32 {
        let z: f32 = self.bias
            + s.0
                .iter()
                .zip(&self.mean)
                .zip(&self.scale)
                .zip(&self.weights)
                .map(|(((x, m), k), w)| w * (x - m) * k)
                .sum::<f32>();
        1.0 / (1.0 + (-z).exp())
    }

    /// Fits the model on `positives` (questions to answer) against
    /// `negatives` (to hand over), each class weighing the same in all;
    /// `None` when either class is empty.
    pub fn fit(positives: &[Signals], negatives: &[Signals]) -> Option<Self> {
        if positives.is_empty() || negatives.is_empty() {
            return None;
        }
        let all: Vec<(&Signals, f32, f32)> = positives
            .iter()
            .map(|s| (s, 1.0, 0.5 / positives.len() as f32))
            .chain(
                negatives
                    .iter()
                    .map(|s| (s, 0.0, 0.5 / negatives.len() as f32)),
            )
            .collect();
        let (mean, scale): (Vec<f32>, Vec<f32>) = (0..SIGNALS)
            .map(|i| {
                let m = all.iter().map(|(s, _, w)| w * s.0[i]).sum::<f32>();
                let var = all
                    .iter()
                    .map(|(s, _, w)| w * (s.0[i] - m).powi(2))
                    .sum::<f32>();
                (m, if var > 1e-10 { 1.0 / var.sqrt() } else { 0.0 })
            })
            .unzip();
        let x: Vec<[f32; SIGNALS]> = all
            .iter()
            .map(|(s, _, _)| std::array::from_fn(|i| (s.0[i] - mean[i]) * scale[i]))
            .collect();
        let mut weights = vec![0f32; SIGNALS];
        let mut bias = 0f32;
        for _ in 0..STEPS {
            let mut grad = [0f32; SIGNALS];
            let mut grad_bias = 0f32;
            for (xi, (_, y, w)) in x.iter().zip(&all) {
                let z = bias + xi.iter().zip(&weights).map(|(a, b)| a * b).sum::<f32>();
                let p = 1.0 / (1.0 + (-z).exp());
                let e = w * (p - y);
                grad.iter_mut().zip(xi).for_each(|(g, a)| *g += e * a);
                grad_bias += e;
            }
            for (w, g) in weights.iter_mut().zip(grad) {
                *w -= RATE * (g + L2 * *w);
            }
            bias -= RATE * grad_bias;
        }
        Some(Answerability {
            mean,
            scale,
            weights,
            bias,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signals(top: f32, lead: f32) -> Signals {
        Signals([top, lead, lead, 1.0, 0.5, 1.0])
    }

    #[test]
    fn the_signals_of_a_ranking_are_its_scores_leads_and_agreement() {
        let ranking = [(3, 0.8, 0.6), (1, 0.5, 0.0), (2, 0.4, 0.1)];
        let s = Signals::of(&ranking, Some(3), "my card is blocked");
        assert_eq!(s.top(), 0.8);
        assert!((s.0[1] - 0.3).abs() < 1e-6);
        // Fewer than five entries: the last one stands for the fifth.
        assert!((s.0[2] - 0.4).abs() < 1e-6);
        assert_eq!(s.0[3], 1.0);
        assert_eq!(s.0[4], 0.6);
        assert!((s.0[5] - 5f32.ln()).abs() < 1e-6);
        assert_eq!(Signals::of(&ranking, Some(1), "x").0[3], 0.0);
        assert_eq!(Signals::of(&[], None, "").top(), 0.0);
    }

    #[test]
    fn the_model_learns_that_a_clear_lead_answers_where_the_score_alone_does_not_tell() {
        // Same top scores in both classes; only the lead separates them.
        let positives: Vec<Signals> = (0..40)
            .map(|i| signals(0.5 + 0.01 * (i % 10) as f32, 0.2))
            .collect();
        let negatives: Vec<Signals> = (0..40)
            .map(|i| signals(0.5 + 0.01 * (i % 10) as f32, 0.01))
            .collect();
        let m = Answerability::fit(&positives, &negatives).unwrap();
        assert!(m.probability(&signals(0.55, 0.2)) > 0.8);
        assert!(m.probability(&signals(0.55, 0.01)) < 0.2);
        assert!(Answerability::fit(&positives, &[]).is_none());
    }
}
