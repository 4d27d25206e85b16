//! Integration tests of the Discord side, through the real serenity client
//! and a fake Discord on loopback (`fake/`). Run them with
//! `cargo test --test discord`; `TEST_LOG=serenity=debug` shows serenity's
//! logs. A test that waits for a call which never comes fails after 30 s
//! with every call recorded so far; a payload serenity could not parse fails
//! it at once.

mod bot;
mod catch_up;
mod contracts;
mod customers;
mod dm_tickets;
mod events;
mod fake;
mod fake_self_test;
mod frontline;
mod http_faults;
mod idempotent;
mod notices;
mod outage;
mod places;
mod proof;
mod proxy;
mod rest_shapes;
mod run;
mod staff;
mod staff_commands;
#[path = "../support/mod.rs"]
mod support;
mod timers;
