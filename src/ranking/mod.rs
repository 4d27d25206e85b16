//! Ranking: what the knowledge holds for a message, best first, and the
//! lines its scores are judged by. Lexical and semantic scores are fused
//! ([`fusion`]), customers' feedback is a mild prior ([`feedback`]), the
//! customer's language is preferred ([`rank`]); each score scale has its
//! [`Thresholds`], static or chosen for the knowledge base when its index is
//! built ([`handover`]). Triage reads a ranking and decides; nothing here
//! decides what the bot does.

pub mod feedback;
pub mod fusion;
pub mod handover;
mod rank;
mod thresholds;

pub use rank::{Asked, Candidate, answerable_lang, candidate_for, conversation_text, rank};
pub use thresholds::Thresholds;
