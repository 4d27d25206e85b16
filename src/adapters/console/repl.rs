//! The loop both terminal sessions run: a typed line is acted on and what it
//! caused is delivered at once; between lines the outbox is polled (staff
//! replies, cards, reminders) and, every few polls, the engine's timers run.

use std::time::Duration;

use chrono::Utc;
use tokio::io::{AsyncBufReadExt, BufReader};

use super::{ConsoleError, ConsoleTransport};
use crate::delivery::Delivery;
use crate::engine::{Engine, Inbound};

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
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    let mut poll = tokio::time::interval(poll);
    let mut polls = 0u32;
    let mut prompt = true;
    loop {
        if interactive && prompt {
            transport.print(prompt_text)?;
        }
        tokio::select! {
            line = lines.next_line() => {
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
