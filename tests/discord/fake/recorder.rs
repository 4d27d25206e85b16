//! What the fake saw and what it was told to do wrong. Every REST call (method,
//! path, JSON body, the status it got), every gateway step and every dispatch
//! the fake sent is recorded in order; a test waits for "the next call matching
//! a pattern", and a wait that runs out panics with everything recorded so
//! far. A wait looks at each call once (the record only grows and claims are
//! never undone), so many waiters on a long record stay cheap. Problems reported by the test's serenity guard (a payload serenity
//! could not parse) end any wait at once. Faults planned for a route are taken
//! here, one per matching call.

use std::fmt;
use std::sync::Mutex;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::watch;

/// How long a test waits for a call before it fails.
pub const WAIT: Duration = Duration::from_secs(30);

/// One thing that happened at the fake.
#[derive(Debug, Clone)]
pub struct Call {
    /// `GET`, `POST`, ... for REST; `GATEWAY` for what the client sent on the
    /// WebSocket; `DISPATCH` for what the fake sent.
    pub method: String,
    /// The path without `/api/v10`, e.g. `/channels/1/messages`; for the
    /// gateway `/identify`, `/resume`; for dispatches `/MESSAGE_CREATE`.
    pub path: String,
    /// The query string, if any.
    pub query: Option<String>,
    /// The JSON body (`Null` when there was none).
    pub body: Value,
    /// The status answered (REST), or the sequence number (dispatches).
    pub status: u16,
    /// The JSON answered (`Null` when there was none).
    pub response: Value,
}

impl Call {
    /// Whether this call matches `pattern`: `"METHOD /path/with/*/segments"`,
    /// where `*` stands for one path segment.
    pub fn matches(&self, pattern: &str) -> bool {
        let (method, path) = pattern.split_once(' ').unwrap_or((pattern, ""));
        if method != self.method {
            return false;
        }
        let mut want = path.trim_matches('/').split('/');
        let mut have = self.path.trim_matches('/').split('/');
        loop {
            match (want.next(), have.next()) {
                (None, None) => return true,
                (Some(w), Some(h)) if w == "*" || w == h => {}
                _ => return false,
            }
        }
    }
}

impl fmt::Display for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.path)?;
        if let Some(q) = &self.query {
            write!(f, "?{q}")?;
        }
        write!(f, " -> {}", self.status)?;
        if !self.body.is_null() {
            let body = self.body.to_string();
            let short: String = body.chars().take(400).collect();
            write!(
                f,
                " {short}{}",
                if short.len() < body.len() { "…" } else { "" }
            )?;
        }
        Ok(())
    }
}

/// A failure the fake answers with instead of doing the call, or a delay before it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fault {
    /// 429 with `retry_after` (seconds) in the body and `Retry-After` header.
    RateLimited {
        /// Seconds to wait.
        retry_after: f64,
    },
    /// 500 with Discord's error body.
    ServerError,
    /// The call is carried out, but answered 500 as if the response was
    /// lost on the way (Discord made the message; the client cannot know).
    LostResponse,
    /// 403 with code 50013: the bot lacks a permission (nothing is done).
    MissingPermissions,
    /// Not a failure: the call is carried out after `ms` milliseconds, as
    /// over a slow network (and recorded when it is done).
    Slow {
        /// Milliseconds to wait.
        ms: u64,
    },
}

#[derive(Debug)]
struct Planned {
    pattern: String,
    remaining: usize,
    fault: Fault,
}

#[derive(Default)]
struct Inner {
    calls: Vec<Call>,
    claimed: Vec<bool>,
    problems: Vec<String>,
    faults: Vec<Planned>,
}

/// The record of calls, problems and planned faults.
pub struct Recorder {
    inner: Mutex<Inner>,
    changed: watch::Sender<u64>,
}

impl Default for Recorder {
    fn default() -> Self {
        Recorder {
            inner: Mutex::default(),
            changed: watch::Sender::new(0),
        }
    }
}

