//! `frontline eval --faq DIR --queries FILE`: answer quality on labelled queries.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use indicatif::{ProgressBar, ProgressStyle};

use crate::eval::{read_queries, report, run as run_eval};
use crate::settings::Settings;

/// Arguments of `eval`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The FAQ directory to answer from.
    #[arg(long)]
    pub faq: Option<PathBuf>,
    /// Labelled queries, one JSON object a line.
    #[arg(long)]
    pub queries: PathBuf,
    /// End with one JSON line of the figures.
    #[arg(long)]
    pub json: bool,
    /// Write every query's decision as JSON lines to this file.
    #[arg(long)]
    pub dump: Option<PathBuf>,
}

pub fn run(settings: &Settings, args: Args) -> anyhow::Result<ExitCode> {
    let brain = super::load_brain(settings, args.faq)?;
    let queries = read_queries(&args.queries)?;
    let bar = ProgressBar::new(queries.len() as u64).with_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} queries {elapsed}")
            .expect("valid template"),
    );
    let outcomes = run_eval(&brain, &queries, || bar.inc(1));
    bar.finish_and_clear();
    if let Some(path) = &args.dump {
        let mut file = std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
        );
        for o in &outcomes {
            serde_json::to_writer(&mut file, o)?;
            writeln!(file)?;
        }
    }
    let r = report(&outcomes);
    println!(
        "{} queries ({} in scope, {} out of scope), index of {} entries built in {} ms",
        r.queries,
        r.in_scope,
        r.out_of_scope,
        brain.knowledge().entries().len(),
        brain.build_time.as_millis()
    );
    println!("top-1 {:.3}  top-3 {:.3}  MRR {:.3}", r.top1, r.top3, r.mrr);
    println!(
        "answered correctly at the thresholds: {:.3}; out of scope handed over: {:.3}",
        r.answered_correct, r.handover_recall
    );
    println!("triage latency p50 {} µs, p99 {} µs", r.p50_us, r.p99_us);
    if args.json {
        println!("{}", serde_json::to_string(&r)?);
    }
    Ok(ExitCode::SUCCESS)
}
