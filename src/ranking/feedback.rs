//! Customers' feedback on answers as a mild prior on ranking: entries that
//! customers marked *Solved* rise a little, entries marked *Not what I asked*
//! sink a little. The store collects the clicks; this module only turns
//! per-entry counts into a bounded factor, so that no number of clicks can
//! move a score by more than `cap`, and a handful of clicks barely moves it.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

/// Feedback on one entry. The store should count distinct customers (one
/// vote per customer and entry), so that one customer's repeated clicks
/// count once.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryFeedback {
    /// Customers who marked an answer from this entry *Solved*.
    pub solved: u32,
    /// Customers who said *Not what I asked* to it.
    pub not_what_i_asked: u32,
}

/// How much feedback may move a score.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct FeedbackSettings {
    /// Largest relative change of a score (0.05: at most ±5 %).
    pub cap: f32,
    /// Votes at which an entry's feedback has half its full effect.
    pub half_weight_votes: f32,
}

impl Default for FeedbackSettings {
    fn default() -> Self {
        FeedbackSettings {
            cap: 0.05,
            half_weight_votes: 20.0,
        }
    }
}

/// Feedback counts by entry id: a snapshot the engine hands to triage.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FeedbackPrior {
    counts: HashMap<String, EntryFeedback>,
    settings: FeedbackSettings,
}

impl FeedbackPrior {
    /// The prior from `counts`, bounded by `settings`.
    pub fn new(
        counts: impl IntoIterator<Item = (String, EntryFeedback)>,
        settings: FeedbackSettings,
    ) -> Self {
        FeedbackPrior {
            counts: counts.into_iter().collect(),
            settings,
        }
    }

    /// The factor an entry's score is multiplied by, within `1 ± cap`.
    pub fn factor(&self, entry_id: &str) -> f32 {
        let Some(c) = self.counts.get(entry_id) else {
            return 1.0;
        };
        let votes = (c.solved + c.not_what_i_asked) as f32;
        if votes == 0.0 {
            return 1.0;
        }
        // Laplace-smoothed share of Solved, from -1 (all rejected) to 1.
        let lean = 2.0 * (c.solved as f32 + 1.0) / (votes + 2.0) - 1.0;
        let weight = votes / (votes + self.settings.half_weight_votes.max(0.0));
        let cap = self.settings.cap.clamp(0.0, 1.0);
        1.0 + cap * lean * weight
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feedback(solved: u32, not_what_i_asked: u32) -> FeedbackPrior {
        FeedbackPrior::new(
            [(
                "vpn".to_string(),
                EntryFeedback {
                    solved,
                    not_what_i_asked,
                },
            )],
            FeedbackSettings::default(),
        )
    }

    #[test]
    fn entries_without_feedback_keep_their_score() {
        assert_eq!(feedback(3, 1).factor("printer"), 1.0);
        assert_eq!(feedback(0, 0).factor("vpn"), 1.0);
    }

    #[test]
    fn solved_lifts_and_not_what_i_asked_lowers() {
        assert!(feedback(30, 2).factor("vpn") > 1.0);
        assert!(feedback(2, 30).factor("vpn") < 1.0);
    }

    #[test]
    fn one_customer_moves_a_score_by_less_than_half_a_percent() {
        let f = feedback(0, 1).factor("vpn");
        assert!(f < 1.0 && f > 0.995, "{f}");
    }

    #[test]
    fn no_number_of_clicks_moves_a_score_past_the_cap() {
        let cap = FeedbackSettings::default().cap;
        assert!(feedback(0, u32::MAX / 2).factor("vpn") >= 1.0 - cap);
        assert!(feedback(u32::MAX / 2, 0).factor("vpn") <= 1.0 + cap);
    }
}
