//! Chat platforms: each adapter turns a platform's events into the bot's
//! inbound events and the bot's actions into the platform's API calls.

pub mod discord;
