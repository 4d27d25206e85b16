//! Semantic similarity: a local sentence-embedding model ([`Encoder`]),
//! optionally a companion encoder of another family ([`Companion`]) and a
//! multilingual encoder for other languages than English ([`Multilingual`]), an
//! on-disk cache of the embeddings of listed texts ([`EmbeddingCache`]) and,
//! per knowledge version, the vectors of every entry's title and questions
//! ([`SemanticIndex`]). Fusing these similarities with the lexical ranking is
//! `fusion`'s job; deciding is `triage`'s.
//!
//! The model is optional: without one the bot ranks lexically.
//!
//! By concern: [`runtime`] runs the encoders, [`train`] adapts them to a
//! knowledge base, [`cache`] keeps what was computed on disk, `space` is the
//! index of one knowledge version.

mod cache;
mod runtime;
mod space;
mod train;

use cache::prune;
use runtime::{bert, companion, dense, encoder, multilingual, pieces, use_lite, weights};
use train::{adapt, classifier};

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

pub use adapt::Adaptation;
pub(crate) use adapt::recipe as adaptation_recipe;
pub use bert::Profile;
pub use cache::{BuildKind, CacheStats, EmbeddingCache, KEEP_BUILDS, Vector};
pub use classifier::Classifier;
pub use companion::Companion;
pub use dense::Precision;
pub use encoder::Encoder;
pub use multilingual::Multilingual;
pub use pieces::from_bytes as tokenizer;
pub use prune::{prune as prune_kept, touch};
pub use runtime::release_freed;
pub use space::{Cosines, EntrySimilarity, SemanticIndex};

use crate::knowledge::{Knowledge, Lang};

/// Why the model could not be used.
#[derive(Debug, thiserror::Error)]
pub enum SemanticError {
    /// A model file could not be read.
    #[error("reading {}", .path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The files are not a model we can run.
    #[error("loading the model: {0}")]
    Model(String),
    /// The tensor library failed.
    #[error("running the model")]
    Tensor(#[from] candle_core::Error),
}

/// Settings of the semantic model.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct SemanticSettings {
    /// Directory of a sentence-transformers model in the Hugging Face layout
    /// (config.json, tokenizer.json, model.safetensors); `None`:
    /// all-MiniLM-L6-v2 from the models directory (`[models]`, fetched if
    /// missing); empty (`""`): lexical only.
    pub model_dir: Option<PathBuf>,
    /// Directory of the companion encoder (the Universal Sentence Encoder
    /// lite as `frontline models fetch` converts it), whose similarities
    /// join the main model's in the fusion; `None`: the one in the models
    /// directory; empty: the main model alone. Used only with `model_dir`.
    pub companion_dir: Option<PathBuf>,
    /// Languages the companion understands (of those the main model does);
    /// for others the main model ranks alone. The Universal Sentence
    /// Encoder lite is English only.
    pub companion_langs: Vec<Lang>,
    /// Directory of the multilingual encoder (multilingual-e5-small in the
    /// Hugging Face BERT layout), whose similarities, fused with the lexical
    /// score, rank questions in the languages of `multilingual_langs` that
    /// the main model does not understand. `None`: the one in the models
    /// directory (fetched if missing); empty: none. Used only with
    /// `model_dir`.
    pub multilingual_dir: Option<PathBuf>,
    /// Languages whose customers the multilingual encoder ranks, of those
    /// the main model does not understand (where it does, the main model
    /// and the companion rank: adding the multilingual encoder to them did
    /// not pay for English, docs/ranking.md). Default: German.
    pub multilingual_langs: Vec<Lang>,
    /// Where embeddings of listed texts, adapted layers and classifiers are
    /// kept between runs (all but the four most recently used layers and
    /// classifiers are pruned after each brain build, see
    /// [`SemanticIndex::prune`]); `None` or empty (`""`, as
    /// TOML has no null): memory only.
    pub cache_dir: Option<PathBuf>,
    /// Languages the model understands; customers writing another language
    /// are ranked lexically. all-MiniLM-L6-v2 is English only.
    pub langs: Vec<Lang>,
    /// How the models' linear layers are held: `auto` (the default: `q8`
    /// where the CPU has int8 dot-product instructions, else `f16` where it
    /// has AVX2, FMA and F16C, else `f32`), `q8`, `f16` or `f32`.
    pub precision: Precision,
    /// Threads that share the work of one query's embedding (it is halved,
    /// so more than 2 count as 2): 2 roughly halves a query's
    /// latency on an otherwise quiet machine; 1 runs each query on the
    /// thread that asks. Default: 2, or 1 on a single-core machine.
    pub query_threads: usize,
    /// Whether the model's last layer is trained further on each FAQ when
    /// its index is built (up to about half a minute on two cores; kept in
    /// `cache_dir`, so a restart trains nothing): answers get better. After
    /// a small edit the kept layer is used again; a larger one trains anew
    /// and re-embeds every listed text. Default: on.
    pub adapt: bool,
}

