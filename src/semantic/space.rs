//! The vectors of one knowledge version: every entry's title and listed
//! questions, and each entry's centroid (the normalised mean of those), with
//! the similarities of a query to each entry.

use std::time::{Duration, Instant};

use super::{
    Adaptation, CacheStats, Classifier, Encoder, Semantic, SemanticError, adapt, classifier, dot,
};
use crate::knowledge::Knowledge;

/// How close a query is to one entry.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct EntrySimilarity {
    /// Cosine to the closest of its title and listed questions.
    pub best: f32,
    /// Cosine to its centroid.
    pub centroid: f32,
    /// Its probability under the classifier trained on the listed questions.
    pub classifier: f32,
}

/// The embedded titles and questions of one knowledge version.
pub struct SemanticIndex {
    dim: usize,
    /// Unit vectors of every title and listed question, row after row.
    rows: Vec<f32>,
    /// The entry of each row.
    row_entry: Vec<u32>,
    /// Unit centroid of each entry, row after row.
    centroids: Vec<f32>,
    classifier: Classifier,
    /// The last layer trained for this knowledge, if any.
    adaptation: Option<Adaptation>,
    /// What the cache did during the build.
    pub stats: CacheStats,
    /// How long embedding took.
    pub build_time: Duration,
}

impl SemanticIndex {
    /// Embeds every title and listed question of `knowledge` (from the cache
    /// where possible).
    pub fn build(knowledge: &Knowledge, semantic: &Semantic) -> Result<Self, SemanticError> {
        let started = Instant::now();
        let mut texts: Vec<&str> = Vec::new();
        let mut row_entry = Vec::new();
        for (i, e) in knowledge.entries().iter().enumerate() {
            for t in std::iter::once(&e.title).chain(&e.questions) {
                texts.push(t);
                row_entry.push(i as u32);
            }
        }
        let adaptation = if semantic.adapt {
            let ids: Vec<&str> = knowledge.entries().iter().map(|e| e.id.as_str()).collect();
            Adaptation::train(
                &semantic.encoder,
                &texts,
                &row_entry,
                &ids,
                semantic.cache_dir.as_deref(),
            )?
        } else {
            None
        };
        let (vectors, stats) =
            semantic
                .cache
                .embed_all(&semantic.encoder, adaptation.as_ref(), &texts)?;
        let dim = semantic.encoder.dim();
        let mut rows = Vec::with_capacity(vectors.len() * dim);
        let mut centroids = vec![0f32; knowledge.entries().len() * dim];
        for (v, &e) in vectors.iter().zip(&row_entry) {
            rows.extend_from_slice(v);
            let c = &mut centroids[e as usize * dim..][..dim];
            c.iter_mut().zip(v.iter()).for_each(|(c, x)| *c += x);
        }
        for c in centroids.chunks_mut(dim) {
            let norm = dot(c, c).sqrt();
            if norm > 0.0 {
                c.iter_mut().for_each(|x| *x /= norm);
            }
        }
        let classifier = Classifier::train(
            &rows,
            dim,
            &row_entry,
            knowledge.entries().len(),
            semantic.cache_dir.as_deref(),
        )?;
        // What this build uses was written or marked used just now.
        if let Some(dir) = semantic.cache_dir.as_deref() {
            adapt::prune(dir);
            classifier::prune(dir);
        }
        Ok(SemanticIndex {
            dim,
            classifier,
            adaptation,
            rows,
            row_entry,
            centroids,
            stats,
            build_time: started.elapsed(),
        })
    }

    /// The last layer trained for this knowledge, which queries must be
    /// embedded with too.
    pub fn adaptation(&self) -> Option<&Adaptation> {
        self.adaptation.as_ref()
    }

    /// How many texts are embedded.
    pub fn len(&self) -> usize {
        self.row_entry.len()
    }

    /// Whether no text is embedded.
    pub fn is_empty(&self) -> bool {
        self.row_entry.is_empty()
    }

    /// The similarity of `query` (a unit vector) to every entry, by entry
    /// index. The listed texts are scanned in two halves side by side on
    /// `encoder`'s query threads (a large FAQ has tens of megabytes of them).
    pub fn similarities(
        &self,
        query: &[f32],
        encoder: &Encoder,
    ) -> Result<Vec<EntrySimilarity>, SemanticError> {
        let half = self.row_entry.len() / 2;
        let (first, second) = encoder.join(
            || {
                let probabilities = self.classifier.probabilities(query);
                (probabilities, self.best(query, 0..half))
            },
            || self.best(query, half..self.row_entry.len()),
        );
        let (probabilities, best) = first;
        let out = self
            .centroids
            .chunks_exact(self.dim)
            .zip(probabilities?)
            .zip(best.into_iter().zip(second))
            .map(|((c, p), (a, b))| EntrySimilarity {
                best: a.max(b),
                centroid: dot(c, query),
                classifier: p,
            })
            .collect();
        Ok(out)
    }

    /// Each entry's best cosine to `query` among the listed texts in `rows`
    /// (-1 for an entry with none there).
    fn best(&self, query: &[f32], rows: std::ops::Range<usize>) -> Vec<f32> {
        let mut best = vec![-1f32; self.centroids.len() / self.dim.max(1)];
        let vectors = self.rows[rows.start * self.dim..rows.end * self.dim].chunks_exact(self.dim);
        for (row, &e) in vectors.zip(&self.row_entry[rows]) {
            let slot = &mut best[e as usize];
            *slot = slot.max(dot(row, query));
        }
        best
    }
}
