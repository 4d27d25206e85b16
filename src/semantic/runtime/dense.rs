//! Linear layers, layer norms, attention masks and pooling shared by the sentence encoders
//! ([`crate::semantic::bert`], [`crate::semantic::use_lite`]): `x W^T + b` on 32-bit or
//! 16-bit weights (the few rows of one query in [`super::kernel`] where
//! the CPU has AVX2, else on `matrixmultiply`, optionally halved over two
//! threads; candle's matmul for batches) or on candle's 8-bit Q8_0
//! weights, as [`Precision`] says.

use candle_core::quantized::{GgmlDType, QMatMul, QTensor};
use candle_core::{Module, Tensor};
use candle_nn::VarBuilder;
use half::f16;
use half::slice::HalfFloatSliceExt;
use half::vec::HalfFloatVecExt;

use super::kernel;

/// How the weights of the linear layers are held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// [`Precision::Q8`] where the CPU has int8 dot-product instructions
    /// (AVX-512 VNNI or AVX-VNNI), which make it several times faster;
    /// else [`Precision::F16`] where it has AVX2, FMA and F16C (candle's
    /// generic int8 path is slower than 32-bit floats there);
    /// [`Precision::F32`] elsewhere.
    #[default]
    Auto,
    /// 32-bit floats, as the model file has them.
    F32,
    /// The attention and feed-forward weights rounded to 16-bit floats,
    /// multiplied in 32-bit: half the memory, and half of what one query's
    /// products read, which is what they wait for.
    F16,
    /// The attention and feed-forward weights in 8-bit blocks (Q8_0: 32
    /// weights share one scale); activations are quantised the same way for
    /// the products. Embeddings, layer norms and biases stay 32-bit.
    Q8,
}

impl Precision {
    /// What runs on this CPU: [`Precision::Auto`] decided, the others as they are.
    pub fn resolve(self) -> Precision {
        match self {
            Precision::Auto if vnni() => Precision::Q8,
            Precision::Auto if kernel::available() => Precision::F16,
            Precision::Auto => Precision::F32,
            other => other,
        }
    }

    /// A short name of what runs.
    pub fn name(self) -> &'static str {
        match self.resolve() {
            Precision::Q8 => "q8",
            Precision::F16 => "f16",
            _ => "f32",
        }
    }

    /// The name and, for int8, which of candle's kernels runs on this CPU
    /// (they round activations differently): part of the model id, so that
    /// embeddings computed one way never mix with another's.
    pub fn numerics(self) -> &'static str {
        match self.resolve() {
            Precision::Q8 if vnni() => "q8-vnni",
            Precision::Q8 => "q8",
            Precision::F16 => "f16",
            _ => "f32",
        }
    }
}

/// A linear layer `x W^T + b`.
pub struct Dense {
    weight: Weight,
    bias: Tensor,
    /// The same values, for the 32-bit path.
    bias_values: Vec<f32>,
    /// Zero columns appended to the input (and the weights) so that the
    /// product runs on candle's fastest int8 kernel.
    pad: usize,
}

/// Whether candle multiplies Q8_0 weights with its VNNI kernels (AVX-512
/// VNNI or AVX-VNNI, x86-64): they need the inner dimension to be a multiple
/// of 256 and are several times faster than its generic int8 path, so inner
/// dimensions are zero-padded up to one when they are available. (384, the
/// hidden size of MiniLM, is not one; 1,536 is.)
pub fn vnni() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        (is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("avx512vnni"))
            || (is_x86_feature_detected!("avxvnni") && is_x86_feature_detected!("avx2"))
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Inner dimensions of candle's VNNI int8 kernels are multiples of this.
const VNNI_BLOCK: usize = 256;

enum Weight {
    /// `W^T`, contiguous (in × out).
    F32(Tensor),
    /// `W^T` (in × out, row-major) in 16-bit floats.
    F16 { wt: Vec<f16>, inner: usize },
    /// `W` quantised (out × in). One query's products are not split here
    /// but by its tokens, a whole layer at a time
    /// (`Bert::layer_by_halves` in `crate::semantic::bert`).
    Q8(QMatMul),
}

