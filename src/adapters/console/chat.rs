//! `frontline chat`: a customer's conversation in the terminal. Typed text
//! is a message, a number presses the numbered button last shown, `/quit`
//! (or end of input) leaves. Staff replies arrive by polling the outbox.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;

use super::repl::{self, Flow, Session};
use super::{ConsoleError, ConsoleTransport, PLATFORM};
use crate::delivery::Delivery;
use crate::domain::{Inbound, Person, Route, SourceKey, ThreadRef};
use crate::engine::Engine;
use crate::store::Scope;

/// How a chat session runs.
#[derive(Debug, Clone)]
pub struct ChatOptions {
    /// The session's name: the same name continues the same conversation.
    pub session: String,
    /// The customer's name.
    pub name: String,
    /// How often the outbox and the timers are checked.
    pub poll: Duration,
    /// Whether a person types (prompts are shown).
    pub interactive: bool,
    /// For crash tests: after the first event is committed, stop without
    /// delivering and wait to be killed.
    pub hold_before_delivery: bool,
}

/// Runs a chat session until `/quit` or the end of input.
pub async fn run_chat(
    engine: Arc<Engine>,
    delivery: Delivery,
    opts: ChatOptions,
) -> Result<(), ConsoleError> {
    let thread = ThreadRef(format!("{PLATFORM}:{}", opts.session));
    let customer = Person::new(format!("{PLATFORM}:{}", opts.name), opts.name.clone());
    let scope = Scope::Routes(vec![
        Route::Thread(thread.clone()).key(),
        Route::User(customer.id.clone()).key(),
    ]);
    let transport = ConsoleTransport::new(scope, Box::new(std::io::stdout()));
    transport.print(&format!(
        "frontline chat (session {}): describe your question; type a number to press a button, /quit to leave.\n",
        opts.session
    ))?;
    let mut sources = SourceIds::new(&opts.session);
    let session = Session {
        engine: &engine,
        delivery: &delivery,
        transport: &transport,
        prompt: "> ",
        interactive: opts.interactive,
        poll: opts.poll,
    };
    repl::run(session, async |line: &str| {
        let line = line.trim();
        if line == "/quit" {
            return Ok(Flow::Quit);
        }
        let shown = transport.buttons();
        let typed = number(line);
        // A small number past the last button is a slip; a longer one (a
        // session code, an order number) is a message.
        if let Some(n) = typed.filter(|&n| !shown.is_empty() && n > shown.len() && n <= 9) {
            let range = match shown.len() {
                1 => "type 1 to press it".to_string(),
                m => format!("type 1 to {m} to press one"),
            };
            transport.print(&format!(
                "There is no button {n}: {range}, or describe your question.\n"
            ))?;
            return Ok(Flow::Go);
        }
        let pressed = typed.and_then(|n| shown.get(n - 1).cloned());
        let event = match pressed {
            Some(button) => Inbound::Press {
                source: sources.next(),
                thread: thread.clone(),
                by: customer.clone(),
                button: button.into(),
                // Only the latest message's buttons can be pressed here.
                offer: None,
            },
            None => Inbound::Message {
                source: sources.next(),
                thread: thread.clone(),
                author: customer.clone(),
                text: line.to_string(),
                attachments: Vec::new(),
                lang: None,
                elsewhere: None,
                // The terminal has no roles: contracts name its people.
                roles: Some(Vec::new()),
            },
        };
        let actions = match engine.handle(&event, Utc::now()).await {
            Ok(actions) => actions,
            Err(e) => {
                // One failed message must not end the session: say so and go on.
                let chain: Vec<String> =
                    std::iter::successors(Some(&e as &dyn std::error::Error), |e| e.source())
                        .map(ToString::to_string)
                        .collect();
                tracing::warn!(error = %chain.join(": "), "the engine failed to handle a message");
                transport
                    .print("Sorry, that could not be handled just now; please try again.\n")?;
                return Ok(Flow::Go);
            }
        };
        if opts.hold_before_delivery {
            eprintln!("held: {} action(s) committed, not delivered", actions.len());
            std::future::pending::<()>().await;
        }
        Ok(Flow::Go)
    })
    .await
}

fn number(line: &str) -> Option<usize> {
    line.parse::<usize>().ok().filter(|n| *n >= 1)
}

/// Source keys unique across runs of the same session.
pub(super) struct SourceIds {
    prefix: String,
    next: u64,
}

impl SourceIds {
    pub(super) fn new(session: &str) -> Self {
        let started = Utc::now().timestamp_nanos_opt().unwrap_or_default();
        SourceIds {
            prefix: format!("{session}-{}-{started}", std::process::id()),
            next: 0,
        }
    }

    pub(super) fn next(&mut self) -> SourceKey {
        self.next += 1;
        SourceKey::new(PLATFORM, format!("{}-{}", self.prefix, self.next))
    }
}
