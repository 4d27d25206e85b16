//! The `frontline` binary: parses the command line and runs the command (see [`frontline::cli`]).

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use frontline::cli::{Cli, Command, run};
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    // candle splits every matrix product over RAYON_NUM_THREADS threads that
    // wait on each other; on a machine shared with other work that made both
    // query embedding and bulk embedding slower than one thread (measured:
    // bulk 5.8 s vs 3.4 s per 1,000 texts, query p50 10.6 vs 8.2 ms). Bulk
    // embedding runs whole batches side by side instead, and one query's
    // work is halved over `semantic.query_threads` threads of their own.
    // Set the variable to override.
    if std::env::var_os("RAYON_NUM_THREADS").is_none() {
        // SAFETY: no other thread exists yet.
        unsafe { std::env::set_var("RAYON_NUM_THREADS", "1") };
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("FRONTLINE_LOG").unwrap_or_else(|_| EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        // Colours only for a terminal (and not with NO_COLOR set): a log
        // file or pipe gets plain text.
        .with_ansi(
            std::io::stderr().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        )
        .init();
    let cli = Cli::parse();
    if !matches!(cli.command, Command::Run(_) | Command::Web(_)) {
        quiet_on_closed_pipe();
    }
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            // The cause chain may quote a file or a ticket's words.
            eprintln!("error: {}", frontline::terminal::terminal_safe(&chain(&e)));
            ExitCode::from(2)
        }
    }
}

/// A command whose output is piped into `head` (or any reader that stops
/// early) ends quietly, as other command-line tools do, instead of
/// panicking in `println!`: Rust ignores SIGPIPE, so the write would fail.
/// Not for the servers (`run`, `web`), which must outlive any one reader.
fn quiet_on_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: restores the default action of one signal before any thread
    // that could be writing exists; no handler of ours is replaced.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// The error and its causes, joined by ": ", leaving out a cause that the
/// message before it already ends with (sqlx's database errors, for one,
/// repeat their cause in their own message).
fn chain(e: &anyhow::Error) -> String {
    let mut out = String::new();
    let mut last = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if !text.is_empty() && !last.ends_with(&text) {
            if !out.is_empty() {
                out.push_str(": ");
            }
            out.push_str(&text);
        }
        last = text;
    }
    out
}
