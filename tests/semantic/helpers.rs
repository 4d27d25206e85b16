use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use frontline::brain::{Brain, BrainSettings, LiveBrain};
use frontline::models::Model;
use frontline::ranking::handover::HandoverSettings;
use frontline::semantic::{Precision, Semantic, SemanticSettings};

/// The model directory: `FRONTLINE_MODEL_DIR`, else `models/` in the
/// checkout, else the models directory `frontline models fetch` fills.
pub fn model_dir() -> Option<PathBuf> {
    fetched("FRONTLINE_MODEL_DIR", Model::MiniLm, "model")
}

/// The companion encoder's directory, found like the model; required like it.
pub fn companion_dir() -> Option<PathBuf> {
    fetched("FRONTLINE_COMPANION_DIR", Model::UseLite, "companion")
}

/// The multilingual encoder's directory, found like the model; required like it.
pub fn multilingual_dir() -> Option<PathBuf> {
    fetched(
        "FRONTLINE_MULTILINGUAL_DIR",
        Model::MultilingualE5,
        "multilingual encoder",
    )
}

/// The model with the multilingual encoder (memory cache only).
pub fn model_with_multilingual() -> Option<Arc<Semantic>> {
    let multilingual = multilingual_dir()?;
    model_with(SemanticSettings {
        cache_dir: None,
        multilingual_dir: Some(multilingual),
        ..SemanticSettings::default()
    })
}

/// The directory in `var`, else `models/NAME` in the checkout, else NAME in
/// the models directory (`FRONTLINE_MODELS__DIR`, else the default), if it
/// holds a model; without one a test
/// is skipped, except in CI, where it fails.
fn fetched(var: &str, model: Model, what: &str) -> Option<PathBuf> {
    let checkout = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("models")
        .join(model.dir_name());
    let cache = frontline::models::env_dir().join(model.dir_name());
    let dir = match std::env::var_os(var) {
        Some(dir) => PathBuf::from(dir),
        None if checkout.join("model.safetensors").exists() => checkout,
        None => cache,
    };
    if dir.join("model.safetensors").exists() {
        return Some(dir);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "no {what} in {}: run `frontline models fetch` before the tests",
            dir.display()
        );
    }
    // Straight to stderr: the test harness would swallow eprintln! of a passing test.
    let _ = writeln!(
        std::io::stderr(),
        "skipping: no {what} in {} (run `frontline models fetch`)",
        dir.display()
    );
    None
}

/// The model with the companion encoder, their cache in `cache_dir`.
pub fn model_with_companion(cache_dir: Option<&Path>) -> Option<Arc<Semantic>> {
    model_with(SemanticSettings {
        cache_dir: cache_dir.map(Path::to_path_buf),
        companion_dir: Some(companion_dir()?),
        ..SemanticSettings::default()
    })
}

/// The model with its embedding cache in `cache_dir` (memory only when `None`).
pub fn model(cache_dir: Option<&Path>) -> Option<Arc<Semantic>> {
    model_at(cache_dir, Precision::default())
}

/// The model at `precision`, its embedding cache in `cache_dir`.
pub fn model_at(cache_dir: Option<&Path>, precision: Precision) -> Option<Arc<Semantic>> {
    model_with(SemanticSettings {
        cache_dir: cache_dir.map(Path::to_path_buf),
        precision,
        ..SemanticSettings::default()
    })
}

/// The model with `settings` (its directory set here).
pub fn model_with(settings: SemanticSettings) -> Option<Arc<Semantic>> {
    let dir = model_dir()?;
    let settings = SemanticSettings {
        model_dir: Some(dir.clone()),
        ..settings
    };
    Some(Arc::new(
        Semantic::load_from(&dir, &settings).expect("the model loads"),
    ))
}

/// The small bilingual FAQ the tests rank against.
pub fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hybrid")
}

/// The brain over the fixture, hybrid when `model` is given.
/// The shipped settings with the static thresholds deciding: these tests
/// are about ranking and its cache; the hand-over calibrated per FAQ has
/// its own (tests/brain/calibration.rs).
pub fn settings() -> BrainSettings {
    BrainSettings {
        handover: HandoverSettings::fixed(),
        ..BrainSettings::default()
    }
}

pub fn brain(model: Option<Arc<Semantic>>) -> Brain {
    Brain::load(&fixture(), settings(), model)
        .expect("the fixture loads")
        .0
}

/// Copies the directory tree `from` into `to`.
pub fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.expect("readable");
        let target = to.join(entry.path().strip_prefix(from).expect("inside"));
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).expect("created");
        } else {
            std::fs::copy(entry.path(), &target).expect("copied");
        }
    }
}

/// A live brain over a copy of the fixture (that a test may edit), the
/// model's cache in `cache`; `None` without the model.
pub fn live_copy(cache: &Path) -> Option<(tempfile::TempDir, LiveBrain)> {
    let faq = tempfile::tempdir().expect("temp dir");
    copy_dir(&fixture(), faq.path());
    let m = model(Some(cache))?;
    let (live, _) = LiveBrain::start(faq.path(), settings(), Some(m)).expect("starts");
    Some((faq, live))
}
