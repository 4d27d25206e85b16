//! Adapting the encoder to one FAQ: when the index is built, the model's last
//! layer is trained further on the FAQ's own titles and listed questions, so
//! that questions of one entry move together and away from the others'
//! (cross-entropy over the cosines to one learned direction per entry; the
//! other layers stay as they are). The adapted layer then embeds the listed
//! texts and every query of that knowledge version.
//!
//! Only the last layer is trained, from the inputs it sees (computed once),
//! and the work is bounded ([`PER_ENTRY`], [`BUDGET`]); each step's texts
//! are padded in chunks of similar length: banking77's 847 titles and
//! questions train in about 20 s on two cores. Its weights are
//! kept on disk under a hash of everything they depend on, so a restart
//! with the same FAQ trains nothing. After an FAQ edit, a kept layer
//! trained on nearly the same texts is used again (see [`REUSE_MIN`]), so
//! only the changed texts are embedded; a larger change trains anew and
//! re-embeds every listed text.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use candle_core::backprop::GradStore;
use candle_core::{D, DType, Device, Tensor, Var};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};
use candle_transformers::models::bert::HiddenAct;
use sha2::{Digest, Sha256};

use crate::semantic::bert::{Bert, Layer, LayerWeights};
use crate::semantic::dense::{mean_over, unit_rows};
use crate::semantic::encoder::{Encoder, padded_rows};
use crate::semantic::{SemanticError, hex, prune};

/// Texts of one entry trained on, at most (its title and first questions):
/// enough to learn what sets it apart, and a bound on training time for
/// FAQs that list hundreds of questions per entry.
const PER_ENTRY: usize = 12;
/// Passes over the training texts, at most.
const EPOCHS: usize = 4;
/// Texts trained on in all passes together, at most, unless one pass alone
/// is more (fewer passes for a large training set): bounds the time a large
/// FAQ takes to build.
const BUDGET: usize = 6_600;
/// Texts per gradient step.
const BATCH: usize = 32;
/// Learning rate of the layer's weights; the entry directions learn
/// [`HEAD_FACTOR`] times faster, as they start from plain centroids.
const LEARNING_RATE: f64 = 2e-4;
const HEAD_FACTOR: f64 = 20.0;
const WEIGHT_DECAY: f64 = 0.01;
/// Cosines are multiplied by this before the softmax.
const SCALE: f64 = 20.0;
/// Bumped whenever training computes differently.
const RECIPE_VERSION: u32 = 1;

/// A last layer trained for one FAQ.
pub struct Adaptation {
    layer: Layer,
    id: String,
    trained: bool,
}

impl Adaptation {
    /// The layer that replaces the model's last one.
    pub fn layer(&self) -> &Layer {
        &self.layer
    }

    /// A hash of what the layer was trained from: embeddings made with it
    /// are cached under it.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Whether the layer was trained now (else loaded from the cache).
    pub fn trained(&self) -> bool {
        self.trained
    }

