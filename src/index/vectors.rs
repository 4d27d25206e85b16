//! Sparse TF-IDF vectors over a vocabulary, for cosine similarity between a
//! customer's text and each indexed unit. tantivy's BM25 finds candidates;
//! these bounded similarities make scores comparable across queries, which
//! is what thresholds need.

use std::collections::HashMap;

/// Terms to dense ids with their inverse document frequency.
#[derive(Debug, Default)]
pub struct Vocab {
    ids: HashMap<String, u32>,
    df: Vec<u32>,
    idf: Vec<f32>,
}

/// A sparse vector sorted by term id, L2-normalised.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SparseVec(Vec<(u32, f32)>);

impl Vocab {
    /// Counts `terms` as one document and returns their ids.
    pub fn add_document(&mut self, terms: &[String]) -> Vec<u32> {
        let mut ids: Vec<u32> = terms
            .iter()
            .map(|t| {
                let next = self.ids.len() as u32;
                *self.ids.entry(t.clone()).or_insert(next)
            })
            .collect();
        self.df.resize(self.ids.len(), 0);
        let mut unique = ids.clone();
        unique.sort_unstable();
        unique.dedup();
        for id in unique {
            self.df[id as usize] += 1;
        }
        ids.shrink_to_fit();
        ids
    }

    /// Computes IDF once every document was added.
    pub fn finish(&mut self, documents: usize) {
        let n = documents as f32;
        self.idf = self
            .df
            .iter()
            .map(|&df| ((n + 1.0) / (df as f32 + 1.0)).ln() + 1.0)
            .collect();
    }

    /// Whether `term` occurs anywhere.
    pub fn contains(&self, term: &str) -> bool {
        self.ids.contains_key(term)
    }

    /// The id of `term`.
    pub fn id(&self, term: &str) -> Option<u32> {
        self.ids.get(term).copied()
    }

    /// The IDF of term `id`.
    pub fn idf(&self, id: u32) -> f32 {
        self.idf[id as usize]
    }

    /// The TF-IDF vector of term ids (repeats count).
    pub fn vector(&self, ids: impl IntoIterator<Item = u32>) -> SparseVec {
        let mut counts: HashMap<u32, f32> = HashMap::new();
        for id in ids {
            *counts.entry(id).or_default() += 1.0;
        }
        let mut v: Vec<(u32, f32)> = counts
            .into_iter()
            .map(|(id, tf)| (id, (1.0 + tf.ln()) * self.idf(id)))
            .collect();
        v.sort_unstable_by_key(|(id, _)| *id);
        let norm = v.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
        if norm > 0.0 {
            for (_, w) in &mut v {
                *w /= norm;
            }
        }
        SparseVec(v)
    }

    /// The vector of `terms`, ignoring terms not in the vocabulary.
    pub fn vector_of(&self, terms: &[String]) -> SparseVec {
        self.vector(terms.iter().filter_map(|t| self.id(t)))
    }
}

impl SparseVec {
    /// Cosine similarity (both sides are normalised).
    pub fn cosine(&self, other: &SparseVec) -> f32 {
        let (mut i, mut j, mut sum) = (0, 0, 0.0);
        let (a, b) = (&self.0, &other.0);
        while i < a.len() && j < b.len() {
            match a[i].0.cmp(&b[j].0) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    sum += a[i].1 * b[j].1;
                    i += 1;
                    j += 1;
                }
            }
        }
        sum
    }

    /// The normalised sum of `vectors`: their centroid direction.
    pub fn centroid<'a>(vectors: impl IntoIterator<Item = &'a SparseVec>) -> SparseVec {
        let SparseVec(mut v) = Self::sum(vectors);
        let norm = v.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
        if norm > 0.0 {
            for (_, w) in &mut v {
                *w /= norm;
            }
        }
        SparseVec(v)
    }

    /// The sum of `vectors`, not normalised (unlike every other vector
    /// here): for [`SparseVec::centroid`] and sums of similarities.
    pub(crate) fn sum<'a>(vectors: impl IntoIterator<Item = &'a SparseVec>) -> SparseVec {
        let mut sum: HashMap<u32, f32> = HashMap::new();
        for v in vectors {
            for (id, w) in &v.0 {
                *sum.entry(*id).or_default() += w;
            }
        }
        let mut v: Vec<(u32, f32)> = sum.into_iter().collect();
        v.sort_unstable_by_key(|(id, _)| *id);
        SparseVec(v)
    }

    /// Its squared length (1 for a normalised vector, 0 for an empty one).
    pub fn norm_squared(&self) -> f32 {
        self.0.iter().map(|(_, w)| w * w).sum()
    }

    /// The `n` heaviest term ids, heaviest first.
    pub fn top(&self, n: usize) -> Vec<u32> {
        let mut v = self.0.clone();
        v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        v.into_iter().take(n).map(|(id, _)| id).collect()
    }

    /// Whether no term has weight.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Term ids present in both vectors.
    pub fn shared(&self, other: &SparseVec) -> Vec<u32> {
        let theirs: std::collections::HashSet<u32> = other.0.iter().map(|(id, _)| *id).collect();
        self.0
            .iter()
            .filter(|(id, _)| theirs.contains(id))
            .map(|(id, _)| *id)
            .collect()
    }
}

impl Vocab {
    /// Every term's text, indexed by id.
    pub fn texts(&self) -> Vec<String> {
        let mut out = vec![String::new(); self.ids.len()];
        for (t, id) in &self.ids {
            out[*id as usize] = t.clone();
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(s: &str) -> Vec<String> {
        s.split(' ').map(String::from).collect()
    }

    #[test]
    fn identical_texts_have_cosine_one_and_disjoint_zero() {
        let mut v = Vocab::default();
        let a = v.add_document(&terms("reset password"));
        let b = v.add_document(&terms("printer offline"));
        v.finish(2);
        let (va, vb) = (v.vector(a.clone()), v.vector(b));
        assert!((va.cosine(&v.vector(a)) - 1.0).abs() < 1e-5);
        assert_eq!(va.cosine(&vb), 0.0);
    }

    #[test]
    fn rare_terms_weigh_more() {
        let mut v = Vocab::default();
        v.add_document(&terms("my printer"));
        v.add_document(&terms("my vpn"));
        v.add_document(&terms("my mail"));
        v.finish(3);
        let q = v.vector_of(&terms("my printer"));
        let printer = v.vector_of(&terms("printer"));
        let my = v.vector_of(&terms("my"));
        assert!(q.cosine(&printer) > q.cosine(&my));
    }
}
