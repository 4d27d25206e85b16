//! The brain without any transport: triage decisions on the demo FAQ and on
//! small fixtures, and hot reload of a changing FAQ directory.

mod calibration;
mod reload;
mod triage;

use std::path::Path;

use frontline::brain::{Brain, BrainSettings};

/// The brain of the demo FAQ with default settings.
pub fn demo() -> Brain {
    load(
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/faq")),
        BrainSettings::default(),
    )
}

/// The brain of `dir` with `settings`; panics with the findings on errors.
pub fn load(dir: &Path, settings: BrainSettings) -> Brain {
    match Brain::load(dir, settings, None) {
        Ok((brain, _)) => brain,
        Err(frontline::brain::BrainError::Invalid { errors, .. }) => {
            panic!(
                "{}",
                errors
                    .iter()
                    .map(|d| d.to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        }
        Err(e) => panic!("{e}"),
    }
}