/// 32-bit products of at most this many rows (one query's tokens, a small
/// batch) run on [`kernel`] where the CPU has AVX2, FMA and F16C, elsewhere
/// on `matrixmultiply`, which for them takes half the time of candle's
/// matmul (that repacks the whole weight matrix on every call); larger
/// ones, as in bulk embedding, on candle's.
const SMALL_ROWS: usize = 256;

/// 16-bit products of at most this many rows (one query's tokens: a query
/// is cut at 128) run on [`kernel`], split like 32-bit ones; larger ones
/// (bulk embedding batches texts) on candle's matmul, the weights made
/// 32-bit for the call (a small part of a batch's product). The kernel
/// wins where reading the weights is what a product waits for; on whole
/// batches candle's matmul, packed for its arithmetic, did as well or a
/// little better.
const KERNEL_ROWS: usize = 128;

/// 32-bit and 16-bit products at least this large (rows × outputs) are split in two
/// halves of the output columns when the caller asks for it
/// (`split` of `Dense::forward`); smaller ones cost less than handing half
/// to another thread.
const SPLIT_MIN: usize = 4 * 384;

impl Dense {
    /// From `weight` (out × in) and `bias` (out).
    pub fn new(weight: Tensor, bias: Tensor, precision: Precision) -> candle_core::Result<Self> {
        let (_, inner) = weight.dims2()?;
        let mut pad = 0;
        let weight = match precision.resolve() {
            Precision::Auto | Precision::F32 => Weight::F32(weight.t()?.contiguous()?),
            Precision::F16 => {
                let values = weight.t()?.contiguous()?.flatten_all()?.to_vec1::<f32>()?;
                Weight::F16 {
                    wt: Vec::from_f32_slice(&values),
                    inner,
                }
            }
            Precision::Q8 => {
                if vnni() {
                    pad = inner.next_multiple_of(VNNI_BLOCK) - inner;
                }
                // A copy of its own: `quantize` reads the storage from its
                // start, ignoring the offset of a view.
                let weight = weight.pad_with_zeros(1, 0, pad)?.force_contiguous()?;
                Weight::Q8(QMatMul::from_qtensor(QTensor::quantize(
                    &weight,
                    GgmlDType::Q8_0,
                )?)?)
            }
        };
        let bias_values = bias.to_vec1::<f32>()?;
        Ok(Dense {
            weight,
            bias,
            bias_values,
            pad,
        })
    }

    /// Width of the output.
    pub fn outputs(&self) -> usize {
        self.bias_values.len()
    }

    /// Whether the product runs on 8-bit weights.
    pub fn is_8_bit(&self) -> bool {
        matches!(self.weight, Weight::Q8(_))
    }

    /// `x` is rows × in. With `split`, a large enough 32-bit product of few
    /// rows runs as two halves side by side on the current rayon pool.
    pub fn forward(&self, x: &Tensor, split: bool) -> candle_core::Result<Tensor> {
        let rows = x.dim(0)?;
        let halve = split && rows <= SMALL_ROWS && rows * self.bias_values.len() >= SPLIT_MIN;
        let y = match &self.weight {
            Weight::F32(wt) if rows <= SMALL_ROWS => {
                let (storage, layout) = wt.storage_and_layout();
                let (candle_core::Storage::Cpu(cpu), Some((start, end))) =
                    (&*storage, layout.contiguous_offsets())
                else {
                    candle_core::bail!("weights not contiguous in memory");
                };
                // The read lock is held across the join in `small`, and a
                // thread waiting there may run another query that takes it
                // again: fine, because nothing ever writes to these weights
                // after loading.
                let inner = wt.dim(0)?;
                let wt = &cpu.as_slice::<f32>()?[start..end];
                return self.small(x, Weights::F32(wt), inner, halve);
            }
            Weight::F16 { wt, inner } if rows <= KERNEL_ROWS => {
                return self.small(x, Weights::F16(wt), *inner, halve);
            }
            Weight::F32(wt) => x.matmul(wt)?,
            Weight::F16 { wt, inner } => x.matmul(&Tensor::from_vec(
                wt.to_f32_vec(),
                (*inner, self.outputs()),
                x.device(),
            )?)?,
            Weight::Q8(w) if self.pad > 0 => w.forward(&x.pad_with_zeros(1, 0, self.pad)?)?,
            Weight::Q8(w) => w.forward(x)?,
        };
        y.broadcast_add(&self.bias)
    }