    /// Trains the last layer of `encoder` on `texts` labelled with their
    /// entries (`labels`, indices into `entry_ids`), or loads one kept in
    /// `cache_dir`:
    /// the one trained on exactly these inputs, else one trained on nearly
    /// the same texts (at least [`REUSE_MIN`] of them shared), so that an
    /// FAQ edit, and the restart after it, embed only what changed. `None`
    /// when there is nothing to tell apart (fewer than two entries).
    ///
    /// `stands_for` is, for a layer that stands in for another FAQ's (a
    /// calibration round's, made from part of that FAQ), how many texts
    /// that FAQ's layer trains on ([`Adaptation::training_size`]): it is
    /// trained for as many passes as that one, so that what the round
    /// measures is the FAQ's own layer; `None` for an FAQ's own.
    pub fn train(
        encoder: &Encoder,
        texts: &[&str],
        labels: &[u32],
        entry_ids: &[&str],
        cache_dir: Option<&Path>,
        stands_for: Option<usize>,
    ) -> Result<Option<Self>, SemanticError> {
        let entries = entry_ids.len();
        if entries < 2 {
            return Ok(None);
        }
        let (texts, labels) = training_set(texts, labels);
        let passes = epochs(stands_for.unwrap_or(texts.len()));
        let start = encoder.model().last_layer();
        // A stand-in's passes are part of what it was trained by (an FAQ's
        // own follow from its texts).
        let recipe = match stands_for {
            Some(_) => format!("{} {passes}", recipe(encoder.id())),
            None => recipe(encoder.id()),
        };
        let text_keys: Vec<TextKey> = texts
            .iter()
            .zip(&labels)
            .map(|(t, &l)| text_key(&recipe, entry_ids[l as usize], t))
            .collect();
        let exact = key(&recipe, &texts, &labels);
        let kept = cache_dir.and_then(|dir| {
            std::iter::once(Some(exact.clone()))
                .chain(std::iter::once_with(|| nearest(dir, &text_keys)))
                .flatten()
                .find_map(|id| {
                    let file = weights_file(dir, &id);
                    let weights = read_weights(&file, start)?;
                    prune::touch(&file);
                    Some((weights, id))
                })
        });
        let (weights, id, trained) = match kept {
            Some((w, id)) => (w, id, false),
            None => {
                let started = std::time::Instant::now();
                let inputs = encoder.below_last(&texts)?;
                let w = fit(encoder, &inputs, &labels, entries, passes)?;
                drop(inputs);
                crate::semantic::runtime::release_freed();
                tracing::info!(
                    texts = texts.len(),
                    seconds = started.elapsed().as_secs_f32(),
                    "adapted the model's last layer to the FAQ"
                );
                if let Some(dir) = cache_dir {
                    write_weights(dir, &exact, &w, &text_keys);
                }
                (w, exact, true)
            }
        };
        let layer = encoder.model().layer_from(&weights, encoder.precision())?;
        Ok(Some(Adaptation { layer, id, trained }))
    }

    /// How many texts an FAQ's layer trains on, given how many texts (its
    /// title and listed questions) each entry has: at most [`PER_ENTRY`]
    /// of each.
    pub fn training_size(per_entry: impl IntoIterator<Item = usize>) -> usize {
        per_entry.into_iter().map(|n| n.min(PER_ENTRY)).sum()
    }
}

impl Adaptation {
    /// Marks the layer's file in `dir` used just now, so that a prune keeps it.
    pub fn touch(&self, dir: &Path) {
        prune::touch(&weights_file(dir, &self.id));
    }
}

/// Deletes all but the most recently used layers kept in `dir` (see
/// [`prune::KEEP`]).
pub fn prune(dir: &Path) -> usize {
    prune::prune(dir, "adapt-", &[".safetensors", ".texts"])
}

/// A layer trained on other texts is used when at least this share of the
/// texts it was trained on and of the texts it would be trained on now are
/// the same: a few edits change little of what sets entries apart.
pub const REUSE_MIN: f64 = 0.9;

/// A hash of one training text, its entry, the model and the recipe.
type TextKey = [u8; 16];

fn text_key(recipe: &str, entry: &str, text: &str) -> TextKey {
    let mut h = Sha256::new();
    for part in [recipe, entry, text] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    let mut k = [0; 16];
    k.copy_from_slice(&h.finalize()[..16]);
    k
}

fn weights_file(dir: &Path, id: &str) -> PathBuf {
    dir.join(format!("adapt-{id}.safetensors"))
}

fn keys_file(dir: &Path, id: &str) -> PathBuf {
    dir.join(format!("adapt-{id}.texts"))
}

/// The id of the layer in `dir` trained on the texts most alike `texts`,
/// if at least [`REUSE_MIN`] alike.
fn nearest(dir: &Path, texts: &[TextKey]) -> Option<String> {
    let now: HashSet<&TextKey> = texts.iter().collect();
    let mut best: Option<(f64, String)> = None;
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let name = entry.file_name();
        let Some(id) = name
            .to_str()
            .and_then(|n| n.strip_prefix("adapt-")?.strip_suffix(".texts"))
        else {
            continue;
        };
        let Ok(bytes) = std::fs::read(entry.path()) else {
            continue;
        };
        let then: HashSet<&[u8]> = bytes.chunks_exact(16).collect();
        let shared = now.iter().filter(|k| then.contains(k.as_slice())).count();
        let share = shared as f64 / now.len().max(then.len()).max(1) as f64;
        if share >= REUSE_MIN && best.as_ref().is_none_or(|(s, _)| share > *s) {
            best = Some((share, id.to_string()));
        }
    }
    best.map(|(_, id)| id)
}

