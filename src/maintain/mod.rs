//! Maintainer tools.