    /// [`Dense::forward`] for few rows, `wt` being `W^T` (`inner` × out);
    /// with `halve`, as two halves side by side on the current rayon pool.
    fn small(
        &self,
        x: &Tensor,
        wt: Weights<'_>,
        inner: usize,
        halve: bool,
    ) -> candle_core::Result<Tensor> {
        let (rows, x_inner) = x.dims2()?;
        let out = self.outputs();
        if x_inner != inner || wt.len() != inner * out {
            candle_core::bail!(
                "{x_inner} inputs for a layer of {inner} × {out} with {} weights",
                wt.len()
            );
        }
        let xs = x.flatten_all()?.to_vec1::<f32>()?;
        let bias = &self.bias_values;
        let y = if halve {
            let half = out / 2;
            let (left, right) = rayon::join(
                || sgemm_bias(&xs, rows, inner, wt, 0..half, bias),
                || sgemm_bias(&xs, rows, inner, wt, half..out, bias),
            );
            let mut y = Vec::with_capacity(rows * out);
            for (l, r) in left.chunks_exact(half).zip(right.chunks_exact(out - half)) {
                y.extend_from_slice(l);
                y.extend_from_slice(r);
            }
            y
        } else {
            sgemm_bias(&xs, rows, inner, wt, 0..out, bias)
        };
        Tensor::from_vec(y, (rows, out), x.device())
    }
}

/// A layer's `W^T` as one query's products read it.
#[derive(Clone, Copy)]
enum Weights<'a> {
    F32(&'a [f32]),
    F16(&'a [f16]),
}

impl Weights<'_> {
    fn len(&self) -> usize {
        match self {
            Weights::F32(w) => w.len(),
            Weights::F16(w) => w.len(),
        }
    }
}

/// `x W^T + b` for the output columns `cols` only: `x` is rows × `inner`,
/// `wt` is `W^T` (`inner` × out, row-major), `bias` has out values. The
/// result is rows × `cols.len()`, row-major.
fn sgemm_bias(
    x: &[f32],
    rows: usize,
    inner: usize,
    wt: Weights<'_>,
    cols: std::ops::Range<usize>,
    bias: &[f32],
) -> Vec<f32> {
    let width = cols.len();
    let out = bias.len();
    assert!(x.len() == rows * inner && wt.len() == inner * out && cols.end <= out);
    let mut y = Vec::with_capacity(rows * width);
    for _ in 0..rows {
        y.extend_from_slice(&bias[cols.clone()]);
    }
    if rows == 0 || width == 0 || inner == 0 {
        return y;
    }
    let done = match wt {
        Weights::F32(w) => kernel::add_product(x, rows, inner, w, out, cols.clone(), &mut y),
        Weights::F16(w) => kernel::add_product(x, rows, inner, w, out, cols.clone(), &mut y),
    };
    if done {
        return y;
    }
    // Without the kernel (16-bit weights only where it was asked for by
    // hand): on `matrixmultiply`, 16-bit weights made 32-bit first.
    let converted: Vec<f32>;
    let wt = match wt {
        Weights::F32(w) => w,
        Weights::F16(w) => {
            converted = w.to_f32_vec();
            &converted
        }
    };
    // SAFETY: `x` holds rows × inner values (row stride inner), `wt` from
    // column `cols.start` holds inner rows of `width` values with row stride
    // `out` (cols.end <= out), and `y` holds rows × width (row stride width),
    // as asserted and built above; the three do not overlap.
    unsafe {
        matrixmultiply::sgemm(
            rows,
            inner,
            width,
            1.0,
            x.as_ptr(),
            inner as isize,
            1,
            wt.as_ptr().add(cols.start),
            out as isize,
            1,
            1.0,
            y.as_mut_ptr(),
            width as isize,
            1,
        );
    }
    y
}

/// The additive attention mask of `batch` padded sequences of `len` tokens
/// (`mask` 1 for real tokens, 0 for padding; row-major): 0 for real
/// tokens, a large negative for padding, batch × 1 × 1 × len; `None` when
/// nothing is padding.
pub fn attention_mask(
    mask: Option<&[u32]>,
    batch: usize,
    len: usize,
    device: &candle_core::Device,
) -> candle_core::Result<Option<Tensor>> {
    match mask {
        Some(m) if m.contains(&0) => {
            let m: Vec<f32> = m
                .iter()
                .map(|&v| if v == 0 { f32::MIN / 2.0 } else { 0.0 })
                .collect();
            Ok(Some(Tensor::from_vec(m, (batch, 1, 1, len), device)?))
        }
        _ => Ok(None),
    }
}

