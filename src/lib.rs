//! frontline: the front line of an IT service provider's support in a chat
//! server, following the three support levels.
//!
//! Layout:
//! - [`knowledge`]: FAQ markdown parsed, linted and watched;
//! - [`index`]: the tantivy index and similarity ranking over entries;
//! - [`triage`]: one decision per message (fix, answer, did you mean, hand over);
//! - [`brain`]: knowledge and index together, hot-swapped on change;
//! - [`semantic`]: sentence embeddings, their cache and a build-time classifier;
//! - [`fusion`]: lexical or lexical + semantic ranking, with each mode's thresholds;
//! - [`feedback`]: customers' *Solved* / *Not what I asked* as a bounded prior;
//! - [`lang`]: which language a customer writes;
//! - [`eval`]: answer quality on labelled queries;
//! - [`settings`]: the layered configuration;
//! - [`cli`]: the `frontline` commands.

pub mod brain;
pub mod cli;
pub mod eval;
pub mod feedback;
pub mod fusion;
pub mod index;
pub mod knowledge;
pub mod lang;
pub mod semantic;
pub mod settings;
pub mod triage;