impl Default for SemanticSettings {
    fn default() -> Self {
        SemanticSettings {
            model_dir: None,
            companion_dir: None,
            companion_langs: vec![Lang::En],
            multilingual_dir: None,
            multilingual_langs: vec![Lang::De],
            cache_dir: Some(PathBuf::from(".frontline-cache/embeddings")),
            langs: vec![Lang::En],
            precision: Precision::default(),
            query_threads: std::thread::available_parallelism().map_or(1, |n| n.get().min(2)),
            adapt: true,
        }
    }
}

/// A loaded model with its cache, shared by every knowledge version.
pub struct Semantic {
    /// The model.
    pub encoder: Encoder,
    /// Embeddings already computed.
    pub cache: EmbeddingCache,
    /// The companion encoder, if one is configured.
    pub companion: Option<Companion>,
    /// The multilingual encoder, loaded when first needed.
    multilingual: LazyMultilingual,
    /// Languages the model understands.
    pub langs: Vec<Lang>,
    /// Where the model was loaded from.
    pub dir: PathBuf,
    /// Where embeddings and trained weights are kept, if anywhere.
    pub cache_dir: Option<PathBuf>,
    /// Whether each FAQ gets an adapted last layer.
    pub adapt: bool,
}

impl SemanticSettings {
    /// The cache directory, unless the cache is kept in memory only.
    pub fn cache_dir(&self) -> Option<&Path> {
        self.cache_dir
            .as_deref()
            .filter(|dir| !dir.as_os_str().is_empty())
    }

    /// The main model's directory, unless none is configured (or it is empty).
    pub fn model_dir(&self) -> Option<&Path> {
        self.model_dir
            .as_deref()
            .filter(|dir| !dir.as_os_str().is_empty())
    }

    /// The companion's directory, unless none is configured (or it is empty).
    pub fn companion_dir(&self) -> Option<&Path> {
        self.companion_dir
            .as_deref()
            .filter(|dir| !dir.as_os_str().is_empty())
    }

    /// The multilingual encoder's directory, unless none is configured (or it is empty).
    pub fn multilingual_dir(&self) -> Option<&Path> {
        self.multilingual_dir
            .as_deref()
            .filter(|dir| !dir.as_os_str().is_empty())
    }
}

impl Semantic {
    /// Loads the configured model; `Ok(None)` when none is configured.
    pub fn load(settings: &SemanticSettings) -> Result<Option<Self>, SemanticError> {
        let Some(dir) = settings.model_dir() else {
            return Ok(None);
        };
        Self::load_from(dir, settings).map(Some)
    }

    /// Loads the model in `dir` with the cache, languages and companion of `settings`.
    pub fn load_from(dir: &Path, settings: &SemanticSettings) -> Result<Self, SemanticError> {
        let encoder = Encoder::load(dir, settings.precision, settings.query_threads)?;
        let cache = EmbeddingCache::open(settings.cache_dir(), encoder.id(), encoder.dim());
        let companion = settings.companion_dir().and_then(|dir| {
            Companion::load(dir, settings)
                .inspect_err(|e| {
                    tracing::warn!(
                        error = %e,
                        dir = %dir.display(),
                        "companion encoder not usable (run `frontline models fetch`): the main model ranks alone"
                    );
                })
                .ok()
        });
        Ok(Semantic {
            encoder,
            cache,
            companion,
            multilingual: LazyMultilingual {
                settings: settings.clone(),
                loaded: OnceLock::new(),
            },
            langs: settings.langs.clone(),
            dir: dir.to_path_buf(),
            cache_dir: settings.cache_dir().map(Path::to_path_buf),
            adapt: settings.adapt,
        })
    }

    /// Whether the model understands `lang`.
    pub fn understands(&self, lang: Lang) -> bool {
        self.langs.contains(&lang)
    }

    /// The multilingual encoder, if one is configured and loads: loaded
    /// on the first call (see [`LazyMultilingual`]), then kept.
    pub fn multilingual(&self) -> Option<&Multilingual> {
        self.multilingual.get()
    }

    /// Whether a configured multilingual encoder would rank `lang` (one of
    /// its languages that the main model does not understand), loaded or
    /// not (nothing is loaded here).
    pub fn multilingual_would_rank(&self, lang: Lang) -> bool {
        self.multilingual_configured()
            && self
                .multilingual
                .settings
                .multilingual_langs
                .contains(&lang)
            && !self.understands(lang)
    }

    /// Whether a multilingual encoder is configured (loaded or not).
    pub fn multilingual_configured(&self) -> bool {
        self.multilingual.settings.multilingual_dir().is_some()
    }

    /// The multilingual encoder if it has been loaded already (nothing is
    /// loaded here).
    pub fn multilingual_loaded(&self) -> Option<&Multilingual> {
        self.multilingual.loaded.get().and_then(Option::as_ref)
    }