/// The mean of `x` (batch × len × width) over each sequence's real tokens,
/// `mask` 1 for real tokens and 0 for padding (batch × len, row-major;
/// `None`: every token is real); a sequence without one gets zeros.
pub fn masked_mean(x: &Tensor, mask: Option<&[u32]>) -> candle_core::Result<Tensor> {
    let Some(m) = mask else { return x.mean(1) };
    let (batch, len, _) = x.dims3()?;
    let m: Vec<f32> = m.iter().map(|&v| v as f32).collect();
    mean_over(x, &Tensor::from_vec(m, (batch, len, 1), x.device())?)
}

/// [`masked_mean`] with the mask as a tensor (batch × len × 1), in ops that
/// candle differentiates.
pub fn mean_over(x: &Tensor, mask: &Tensor) -> candle_core::Result<Tensor> {
    let counts = mask.sum(1)?.clamp(1.0, f32::MAX)?;
    x.broadcast_mul(mask)?.sum(1)?.broadcast_div(&counts)
}

/// Each row of `x` (along its last dimension) at unit length.
pub fn unit_rows(x: &Tensor) -> candle_core::Result<Tensor> {
    x.broadcast_div(
        &x.sqr()?
            .sum_keepdim(candle_core::D::Minus1)?
            .sqrt()?
            .clamp(1e-12, f32::MAX)?,
    )
}

/// A layer norm over the last dimension, with scale and shift.
pub struct LayerNorm {
    weight: Tensor,
    bias: Tensor,
    eps: f32,
}

impl LayerNorm {
    /// From its scale and shift, each of the normalised width.
    pub fn new(weight: Tensor, bias: Tensor, eps: f64) -> Self {
        LayerNorm {
            weight,
            bias,
            eps: eps as f32,
        }
    }

    /// Its `weight` and `bias` of `size` values under `vb`.
    pub fn load(vb: VarBuilder, size: usize, eps: f64) -> candle_core::Result<Self> {
        Ok(LayerNorm {
            weight: vb.get(size, "weight")?,
            bias: vb.get(size, "bias")?,
            eps: eps as f32,
        })
    }

    /// `x` normalised along its last dimension.
    pub fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        candle_nn::ops::layer_norm(x, &self.weight, &self.bias, self.eps)
    }
}

#[cfg(test)]
mod tests {
    use candle_core::{Device, Tensor};
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    use super::{Dense, Precision};

    /// The 32-bit layer computes `x W^T + b` as candle's matmul does, for few
    /// rows (split in two halves of its outputs or not) and many, odd sizes
    /// too; the 16-bit one within the rounding of its weights; the 8-bit
    /// layer within the rounding of its 8-bit weights and activations (it
    /// never splits a product: one query's layers are split by tokens
    /// instead).
    #[test]
    fn a_dense_layer_matches_candle_whole_or_split() {
        for precision in [Precision::F32, Precision::F16, Precision::Q8] {
            dense_matches(precision);
        }
    }

    /// `rows` × `cols` values in `range`, the same on every run, so that a
    /// failure can be reproduced.
    fn values(
        rng: &mut StdRng,
        rows: usize,
        cols: usize,
        range: std::ops::Range<f32>,
    ) -> Vec<Vec<f32>> {
        (0..rows)
            .map(|_| (0..cols).map(|_| rng.random_range(range.clone())).collect())
            .collect()
    }

    /// How far the 8-bit product of row `x` with weight row `w` may be from
    /// the exact one. Weights are rounded in blocks of 32 with one scale
    /// (the block's largest magnitude / 127), activations with one scale
    /// per row at most as fine (candle rounds a row in blocks of 32 or 256):
    /// each value is off by at most half its step, plus the 16-bit rounding
    /// of the scales; the sum of the products adds 32-bit rounding.
    fn q8_bound(x: &[f32], w: &[f32]) -> f32 {
        let half_step = |largest: f32| largest / 127.0 / 2.0 + largest / 2048.0;
        let dx = half_step(x.iter().fold(0f32, |m, v| m.max(v.abs())));
        let mut bound = 0f32;
        for (xs, ws) in x.chunks(32).zip(w.chunks(32)) {
            let dw = half_step(ws.iter().fold(0f32, |m, v| m.max(v.abs())));
            for (xi, wi) in xs.iter().zip(ws) {
                bound += xi.abs() * dw + wi.abs() * dx + dx * dw + 1e-5 * (xi * wi).abs();
            }
        }
        bound
    }

