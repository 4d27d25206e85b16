//! The `frontline` command line: one file per command. Commands parse their
//! arguments, call into the library and print; they hold no rules of their own.

mod ask;
mod bench;
mod chat;
mod check;
mod draft_fix;
mod eval;
mod gaps;
mod models;
mod notices;
mod run;
pub mod settings;
mod staff;
mod stats;
mod tickets;
mod web;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use clap::{Parser, Subcommand};

use crate::brain::Brain;
use crate::cli::settings::Settings;
use crate::semantic::Semantic;

/// The front line of your support: FAQ answers, documented fixes and tickets.
#[derive(Debug, Parser)]
#[command(name = "frontline", version, about)]
pub struct Cli {
    /// Settings file (TOML). Default: ./frontline.toml if it exists.
    #[arg(long, global = true, env = "FRONTLINE_CONFIG")]
    pub config: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Lint an FAQ directory: errors and warnings with file and line.
    Check(check::Args),
    /// One triage decision for a question, with its scores.
    Ask(ask::Args),
    /// Talk to the bot in the terminal: the whole bot, tickets included.
    Chat(chat::Args),
    /// The staff desk in the terminal: claim, reply to and resolve tickets.
    Staff(staff::Args),
    /// List tickets or show one with its transcript.
    Tickets(tickets::Args),
    /// Answers given, deflection rate, tickets and response times.
    Stats(stats::Args),
    /// Questions the FAQ could not answer, grouped: what to write next.
    Gaps(gaps::Args),
    /// Maintenance windows and outage notices: from files and published by
    /// staff, active, planned and ended.
    Notices(notices::Args),
    /// Draft a documented fix (faq/fixes/) from a resolved ticket.
    DraftFix(draft_fix::Args),
    /// Answer quality on labelled queries, at the thresholds and across them
    /// (AUROC, answered correctly at 0.90 handed over).
    Eval(eval::Args),
    /// Index build time and triage latency.
    Bench(bench::Args),
    /// The Discord bot (token from DISCORD_TOKEN).
    Run(run::Args),
    /// The sentence encoders: fetch the missing ones, or show where each is.
    Models(models::Args),
    /// The staff desk in a browser: tickets, transcripts, numbers, the FAQ's health.
    Web(web::Args),
    /// A one-time sign-in link to the staff desk in a browser.
    WebLogin(web::LoginArgs),
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let settings = Settings::load(cli.config.as_deref()).context("loading settings")?;
    match cli.command {
        Command::Check(args) => check::run(&settings, args),
        Command::Ask(args) => ask::run(&settings, args),
        Command::Chat(args) => chat::run(&settings, args),
        Command::Staff(args) => staff::run(&settings, args),
        Command::Tickets(args) => tickets::run(&settings, args),
        Command::Stats(args) => stats::run(&settings, args),
        Command::Gaps(args) => gaps::run(&settings, args),
        Command::Notices(args) => notices::run(&settings, args),
        Command::DraftFix(args) => draft_fix::run(&settings, args),
        Command::Eval(args) => eval::run(&settings, args),
        Command::Bench(args) => bench::run(&settings, args),
        Command::Run(args) => run::run(&settings, args),
        Command::Models(args) => models::run(&settings, args),
        Command::Web(args) => web::run(&settings, args),
        Command::WebLogin(args) => web::login(&settings, args),
    }
}

/// Loads the sentence-embedding model: the configured one, else the one in
/// the models directory, fetched first if missing (and fetching is on).
/// Without one (or when it cannot be loaded) the bot ranks lexically and
/// says so in one line.
fn load_model(settings: &Settings) -> Option<Arc<Semantic>> {
    let prepared = crate::models::prepare(&settings.semantic, &settings.models);
    if let Some(notice) = &prepared.notice {
        eprintln!("{notice}");
    }
    let semantic = prepared.semantic;
    let Some(dir) = semantic.model_dir() else {
        if prepared.notice.is_none() {
            tracing::info!("model_dir is \"\": ranking lexically only");
        }
        return None;
    };
    if !dir.join("model.safetensors").exists() {
        tracing::warn!(
            dir = %dir.display(),
            "model directory missing or incomplete (see `frontline models status`): ranking lexically only"
        );
        return None;
    }
    match Semantic::load_from(dir, &semantic) {
        Ok(model) => Some(Arc::new(model)),
        Err(e) => {
            tracing::warn!(error = %e, dir = %dir.display(), "model not usable: ranking lexically only");
            None
        }
    }
}

/// One line saying how the brain ranks, for the start of a command's output.
fn ranking_line(brain: &Brain) -> String {
    match brain.semantic() {
        Some((model, index)) => format!(
            "ranking: hybrid (lexical + semantic model {} [{}]{} for {}{}; {} texts embedded, {} new)",
            model.dir.display(),
            model.encoder.id(),
            match (&model.companion, index.companion_stats) {
                (Some(c), Some(stats)) => format!(
                    " with companion {} [{}], {} new",
                    c.dir.display(),
                    c.id(),
                    stats.computed
                ),
                (Some(_), None) => " without companion (it failed; see the log)".to_string(),
                (None, _) => " without companion (FRONTLINE_COMPANION_DIR)".to_string(),
            },
            model
                .langs
                .iter()
                .map(|l| l.code())
                .collect::<Vec<_>>()
                .join(", "),
            match (model.multilingual_loaded(), index.multilingual_stats) {
                (Some(m), Some(stats)) => format!(
                    " + multilingual {} [{}] for {}, {} new",
                    m.dir.display(),
                    m.id(),
                    m.langs
                        .iter()
                        .map(|l| l.code())
                        .collect::<Vec<_>>()
                        .join(", "),
                    stats.computed
                ),
                _ if !model.multilingual_configured() => String::new(),
                _ if !brain
                    .knowledge()
                    .langs()
                    .iter()
                    .any(|&l| model.multilingual_would_rank(l)) =>
                {
                    " (multilingual encoder not loaded: no entry in a language it ranks)"
                        .to_string()
                }
                _ => " without the multilingual encoder (it failed; see the log)".to_string(),
            },
            index.stats.texts,
            index.stats.computed
        ),
        None => {
            "ranking: lexical only (no semantic model; see `frontline models status`)".to_string()
        }
    }
}

