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
    /// Where its weights are kept, if anywhere.
    file: Option<PathBuf>,
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
            return Ok(Classifier {
                weights,
                entries,
                file: Some(file.to_path_buf()),
            });
        }
        let weights = fit(rows, dim, labels, entries)?;
        if let Some(file) = &file {
            write_weights(file, &weights);
        }
        Ok(Classifier {
            weights,
            entries,
            file,
        })
    }

    /// Marks its file used just now, so that a prune keeps it.
    pub fn touch(&self) {
        if let Some(file) = &self.file {
            prune::touch(file);
        }
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

/// Full-batch gradient descent with momentum on the cross-entropy. Each
/// half of the rows computes its share of the gradient on a thread of its
/// own: candle's products run on one thread (`RAYON_NUM_THREADS` in main).
fn fit(rows: &[f32], dim: usize, labels: &[u32], entries: usize) -> Result<Tensor, SemanticError> {
    let n = labels.len();
    let dev = Device::Cpu;
    let half = n.div_ceil(2);
    let parts = [
        Part::of(rows, dim, labels, entries, 0..half)?,
        Part::of(rows, dim, labels, entries, half..n)?,
    ];
    let mut w = Tensor::zeros((dim + 1, entries), candle_core::DType::F32, &dev)?;
    let mut v = w.zeros_like()?;
    for _ in 0..STEPS {
        let (a, b) = std::thread::scope(|scope| {
            let b = scope.spawn(|| parts[1].gradient(&w));
            let a = parts[0].gradient(&w);
            (a, b.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
        });
        let grad = ((((a? + b?)? / n as f64)?) + (&w * L2)?)?;
        v = ((v * MOMENTUM)? - (grad * LEARNING_RATE)?)?;
        w = (w + &v)?;
    }
    Ok(w)
}

/// Some of the training rows (with a bias column), transposed, and their
/// one-hot labels.
struct Part {
    x: Tensor,
    xt: Tensor,
    y: Tensor,
}

impl Part {
    /// Rows `range` of `rows` (`dim` wide) with their `labels`.
    fn of(
        rows: &[f32],
        dim: usize,
        labels: &[u32],
        entries: usize,
        range: std::ops::Range<usize>,
    ) -> Result<Part, SemanticError> {
        let x = with_bias(&rows[range.start * dim..range.end * dim], dim, range.len())?;
        let xt = x.t()?.contiguous()?;
        let mut onehot = vec![0f32; range.len() * entries];
        for (i, &l) in labels[range.clone()].iter().enumerate() {
            onehot[i * entries + l as usize] = 1.0;
        }
        let y = Tensor::from_vec(onehot, (range.len(), entries), &Device::Cpu)?;
        Ok(Part { x, xt, y })
    }

    /// The sum over these rows of the cross-entropy's gradient at `w`.
    fn gradient(&self, w: &Tensor) -> Result<Tensor, SemanticError> {
        if self.y.dim(0)? == 0 {
            return Ok(w.zeros_like()?);
        }
        let p = candle_nn::ops::softmax_last_dim(&self.x.matmul(w)?)?;
        Ok(self.xt.matmul(&(p - &self.y)?)?)
    }
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
    fn the_gradient_of_all_rows_is_the_sum_of_the_halves() {
        let rows: Vec<f32> = (0..15)
            .map(|i| ((i * 7 % 11) as f32 - 5.0) / 10.0)
            .collect();
        let labels = [0, 1, 1, 0, 1];
        let w = Tensor::from_vec(
            (0..8).map(|i| i as f32 / 20.0 - 0.2).collect::<Vec<f32>>(),
            (4, 2),
            &Device::Cpu,
        )
        .unwrap();
        let part = |r| {
            Part::of(&rows, 3, &labels, 2, r)
                .unwrap()
                .gradient(&w)
                .unwrap()
        };
        let whole = part(0..5).flatten_all().unwrap().to_vec1::<f32>().unwrap();
        let halves = (part(0..3) + part(3..5)).unwrap();
        let halves = halves.flatten_all().unwrap().to_vec1::<f32>().unwrap();
        assert!(whole.iter().any(|g| g.abs() > 0.1), "{whole:?}");
        for (a, b) in whole.iter().zip(&halves) {
            assert!((a - b).abs() < 1e-5, "{whole:?} against {halves:?}");
        }
        let none = part(5..5).flatten_all().unwrap().to_vec1::<f32>().unwrap();
        assert!(none.iter().all(|&g| g == 0.0));
    }

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
