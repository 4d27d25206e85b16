//! The companion encoder: a second sentence encoder, of another family
//! than the main one ([`super::use_lite::UseLite`], the Universal Sentence Encoder
//! lite), whose cosines to each entry's listed texts and centroid join the
//! fusion beside the main model's. Two encoders trained on different data
//! make different mistakes, so together they rank better than either
//! (see README: banking77 and clinc150 top-1 both rise).
//!
//! It is not adapted to the FAQ: it is small and cheap (two layers), and
//! its embeddings are cached like the main model's, under its own id, in
//! the same directory.

use std::path::{Path, PathBuf};

use candle_core::{DType, Device};
use candle_nn::VarBuilder;
use tokenizers::{Tokenizer, TruncationParams};

use super::encoder::{batched, model_id, padded};
use super::use_lite::{UseLite, UseLiteConfig};
use super::{EmbeddingCache, SemanticError, SemanticSettings};

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
    /// Where it was loaded from.
    pub dir: PathBuf,
}

impl Companion {
    /// Loads the converted model in `dir` (`config.json`, `tokenizer.json`,
    /// `model.safetensors`; see `scripts/fetch-model.sh`) at the precision
    /// of `settings`, with a cache in `settings`' cache directory.
    pub fn load(dir: &Path, settings: &SemanticSettings) -> Result<Self, SemanticError> {
        let precision = settings.precision.resolve();
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read(&path).map_err(|source| SemanticError::Read { path, source })
        };
        let config_bytes = read("config.json")?;
        let config: UseLiteConfig = serde_json::from_slice(&config_bytes)
            .map_err(|e| SemanticError::Model(format!("config.json: {e}")))?;
        let weights = read("model.safetensors")?;
        let tokenizer_bytes = read("tokenizer.json")?;
        let id = model_id(
            &[&config_bytes, &tokenizer_bytes, &weights],
            FORWARD_VERSION,
            precision,
        );
        let mut tokenizer = Tokenizer::from_bytes(&tokenizer_bytes)
            .map_err(|e| SemanticError::Model(format!("tokenizer.json: {e}")))?;
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: config.max_len,
                ..TruncationParams::default()
            }))
            .map_err(|e| SemanticError::Model(format!("tokenizer.json: {e}")))?;
        let vb = VarBuilder::from_buffered_safetensors(weights, DType::F32, &Device::Cpu)?;
        let model = UseLite::load(vb, &config, precision)?;
        let cache = EmbeddingCache::open(settings.cache_dir(), &id, model.dim());
        Ok(Companion {
            model,
            tokenizer,
            id,
            cache,
            dir: dir.to_path_buf(),
        })
    }

    /// A content hash of the model files, the code's version and the
    /// precision (see [`super::Encoder::id`]).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Length of the vectors.
    pub fn dim(&self) -> usize {
        self.model.dim()
    }

    /// Unit vectors for `texts`, in order, in batches side by side on the
    /// current rayon pool (run it on the main encoder's embedding threads,
    /// [`super::Encoder::install`]).
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, SemanticError> {
        batched(&self.tokenizer, texts, |batch| {
            let (ids, mask, len) = padded(batch);
            Ok(self.model.forward(&ids, batch.len(), len, Some(&mask))?)
        })
    }

    /// The unit vector of one query, on the calling thread: no padding.
    pub fn embed_one(&self, text: &str) -> Result<Vec<f32>, SemanticError> {
        let encoding = self
            .tokenizer
            .encode(text, true)
            .map_err(|e| SemanticError::Model(format!("tokenizing: {e}")))?;
        let ids = encoding.get_ids();
        // Nothing to read (an empty message): one masked token, whose mean
        // is zeros, as the original computes it.
        let mut vectors = if ids.is_empty() {
            self.model.forward(&[0], 1, 1, Some(&[0]))?
        } else {
            self.model.forward(ids, 1, ids.len(), None)?
        };
        vectors
            .pop()
            .ok_or_else(|| SemanticError::Model("no vector for the query".into()))
    }
}