/// At most [`PER_ENTRY`] texts of each entry, in their order.
fn training_set<'a>(texts: &[&'a str], labels: &[u32]) -> (Vec<&'a str>, Vec<u32>) {
    let mut taken: HashMap<u32, usize> = HashMap::new();
    texts
        .iter()
        .zip(labels)
        .filter(|(_, l)| {
            let n = taken.entry(**l).or_default();
            *n += 1;
            *n <= PER_ENTRY
        })
        .map(|(t, l)| (*t, *l))
        .unzip()
}

/// The layer's weights as trainable variables.
struct Trainable {
    parts: Vec<(Var, Var)>,
}

impl Trainable {
    fn new(w: &LayerWeights) -> Result<Self, SemanticError> {
        let parts = w
            .parts()
            .iter()
            .map(|(w, b)| Ok((Var::from_tensor(w)?, Var::from_tensor(b)?)))
            .collect::<Result<_, SemanticError>>()?;
        Ok(Trainable { parts })
    }

    fn part(&self, i: usize) -> (&Tensor, &Tensor) {
        (self.parts[i].0.as_tensor(), self.parts[i].1.as_tensor())
    }

    fn vars(&self) -> Vec<Var> {
        self.parts
            .iter()
            .flat_map(|(w, b)| [w.clone(), b.clone()])
            .collect()
    }

    fn weights(&self, like: &LayerWeights) -> Result<LayerWeights, SemanticError> {
        let parts = self
            .parts
            .iter()
            .map(|(w, b)| (w.as_tensor().detach(), b.as_tensor().detach()))
            .collect();
        Ok(LayerWeights::from_parts(parts, like)?)
    }
}

/// What the layer needs to know of the model around it.
struct Shape {
    heads: usize,
    head_size: usize,
    eps: f64,
    act: HiddenAct,
}

impl Shape {
    fn of(model: &Bert) -> Self {
        let (heads, head_size) = model.heads();
        Shape {
            heads,
            head_size,
            eps: model.eps(),
            act: model.act(),
        }
    }
}

/// The last layer on a padded batch of its inputs (batch × len × hidden),
/// mean-pooled over the real tokens (`mask`, batch × len) and normalised:
/// the same computation as the encoder's, in ops that candle differentiates.
fn pooled(
    layer: &Trainable,
    shape: &Shape,
    x: &Tensor,
    mask: &Tensor,
) -> Result<Tensor, SemanticError> {
    let (batch, len, hidden) = x.dims3()?;
    let (heads, hs) = (shape.heads, shape.head_size);
    let linear = |x: &Tensor, i: usize| -> candle_core::Result<Tensor> {
        let (w, b) = layer.part(i);
        x.matmul(&w.t()?)?.broadcast_add(b)
    };
    // The layer's input is not trained: its product with the first weights
    // differentiates for the weights alone.
    let linear_on_input = |x: &Tensor, i: usize| -> candle_core::Result<Tensor> {
        let (w, b) = layer.part(i);
        x.apply_op2(&w.t()?, InputProduct)?.broadcast_add(b)
    };
    let norm = |x: &Tensor, i: usize| -> candle_core::Result<Tensor> {
        let (g, b) = layer.part(i);
        let centred = x.broadcast_sub(&x.mean_keepdim(D::Minus1)?)?;
        let var = centred.sqr()?.mean_keepdim(D::Minus1)?;
        centred
            .broadcast_div(&(var + shape.eps)?.sqrt()?)?
            .broadcast_mul(g)?
            .broadcast_add(b)
    };
    let flat = x.reshape((batch * len, hidden))?;
    let qkv = linear_on_input(&flat, 0)?
        .reshape((batch, len, 3, heads, hs))?
        .permute((2, 0, 3, 1, 4))?
        .contiguous()?;
    let (q, k, v) = (qkv.get(0)?, qkv.get(1)?, qkv.get(2)?);
    // Padding gets no attention: a large negative added to its scores.
    let additive = ((mask.reshape((batch, 1, 1, len))? - 1.0)? * 1e9)?;
    let scores = q.matmul(&k.t()?.contiguous()?)?.broadcast_add(&additive)?;
    let probs = candle_nn::ops::softmax(&scores, D::Minus1)?;
    let context = probs
        .matmul(&v)?
        .transpose(1, 2)?
        .contiguous()?
        .reshape((batch * len, hidden))?;
    let attended = norm(&(linear(&context, 1)? + &flat)?, 2)?;
    let inner = linear(&attended, 3)?;
    let inner = match shape.act {
        HiddenAct::Gelu => inner.gelu_erf()?,
        HiddenAct::GeluApproximate => inner.gelu()?,
        HiddenAct::Relu => inner.relu()?,
    };
    let out = norm(&(linear(&inner, 4)? + &attended)?, 5)?.reshape((batch, len, hidden))?;
    Ok(unit_rows(&mean_over(&out, &mask.unsqueeze(2)?)?)?)
}

