//! `frontline eval --faq DIR --queries FILE`: answer quality on labelled
//! queries, lexical and (with a model) hybrid, one JSON line each with `--json`.
//!
//! Per mode it prints the figures at the configured thresholds (top-1, top-3,
//! MRR, answered correctly, answered wrong, handed over, *did you mean* and
//! how often its choices hold the expected entry), then the trade-off across
//! answer thresholds when out-of-scope queries exist: the AUROC of answering
//! by top score and one line per hand-over target (0.80 … 0.99) with the
//! threshold and the share answered correctly there. The figures themselves
//! are defined in `crate::eval` (and its `curve` module).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use indicatif::{ProgressBar, ProgressStyle};

use crate::cli::settings::Settings;
use crate::eval::{Outcome, Report, calibrate, read_queries, report, run as run_eval};
use crate::ranking::fusion::Mode;

/// Arguments of `eval`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The FAQ directory to answer from.
    #[arg(long)]
    pub faq: Option<PathBuf>,
    /// Labelled queries, one JSON object a line.
    #[arg(long)]
    pub queries: PathBuf,
    /// End with one JSON line of the figures per mode: the existing keys
    /// (top1, top3, mrr, answered_correct, handover_recall, …) and
    /// answered_wrong, did_you_mean, did_you_mean_hit, auroc, auroc_correct,
    /// answered_at_90, threshold_at_90, handover_at_90 and curve (null or
    /// empty when the queries have no out-of-scope line).
    #[arg(long)]
    pub json: bool,
    /// Write every query's decision as JSON lines to this file (the hybrid
    /// run's to the same name with `.hybrid` before the extension).
    #[arg(long)]
    pub dump: Option<PathBuf>,
    /// Print the thresholds that answer the most in-scope queries correctly
    /// while handing over at least this share of out-of-scope ones.
    #[arg(long, value_parser = share)]
    pub calibrate: Option<f64>,
}

/// A share in (0, 1].
fn share(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v > 0.0 && v <= 1.0 => Ok(v),
        _ => Err(format!(
            "`{s}` is not a share between 0 and 1 (0.9 for 90 %)"
        )),
    }
}

pub fn run(settings: &Settings, args: Args) -> anyhow::Result<ExitCode> {
    let brain = super::load_brain(settings, args.faq)?;
    let queries = read_queries(&args.queries)?;
    // An expected id the FAQ does not have would count as a wrong answer
    // every time: a typo or a queries file written for another FAQ.
    let expected: std::collections::BTreeSet<&str> =
        queries.iter().filter_map(|q| q.expect.as_deref()).collect();
    let unknown: Vec<&str> = expected
        .into_iter()
        .filter(|id| brain.knowledge().position(id).is_none())
        .collect();
    if !unknown.is_empty() {
        let shown: Vec<&str> = unknown.iter().take(5).copied().collect();
        anyhow::bail!(
            "{}: {} expected entr{} not in the FAQ: {}{}",
            args.queries.display(),
            unknown.len(),
            if unknown.len() == 1 {
                "y is"
            } else {
                "ies are"
            },
            shown.join(", "),
            if unknown.len() > shown.len() {
                ", …"
            } else {
                ""
            }
        );
    }
    println!("{}", super::ranking_line(&brain));
    println!(
        "{} queries, index of {} entries built in {} ms",
        queries.len(),
        brain.knowledge().entries().len(),
        brain.build_time.as_millis()
    );
    let calibration = brain.calibration();
    for line in calibration.lines() {
        println!("self-calibrated {line}");
    }
    if brain.settings().handover.calibrate {
        println!(
            "self-calibration took {} ms{}",
            calibration.elapsed.as_millis(),
            if calibration.cached { " (cached)" } else { "" }
        );
    }
    let mut modes = vec![Mode::Lexical];
    if brain.semantic().is_some() {
        modes.push(Mode::Hybrid);
    }
    let mut json_lines = Vec::new();
    for mode in modes {
        let bar = ProgressBar::new(queries.len() as u64).with_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} queries {elapsed}")
                .expect("valid template"),
        );
        let outcomes = run_eval(&brain, &queries, mode, || bar.inc(1));
        bar.finish_and_clear();
        if let Some(path) = &args.dump {
            let path = dump_path(path, mode);
            dump(&path, &outcomes)?;
        }
        let r = report(&outcomes, mode);
        print_report(&r);
        if let Some(recall) = args.calibrate {
            match calibrate(&outcomes, recall) {
                Some(c) => println!(
                    "  calibrated for hand-over >= {recall}: answer = suggest = {:.3}, margin {:.2}: answered correctly {:.3}, handed over {:.3}",
                    c.answer, c.margin, c.answered_correct, c.handover_recall
                ),
                None => println!("  no out-of-scope queries: nothing to calibrate"),
            }
        }
        json_lines.push(serde_json::to_string(&r)?);
    }
    if args.json {
        for line in json_lines {
            println!("{line}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_report(r: &Report) {
    let mode = match r.mode {
        Mode::Lexical => "lexical",
        Mode::Hybrid => "hybrid",
    };
    println!(
        "{mode}: {} in scope, {} out of scope",
        r.in_scope, r.out_of_scope
    );
    println!(
        "  top-1 {:.3}  top-3 {:.3}  MRR {:.3}",
        r.top1, r.top3, r.mrr
    );
    println!(
        "  answered correctly at the thresholds: {:.3}; out of scope handed over: {:.3}",
        r.answered_correct, r.handover_recall
    );
    println!(
        "  answered wrong: {:.3}; did you mean: {:.3}, its choices holding the expected entry: {}",
        r.answered_wrong,
        r.did_you_mean,
        r.did_you_mean_hit
            .map_or("-".to_string(), |h| format!("{h:.3}"))
    );
    print_tradeoff(r);
    println!("  triage latency p50 {} µs, p99 {} µs", r.p50_us, r.p99_us);
}

/// AUROC and one line per hand-over target, when out-of-scope queries exist.
fn print_tradeoff(r: &Report) {
    if let Some(auroc) = r.auroc {
        let correct = r
            .auroc_correct
            .map_or("-".to_string(), |a| format!("{a:.3}"));
        println!("  AUROC of answering by top score: {auroc:.3} (right top-1 only: {correct})");
    } else if let Some(a) = r.auroc_correct {
        println!("  no out-of-scope queries; AUROC of right against wrong top-1: {a:.3}");
    }
    for p in &r.curve {
        println!(
            "  hand-over >= {:.2}: answer = suggest = {:.3}: answered correctly {:.3}, handed over {:.3}",
            p.handover_target, p.threshold, p.answered_correct, p.handover_recall
        );
    }
}

/// `dump.jsonl` for the lexical run, `dump.hybrid.jsonl` for the hybrid one.
fn dump_path(path: &Path, mode: Mode) -> PathBuf {
    match mode {
        Mode::Lexical => path.to_path_buf(),
        Mode::Hybrid => path.with_extension(match path.extension() {
            Some(ext) => format!("hybrid.{}", ext.to_string_lossy()),
            None => "hybrid".to_string(),
        }),
    }
}

fn dump(path: &Path, outcomes: &[Outcome]) -> anyhow::Result<()> {
    let mut file = std::io::BufWriter::new(
        std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
    );
    for o in outcomes {
        serde_json::to_writer(&mut file, o)?;
        writeln!(file)?;
    }
    Ok(())
}
