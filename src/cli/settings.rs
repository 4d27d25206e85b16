//! One typed settings tree, in layers: defaults, then a TOML file, then
//! `FRONTLINE_…` environment variables (`__` separates levels, e.g.
//! `FRONTLINE_THRESHOLDS__ANSWER=0.6`). The demo runs without any file.
//! The database URL also follows the usual `DATABASE_URL` (which
//! `FRONTLINE_DATABASE_URL` overrides).

use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

use crate::adapters::discord::DiscordSettings;
use crate::adapters::discord::runner::RunSettings;
use crate::adapters::web::WebSettings;
use crate::brain::{BrainSettings, DefaultLang};
use crate::delivery::DeliverySettings;
use crate::engine::EngineSettings;
use crate::flood::FloodSettings;
use crate::index::RankWeights;
use crate::intake::IntakeSettings;
use crate::models::ModelsSettings;
use crate::ranking::Thresholds;
use crate::ranking::feedback::FeedbackSettings;
use crate::ranking::fusion::FusionWeights;
use crate::ranking::handover::HandoverSettings;
use crate::semantic::SemanticSettings;

/// The file read when no `--config` is given, if it exists.
pub const DEFAULT_CONFIG: &str = "frontline.toml";

/// The database used when none is configured: a SQLite file in the working
/// directory, created on first run.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://frontline.db?mode=rwc";

/// Every setting of frontline.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// The FAQ directory.
    pub faq_dir: PathBuf,
    /// Language of entries that do not say, and of customers whose language cannot be told.
    pub default_lang: DefaultLang,
    /// How long FAQ changes must settle before a reload, in milliseconds.
    pub reload_debounce_ms: u64,
    /// Decision thresholds.
    pub thresholds: Thresholds,
    /// Decision thresholds for hybrid (lexical + semantic) scores.
    pub hybrid_thresholds: Thresholds,
    /// Decision thresholds for hybrid scores with the companion encoder.
    pub companion_thresholds: Thresholds,
    /// Decision thresholds for the multilingual encoder's scores (a
    /// language the main model does not understand).
    pub multilingual_thresholds: Thresholds,
    /// Ranking weights.
    pub ranking: RankWeights,
    /// The hand-over target, and whether thresholds are chosen for each FAQ
    /// when it is indexed.
    pub handover: HandoverSettings,
    /// The Discord side: API base URL, channels, staff (the token comes from `DISCORD_TOKEN`).
    pub discord: DiscordSettings,
    /// Where conversations and tickets are kept: `sqlite://…` or `postgres://…`.
    pub database_url: String,
    /// Conversation rules: timers, staff role, message limits.
    pub engine: EngineSettings,
    /// Retries of outbound deliveries.
    pub delivery: DeliverySettings,
    /// Weights of the lexical + semantic fusion.
    pub fusion: FusionWeights,
    /// The sentence-embedding model (`FRONTLINE_MODEL_DIR`), its companion
    /// (`FRONTLINE_COMPANION_DIR`), the multilingual encoder
    /// (`FRONTLINE_MULTILINGUAL_DIR`) and their cache.
    pub semantic: SemanticSettings,
    /// Where the models are kept when their directories are not set, and
    /// whether missing ones are fetched.
    pub models: ModelsSettings,
    /// How much customers' feedback may move scores.
    pub feedback: FeedbackSettings,
    /// Per-user message limit.
    pub flood: FloodSettings,
    /// `frontline run`: metrics address, timer and outbox pace.
    pub run: RunSettings,
    /// `frontline run` while the database is unreachable: the backlog.
    pub intake: IntakeSettings,
    /// The staff desk in a browser.
    pub web: WebSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            faq_dir: PathBuf::from("faq"),
            default_lang: DefaultLang::default(),
            reload_debounce_ms: 500,
            thresholds: Thresholds::default(),
            hybrid_thresholds: Thresholds::hybrid(),
            companion_thresholds: Thresholds::companion(),
            multilingual_thresholds: Thresholds::multilingual(),
            ranking: RankWeights::default(),
            handover: HandoverSettings::default(),
            discord: DiscordSettings::default(),
            database_url: DEFAULT_DATABASE_URL.to_string(),
            engine: EngineSettings::default(),
            delivery: DeliverySettings::default(),
            fusion: FusionWeights::default(),
            semantic: SemanticSettings::default(),
            models: ModelsSettings::default(),
            feedback: FeedbackSettings::default(),
            flood: FloodSettings::default(),
            run: RunSettings::default(),
            intake: IntakeSettings::default(),
            web: WebSettings::default(),
        }
    }
}

/// The settings could not be read, or say something that cannot work.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// A file or variable could not be read. Not a `source`: its message is
    /// already in this one, and a report of the chain would repeat it.
    #[error("reading settings: {0}")]
    Read(Box<figment::Error>),
    /// A value is out of its range.
    #[error("{0}")]
    Invalid(String),
}