/// `x × w` for a matrix `x` that is not trained (the layer's input): the
/// product candle's `matmul` computes, differentiated for `w` alone. Its
/// gradient for `x`, which nothing uses, would cost as much as the product.
struct InputProduct;

impl candle_core::CustomOp2 for InputProduct {
    fn name(&self) -> &'static str {
        "input-product"
    }

    fn cpu_fwd(
        &self,
        x: &candle_core::CpuStorage,
        x_layout: &candle_core::Layout,
        w: &candle_core::CpuStorage,
        w_layout: &candle_core::Layout,
    ) -> candle_core::Result<(candle_core::CpuStorage, candle_core::Shape)> {
        use candle_core::backend::BackendStorage;
        let (m, k) = x_layout.shape().dims2()?;
        let (k2, n) = w_layout.shape().dims2()?;
        if k != k2 {
            candle_core::bail!("input-product: {m}×{k} by {k2}×{n}");
        }
        let product = x.matmul(w, (1, m, n, k), x_layout, w_layout)?;
        Ok((product, candle_core::Shape::from((m, n))))
    }

    fn bwd(
        &self,
        x: &Tensor,
        _w: &Tensor,
        _product: &Tensor,
        grad: &Tensor,
    ) -> candle_core::Result<(Option<Tensor>, Option<Tensor>)> {
        Ok((None, Some(x.t()?.matmul(grad)?)))
    }
}

/// Inputs `rows` (tokens × hidden each) zero-padded into one batch, with
/// their mask (1 for real tokens): [`padded_rows`] shaped for training.
fn padded(rows: &[&Tensor]) -> Result<(Tensor, Tensor), SemanticError> {
    let (x, mask, len) = padded_rows(rows)?;
    let hidden = x.dim(1)?;
    let mask: Vec<f32> = mask.into_iter().map(|m| m as f32).collect();
    Ok((
        x.reshape((rows.len(), len, hidden))?,
        Tensor::from_vec(mask, (rows.len(), len), &Device::Cpu)?,
    ))
}

/// AdamW on the cross-entropy of the scaled cosines to one direction per
/// entry, the directions starting at the entries' centroids.
fn fit(
    encoder: &Encoder,
    inputs: &[Tensor],
    labels: &[u32],
    entries: usize,
    passes: usize,
) -> Result<LayerWeights, SemanticError> {
    let model = encoder.model();
    let shape = Shape::of(model);
    let layer = Trainable::new(model.last_layer())?;
    let head = Var::from_tensor(&centroids(&layer, &shape, inputs, labels, entries)?)?;
    let mut optimiser = AdamW::new(
        layer.vars(),
        ParamsAdamW {
            lr: LEARNING_RATE,
            weight_decay: WEIGHT_DECAY,
            ..ParamsAdamW::default()
        },
    )?;
    let mut head_optimiser = AdamW::new(
        vec![head.clone()],
        ParamsAdamW {
            lr: LEARNING_RATE * HEAD_FACTOR,
            weight_decay: WEIGHT_DECAY,
            ..ParamsAdamW::default()
        },
    )?;
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    for _ in 0..passes {
        for batch in batches(inputs.len(), &mut seed) {
            // Each half of the batch on a thread of its own; the gradient of
            // the batch's mean loss is the size-weighted mean of the halves'.
            // A half is padded chunk by chunk of texts of similar length.
            let [first, second] = halves(&batch, inputs)?;
            let loss_of = |part: &[Vec<usize>]| -> Result<Option<(GradStore, f64)>, SemanticError> {
                let count: usize = part.iter().map(Vec::len).sum();
                let mut total: Option<Tensor> = None;
                for chunk in part.iter().filter(|c| !c.is_empty()) {
                    let rows: Vec<&Tensor> = chunk.iter().map(|&i| &inputs[i]).collect();
                    let (x, mask) = padded(&rows)?;
                    let y: Vec<u32> = chunk.iter().map(|&i| labels[i]).collect();
                    let y = Tensor::from_vec(y, chunk.len(), &Device::Cpu)?;
                    let e = pooled(&layer, &shape, &x, &mask)?;
                    let logits = (e.matmul(&unit_rows(head.as_tensor())?.t()?)? * SCALE)?;
                    let loss = (candle_nn::loss::cross_entropy(&logits, &y)?
                        * (chunk.len() as f64 / count as f64))?;
                    total = Some(match total {
                        Some(t) => (t + loss)?,
                        None => loss,
                    });
                }
                let Some(loss) = total else {
                    return Ok(None);
                };
                Ok(Some((loss.backward()?, count as f64 / batch.len() as f64)))
            };
            let (a, b) = encoder.install(|| rayon::join(|| loss_of(&first), || loss_of(&second)));
            let grads = match (a?, b?) {
                (Some((mut ga, wa)), Some((gb, wb))) => {
                    for var in layer.vars().iter().chain([&head]) {
                        let t = var.as_tensor();
                        if let (Some(x), Some(y)) = (ga.get(t), gb.get(t)) {
                            let sum = ((x * wa)? + (y * wb)?)?;
                            ga.insert(t, sum);
                        }
                    }
                    ga
                }
                (Some((g, _)), None) | (None, Some((g, _))) => g,
                (None, None) => continue,
            };
            optimiser.step(&grads)?;
            head_optimiser.step(&grads)?;
        }
    }
    layer.weights(model.last_layer())
}

