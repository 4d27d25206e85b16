//! `frontline bench`: index build time and triage latency on a corpus.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::cli::settings::Settings;
use crate::eval::{LabelledQuery, bench, read_queries};

/// Arguments of `bench`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The FAQ directory (default: the configured one).
    #[arg(long)]
    pub faq: Option<PathBuf>,
    /// Queries to triage (default: every entry's title and questions).
    #[arg(long)]
    pub queries: Option<PathBuf>,
    /// How many times to build the index.
    #[arg(long, default_value_t = 5)]
    pub builds: usize,
}

pub fn run(settings: &Settings, args: Args) -> anyhow::Result<ExitCode> {
    let brain = super::load_brain(settings, args.faq.clone())?;
    println!("{}", super::ranking_line(&brain));
    let queries: Vec<LabelledQuery> = match &args.queries {
        Some(path) => read_queries(path)?,
        None => brain
            .knowledge()
            .entries()
            .iter()
            .flat_map(|e| std::iter::once(&e.title).chain(&e.questions))
            .map(|t| LabelledQuery {
                text: t.clone(),
                expect: None,
            })
            .collect(),
    };
    let result = bench(brain, &queries, args.builds)?;
    println!(
        "index ({:?}): {} entries, {} units; first build {} ms; rebuild min {} ms, median {} ms over {} builds",
        result.mode,
        result.entries,
        result.units,
        result.build_first_ms,
        result.build_min_ms,
        result.build_median_ms,
        args.builds
    );
    println!(
        "triage: {} queries; p50 {} µs, p99 {} µs, max {} µs",
        result.queries, result.p50_us, result.p99_us, result.max_us
    );
    println!("{}", serde_json::to_string(&result)?);
    Ok(ExitCode::SUCCESS)
}
