//! Answer quality on labelled queries: how often the right entry ranks first,
//! how often the bot hands over when no entry answers, how often it answers a
//! wrong entry or asks *did you mean* (and whether the choices hold the right
//! entry), and how long triage takes. The query format is one JSON object a
//! line: `{"text": "...", "expect": "<entry id>"}` or `"expect": null`.
//!
//! The figures at the configured thresholds are `report`'s; the trade-off
//! across thresholds (AUROC, answered correctly at 0.90 handed over, a few
//! points of the curve) is `curve`'s, defined in its module doc; calibrating
//! thresholds on such outcomes is `calibrate`'s.

mod calibrate;
mod curve;
#[cfg(test)]
mod testing;

use std::path::Path;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::brain::Brain;
use crate::ranking::fusion::Mode;
use crate::triage::{Context, Decision, Level};

pub use calibrate::{Calibration, calibrate};
pub use curve::{HANDOVER_TARGETS, OperatingPoint, Tradeoff, auroc, tradeoff};

/// One labelled query.
#[derive(Debug, Clone, Deserialize)]
pub struct LabelledQuery {
    /// What the customer wrote.
    pub text: String,
    /// The entry that answers it, or `None` when none does.
    pub expect: Option<String>,
}

/// Something wrong with the queries file.
#[derive(Debug, thiserror::Error)]
pub enum QueriesError {
    /// It could not be read.
    #[error("reading {0}")]
    Read(String, #[source] std::io::Error),
    /// A line is not a labelled query.
    #[error("{path}:{line}: not a labelled query: {source}")]
    Parse {
        /// The file.
        path: String,
        /// 1-based line.
        line: usize,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
    /// It holds no query.
    #[error("{0} holds no labelled query")]
    Empty(String),
}

/// Reads a JSONL file of labelled queries (blank lines are skipped).
pub fn read_queries(path: &Path) -> Result<Vec<LabelledQuery>, QueriesError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| QueriesError::Read(shown.clone(), e))?;
    // A byte-order mark some editors write is not part of the first line.
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let queries: Vec<LabelledQuery> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).map_err(|source| QueriesError::Parse {
                path: shown.clone(),
                line: i + 1,
                source,
            })
        })
        .collect::<Result<_, _>>()?;
    if queries.is_empty() {
        return Err(QueriesError::Empty(shown));
    }
    Ok(queries)
}

/// The figures of one evaluation run. Shares are fractions in 0..=1.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Report {
    /// The ranking evaluated.
    pub mode: Mode,
    /// All queries.
    pub queries: usize,
    /// Queries that an entry answers.
    pub in_scope: usize,
    /// Share of in-scope queries whose expected entry ranks first.
    pub top1: f64,
    /// ... ranks in the first three.
    pub top3: f64,
    /// Mean reciprocal rank of the expected entry (0 when not in the ranking).
    pub mrr: f64,
    /// Share of in-scope queries answered (fix or answer) with the expected entry.
    pub answered_correct: f64,
    /// Queries that no entry answers.
    pub out_of_scope: usize,
    /// Share of those handed to a human.
    pub handover_recall: f64,
    /// Share of in-scope queries answered (fix or answer) with another entry
    /// than the expected one: the confident wrong answer.
    pub answered_wrong: f64,
    /// Share of in-scope queries decided *did you mean*.
    pub did_you_mean: f64,
    /// Among those, the share whose offered choices hold the expected entry;
    /// `None` when no in-scope query was decided *did you mean*.
    pub did_you_mean_hit: Option<f64>,
    /// Area under the ROC of answering by top score (by its distance to its
    /// scale's line, where scales differ: see `curve`), in scope against out
    /// of scope; `None` without out-of-scope queries.
    pub auroc: Option<f64>,
    /// The same with right top-1s against out of scope and wrong top-1s;
    /// `None` when either class is empty.
    pub auroc_correct: Option<f64>,
    /// The highest share answered correctly with at least 0.90 of the
    /// out-of-scope queries handed over; `None` without out-of-scope queries.
    pub answered_at_90: Option<f64>,
    /// The answer threshold (= suggestion threshold, margin 0) reaching it,
    /// on the scale most decisions were made on (see `curve`).
    pub threshold_at_90: Option<f32>,
    /// The share of out-of-scope queries it hands over.
    pub handover_at_90: Option<f64>,
    /// Operating points at hand-over 0.80, 0.85, 0.90, 0.95 and 0.99; empty
    /// without out-of-scope queries.
    pub curve: Vec<OperatingPoint>,
    /// Median triage time in microseconds.
    pub p50_us: u64,
    /// 99th percentile triage time in microseconds.
    pub p99_us: u64,
}

/// One query's outcome, for calibration and debugging.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// The expected entry.
    pub expect: Option<String>,
    /// The decision.
    pub decision: Decision,
    /// Microseconds triage took.
    pub micros: u64,
}

