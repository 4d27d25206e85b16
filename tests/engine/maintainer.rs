//! Maintainer tools on what the engine recorded.
