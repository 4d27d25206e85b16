//! Outbound: the engine's actions become Discord calls. [`transport`]
//! carries each out (posting, editing cards, pinging, relaying, private
//! notices), [`render`] lays out messages, cards and forms, [`split`] cuts
//! them at Discord's limits, [`mentions`] keeps echoed text from pinging
//! anyone, and [`failure`] says what a failed call means for delivery.

pub mod failure;
pub mod mentions;
pub mod render;
pub mod split;
pub mod transport;

// What the outbound side shares with the rest of the adapter.
use super::inbound::interactions;
use super::{custom_id, ids, relay, settings};
