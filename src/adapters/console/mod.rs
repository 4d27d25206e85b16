//! The console adapter: a customer's chat and a staff desk in terminals,
//! sharing one database. Lines typed become engine events; the outbox is
//! delivered by [`ConsoleTransport`], which prints the actions of its routes
//! (one conversation's thread and its customer, or the staff channel and one
//! member of staff). Each terminal polls the outbox, so what staff write in
//! one terminal appears in the customer's.

mod chat;
pub mod notice;
pub mod render;
mod repl;
mod staff;

use std::io::Write;
use std::sync::Mutex;

use async_trait::async_trait;

pub use chat::{ChatOptions, run_chat};
pub use staff::{StaffOptions, run_staff};

use crate::delivery::{DeliveryError, Transport};
use crate::domain::{Action, Button, OutboxId};
use crate::engine::EngineError;
use crate::store::{Scope, StoreError};

/// The platform name in console source keys and user ids.
pub const PLATFORM: &str = "console";

/// A console session failed.
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// The engine failed.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The terminal failed.
    #[error("terminal input/output")]
    Io(#[from] std::io::Error),
}

/// Prints the actions of some routes to a terminal.
pub struct ConsoleTransport {
    scope: Scope,
    out: Mutex<Box<dyn Write + Send>>,
    buttons: Mutex<Vec<Button>>,
}

impl ConsoleTransport {
    /// A transport for the routes in `scope`, printing to `out`.
    pub fn new(scope: Scope, out: Box<dyn Write + Send>) -> Self {
        ConsoleTransport {
            scope,
            out: Mutex::new(out),
            buttons: Mutex::new(Vec::new()),
        }
    }

    /// The buttons last shown, in the order of their numbers.
    pub fn buttons(&self) -> Vec<Button> {
        self.buttons.lock().expect("not poisoned").clone()
    }

    /// Prints a line that is not an action (greetings, lists, errors).
    pub fn print(&self, text: &str) -> std::io::Result<()> {
        let mut out = self.out.lock().expect("not poisoned");
        out.write_all(text.as_bytes())?;
        out.flush()
    }
}

#[async_trait]
impl Transport for ConsoleTransport {
    fn scope(&self) -> Scope {
        self.scope.clone()
    }

    async fn deliver(&self, _id: OutboxId, action: &Action) -> Result<(), DeliveryError> {
        if !action.buttons().is_empty() {
            *self.buttons.lock().expect("not poisoned") =
                action.buttons().iter().map(|o| o.button.clone()).collect();
        }
        let text = render::action(action) + "\n";
        self.print(&text)
            .map_err(|e| DeliveryError::transient(format!("writing to the terminal: {e}")))
    }
}
