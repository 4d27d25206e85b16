//! The store's tests, each run on SQLite and on PostgreSQL.

#[path = "../support/mod.rs"]
mod support;

mod conversations;
mod delivery;
mod feedback;
mod helpers;
mod notices;
mod outbox;
mod posted;
mod tickets;
mod tokens;
mod urls;
mod web;
