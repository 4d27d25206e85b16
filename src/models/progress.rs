//! What a fetch shows while it runs: at a terminal, one progress bar per
//! model (a spinner while the client downloads, bytes while converting),
//! cleared when it ends; elsewhere (logs, CI), one plain line per model
//! fetched. A failed fetch leaves nothing on screen: the caller says what
//! happened in one line.

use std::io::IsTerminal;
use std::path::Path;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Progress of fetching models, on stderr.
pub struct Progress {
    bar: Option<ProgressBar>,
    terminal: bool,
    quiet: bool,
    started: Option<Instant>,
    name: String,
    what: String,
}

impl Progress {
    /// Bars on stderr if it is a terminal, else plain lines.
    pub fn stderr() -> Self {
        Progress {
            bar: None,
            terminal: std::io::stderr().is_terminal(),
            quiet: false,
            started: None,
            name: String::new(),
            what: String::new(),
        }
    }

    /// Nothing shown (tests).
    pub fn hidden() -> Self {
        let mut p = Progress::stderr();
        p.quiet = true;
        p
    }

    /// A model's fetch begins: `name` from `package` with `client` (`size` bytes).
    pub fn start(&mut self, name: &str, package: &str, client: &str, size: u64) {
        self.started = Some(Instant::now());
        self.name = name.to_string();
        let what = format!(
            "{package} with {client} ({:.0} MB)",
            size as f64 / 1_000_000.0
        );
        self.what = what.clone();
        if self.quiet || !self.terminal {
            return;
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("{prefix:>24} {spinner} {msg} [{elapsed}]")
                .expect("a valid template"),
        );
        bar.set_prefix(name.to_string());
        bar.set_message(format!("downloading {what}"));
        bar.enable_steady_tick(Duration::from_millis(120));
        self.bar = Some(bar);
    }

    /// The next step of the current model.
    pub fn step(&mut self, what: &str) {
        if let Some(bar) = &self.bar {
            bar.set_style(
                ProgressStyle::with_template("{prefix:>24} {spinner} {msg} [{elapsed}]")
                    .expect("a valid template"),
            );
            bar.set_message(what.to_string());
        }
    }

    /// Bytes written of the current step.
    pub fn bytes(&mut self, done: u64, total: u64) {
        if let Some(bar) = &self.bar {
            if bar.length() != Some(total) {
                bar.set_style(
                    ProgressStyle::with_template(
                        "{prefix:>24} [{bar:30}] {bytes}/{total_bytes} {msg} [{elapsed}]",
                    )
                    .expect("a valid template")
                    .progress_chars("=> "),
                );
                bar.set_length(total);
            }
            bar.set_position(done);
        }
    }

    /// The current model is in `dir`.
    pub fn done(&mut self, dir: &Path) {
        let secs = self.started.map_or(0.0, |t| t.elapsed().as_secs_f64());
        let line = format!(
            "{} ready in {} ({}, {secs:.1} s)",
            self.name,
            dir.display(),
            self.what
        );
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        if !self.quiet {
            eprintln!("frontline: {line}");
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}
