//! frontline: the front line of an IT service provider's support in a chat
//! server, following the three support levels.
//!
//! Layout:
//! - [`adapters`]: platforms (console, Discord) translated to and from the engine;
//! - [`knowledge`]: FAQ markdown parsed, linted and watched;
//! - [`index`]: the tantivy index and similarity ranking over entries;
//! - [`ranking`]: lexical and semantic scores fused, feedback and language as
//!   priors, each scale's thresholds and the hand-over line chosen per FAQ;
//! - [`triage`]: one decision per message (fix, answer, did you mean, hand over);
//! - [`brain`]: knowledge and index together, hot-swapped on change;
//! - [`domain`]: the shared nouns: ids, inbound events, conversations, actions, tickets;
//! - [`engine`]: the conversation rules: events in, actions out;
//! - [`intake`]: the way into the engine that survives a database outage;
//! - [`store`]: conversations, tickets, answers and the outbox (sqlx);
//! - [`delivery`]: the outbox worker and the transport trait adapters implement;
//! - [`maintain`]: stats, gaps and drafted fixes for maintainers;
//! - [`models`]: the sentence encoders fetched by name, checked, converted and cached;
//! - [`semantic`]: sentence embeddings, their cache and a build-time classifier;
//! - [`lang`]: which language a customer writes;
//! - [`flood`]: the per-user rate limit;
//! - [`metrics`]: Prometheus metrics and health over HTTP;
//! - [`terminal`]: outside text made inert before it is printed to a terminal;
//! - [`eval`]: answer quality on labelled queries;
//! - [`cli`]: the `frontline` commands, and [`cli::settings`]: the layered
//!   configuration that wires every layer.

pub mod adapters;
pub mod brain;
pub mod cli;
pub mod delivery;
pub mod domain;
pub mod engine;
pub mod eval;
pub mod flood;
pub mod index;
pub mod intake;
pub mod knowledge;
pub mod lang;
pub mod maintain;
pub mod metrics;
pub mod models;
pub mod ranking;
pub mod semantic;
pub mod store;
pub mod terminal;
pub mod triage;

#[cfg(test)]
mod layering;
