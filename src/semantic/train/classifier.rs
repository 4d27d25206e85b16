//! A softmax regression over entries, trained when the index is built on the
//! embeddings of each entry's title and listed questions: a learned per-entry
//! linear layer that weighs the directions of embedding space that tell this
//! FAQ's entries apart. Its weights are cached on disk under a hash of
//! everything they depend on, so a restart with the same FAQ trains nothing.

use std::path::{Path, PathBuf};

use candle_core::{Device, Tensor};
use sha2::{Digest, Sha256};

use crate::semantic::{SemanticError, hex, prune};

/// Inputs are multiplied by this before the linear layer: unit vectors have
/// small components, and a larger scale lets the few training steps reach
/// confident probabilities.
const SCALE: f32 = 10.0;
/// Gradient steps (with momentum).
const STEPS: usize = 100;
const LEARNING_RATE: f64 = 0.2;
const MOMENTUM: f64 = 0.9;
/// L2 penalty on the weights.
const L2: f64 = 1e-4;

/// A trained linear layer from embeddings to entry probabilities.
pub struct Classifier {
    /// (dim + 1) × entries, the last row is the bias.
    weights: Tensor,
    entries: usize,
}

impl Classifier {
    /// Trains on `rows` (unit vectors, `dim` each) labelled with `labels`
    /// (entry indices below `entries`), or loads the weights cached in
    /// `cache_dir` for exactly these inputs.
    pub fn train(
        rows: &[f32],
        dim: usize,
        labels: &[u32],
        entries: usize,
        cache_dir: Option<&Path>,
    ) -> Result<Self, SemanticError> {
        let file = cache_dir.map(|d| d.join(format!("clf-{}.bin", key(rows, labels, entries))));
        if let Some((file, weights)) = file
            .as_deref()
            .and_then(|f| Some((f, read_weights(f, dim, entries)?)))
        {
            prune::touch(file);
            return Ok(Classifier { weights, entries });
        }
        let weights = fit(rows, dim, labels, entries)?;
        if let Some(file) = &file {
            write_weights(file, &weights);
        }
        Ok(Classifier { weights, entries })
    }

    /// The probability of each entry for `query` (a unit vector).
    pub fn probabilities(&self, query: &[f32]) -> Result<Vec<f32>, SemanticError> {
        let x = with_bias(query, query.len(), 1)?;
        let z = x.matmul(&self.weights)?;
        let p = candle_nn::ops::softmax_last_dim(&z)?;
        let p = p.flatten_all()?.to_vec1::<f32>()?;
        debug_assert_eq!(p.len(), self.entries);
        Ok(p)
    }
}

/// Deletes all but the most recently used classifiers kept in `dir` (see
/// [`prune::KEEP`]).
pub fn prune(dir: &Path) -> usize {
    prune::prune(dir, "clf-", &[".bin"])
}

/// Full-batch gradient descent with momentum on the cross-entropy.
fn fit(rows: &[f32], dim: usize, labels: &[u32], entries: usize) -> Result<Tensor, SemanticError> {
    let n = labels.len();
    let dev = Device::Cpu;
    let x = with_bias(rows, dim, n)?;
    let xt = x.t()?.contiguous()?;
    let mut onehot = vec![0f32; n * entries];
    for (i, &l) in labels.iter().enumerate() {
        onehot[i * entries + l as usize] = 1.0;
    }
    let y = Tensor::from_vec(onehot, (n, entries), &dev)?;
    let mut w = Tensor::zeros((dim + 1, entries), candle_core::DType::F32, &dev)?;
    let mut v = w.zeros_like()?;
    for _ in 0..STEPS {
        let p = candle_nn::ops::softmax_last_dim(&x.matmul(&w)?)?;
        let grad = ((xt.matmul(&(p - &y)?)? / n as f64)? + (&w * L2)?)?;
        v = ((v * MOMENTUM)? - (grad * LEARNING_RATE)?)?;
        w = (w + &v)?;
    }
    Ok(w)
}

/// `count` rows of `dim` values, scaled, with a constant 1 appended to each.
fn with_bias(rows: &[f32], dim: usize, count: usize) -> Result<Tensor, SemanticError> {
    let mut data = Vec::with_capacity(count * (dim + 1));
    for r in rows.chunks_exact(dim) {
        data.extend(r.iter().map(|x| x * SCALE));
        data.push(1.0);
    }
    Ok(Tensor::from_vec(data, (count, dim + 1), &Device::Cpu)?)
}

/// A hash of the training inputs and the training recipe.
fn key(rows: &[f32], labels: &[u32], entries: usize) -> String {
    let mut h = Sha256::new();
    h.update(format!("{SCALE} {STEPS} {LEARNING_RATE} {MOMENTUM} {L2} {entries}").as_bytes());
    for x in rows {
        h.update(x.to_le_bytes());
    }
    for l in labels {
        h.update(l.to_le_bytes());
    }
    hex(&h.finalize()[..12])
}

fn read_weights(file: &Path, dim: usize, entries: usize) -> Option<Tensor> {
    let bytes = std::fs::read(file).ok()?;
    if bytes.len() != (dim + 1) * entries * 4 {
        return None;
    }
    let data: Vec<f32> = bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    Tensor::from_vec(data, (dim + 1, entries), &Device::Cpu).ok()
}

fn write_weights(file: &PathBuf, weights: &Tensor) {
    let result = (|| -> Result<(), Box<dyn std::error::Error>> {
        let data = weights.flatten_all()?.to_vec1::<f32>()?;
        let bytes: Vec<u8> = data.iter().flat_map(|x| x.to_le_bytes()).collect();
        if let Some(dir) = file.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let tmp = file.with_extension("tmp");
        std::fs::write(&tmp, bytes)?;
        std::fs::rename(tmp, file)?;
        Ok(())
    })();
    if let Err(e) = result {
        tracing::warn!(error = %e, path = %file.display(), "could not cache the classifier");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trained_classifier_prefers_the_entry_whose_questions_are_closest() {
        // Two entries in a 3-dimensional space: entry 0 along x, entry 1 along y.
        let rows = [1.0, 0.0, 0.0, 0.9, 0.1, 0.0, 0.0, 1.0, 0.0, 0.1, 0.9, 0.0];
        let c = Classifier::train(&rows, 3, &[0, 0, 1, 1], 2, None).expect("trains");
        let p = c.probabilities(&[0.8, 0.2, 0.0]).expect("runs");
        assert!(p[0] > 0.8 && p[1] < 0.2, "{p:?}");
        assert!((p[0] + p[1] - 1.0).abs() < 1e-5);
    }

    #[test]
    fn cached_weights_are_reused_for_the_same_inputs() {
        let dir = tempfile::tempdir().expect("temp dir");
        let rows = [1.0, 0.0, 0.0, 1.0];
        let first = Classifier::train(&rows, 2, &[0, 1], 2, Some(dir.path())).expect("trains");
        let files: Vec<_> = std::fs::read_dir(dir.path()).expect("listed").collect();
        assert_eq!(files.len(), 1);
        let q = [0.6, 0.8];
        assert!(first.probabilities(&q).expect("runs")[1] > 0.6);
        // Zeroed weights in the cache file show that they, not a new training, are used.
        let file = files[0].as_ref().expect("entry").path();
        std::fs::write(&file, vec![0u8; 3 * 2 * 4]).expect("written");
        let again = Classifier::train(&rows, 2, &[0, 1], 2, Some(dir.path())).expect("loads");
        assert_eq!(again.probabilities(&q).expect("runs"), vec![0.5, 0.5]);
    }
}