/// `batch` split for the two threads: sorted by length into four chunks,
/// each padded to its own longest text (padding every text of a random
/// batch to the batch's longest about doubled the work), the shortest and
/// the longest chunk to one thread, the middle two to the other, so both
/// have about as many tokens to compute. The batch's texts, and so its
/// gradient, are the same as without chunks.
fn halves(batch: &[usize], inputs: &[Tensor]) -> Result<[Vec<Vec<usize>>; 2], SemanticError> {
    let mut sorted = Vec::with_capacity(batch.len());
    for &i in batch {
        sorted.push((inputs[i].dim(0)?, i));
    }
    sorted.sort_unstable();
    let n = sorted.len();
    let chunk = |c: usize| -> Vec<usize> {
        sorted[c * n / 4..(c + 1) * n / 4]
            .iter()
            .map(|&(_, i)| i)
            .collect()
    };
    Ok([vec![chunk(0), chunk(3)], vec![chunk(1), chunk(2)]])
}

/// Unit centroids of each entry's texts under the layer as it is.
fn centroids(
    layer: &Trainable,
    shape: &Shape,
    inputs: &[Tensor],
    labels: &[u32],
    entries: usize,
) -> Result<Tensor, SemanticError> {
    let dim = shape.heads * shape.head_size;
    let mut sums = vec![0f32; entries * dim];
    // By length, so that each batch is padded little.
    let mut order: Vec<usize> = (0..inputs.len()).collect();
    order.sort_by_key(|&i| inputs[i].dim(0).unwrap_or(0));
    for batch in order.chunks(BATCH) {
        let rows: Vec<&Tensor> = batch.iter().map(|&i| &inputs[i]).collect();
        let (x, mask) = padded(&rows)?;
        let e = pooled(layer, shape, &x, &mask)?.detach().to_vec2::<f32>()?;
        for (v, &i) in e.iter().zip(batch) {
            let s = &mut sums[labels[i] as usize * dim..][..dim];
            s.iter_mut().zip(v).for_each(|(s, x)| *s += x);
        }
    }
    let c = Tensor::from_vec(sums, (entries, dim), &Device::Cpu)?;
    Ok(unit_rows(&c)?)
}

/// Passes over `texts` training texts: [`EPOCHS`], fewer when that would
/// exceed [`BUDGET`], at least one.
fn epochs(texts: usize) -> usize {
    (BUDGET / texts.max(1)).clamp(1, EPOCHS)
}

/// One epoch's batches of text indices, shuffled.
fn batches(count: usize, seed: &mut u64) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..count).collect();
    shuffle(&mut order, seed);
    order.chunks(BATCH).map(<[usize]>::to_vec).collect()
}

