//! The `frontline` binary as a user runs it: lint, ask, chat and eval on the
//! demo FAQ and on broken fixtures; the maintainers' reports of a hostile
//! customer's ticket; database URLs as users write them.

#[path = "../support/hostile.rs"]
mod hostile;

mod ask;
mod chat;
mod check;
mod database_url;
mod eval;
mod inert;
mod models;
mod web;

use assert_cmd::Command;

/// The `frontline` binary, run from the package root with no settings file
/// and no `FRONTLINE_…` variables of the caller's environment.
pub fn frontline() -> Command {
    let mut cmd = Command::cargo_bin("frontline").expect("binary is built");
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("FRONTLINE_") {
            cmd.env_remove(key);
        }
    }
    // The scenarios are written against the shipped static thresholds;
    // tests of the self-calibration turn it back on.
    cmd.env("FRONTLINE_HANDOVER__CALIBRATE", "false");
    lexical(&mut cmd);
    cmd
}

/// Ranks lexically, with no model fetched or loaded (the scenarios are
/// written against lexical scores; `models.rs` tests the fetching).
pub fn lexical(cmd: &mut Command) -> &mut Command {
    cmd.env("FRONTLINE_MODEL_DIR", "")
        .env("FRONTLINE_MULTILINGUAL_DIR", "")
        .env("FRONTLINE_MODELS__FETCH", "false")
}

/// A fixture directory under `tests/fixtures`.
pub fn fixture(name: &str) -> String {
    format!("tests/fixtures/{name}")
}
