//! The loop both terminal sessions run: a typed line is acted on and what it
//! caused is delivered at once; between lines the outbox is polled (staff
//! replies, cards, reminders) and, every few polls, the engine's timers run.
//!
//! Input is read as bytes and decoded leniently: a line that is not UTF-8
//! (a paste from a Latin-1 terminal, a binary file piped in) is read with
//! U+FFFD for what does not decode, and the session goes on.

use std::time::Duration;

use chrono::Utc;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};

use super::{ConsoleError, ConsoleTransport};
use crate::delivery::Delivery;
use crate::domain::Inbound;
use crate::engine::Engine;

/// How often timers run, in polls.
const TICK_EVERY: u32 = 10;

/// Whether the session goes on after a line.
pub(super) enum Flow {
    /// Read the next line.
    Go,
    /// Leave.
    Quit,
}

/// What a session reads from and delivers to.
pub(super) struct Session<'a> {
    pub engine: &'a Engine,
    pub delivery: &'a Delivery,
    pub transport: &'a ConsoleTransport,
    /// Shown before each line when a person types.
    pub prompt: &'a str,
    pub interactive: bool,
    /// How often the outbox is polled.
    pub poll: Duration,
}

/// Runs `session` until `on_line` says [`Flow::Quit`] or input ends.
pub(super) async fn run(
    session: Session<'_>,
    mut on_line: impl AsyncFnMut(&str) -> Result<Flow, ConsoleError>,
) -> Result<(), ConsoleError> {
    let Session {
        engine,
        delivery,
        transport,
        prompt: prompt_text,
        interactive,
        poll,
    } = session;
    delivery.drain(transport, Utc::now()).await?;
    let mut lines = Lines::new(tokio::io::stdin());
    let mut poll = tokio::time::interval(poll);
    let mut polls = 0u32;
    let mut prompt = true;
    loop {
        if interactive && prompt {
            transport.print(prompt_text)?;
        }
        tokio::select! {
            line = lines.next() => {
                let Some(line) = line? else { break };
                prompt = true;
                if let Flow::Quit = on_line(&line).await? {
                    break;
                }
                delivery.drain(transport, Utc::now()).await?;
            }
            _ = poll.tick() => {
                polls = polls.wrapping_add(1);
                if polls.is_multiple_of(TICK_EVERY) {
                    engine.handle(&Inbound::Tick, Utc::now()).await?;
                }
                prompt = !delivery.drain(transport, Utc::now()).await?.is_empty();
            }
        }
    }
    delivery.drain(transport, Utc::now()).await?;
    Ok(())
}

/// Lines of text from bytes: split at `\n`, a `\r` before it dropped, and
/// decoded as UTF-8 with U+FFFD for what is not.
struct Lines<R> {
    segments: tokio::io::Split<BufReader<R>>,
}

impl<R: AsyncRead + Unpin> Lines<R> {
    fn new(input: R) -> Self {
        Lines {
            segments: BufReader::new(input).split(b'\n'),
        }
    }

    /// The next line, `None` at the end of input. Cancel-safe: a line
    /// partly read when the caller stops waiting is finished on the next call.
    async fn next(&mut self) -> std::io::Result<Option<String>> {
        let Some(mut bytes) = self.segments.next_segment().await? else {
            return Ok(None);
        };
        if bytes.last() == Some(&b'\r') {
            bytes.pop();
        }
        Ok(Some(match String::from_utf8(bytes) {
            Ok(line) => line,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::Lines;

    async fn all(input: &[u8]) -> Vec<String> {
        let mut lines = Lines::new(input);
        let mut out = Vec::new();
        while let Some(line) = lines.next().await.expect("reading a slice") {
            out.push(line);
        }
        out
    }

    #[tokio::test]
    async fn a_line_that_is_not_utf8_is_read_with_replacement_characters() {
        assert_eq!(
            all(b"caf\xe9 au lait\n\xff\xfe\nI forgot my password\n").await,
            [
                "caf\u{FFFD} au lait",
                "\u{FFFD}\u{FFFD}",
                "I forgot my password"
            ]
        );
    }

    #[tokio::test]
    async fn line_ends_of_either_kind_and_a_last_line_without_one_are_read() {
        assert_eq!(
            all(b"one\r\ntwo\n\nthree").await,
            ["one", "two", "", "three"]
        );
    }
}
