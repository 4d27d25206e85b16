//! The Discord adapter's foundations: settings and the serenity client,
//! and the pure helpers every outgoing message goes through (splitting at
//! Discord's limits, mention safety, button ids, thread names). The adapter
//! translates; it holds no business rules, which live in the engine.
//!
//! - [`settings`]: the `[discord]` table and its checked form;
//! - [`connect`]: serenity's HTTP client and `ClientBuilder` for a base URL;
//! - [`failure`]: what a failed Discord call means for delivery;
//! - [`split`]: long answers cut at Discord's limits without breaking markdown;
//! - [`mentions`]: inert mentions in echoed text, `allowed_mentions`;
//! - [`custom_id`]: the button ids `fl:<action>:<id>[:<arg>]`;
//! - [`thread_name`]: a thread's name from the customer's question;
//! - [`ids`]: Discord's ids as the engine's refs and back, and the one staff check;
//! - [`slash`]: the slash commands, declared once (definition, who may run them);
//! - [`handler`], [`interactions`], [`commands`]: serenity events in, engine events out;
//! - `notice`: `/notice`, staff publishing or ending a notice;
//! - `catch_up`: what customers wrote while the bot was away, read back on connecting;
//! - [`transport`], [`render`]: engine actions in, Discord calls out;
//! - `relay`: a staff thread standing in for a DM ticket's conversation;
//! - [`runner`]: the client, the delivery loop and the timers together.

mod catch_up;
pub mod commands;
pub mod connect;
pub mod custom_id;
pub mod failure;
pub mod handler;
pub mod ids;
pub mod interactions;
pub mod mentions;
mod notice;
mod relay;
pub mod render;
pub mod runner;
pub mod settings;
pub mod slash;
pub mod split;
pub mod thread_name;
pub mod transport;

pub use settings::{DiscordConfig, DiscordConfigError, DiscordSettings};
