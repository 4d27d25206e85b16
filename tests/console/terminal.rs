//! A `frontline` process with piped input and output, read line by line
//! with a deadline so that a broken test fails instead of hanging.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

/// How long a test waits for an expected line.
const DEADLINE: Duration = Duration::from_secs(60);

/// The repository's demo FAQ.
pub fn faq() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("faq")
}

/// A scratch directory with its own SQLite database.
pub struct Workspace {
    pub dir: tempfile::TempDir,
}

impl Workspace {
    pub fn new() -> Self {
        Workspace {
            dir: tempfile::tempdir().expect("a temporary directory"),
        }
    }

    /// The database every process of this workspace uses.
    pub fn database_url(&self) -> String {
        format!(
            "sqlite://{}?mode=rwc",
            self.dir.path().join("frontline.db").display()
        )
    }

    /// `frontline ARGS` in this workspace.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_frontline"));
        cmd.args(args)
            .current_dir(self.dir.path())
            .env("DATABASE_URL", self.database_url())
            .env_remove("FRONTLINE_DATABASE_URL")
            .env_remove("FRONTLINE_CONFIG")
            .env("FRONTLINE_LOG", "warn")
            // Lexical, nothing fetched.
            .env("FRONTLINE_MODEL_DIR", "")
            .env("FRONTLINE_MULTILINGUAL_DIR", "")
            .env("FRONTLINE_MODELS__FETCH", "false");
        cmd
    }

    /// Starts `frontline ARGS` with piped input and output.
    pub fn start(&self, args: &[&str]) -> Running {
        Running::spawn(self.command(args))
    }

    /// Runs `frontline ARGS` with `input` and returns its output; it must succeed.
    pub fn run(&self, args: &[&str], input: &str) -> String {
        let mut running = self.start(args);
        running.send(input);
        running.finish()
    }
}

/// A running process.
pub struct Running {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    /// Every line read so far (stderr lines start with `[stderr] `).
    pub seen: Vec<String>,
}

impl Running {
    fn spawn(mut cmd: Command) -> Running {
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("frontline starts");
        let (tx, lines) = channel();
        let out = child.stdout.take().expect("piped");
        let err = child.stderr.take().expect("piped");
        let tx2 = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                let _ = tx2.send(format!("[stderr] {line}"));
            }
        });
        Running {
            stdin: child.stdin.take(),
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Types `text` (add `\n` to end lines).
    pub fn send(&mut self, text: &str) {
        self.send_bytes(text.as_bytes());
    }

    /// Sends `bytes`, which need not be UTF-8.
    pub fn send_bytes(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("input is open");
        stdin.write_all(bytes).expect("the process reads input");
        stdin.flush().expect("flushed");
    }

    /// Types one line.
    pub fn line(&mut self, text: &str) {
        self.send(&format!("{text}\n"));
    }

    /// Reads until a line contains `needle`; returns that line.
    pub fn wait_for(&mut self, needle: &str) -> String {
        let until = Instant::now() + DEADLINE;
        loop {
            let left = until.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    panic!(
                        "no line with {needle:?} within {DEADLINE:?}; output:\n{}",
                        self.seen.join("\n")
                    )
                }
                Err(RecvTimeoutError::Disconnected) => {
                    panic!(
                        "the process ended before {needle:?}; output:\n{}",
                        self.seen.join("\n")
                    )
                }
            }
        }
    }

    /// Kills the process with SIGKILL: no cleanup, no flushing.
    pub fn kill(mut self) {
        self.child.kill().expect("killed");
        self.child.wait().expect("reaped");
    }

    /// Closes input, waits for a successful exit and returns all output.
    pub fn finish(mut self) -> String {
        drop(self.stdin.take());
        let status = self.child.wait().expect("the process ends");
        self.seen.extend(self.lines.iter());
        let output = self.seen.join("\n");
        assert!(
            status.success(),
            "frontline failed ({status}); output:\n{output}"
        );
        output
    }
}

/// How many times `needle` occurs in `haystack`.
pub fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

/// The path as a string argument.
pub fn arg(p: &Path) -> String {
    p.display().to_string()
}
