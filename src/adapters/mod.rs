//! Adapters: a platform's events turned into engine events, and engine
//! actions carried out on the platform. They hold no business rules.
//!
//! - [`console`]: the whole bot in a terminal (`frontline chat`, `frontline staff`);
//! - [`discord`]: the bot on Discord (`frontline run`);
//! - [`web`]: the staff desk in a browser (`frontline web`, and inside `frontline run`).

pub mod console;
pub mod discord;
pub mod web;