impl Settings {
    /// Reads defaults, then `file` (or `frontline.toml` if present), then the environment.
    pub fn load(file: Option<&Path>) -> Result<Self, SettingsError> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        match file {
            Some(path) => figment = figment.merge(Toml::file_exact(path)),
            None if Path::new(DEFAULT_CONFIG).exists() => {
                figment = figment.merge(Toml::file_exact(DEFAULT_CONFIG));
            }
            None => {}
        }
        figment = figment.merge(Env::raw().only(&["DATABASE_URL"]));
        figment = figment.merge(
            Env::prefixed("FRONTLINE_")
                .ignore(&["config", "log"])
                // The benchmarks' own knobs (`benches/`), not settings.
                .filter(|key| !key.as_str().to_ascii_lowercase().starts_with("bench_"))
                .split("__")
                .map(|key| {
                    // The outside resources worth a short name.
                    if key.as_str().eq_ignore_ascii_case("model_dir") {
                        "semantic.model_dir".into()
                    } else if key.as_str().eq_ignore_ascii_case("companion_dir") {
                        "semantic.companion_dir".into()
                    } else if key.as_str().eq_ignore_ascii_case("multilingual_dir") {
                        "semantic.multilingual_dir".into()
                    } else {
                        key.into()
                    }
                }),
        );
        let settings: Settings = figment
            .extract()
            .map_err(|e| SettingsError::Read(Box::new(e)))?;
        settings.validate().map_err(SettingsError::Invalid)?;
        Ok(settings)
    }

    /// Values that parse but cannot work: negative lines, shares outside
    /// 0..=1, no room for a message. (A line above 1 is allowed: it never
    /// answers on that scale.)
    fn validate(&self) -> Result<(), String> {
        let scales = [
            ("thresholds", &self.thresholds),
            ("hybrid_thresholds", &self.hybrid_thresholds),
            ("companion_thresholds", &self.companion_thresholds),
            ("multilingual_thresholds", &self.multilingual_thresholds),
        ];
        for (name, t) in scales {
            for (key, v) in [
                ("answer", t.answer),
                ("suggest", t.suggest),
                ("fix_text", t.fix_text),
            ] {
                // NaN is no line either.
                if v.is_nan() || v < 0.0 {
                    return Err(format!("{name}.{key} = {v} is below 0"));
                }
            }
            for (key, v) in [("margin", t.margin), ("other_language", t.other_language)] {
                if !(0.0..=1.0).contains(&v) {
                    return Err(format!("{name}.{key} = {v} is not between 0 and 1"));
                }
            }
        }
        let target = self.handover.target;
        if !(target > 0.0 && target <= 1.0) {
            return Err(format!(
                "handover.target = {target} is not a share between 0 and 1 (0.9 for 90 %)"
            ));
        }
        if self.engine.max_message_chars == 0 {
            return Err("engine.max_message_chars = 0 leaves no room for a message".into());
        }
        Ok(())
    }

    /// What the brain is built with.
    pub fn brain(&self) -> BrainSettings {
        BrainSettings {
            default_lang: self.default_lang,
            thresholds: self.thresholds.clone(),
            hybrid_thresholds: self.hybrid_thresholds.clone(),
            companion_thresholds: self.companion_thresholds.clone(),
            multilingual_thresholds: self.multilingual_thresholds.clone(),
            ranking: self.ranking.clone(),
            fusion: self.fusion.clone(),
            handover: self.handover.clone(),
        }
    }
}

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment::Jail's closures return figment::Error
mod tests {
    use super::*;

    #[test]
    fn the_example_file_parses_and_states_the_defaults() {
        figment::Jail::expect_with(|_| {
            let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("frontline.example.toml");
            let example = Settings::load(Some(&path)).expect("the example is valid");
            assert_eq!(
                serde_json::to_value(&example).unwrap(),
                serde_json::to_value(Settings::default()).unwrap()
            );
            Ok(())
        });
    }

    #[test]
    fn values_that_cannot_work_are_refused_with_their_key() {
        for (toml, says) in [
            (
                "[thresholds]\nanswer = -0.5\n",
                "thresholds.answer = -0.5 is below 0",
            ),
            (
                "[hybrid_thresholds]\nsuggest = -3\n",
                "hybrid_thresholds.suggest = -3",
            ),
            (
                "[thresholds]\nother_language = 1.5\n",
                "thresholds.other_language = 1.5 is not between 0 and 1",
            ),
            ("[handover]\ntarget = 1.5\n", "handover.target = 1.5"),
            ("[engine]\nmax_message_chars = 0\n", "max_message_chars = 0"),
        ] {
            figment::Jail::expect_with(|jail| {
                jail.create_file("x.toml", toml)?;
                let err = Settings::load(Some(Path::new("x.toml"))).expect_err(toml);
                assert!(err.to_string().contains(says), "{err}");
                Ok(())
            });
        }
    }

