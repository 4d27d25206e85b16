//! Maintainer tools over what the store recorded: [`stats`] (how the front
//! line is doing), [`gaps`] (what the FAQ should answer next) and
//! [`draft_fix`] (a documented fix drafted from a resolved ticket). They
//! read; they never change conversations or tickets.

pub mod draft_fix;
pub mod gaps;
pub mod stats;
