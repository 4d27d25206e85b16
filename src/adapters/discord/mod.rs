//! The Discord adapter, split by direction. It translates; it holds no
//! business rules, which live in the engine.
//!
//! - [`inbound`]: serenity events and slash commands in, engine events out
//!   ([`handler`], [`interactions`] (buttons and the details form),
//!   [`commands`], [`slash`] (each command declared once), `notice`,
//!   `catch_up`, [`thread_name`]);
//! - [`outbound`]: engine actions in, Discord calls out ([`transport`],
//!   [`render`], [`split`] at Discord's limits, [`mentions`] made inert,
//!   [`failure`]: what a failed call means for delivery);
//! - `relay`: a staff thread standing in for a DM ticket's conversation, both
//!   ways;
//! - shared by both: [`settings`] (the `[discord]` table, checked),
//!   [`connect`] (serenity's client for a base URL), [`ids`] (Discord's ids
//!   as the engine's and back, the one staff check), [`custom_id`] (button
//!   ids), and [`runner`] (the client, the delivery loop and the timers).

pub mod connect;
pub mod custom_id;
pub mod ids;
pub mod inbound;
pub mod outbound;
mod relay;
pub mod runner;
pub mod settings;

pub use inbound::{commands, handler, interactions, slash, thread_name};
pub use outbound::{failure, mentions, render, split, transport};
pub use settings::{DiscordConfig, DiscordConfigError, DiscordSettings};
