//! The multilingual encoder: multilingual-e5-small, a BERT of twelve layers
//! trained on about a hundred languages, whose cosines let a German (or
//! other non-English) question find the entries that answer it, where the
//! main model and the companion understand English only. It runs on the
//! same candle BERT as the main model ([`crate::semantic::Encoder`]: mean pooling over
//! every token, special ones included, as it was trained), with the prefixes
//! e5 was trained with: `query: ` before a customer's question and before
//! every listed text (title and questions), which are questions too, not
//! passages (measured in docs/ranking.md); `passage: ` before the start of
//! an answer.
//!
//! Its 250,002 pieces are held compactly (`crate::semantic::pieces`: a
//! few megabytes, where the `tokenizers` crate's own trie took 250 MB).
//!
//! It is not adapted to the FAQ. Its embeddings are cached under its own
//! model id in the main model's cache directory. A model that fails to load
//! or to embed leaves the others ranking.

use std::path::{Path, PathBuf};

use crate::knowledge::Lang;
use crate::semantic::{
    BuildKind, CacheStats, EmbeddingCache, Encoder, SemanticError, SemanticSettings, Vector,
};

/// What e5 expects before a question (a customer's or a listed one).
pub const QUERY_PREFIX: &str = "query: ";
/// What e5 expects before a text that answers a question.
pub const PASSAGE_PREFIX: &str = "passage: ";

/// A loaded multilingual encoder with its embedding cache.
pub struct Multilingual {
    /// The model, with threads of its own.
    pub encoder: Encoder,
    /// Embeddings of listed texts already computed.
    pub cache: EmbeddingCache,
    /// Languages whose customers it ranks for.
    pub langs: Vec<Lang>,
    /// Where it was loaded from.
    pub dir: PathBuf,
}

impl Multilingual {
    /// Loads the model in `dir` (a BERT in the Hugging Face layout, as the
    /// converter writes multilingual-e5-small) at the precision of
    /// `settings`, with a cache in `settings`' cache directory.
    pub fn load(dir: &Path, settings: &SemanticSettings) -> Result<Self, SemanticError> {
        let encoder = Encoder::load(dir, settings.precision, settings.query_threads)?;
        let cache = EmbeddingCache::open(settings.cache_dir(), encoder.id(), encoder.dim());
        Ok(Multilingual {
            encoder,
            cache,
            langs: settings.multilingual_langs.clone(),
            dir: dir.to_path_buf(),
        })
    }

    /// A content hash of the model files, the code's version and the
    /// precision (see [`Encoder::id`]).
    pub fn id(&self) -> &str {
        self.encoder.id()
    }

    /// Whether customers writing `lang` are ranked with it.
    pub fn understands(&self, lang: Lang) -> bool {
        self.langs.contains(&lang)
    }

    /// Length of the vectors.
    pub fn dim(&self) -> usize {
        self.encoder.dim()
    }

    /// Unit vectors, through the cache, as an index build of `kind`
    /// embeds them, in batches on its own embedding threads: the listed
    /// texts (with e5's query prefix), then the answer `passages` that are
    /// not empty (with its passage prefix), in one pass.
    pub fn embed_listed(
        &self,
        texts: &[&str],
        passages: &[&str],
        kind: BuildKind,
    ) -> Result<(Vec<Vector>, CacheStats), SemanticError> {
        let mut all = prefixed(QUERY_PREFIX, texts);
        let passages: Vec<&str> = passages.iter().copied().filter(|p| !p.is_empty()).collect();
        all.extend(prefixed(PASSAGE_PREFIX, &passages));
        let refs: Vec<&str> = all.iter().map(String::as_str).collect();
        // Keyed by the prefixed text: a title that is also an answer
        // differs by its prefix.
        self.cache
            .embed_with("", &refs, kind, |batch| self.encoder.embed(batch))
    }

    /// The unit vector of one customer's question, its work halved over
    /// the query threads (see [`Encoder::embed_one`]).
    pub fn embed_query(&self, text: &str) -> Result<Vec<f32>, SemanticError> {
        self.encoder
            .embed_one(&format!("{QUERY_PREFIX}{text}"), None)
    }
}

/// `texts` with `prefix` before each.
fn prefixed(prefix: &str, texts: &[&str]) -> Vec<String> {
    texts.iter().map(|t| format!("{prefix}{t}")).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_text_gets_the_query_prefix() {
        assert_eq!(
            super::prefixed(super::QUERY_PREFIX, &["Wecker stellen", ""]),
            vec!["query: Wecker stellen".to_string(), "query: ".to_string()]
        );
    }
}
