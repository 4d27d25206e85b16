//! The engine's scenarios: what the customer and staff do, what the bot does.
//! They run on the small FAQ in `tests/fixtures/faq` with a fake clock.

#[path = "../support/mod.rs"]
mod support;

mod answers;
mod contracts;
mod details;
mod expect;
mod feedback;
mod fixes;
mod harness;
mod maintainer;
mod notices;
mod places;
mod presses;
mod questions;
mod staff;
mod timers;
mod two_instances;
mod untrusted;