    /// The multilingual encoder, if it ranks `lang` (one of its languages
    /// that the main model does not understand) and loads; asked for no
    /// other language, it is not loaded.
    pub fn multilingual_for(&self, lang: Lang) -> Option<&Multilingual> {
        self.multilingual_would_rank(lang)
            .then(|| self.multilingual())
            .flatten()
            .filter(|m| m.understands(lang))
    }

    /// The languages of `knowledge` that the multilingual encoder ranks
    /// (none without one).
    pub fn multilingual_langs(&self, knowledge: &Knowledge) -> Vec<Lang> {
        knowledge
            .langs()
            .iter()
            .copied()
            .filter(|&l| self.multilingual_for(l).is_some())
            .collect()
    }

    /// The embedding of one query (not cached: queries rarely repeat); see
    /// [`SemanticSettings::query_threads`] for where it runs.
    pub fn embed_query(&self, text: &str) -> Result<Vec<f32>, SemanticError> {
        self.encoder.embed_one(text, None)
    }

    /// The embedding of one query for `index`: with the index's adapted
    /// last layer, if it has one.
    pub fn embed_query_for(
        &self,
        index: &SemanticIndex,
        text: &str,
    ) -> Result<Vec<f32>, SemanticError> {
        self.encoder
            .embed_one_with(text, index.adaptation().map(Adaptation::layer), None)
    }

    /// [`Semantic::embed_query`] with `beside` (say, the lexical search for
    /// the same text) run meanwhile on the query threads, if there are two:
    /// the thread that is free first takes it, then shares the embedding's
    /// work again.
    pub fn embed_query_beside<R: Send>(
        &self,
        index: Option<&SemanticIndex>,
        text: &str,
        beside: impl FnOnce() -> R + Send,
    ) -> (Result<Vec<f32>, SemanticError>, R) {
        let last = index
            .and_then(SemanticIndex::adaptation)
            .map(Adaptation::layer);
        self.encoder.embed_one_beside(text, last, beside)
    }
}

/// The multilingual encoder, loaded the first time a knowledge in one of
/// its languages is built or calibrated (on that build's own thread, never
/// on an encoder's pool: see `SemanticIndex::build_as`). A bot whose FAQ
/// is written only in the main model's languages never needs it, and it
/// is the largest of the three (twelve layers, a vocabulary of 250,002
/// pieces). A FAQ edit that adds such an entry loads it on
/// the reload.
struct LazyMultilingual {
    settings: SemanticSettings,
    /// `Some(None)` once a load has failed (reported once, not retried).
    loaded: OnceLock<Option<Multilingual>>,
}

impl LazyMultilingual {
    fn get(&self) -> Option<&Multilingual> {
        self.loaded
            .get_or_init(|| {
                let dir = self.settings.multilingual_dir()?;
                Multilingual::load(dir, &self.settings)
                    .inspect_err(|e| {
                        tracing::warn!(
                            error = %e,
                            dir = %dir.display(),
                            "multilingual encoder not usable: other languages than the main model's are ranked lexically"
                        );
                    })
                    .ok()
            })
            .as_ref()
    }
}

/// Lower-case hex of `bytes`: names of cache files and keys.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Dot product; the cosine of two unit vectors. Eight running sums let the
/// compiler use SIMD (one sum would fix the order of additions).
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    const LANES: usize = 8;
    let mut sums = [0f32; LANES];
    let (a8, b8) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let tail: f32 = a8
        .remainder()
        .iter()
        .zip(b8.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in a8.zip(b8) {
        for i in 0..LANES {
            sums[i] += x[i] * y[i];
        }
    }
    sums.iter().sum::<f32>() + tail
}

#[cfg(test)]
mod tests {
    use super::SemanticSettings;

    #[test]
    fn an_empty_companion_directory_means_none() {
        let mut settings = SemanticSettings::default();
        assert_eq!(settings.companion_dir(), None);
        settings.companion_dir = Some("".into());
        assert_eq!(settings.companion_dir(), None);
        settings.companion_dir = Some("models/use-lite".into());
        assert_eq!(
            settings.companion_dir(),
            Some(std::path::Path::new("models/use-lite"))
        );
    }

    #[test]
    fn an_empty_cache_directory_keeps_the_cache_in_memory() {
        let mut settings = SemanticSettings::default();
        assert!(settings.cache_dir().is_some());
        settings.cache_dir = Some("".into());
        assert_eq!(settings.cache_dir(), None);
        settings.cache_dir = None;
        assert_eq!(settings.cache_dir(), None);
    }

    #[test]
    fn dot_adds_every_product_including_the_tail() {
        let a: Vec<f32> = (0..19).map(|i| i as f32).collect();
        let b = vec![2.0; 19];
        assert_eq!(super::dot(&a, &b), 2.0 * (0..19).sum::<i32>() as f32);
    }
}