impl Recorder {
    /// Adds `call` to the record.
    pub fn record(&self, call: Call) {
        let mut inner = self.inner.lock().unwrap();
        inner.calls.push(call);
        inner.claimed.push(false);
        drop(inner);
        self.changed.send_modify(|n| *n += 1);
    }

    /// Notes something that must fail the test (an unparsed payload).
    pub fn report_problem(&self, problem: String) {
        self.inner.lock().unwrap().problems.push(problem);
        self.changed.send_modify(|n| *n += 1);
    }

    /// Every call so far, in order.
    pub fn calls(&self) -> Vec<Call> {
        self.inner.lock().unwrap().calls.clone()
    }

    /// The calls so far that match `pattern`.
    pub fn matching(&self, pattern: &str) -> Vec<Call> {
        self.calls()
            .into_iter()
            .filter(|c| c.matches(pattern))
            .collect()
    }

    /// Plans `fault` as the answer to the next `times` calls matching `pattern`.
    pub fn plan(&self, pattern: &str, times: usize, fault: Fault) {
        self.inner.lock().unwrap().faults.push(Planned {
            pattern: pattern.to_owned(),
            remaining: times,
            fault,
        });
    }

    /// The fault planned for a call to `method path`, used up by this call.
    pub fn take_fault(&self, method: &str, path: &str) -> Option<Fault> {
        let probe = Call {
            method: method.to_owned(),
            path: path.to_owned(),
            query: None,
            body: Value::Null,
            status: 0,
            response: Value::Null,
        };
        let mut inner = self.inner.lock().unwrap();
        let planned = inner
            .faults
            .iter_mut()
            .find(|p| p.remaining > 0 && probe.matches(&p.pattern))?;
        planned.remaining -= 1;
        Some(planned.fault)
    }

    /// The earliest call matching `pattern` that no earlier wait returned;
    /// waits for it up to `limit`, and panics with the whole record if it
    /// does not come or a problem is reported.
    pub async fn next_call(&self, pattern: &str, limit: Duration) -> Call {
        let mut changes = self.changed.subscribe();
        let deadline = tokio::time::Instant::now() + limit;
        let mut seen = 0;
        loop {
            changes.borrow_and_update();
            if let Some(call) = self.claim(pattern, &mut seen) {
                return call;
            }
            let woke = tokio::time::timeout_at(deadline, changes.changed()).await;
            if woke.is_err() {
                panic!(
                    "no call matching `{pattern}` within {limit:?}\n{}",
                    self.report()
                );
            }
        }
    }

    /// Panics if any call matching `pattern` was recorded and not yet claimed.
    pub fn assert_no_more(&self, pattern: &str) {
        if let Some(call) = self.claim(pattern, &mut 0) {
            panic!("unexpected call {call}\n{}", self.report());
        }
    }

    /// Claims the earliest unclaimed call matching `pattern` from index
    /// `seen` on; moves `seen` past the calls looked at.
    fn claim(&self, pattern: &str, seen: &mut usize) -> Option<Call> {
        let mut inner = self.inner.lock().unwrap();
        if !inner.problems.is_empty() {
            drop(inner);
            panic!(
                "the fake sent something serenity dropped\n{}",
                self.report()
            );
        }
        let Inner { calls, claimed, .. } = &mut *inner;
        let from = (*seen).min(calls.len());
        *seen = calls.len();
        let at = (from..calls.len()).find(|&i| !claimed[i] && calls[i].matches(pattern))?;
        claimed[at] = true;
        *seen = at + 1;
        Some(calls[at].clone())
    }

    /// Everything recorded, for a failure message.
    pub fn report(&self) -> String {
        let inner = self.inner.lock().unwrap();
        let mut out = format!("calls recorded ({}):\n", inner.calls.len());
        for (i, call) in inner.calls.iter().enumerate() {
            out += &format!("  {i:>3} {call}\n");
        }
        for problem in &inner.problems {
            out += &format!("PROBLEM: {problem}\n");
        }
        out
    }
}