    #[test]
    fn a_toml_file_overrides_defaults() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("x.toml", "faq_dir = \"kb\"\n[thresholds]\nanswer = 0.7\n")?;
            let s = Settings::load(Some(Path::new("x.toml"))).expect("valid");
            assert_eq!(s.faq_dir, PathBuf::from("kb"));
            assert_eq!(s.thresholds.answer, 0.7);
            assert_eq!(s.thresholds.suggest, Thresholds::default().suggest);
            Ok(())
        });
    }

    #[test]
    fn environment_overrides_the_file() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("FRONTLINE_THRESHOLDS__ANSWER", "0.9");
            let s = Settings::load(None).expect("valid");
            assert_eq!(s.thresholds.answer, 0.9);
            Ok(())
        });
    }

    #[test]
    fn the_database_defaults_to_a_sqlite_file_and_follows_database_url() {
        figment::Jail::expect_with(|jail| {
            let s = Settings::load(None).expect("valid");
            assert_eq!(s.database_url, DEFAULT_DATABASE_URL);
            jail.set_env("DATABASE_URL", "postgres://db/x");
            let s = Settings::load(None).expect("valid");
            assert_eq!(s.database_url, "postgres://db/x");
            jail.set_env("FRONTLINE_DATABASE_URL", "sqlite://other.db");
            let s = Settings::load(None).expect("valid");
            assert_eq!(s.database_url, "sqlite://other.db");
            Ok(())
        });
    }

    #[test]
    fn the_model_directories_come_from_frontline_model_companion_and_multilingual_dir() {
        figment::Jail::expect_with(|jail| {
            let s = Settings::load(None).expect("valid");
            assert_eq!(s.semantic.model_dir, None);
            jail.set_env("FRONTLINE_MODEL_DIR", "models/minilm");
            let s = Settings::load(None).expect("valid");
            assert_eq!(s.semantic.model_dir, Some(PathBuf::from("models/minilm")));
            assert_eq!(s.semantic.companion_dir, None);
            jail.set_env("FRONTLINE_COMPANION_DIR", "models/use-lite");
            let s = Settings::load(None).expect("valid");
            assert_eq!(
                s.semantic.companion_dir,
                Some(PathBuf::from("models/use-lite"))
            );
            assert_eq!(s.semantic.multilingual_dir, None);
            jail.set_env("FRONTLINE_MULTILINGUAL_DIR", "models/multilingual-e5-small");
            let s = Settings::load(None).expect("valid");
            assert_eq!(
                s.semantic.multilingual_dir,
                Some(PathBuf::from("models/multilingual-e5-small"))
            );
            Ok(())
        });
    }

    #[test]
    fn fetching_models_can_be_turned_off_and_their_directory_set() {
        figment::Jail::expect_with(|jail| {
            let s = Settings::load(None).expect("valid");
            assert!(s.models.fetch);
            assert_eq!(s.models.dir, None);
            jail.set_env("FRONTLINE_MODELS__FETCH", "false");
            jail.set_env("FRONTLINE_MULTILINGUAL_DIR", "models/e5");
            jail.create_file("x.toml", "[models]\ndir = \"/srv/models\"\n")?;
            let s = Settings::load(Some(Path::new("x.toml"))).expect("valid");
            assert!(!s.models.fetch);
            assert_eq!(s.models.dir(), PathBuf::from("/srv/models"));
            assert_eq!(
                s.semantic.multilingual_dir,
                Some(PathBuf::from("models/e5"))
            );
            Ok(())
        });
    }

    #[test]
    fn engine_timers_have_defaults_and_can_be_set() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("x.toml", "[engine]\nping_after_minutes = 5\n")?;
            let s = Settings::load(Some(Path::new("x.toml"))).expect("valid");
            assert_eq!(s.engine.ping_after_minutes, 5);
            assert_eq!(s.engine.loud_ping_after_minutes, 60);
            assert_eq!(s.engine.staff_role, "support");
            Ok(())
        });
    }

    #[test]
    fn a_partial_hybrid_threshold_table_keeps_the_other_hybrid_defaults() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("x.toml", "[hybrid_thresholds]\nanswer = 0.6\n")?;
            let s = Settings::load(Some(Path::new("x.toml"))).expect("valid");
            assert_eq!(s.hybrid_thresholds.answer, 0.6);
            assert_eq!(s.hybrid_thresholds.suggest, Thresholds::hybrid().suggest);
            Ok(())
        });
    }

    #[test]
    fn the_benchmarks_variables_are_not_settings() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("FRONTLINE_BENCH_RATE", "200");
            jail.set_env("FRONTLINE_BENCH_DATABASE_URL", "postgres://db/bench");
            let s = Settings::load(None).expect("valid");
            assert_eq!(s.database_url, DEFAULT_DATABASE_URL);
            jail.set_env("FRONTLINE_BECNH_RATE", "200");
            let err = Settings::load(None).unwrap_err();
            assert!(err.to_string().contains("becnh_rate"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn the_discord_shard_can_be_set_from_the_environment() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("FRONTLINE_DISCORD__SHARD", "[1, 2]");
            let s = Settings::load(None).expect("valid");
            assert_eq!(s.discord.shard, Some([1, 2]));
            Ok(())
        });
    }

    #[test]
    fn unknown_keys_are_errors() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("x.toml", "faq_dri = \"kb\"\n")?;
            let err = Settings::load(Some(Path::new("x.toml"))).unwrap_err();
            assert!(err.to_string().contains("faq_dri"), "{err}");
            Ok(())
        });
    }
}
