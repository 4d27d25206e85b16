//! Hand-made outcomes for the unit tests of `eval`: a ranking with scores,
//! a level and the chosen entries, without running triage.

use super::Outcome;
use crate::index::Part;
use crate::knowledge::{Kind, Lang};
use crate::ranking::Candidate;
use crate::ranking::fusion::Mode;
use crate::triage::{Decision, Level, Why};

fn candidate(id: &str, score: f32) -> Candidate {
    Candidate {
        id: id.to_string(),
        entry: 0,
        title: id.to_string(),
        kind: Kind::Faq,
        lang: Lang::En,
        score,
        part: Part::Question,
        matched_terms: Vec::new(),
        words: 0.0,
        offset: 0.0,
        lift: 0.0,
    }
}

/// An outcome decided `level` with `chosen` (ids among `ranking`).
pub fn decided(
    expect: Option<&str>,
    level: Level,
    chosen: &[&str],
    ranking: &[(&str, f32)],
) -> Outcome {
    let ranking: Vec<Candidate> = ranking.iter().map(|&(id, s)| candidate(id, s)).collect();
    let chosen = chosen
        .iter()
        .map(|id| {
            ranking
                .iter()
                .find(|c| &c.id == id)
                .cloned()
                .unwrap_or_else(|| candidate(id, 0.0))
        })
        .collect();
    Outcome {
        expect: expect.map(String::from),
        decision: Decision {
            level,
            lang: Lang::En,
            mode: Mode::Hybrid,
            confidence: ranking.first().map_or(0.0, |c| c.score),
            answerable: None,
            line: 0.5,
            chosen,
            ranking,
            why: Why::default(),
        },
        micros: 0,
    }
}

/// An outcome handed over with `ranking`: only the scores matter.
pub fn ranked(expect: Option<&str>, ranking: &[(&str, f32)]) -> Outcome {
    decided(expect, Level::Handover, &[], ranking)
}