    /// How far the product of row `x` with weight row `w` rounded to 16-bit
    /// floats may be from the exact one: each weight is off by at most
    /// 2^-11 of itself, or 2^-25 where it is too small for a normal 16-bit
    /// float, plus 32-bit rounding of the sum.
    fn f16_bound(x: &[f32], w: &[f32]) -> f32 {
        x.iter()
            .zip(w)
            .map(|(a, b)| a.abs() * (b.abs() * (1.0 / 2048.0 + 1e-5) + 3e-8))
            .sum::<f32>()
            + 1e-5
    }

    fn dense_matches(precision: Precision) {
        let dev = Device::Cpu;
        let mut rng = StdRng::seed_from_u64(7);
        for (rows, inner, out) in [
            (1usize, 8usize, 6usize),
            (1, 384, 1536),
            (7, 384, 1536),
            (33, 1536, 384),
            (5, 20, 2001),
            (300, 64, 96),
            (40, 64, 40),
        ] {
            // Q8_0 blocks hold 32 values of a row (without VNNI, rows are
            // not padded to whole blocks).
            if precision == Precision::Q8 && !inner.is_multiple_of(32) {
                continue;
            }
            let ws = values(&mut rng, out, inner, -2.0..2.0);
            // Activations mostly above zero, as after GELU: a kernel that
            // gets the offset of its unsigned bytes slightly wrong is off
            // by a multiple of their sum, which cancels out around zero.
            let xs = values(&mut rng, rows, inner, -1.0..3.0);
            let tensor =
                |v: &[Vec<f32>]| Tensor::from_vec(v.concat(), (v.len(), v[0].len()), &dev).unwrap();
            let (w, x) = (tensor(&ws), tensor(&xs));
            let b =
                Tensor::from_vec(values(&mut rng, 1, out, -2.0..2.0).concat(), out, &dev).unwrap();
            let expected = x
                .matmul(&w.t().unwrap())
                .unwrap()
                .broadcast_add(&b)
                .unwrap()
                .to_vec2::<f32>()
                .unwrap();
            let dense = Dense::new(w, b, precision).unwrap();
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(2)
                .build()
                .unwrap();
            for split in [false, true] {
                let got = pool
                    .install(|| dense.forward(&x, split))
                    .unwrap()
                    .to_vec2::<f32>()
                    .unwrap();
                assert_eq!(got.len(), rows);
                assert!(got.iter().all(|row| row.len() == out));
                // The bound below holds for every value at once, so it grows
                // with the inner size faster than the error does: on the
                // whole, rounding errors largely cancel.
                let (mut error, mut size) = (0f64, 0f64);
                for (g, e) in got.iter().flatten().zip(expected.iter().flatten()) {
                    error += f64::from(g - e).powi(2);
                    size += f64::from(*e).powi(2);
                }
                assert!(
                    error.sqrt() <= 0.01 * size.sqrt(),
                    "{} {rows}×{inner}×{out} split {split}: off by {:.4} of the size",
                    precision.name(),
                    (error / size).sqrt()
                );
                for (r, (g_row, e_row)) in got.iter().zip(&expected).enumerate() {
                    for (c, (g, e)) in g_row.iter().zip(e_row).enumerate() {
                        let tolerance = match precision {
                            Precision::Q8 => q8_bound(&xs[r], &ws[c]),
                            Precision::F16 => f16_bound(&xs[r], &ws[c]),
                            _ => 1e-3 * e.abs().max((inner as f32).sqrt()),
                        };
                        assert!(
                            (g - e).abs() <= tolerance,
                            "{} {rows}×{inner}×{out} split {split} [{r}][{c}]: {g} vs {e}, \
                             allowed {tolerance}",
                            precision.name()
                        );
                    }
                }
            }
        }
    }
}
