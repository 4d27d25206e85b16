//! Inbound: what happens on Discord becomes engine events. Messages and
//! threads ([`handler`]), button presses and the details form
//! ([`interactions`]), slash commands ([`commands`], declared once in
//! [`slash`]; `/notice` in `notice`), what was missed while away
//! (`catch_up`) and the names of the threads made for questions
//! ([`thread_name`]).

mod catch_up;
pub mod commands;
pub mod handler;
pub mod interactions;
mod notice;
pub mod slash;
pub mod thread_name;

// What the inbound side shares with the rest of the adapter.
use super::outbound::{failure, mentions, render, split};
use super::{custom_id, ids, relay, settings};