/// Loads the brain for a command, printing the findings if the FAQ has errors.
fn load_brain(settings: &Settings, dir: Option<PathBuf>) -> anyhow::Result<Brain> {
    let dir = dir.unwrap_or_else(|| settings.faq_dir.clone());
    // Loaded first: fetching a missing model draws progress of its own.
    let model = load_model(settings);
    match preparing(&dir, model.is_some(), || {
        Brain::load(&dir, settings.brain(), model)
    }) {
        Ok((brain, _warnings)) => Ok(brain),
        Err(e) => Err(brain_error(e, &dir)),
    }
}

/// Starts the live brain (reloaded as the FAQ changes) for a long-running command.
fn start_brain(
    settings: &Settings,
    dir: Option<PathBuf>,
) -> anyhow::Result<Arc<crate::brain::LiveBrain>> {
    let dir = dir.unwrap_or_else(|| settings.faq_dir.clone());
    // Loaded first: fetching a missing model draws progress of its own.
    let model = load_model(settings);
    match preparing(&dir, model.is_some(), || {
        crate::brain::LiveBrain::start(&dir, settings.brain(), model)
    }) {
        Ok((brain, _warnings)) => Ok(Arc::new(brain)),
        Err(e) => Err(brain_error(e, &dir)),
    }
}

/// Runs `build` (loading the FAQ in `dir` and building its index) under a
/// spinner on a terminal, drawn once it has taken a second: a first start,
/// or the first after the FAQ or a model changed, adapts the model and
/// calibrates the hand-over, which takes a minute or so on two cores;
/// later starts read the cache. Nothing is drawn when standard error is not
/// a terminal, nor when info lines are logged there (they would break it).
fn preparing<T>(dir: &std::path::Path, model: bool, build: impl FnOnce() -> T) -> T {
    use indicatif::{ProgressBar, ProgressDrawTarget, ProgressFinish, ProgressStyle};
    if tracing::enabled!(tracing::Level::INFO) {
        return build();
    }
    let spinner = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden())
        .with_style(
            ProgressStyle::with_template("{spinner} {elapsed:>3} {wide_msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        )
        .with_finish(ProgressFinish::AndClear);
    let dir = crate::terminal::terminal_safe(&dir.display().to_string()).into_owned();
    spinner.set_message(if model {
        format!("indexing {dir}: adapting the model and calibrating the hand-over")
    } else {
        format!("indexing {dir}")
    });
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    let shown = spinner.clone();
    std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_secs(1));
        if !shown.is_finished() {
            shown.set_draw_target(ProgressDrawTarget::stderr());
        }
    });
    let built = build();
    spinner.finish_and_clear();
    built
}

/// Runs an async command body on a fresh runtime.
fn block_on<T>(body: impl std::future::Future<Output = anyhow::Result<T>>) -> anyhow::Result<T> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?
        .block_on(body)
}

/// Connects to the configured database and migrates it.
async fn open_store(settings: &Settings) -> anyhow::Result<Arc<crate::store::SqlStore>> {
    let store = crate::store::connect(&settings.database_url)
        .await
        .with_context(|| format!("opening the database {}", redact(&settings.database_url)))?;
    Ok(Arc::new(store))
}

/// The engine over `brain` and `store`, with the settings' rules and the
/// customers' feedback recorded so far as its ranking prior.
async fn start_engine(
    brain: Arc<crate::brain::LiveBrain>,
    store: Arc<crate::store::SqlStore>,
    settings: &Settings,
) -> anyhow::Result<crate::engine::Engine> {
    let engine = crate::engine::Engine::new(brain, store, settings.engine.clone())
        .with_feedback_settings(settings.feedback.clone());
    engine
        .refresh_feedback()
        .await
        .context("reading customers' feedback from the database")?;
    Ok(engine)
}

/// A database URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// Whether stdin is a person at a terminal.
fn interactive() -> bool {
    std::io::IsTerminal::is_terminal(&std::io::stdin())
}

fn brain_error(e: crate::brain::BrainError, dir: &std::path::Path) -> anyhow::Error {
    match e {
        crate::brain::BrainError::Invalid { errors, dir } => {
            let color = std::io::IsTerminal::is_terminal(&std::io::stderr());
            for d in errors.iter().filter(|d| d.is_error()) {
                eprint!("{}", d.render(color));
            }
            anyhow::anyhow!(
                "{} has errors; run `frontline check {}`",
                dir.display(),
                dir.display()
            )
        }
        e => anyhow::Error::new(e).context(format!("loading the FAQ from {}", dir.display())),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_are_not_shown_in_database_urls() {
        assert_eq!(
            super::redact("postgres://bot:s3cret@db:5432/frontline"),
            "postgres://bot:***@db:5432/frontline"
        );
        assert_eq!(
            super::redact("sqlite://frontline.db?mode=rwc"),
            "sqlite://frontline.db?mode=rwc"
        );
    }
}