/// Fisher–Yates with xorshift64*: the same order on every machine.
fn shuffle(order: &mut [usize], seed: &mut u64) {
    for i in (1..order.len()).rev() {
        *seed ^= *seed >> 12;
        *seed ^= *seed << 25;
        *seed ^= *seed >> 27;
        let r = seed.wrapping_mul(0x2545_f491_4f6c_dd1d);
        order.swap(i, (r % (i as u64 + 1)) as usize);
    }
}

/// The model and everything that decides how training computes.
pub(crate) fn recipe(model_id: &str) -> String {
    format!(
        "{model_id} {RECIPE_VERSION} {PER_ENTRY} {EPOCHS} {BUDGET} {BATCH} {LEARNING_RATE} {HEAD_FACTOR} {WEIGHT_DECAY} {SCALE}"
    )
}

/// A hash of the recipe and the training texts with their labels.
fn key(recipe: &str, texts: &[&str], labels: &[u32]) -> String {
    let mut h = Sha256::new();
    h.update(recipe.as_bytes());
    for (t, l) in texts.iter().zip(labels) {
        h.update(l.to_le_bytes());
        h.update((t.len() as u64).to_le_bytes());
        h.update(t.as_bytes());
    }
    hex(&h.finalize()[..12])
}

fn read_weights(file: &Path, like: &LayerWeights) -> Option<LayerWeights> {
    let mut tensors = candle_core::safetensors::load(file, &Device::Cpu).ok()?;
    let parts = LayerWeights::NAMES
        .iter()
        .map(|n| {
            Some((
                tensors.remove(&format!("{n}.weight"))?,
                tensors.remove(&format!("{n}.bias"))?,
            ))
        })
        .collect::<Option<Vec<_>>>()?;
    let parts = parts
        .into_iter()
        .map(|(w, b)| Some((w.to_dtype(DType::F32).ok()?, b.to_dtype(DType::F32).ok()?)))
        .collect::<Option<Vec<_>>>()?;
    LayerWeights::from_parts(parts, like).ok()
}

/// Writes the weights, then the keys of the texts they were trained on,
/// each beside its final name first and then renamed, so that a crash (or
/// another process writing the same layer) never leaves a partial file
/// under a name that is read. A failure costs only training again later.
fn write_weights(dir: &Path, id: &str, w: &LayerWeights, texts: &[TextKey]) {
    let tensors: HashMap<String, Tensor> = LayerWeights::NAMES
        .iter()
        .zip(w.parts())
        .flat_map(|(n, (w, b))| {
            [
                (format!("{n}.weight"), w.clone()),
                (format!("{n}.bias"), b.clone()),
            ]
        })
        .collect();
    let file = weights_file(dir, id);
    let written = std::fs::create_dir_all(dir)
        .map_err(candle_core::Error::wrap)
        .and_then(|()| {
            write_then_rename(&file, |partial| {
                candle_core::safetensors::save(&tensors, partial)
            })
        })
        .and_then(|()| {
            write_then_rename(&keys_file(dir, id), |partial| {
                std::fs::write(partial, texts.concat()).map_err(candle_core::Error::wrap)
            })
        });
    if let Err(e) = written {
        tracing::warn!(error = %e, path = %file.display(), "could not keep the adapted layer");
    }
}