/// Runs triage on every query, hybrid when the brain has a model and
/// `mode` asks for it; `progress` is called after each one.
pub fn run(
    brain: &Brain,
    queries: &[LabelledQuery],
    mode: Mode,
    mut progress: impl FnMut(),
) -> Vec<Outcome> {
    queries
        .iter()
        .map(|q| {
            let started = Instant::now();
            let decision = match mode {
                Mode::Hybrid => brain.triage(&q.text, &Context::default()),
                Mode::Lexical => brain.triage_lexical(&q.text, &Context::default()),
            };
            let micros = started.elapsed().as_micros() as u64;
            progress();
            Outcome {
                expect: q.expect.clone(),
                decision,
                micros,
            }
        })
        .collect()
}

/// The figures of `outcomes` (triaged in `mode`).
pub fn report(outcomes: &[Outcome], mode: Mode) -> Report {
    let mut r = Report {
        mode,
        queries: outcomes.len(),
        ..Report::default()
    };
    let (mut top1, mut top3, mut rr, mut answered, mut handed) =
        (0usize, 0usize, 0f64, 0usize, 0usize);
    let (mut wrong, mut dym, mut dym_hit) = (0usize, 0usize, 0usize);
    for o in outcomes {
        match &o.expect {
            Some(expect) => {
                r.in_scope += 1;
                let rank = o.decision.ranking.iter().position(|c| &c.id == expect);
                top1 += usize::from(rank == Some(0));
                top3 += usize::from(rank.is_some_and(|p| p < 3));
                rr += rank.map_or(0.0, |p| 1.0 / (p + 1) as f64);
                let top = o.decision.top();
                answered += usize::from(top.is_some_and(|c| &c.id == expect));
                wrong += usize::from(top.is_some_and(|c| &c.id != expect));
                if o.decision.level == Level::DidYouMean {
                    dym += 1;
                    dym_hit += usize::from(o.decision.chosen.iter().any(|c| &c.id == expect));
                }
            }
            None => {
                r.out_of_scope += 1;
                handed += usize::from(o.decision.level == Level::Handover);
            }
        }
    }
    let share = |n: f64, d: usize| if d == 0 { 0.0 } else { n / d as f64 };
    r.top1 = share(top1 as f64, r.in_scope);
    r.top3 = share(top3 as f64, r.in_scope);
    r.mrr = share(rr, r.in_scope);
    r.answered_correct = share(answered as f64, r.in_scope);
    r.handover_recall = share(handed as f64, r.out_of_scope);
    r.answered_wrong = share(wrong as f64, r.in_scope);
    r.did_you_mean = share(dym as f64, r.in_scope);
    r.did_you_mean_hit = (dym > 0).then(|| dym_hit as f64 / dym as f64);
    let t = tradeoff(outcomes);
    r.auroc = t.auroc;
    r.auroc_correct = t.auroc_correct;
    r.answered_at_90 = t.at_90.map(|p| p.answered_correct);
    r.threshold_at_90 = t.at_90.map(|p| p.threshold);
    r.handover_at_90 = t.at_90.map(|p| p.handover_recall);
    r.curve = t.curve;
    let mut micros: Vec<u64> = outcomes.iter().map(|o| o.micros).collect();
    r.p50_us = percentile(&mut micros, 0.50);
    r.p99_us = percentile(&mut micros, 0.99);
    r
}

