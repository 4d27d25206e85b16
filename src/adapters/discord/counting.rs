//! The bot's counters, read off the actions the engine decided: answers by
//! level, tickets opened, claimed (with the time it took) and resolved.

use chrono::Utc;

use crate::engine::{Action, CardStatus};
use crate::knowledge::Kind;
use crate::metrics::Metrics;
use crate::triage::Level;

/// Counts what `actions` say happened.
pub fn count(metrics: &Metrics, actions: &[Action]) {
    for action in actions {
        match action {
            Action::Answer {
                kind: Kind::Fix, ..
            } => metrics.answered(Level::Fix),
            Action::Answer { .. } => metrics.answered(Level::Answer),
            Action::Choices { .. } => metrics.answered(Level::DidYouMean),
            Action::PostStaffCard(_) => {
                metrics.answered(Level::Handover);
                metrics.ticket_opened();
            }
            Action::UpdateStaffCard(card) => match card.status {
                CardStatus::Claimed { .. } => {
                    let waited = (Utc::now() - card.opened_at).num_milliseconds() as f64 / 1000.0;
                    metrics.ticket_claimed(waited.max(0.0));
                }
                CardStatus::Resolved { .. } => metrics.ticket_resolved(),
                CardStatus::Open => {}
            },
            _ => {}
        }
    }
}