/// `write` to a name of this process's own beside `file`, then renamed.
fn write_then_rename(
    file: &Path,
    write: impl FnOnce(&Path) -> candle_core::Result<()>,
) -> candle_core::Result<()> {
    static WRITES: AtomicUsize = AtomicUsize::new(0);
    let partial = PathBuf::from(format!(
        "{}.{}-{}.partial",
        file.display(),
        std::process::id(),
        WRITES.fetch_add(1, Ordering::Relaxed)
    ));
    let done = write(&partial)
        .and_then(|()| std::fs::rename(&partial, file).map_err(candle_core::Error::wrap));
    if done.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    done
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use candle_core::Tensor;

    use super::{Shape, Trainable, padded, pooled, shuffle, training_set};
    use crate::semantic::{Encoder, Precision, dot};

    /// MiniLM in f32, if fetched (in CI it must be).
    fn minilm() -> Option<Encoder> {
        let name = crate::models::Model::MiniLm.dir_name();
        let checkout = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("models")
            .join(name);
        let dir = if checkout.join("model.safetensors").exists() {
            checkout
        } else {
            crate::models::env_dir().join(name)
        };
        if !dir.join("model.safetensors").exists() {
            assert_ne!(
                std::env::var("CI").as_deref(),
                Ok("true"),
                "no model in {dir:?}"
            );
            return None;
        }
        Some(Encoder::load(&dir, Precision::F32, 1).expect("loads"))
    }

    /// The differentiable copy of the last layer and the pooling computes
    /// what the encoder does (f32, same weights).
    #[test]
    fn the_layer_trained_computes_what_the_encoder_does() {
        let Some(encoder) = minilm() else { return };
        let texts = [
            "How do I reset my password?",
            "VPN",
            "the printer on the third floor is missing from my laptop since Monday",
        ];
        let inputs = encoder.below_last(&texts).expect("inputs");
        let rows: Vec<&Tensor> = inputs.iter().collect();
        let (x, mask) = padded(&rows).expect("padded");
        let layer = Trainable::new(encoder.model().last_layer()).expect("vars");
        let got = pooled(&layer, &Shape::of(encoder.model()), &x, &mask)
            .expect("pooled")
            .to_vec2::<f32>()
            .expect("values");
        let want = encoder.embed(&texts).expect("embeds");
        for (g, w) in got.iter().zip(&want) {
            let cos = dot(g, w);
            assert!(cos > 0.9999, "cos {cos}");
        }
    }

    /// A replaced last layer run on the inputs kept while remembering
    /// gives what a whole forward pass gives, and what is kept is let go
    /// with the last holder.
    #[test]
    fn a_layer_on_kept_inputs_embeds_as_a_whole_pass_does() {
        let Some(encoder) = minilm() else { return };
        let texts = [
            "How do I reset my password?",
            "VPN",
            "the printer on the third floor is missing from my laptop since Monday",
        ];
        let model = encoder.model();
        let layer = model
            .layer_from(model.last_layer(), Precision::F32)
            .expect("layer");
        let whole = encoder.embed(&texts).expect("embeds");
        let alone = encoder.embed_with(&texts, Some(&layer)).expect("embeds");
        assert_eq!(encoder.remembered(), 0, "nothing kept unless asked");
        let outer = encoder.remembering();
        let inner = encoder.remembering();
        let inputs = encoder.below_last(&texts[..2]).expect("inputs");
        assert_eq!(encoder.remembered(), 2);
        let kept = encoder.embed_with(&texts, Some(&layer)).expect("embeds");
        assert_eq!(encoder.remembered(), 3);
        let again = encoder.embed_with(&texts, Some(&layer)).expect("embeds");
        assert_eq!(kept, again, "the same inputs, the same vectors");
        for ((w, a), k) in whole.iter().zip(&alone).zip(&kept) {
            assert!(dot(w, a) > 0.99999 && dot(w, k) > 0.99999);
        }
        assert_eq!(inputs[1].dims()[1], 384, "tokens × hidden");
        drop(inner);
        assert_eq!(encoder.remembered(), 3, "one holder is left");
        drop(outer);
        assert_eq!(encoder.remembered(), 0);
    }

    #[test]
    fn each_entry_trains_on_its_first_texts_only() {
        let texts: Vec<String> = (0..40).map(|i| format!("t{i}")).collect();
        let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
        let labels: Vec<u32> = (0..40).map(|i| if i < 30 { 0 } else { 1 }).collect();
        let (t, l) = training_set(&texts, &labels);
        assert_eq!(t.len(), super::PER_ENTRY + 10);
        assert_eq!(t[0], "t0");
        assert_eq!(t[super::PER_ENTRY], "t30");
        assert_eq!(l.iter().filter(|&&l| l == 0).count(), super::PER_ENTRY);
    }

    #[test]
    fn every_text_is_in_one_batch_of_an_epoch() {
        let mut seed = 1;
        let batches = super::batches(300, &mut seed);
        assert!(
            batches
                .iter()
                .all(|b| !b.is_empty() && b.len() <= super::BATCH)
        );
        let mut all: Vec<usize> = batches.concat();
        all.sort_unstable();
        assert_eq!(all, (0..300).collect::<Vec<_>>());
    }

    #[test]
    fn a_layer_is_reused_when_at_least_nine_in_ten_texts_are_the_same() {
        let dir = tempfile::tempdir().expect("temp dir");
        let keys: Vec<super::TextKey> = (0..32)
            .map(|i| super::text_key("recipe", "entry", &format!("text {i}")))
            .collect();
        std::fs::write(super::keys_file(dir.path(), "old"), keys.concat()).expect("written");
        let edited = |changed: usize| -> Vec<super::TextKey> {
            let mut now = keys.clone();
            for (i, k) in now.iter_mut().take(changed).enumerate() {
                *k = super::text_key("recipe", "entry", &format!("reworded {i}"));
            }
            now
        };
        assert_eq!(
            super::nearest(dir.path(), &edited(0)).as_deref(),
            Some("old")
        );
        assert_eq!(
            super::nearest(dir.path(), &edited(3)).as_deref(),
            Some("old")
        );
        assert_eq!(
            super::nearest(dir.path(), &edited(4)),
            None,
            "28 of 32 shared"
        );
        let other_recipe: Vec<_> = (0..32)
            .map(|i| super::text_key("another recipe", "entry", &format!("text {i}")))
            .collect();
        assert_eq!(super::nearest(dir.path(), &other_recipe), None);
    }

    #[test]
    fn an_faq_trains_on_at_most_so_many_texts_per_entry() {
        let per_entry = [11, 101, 3];
        assert_eq!(
            super::Adaptation::training_size(per_entry),
            11 + super::PER_ENTRY + 3
        );
    }

    #[test]
    fn a_round_trains_for_as_many_passes_as_its_faq() {
        // clinc150 faq-full: 150 entries of a title and 100 questions; a
        // round keeps 120 of them.
        let faq = super::Adaptation::training_size(vec![101; 150]);
        let round = super::Adaptation::training_size(vec![21; 120]);
        assert_eq!((faq, round), (1_800, 1_440));
        assert_eq!(super::epochs(faq), 3);
        assert_eq!(super::epochs(round), super::EPOCHS);
    }

    #[test]
    fn large_training_sets_get_fewer_passes() {
        assert_eq!(super::epochs(847), super::EPOCHS);
        assert_eq!(super::epochs(1_650), super::EPOCHS);
        assert_eq!(super::epochs(1_800), 3);
        assert_eq!(super::epochs(100_000), 1);
    }

    #[test]
    fn the_shuffle_is_a_permutation_and_repeatable() {
        let (mut a, mut b): (Vec<usize>, Vec<usize>) = ((0..100).collect(), (0..100).collect());
        let (mut s1, mut s2) = (7, 7);
        shuffle(&mut a, &mut s1);
        shuffle(&mut b, &mut s2);
        assert_eq!(a, b);
        assert_ne!(a, (0..100).collect::<Vec<_>>());
        let mut sorted = a.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..100).collect::<Vec<_>>());
    }

    #[test]
    fn a_batch_is_split_by_length_into_two_even_halves_of_every_text() {
        // Texts of 1 to 32 tokens, in a shuffled order.
        let mut lengths: Vec<usize> = (1..=32).collect();
        shuffle(&mut lengths, &mut 3);
        let inputs: Vec<Tensor> = lengths
            .iter()
            .map(|&n| Tensor::zeros((n, 2), candle_core::DType::F32, &candle_core::Device::Cpu))
            .collect::<Result<_, _>>()
            .unwrap();
        let batch: Vec<usize> = (0..32).collect();
        let halves = super::halves(&batch, &inputs).unwrap();
        let mut seen: Vec<usize> = halves.iter().flatten().flatten().copied().collect();
        seen.sort_unstable();
        assert_eq!(seen, batch, "every text once");
        // Each chunk holds texts of neighbouring lengths.
        for chunk in halves.iter().flatten() {
            let len: Vec<usize> = chunk.iter().map(|&i| lengths[i]).collect();
            assert!(
                len.iter().max().unwrap() - len.iter().min().unwrap() < 8,
                "{len:?}"
            );
        }
        // Both threads pad about as many tokens.
        let padded = |half: &Vec<Vec<usize>>| -> usize {
            half.iter()
                .map(|c| c.len() * c.iter().map(|&i| lengths[i]).max().unwrap_or(0))
                .sum()
        };
        let (a, b) = (padded(&halves[0]), padded(&halves[1]));
        assert!(a.abs_diff(b) * 10 < a + b, "{a} against {b}");
    }
}