/// The `p` quantile (0..=1) of `values` (sorted in place); 0 when empty.
pub fn percentile(values: &mut [u64], p: f64) -> u64 {
    if values.is_empty() {
        return 0;
    }
    values.sort_unstable();
    let rank = ((values.len() as f64 - 1.0) * p).round() as usize;
    values[rank]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_picks_the_nearest_rank() {
        let mut v = vec![5, 1, 3, 2, 4];
        assert_eq!(percentile(&mut v, 0.5), 3);
        assert_eq!(percentile(&mut v, 0.99), 5);
        assert_eq!(percentile(&mut [], 0.5), 0);
    }

    fn hand_made() -> Vec<Outcome> {
        use testing::decided;
        vec![
            decided(Some("a"), Level::Answer, &["a"], &[("a", 0.9)]),
            decided(Some("a"), Level::Answer, &["b"], &[("b", 0.8), ("a", 0.7)]),
            decided(
                Some("a"),
                Level::DidYouMean,
                &["b", "a"],
                &[("b", 0.5), ("a", 0.4)],
            ),
            decided(
                Some("b"),
                Level::DidYouMean,
                &["a", "c"],
                &[("a", 0.5), ("c", 0.4)],
            ),
            decided(Some("c"), Level::DidYouMean, &["c"], &[("c", 0.45)]),
            decided(Some("c"), Level::Handover, &[], &[("c", 0.2)]),
            decided(None, Level::Handover, &[], &[("a", 0.3)]),
            decided(None, Level::Answer, &["a"], &[("a", 0.85)]),
        ]
    }

    #[test]
    fn did_you_mean_counts_how_often_the_choices_hold_the_expected_entry() {
        let r = report(&hand_made(), Mode::Hybrid);
        assert_eq!(r.in_scope, 6);
        assert_eq!(r.did_you_mean, 0.5);
        assert_eq!(r.did_you_mean_hit, Some(2.0 / 3.0));
    }

    #[test]
    fn answering_another_entry_than_the_expected_one_counts_as_answered_wrong() {
        let r = report(&hand_made(), Mode::Hybrid);
        assert_eq!(r.answered_correct, 1.0 / 6.0);
        assert_eq!(r.answered_wrong, 1.0 / 6.0);
        assert_eq!(r.handover_recall, 0.5);
    }

    #[test]
    fn the_report_carries_the_trade_off_across_thresholds() {
        let r = report(&hand_made(), Mode::Hybrid);
        // In scope 0.9, 0.8, 0.5, 0.5, 0.45, 0.2 against 0.3 and 0.85:
        // 2 + 1 + 1 + 1 + 1 + 0 wins of 12.
        assert_eq!(r.auroc, Some(6.0 / 12.0));
        // Handing over both needs a threshold above 0.85: only 0.9 is answered.
        assert_eq!(r.answered_at_90, Some(1.0 / 6.0));
        assert_eq!(r.handover_at_90, Some(1.0));
        assert!(r.threshold_at_90.is_some_and(|t| t > 0.85 && t <= 0.9));
        assert_eq!(r.curve.len(), HANDOVER_TARGETS.len());
    }

    #[test]
    fn without_out_of_scope_queries_the_trade_off_is_null_in_json() {
        let outcomes = &hand_made()[..6];
        let json = serde_json::to_value(report(outcomes, Mode::Lexical)).unwrap();
        assert_eq!(json["auroc"], serde_json::Value::Null);
        assert_eq!(json["answered_at_90"], serde_json::Value::Null);
        assert_eq!(json["threshold_at_90"], serde_json::Value::Null);
        assert_eq!(json["curve"], serde_json::json!([]));
        assert_eq!(json["top1"], 0.5);
    }

    #[test]
    fn without_any_did_you_mean_its_hit_rate_is_null() {
        let r = report(&hand_made()[..2], Mode::Lexical);
        assert_eq!(r.did_you_mean, 0.0);
        assert_eq!(r.did_you_mean_hit, None);
    }
}

/// Index build and triage latency figures.
#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    /// Entries in the knowledge.
    pub entries: usize,
    /// Indexed units.
    pub units: usize,
    /// Whether builds embedded the knowledge.
    pub mode: Mode,
    /// The build before the timed ones (cold when the embedding cache was empty), milliseconds.
    pub build_first_ms: u64,
    /// Fastest index build, milliseconds.
    pub build_min_ms: u64,
    /// Median index build, milliseconds.
    pub build_median_ms: u64,
    /// Queries triaged.
    pub queries: usize,
    /// Median triage time, microseconds.
    pub p50_us: u64,
    /// 99th percentile, microseconds.
    pub p99_us: u64,
    /// Slowest, microseconds.
    pub max_us: u64,
}

/// Rebuilds `brain`'s index `builds` times and triages every query once.
pub fn bench(
    brain: Brain,
    queries: &[LabelledQuery],
    builds: usize,
) -> Result<BenchReport, crate::index::IndexError> {
    let settings = brain.settings().clone();
    let knowledge = brain.knowledge().clone();
    let model = brain.semantic_model();
    let first_ms = brain.build_time.as_millis() as u64;
    drop(brain);
    let mut build_ms = Vec::new();
    let mut latest = None;
    for _ in 0..builds.max(1) {
        let b = Brain::new(knowledge.clone(), settings.clone(), model.clone())?;
        build_ms.push(b.build_time.as_millis() as u64);
        latest = Some(b);
    }
    let brain = latest.expect("at least one build");
    // One untimed pass warms caches the way a running bot's would be.
    for q in queries.iter().take(100) {
        brain.triage(&q.text, &Context::default());
    }
    let mut micros: Vec<u64> = run(&brain, queries, Mode::Hybrid, || {})
        .iter()
        .map(|o| o.micros)
        .collect();
    Ok(BenchReport {
        mode: if model.is_some() {
            Mode::Hybrid
        } else {
            Mode::Lexical
        },
        build_first_ms: first_ms,
        entries: brain.knowledge().entries().len(),
        units: brain.index().unit_count(),
        build_min_ms: *build_ms.iter().min().unwrap_or(&0),
        build_median_ms: percentile(&mut build_ms, 0.5),
        queries: micros.len(),
        p50_us: percentile(&mut micros, 0.5),
        p99_us: percentile(&mut micros, 0.99),
        max_us: micros.iter().copied().max().unwrap_or(0),
    })
}
