//! The companion encoder: a second sentence encoder, of another family
//! than the main one ([`crate::semantic::use_lite::UseLite`], the Universal Sentence Encoder
//! lite), whose cosines to each entry's listed texts and centroid join the
//! fusion beside the main model's. Two encoders trained on different data
//! make different mistakes, so together they rank better than either
//! (see docs/ranking.md: banking77 and clinc150 top-1 both rise).
//!
//! It is not adapted to the FAQ: it is small and cheap (two layers), and
//! its embeddings are cached like the main model's, under its own id, in
//! the same directory.

use std::path::{Path, PathBuf};

use candle_core::DType;

use crate::knowledge::Lang;
use crate::semantic::encoder::{ModelFiles, batched, padded};
use crate::semantic::pieces::Tokenizer;
use crate::semantic::use_lite::{UseLite, UseLiteConfig};
use crate::semantic::{EmbeddingCache, SemanticError, SemanticSettings};

/// Bumped whenever the forward pass computes differently, so that cached
/// embeddings of an earlier version are not mixed with new ones.
const FORWARD_VERSION: u64 = 1;

/// A loaded companion encoder with its embedding cache.
pub struct Companion {
    model: UseLite,
    tokenizer: Tokenizer,
    id: String,
    /// Embeddings already computed.
    pub cache: EmbeddingCache,
    /// Languages it understands.
    pub langs: Vec<Lang>,
    /// Where it was loaded from.
    pub dir: PathBuf,
}

impl Companion {
    /// Loads the converted model in `dir` (`config.json`, `tokenizer.json`,
    /// `model.safetensors`; see `crate::models`) at the precision
    /// of `settings`, with a cache in `settings`' cache directory.
    pub fn load(dir: &Path, settings: &SemanticSettings) -> Result<Self, SemanticError> {
        let precision = settings.precision.resolve();
        let files = ModelFiles::read(dir)?;
        let config: UseLiteConfig = files.config()?;
        let id = files.id(FORWARD_VERSION, precision)?;
        let tokenizer = files.tokenizer(config.max_len)?;
        let vb = files.weights.var_builder(DType::F32);
        let model = UseLite::load(vb, &config, precision)?;
        let cache = EmbeddingCache::open(settings.cache_dir(), &id, model.dim());
        let companion = Companion {
            model,
            tokenizer,
            id,
            cache,
            langs: settings.companion_langs.clone(),
            dir: dir.to_path_buf(),
        };
        // One query now, as the main encoder does, so that the first
        // customer's does not pay for candle's lazy preparation of the
        // 8-bit weights.
        companion.embed_one("warm up")?;
        Ok(companion)
    }

    /// A content hash of the model files, the code's version and the
    /// precision (see [`crate::semantic::Encoder::id`]).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Whether it understands `lang` (customers writing another language
    /// are ranked without it).
    pub fn understands(&self, lang: Lang) -> bool {
        self.langs.contains(&lang)
    }

    /// The token ids of `text`, as it is embedded (cut at the model's length).
    pub fn tokens(&self, text: &str) -> Result<Vec<u32>, SemanticError> {
        let encoding = self
            .tokenizer
            .encode(text, true)
            .map_err(|e| SemanticError::Model(format!("tokenizing: {e}")))?;
        Ok(encoding.get_ids().to_vec())
    }

    /// Length of the vectors.
    pub fn dim(&self) -> usize {
        self.model.dim()
    }

    /// Unit vectors for `texts`, in order, in batches side by side on the
    /// current rayon pool (run it on the main encoder's embedding threads,
    /// [`crate::semantic::Encoder::install`]).
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, SemanticError> {
        batched(&self.tokenizer, texts, |batch| {
            let (ids, mask, len) = padded(batch);
            Ok(self.model.forward(&ids, batch.len(), len, Some(&mask))?)
        })
    }

    /// The unit vector of one query, on the calling thread: no padding.
    pub fn embed_one(&self, text: &str) -> Result<Vec<f32>, SemanticError> {
        let ids = self.tokens(text)?;
        // Nothing to read (an empty message): one masked token, whose mean
        // is zeros, as the original computes it.
        let mut vectors = if ids.is_empty() {
            self.model.forward(&[0], 1, 1, Some(&[0]))?
        } else {
            self.model.forward(&ids, 1, ids.len(), None)?
        };
        vectors
            .pop()
            .ok_or_else(|| SemanticError::Model("no vector for the query".into()))
    }
}
