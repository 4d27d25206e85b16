//! The BERT encoder behind [`crate::semantic::Encoder`], written with candle ops so
//! that the linear layers can run on int8 weights (candle's Q8_0 `QMatMul`)
//! and a single query runs without padding or attention mask.
//!
//! The layout is the Hugging Face `BertModel` one (`embeddings.*`,
//! `encoder.layer.N.*`, optionally under `bert.`); all-MiniLM-L6-v2 and other
//! sentence-transformers BERTs load as they are. The word table stays in the
//! model file ([`WordRows`]): a pass reads the rows of its tokens. The output
//! is the last hidden state, pooled by the caller.

use std::time::{Duration, Instant};

use candle_core::{D, DType, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{Config, HiddenAct};

use crate::semantic::dense::{Dense, LayerNorm, Precision, attention_mask, masked_mean, unit_rows};
use crate::semantic::weights::{WeightsFile, WordRows};

/// Word tables of more values than this have 16-bit values: the converter
/// writes multilingual-e5-small's 250,037 rows so (192 MB instead of 384),
/// and one it wrote earlier in 32 bits is rounded to 16 as its rows are
/// read, so that both give the same embeddings. Smaller ones
/// (all-MiniLM-L6-v2's 30,522 rows) are 32-bit and read exactly.
const HALF_WORD_TABLE_ABOVE: usize = 32 * 1024 * 1024;

/// Time spent per stage of one forward pass, for profiling.
#[derive(Debug, Default, Clone)]
pub struct Profile {
    /// Stage name and time, in order.
    pub stages: Vec<(&'static str, Duration)>,
    last: Option<Instant>,
}

impl Profile {
    fn start(&mut self) {
        self.last = Some(Instant::now());
    }

    fn lap(&mut self, stage: &'static str) {
        let now = Instant::now();
        if let Some(last) = self.last.replace(now) {
            self.stages.push((stage, now - last));
        }
    }
}

/// Records a stage when profiling; nothing otherwise.
fn lap(profile: &mut Option<&mut Profile>, stage: &'static str) {
    if let Some(p) = profile.as_deref_mut() {
        p.lap(stage);
    }
}

/// One encoder layer, ready to run.
pub struct Layer {
    /// Query, key and value in one product; the query part is pre-scaled by
    /// 1/sqrt(head size).
    qkv: Dense,
    attention_out: Dense,
    attention_norm: LayerNorm,
    intermediate: Dense,
    output: Dense,
    output_norm: LayerNorm,
}

impl Layer {
    /// Whether its products run on 8-bit weights.
    fn is_8_bit(&self) -> bool {
        self.qkv.is_8_bit()
    }

    fn new(w: &LayerWeights, eps: f64, precision: Precision) -> candle_core::Result<Self> {
        let norm =
            |(weight, bias): &(Tensor, Tensor)| LayerNorm::new(weight.clone(), bias.clone(), eps);
        let dense =
            |(weight, bias): &(Tensor, Tensor)| Dense::new(weight.clone(), bias.clone(), precision);
        Ok(Layer {
            qkv: dense(&w.qkv)?,
            attention_out: dense(&w.attention_out)?,
            attention_norm: norm(&w.attention_norm),
            intermediate: dense(&w.intermediate)?,
            output: dense(&w.output)?,
            output_norm: norm(&w.output_norm),
        })
    }
}

/// The 32-bit weights of one encoder layer, each as (weight, bias): linear
/// weights are out × in; the query rows of `qkv` (and their biases) are
/// pre-scaled by 1/sqrt(head size).
#[derive(Clone)]
pub struct LayerWeights {
    pub qkv: (Tensor, Tensor),
    pub attention_out: (Tensor, Tensor),
    pub attention_norm: (Tensor, Tensor),
    pub intermediate: (Tensor, Tensor),
    pub output: (Tensor, Tensor),
    pub output_norm: (Tensor, Tensor),
}

impl LayerWeights {
    /// The names of the parts, in the order of [`LayerWeights::parts`].
    pub const NAMES: [&'static str; 6] = [
        "qkv",
        "attention_out",
        "attention_norm",
        "intermediate",
        "output",
        "output_norm",
    ];

    fn load(vb: VarBuilder, config: &Config, scale: f64) -> candle_core::Result<Self> {
        let hidden = config.hidden_size;
        let attn = vb.pp("attention");
        let get = |vb: &VarBuilder, out: usize, inp: usize| {
            Ok::<_, candle_core::Error>((vb.get((out, inp), "weight")?, vb.get(out, "bias")?))
        };
        let norm = |vb: &VarBuilder| {
            Ok::<_, candle_core::Error>((vb.get(hidden, "weight")?, vb.get(hidden, "bias")?))
        };
        let (qw, qb) = get(&attn.pp("self.query"), hidden, hidden)?;
        let (kw, kb) = get(&attn.pp("self.key"), hidden, hidden)?;
        let (vw, vbias) = get(&attn.pp("self.value"), hidden, hidden)?;
        Ok(LayerWeights {
            qkv: (
                Tensor::cat(&[(qw * scale)?, kw, vw], 0)?,
                Tensor::cat(&[(qb * scale)?, kb, vbias], 0)?,
            ),
            attention_out: get(&attn.pp("output.dense"), hidden, hidden)?,
            attention_norm: norm(&attn.pp("output.LayerNorm"))?,
            intermediate: get(
                &vb.pp("intermediate.dense"),
                config.intermediate_size,
                hidden,
            )?,
            output: get(&vb.pp("output.dense"), hidden, config.intermediate_size)?,
            output_norm: norm(&vb.pp("output.LayerNorm"))?,
        })
    }

    /// Every part, as (weight, bias), in the order of [`LayerWeights::NAMES`].
    pub fn parts(&self) -> [&(Tensor, Tensor); 6] {
        [
            &self.qkv,
            &self.attention_out,
            &self.attention_norm,
            &self.intermediate,
            &self.output,
            &self.output_norm,
        ]
    }

    /// From parts in the order of [`LayerWeights::NAMES`], shaped as `like`'s.
    pub fn from_parts(
        parts: Vec<(Tensor, Tensor)>,
        like: &LayerWeights,
    ) -> candle_core::Result<Self> {
        let [
            qkv,
            attention_out,
            attention_norm,
            intermediate,
            output,
            output_norm,
        ]: [(Tensor, Tensor); 6] = parts
            .try_into()
            .map_err(|_| candle_core::Error::Msg("a layer has six parts".into()))?;
        let w = LayerWeights {
            qkv,
            attention_out,
            attention_norm,
            intermediate,
            output,
            output_norm,
        };
        for (a, b) in w.parts().iter().zip(like.parts()) {
            if a.0.dims() != b.0.dims() || a.1.dims() != b.1.dims() {
                candle_core::bail!(
                    "layer part shaped {:?} instead of {:?}",
                    a.0.dims(),
                    b.0.dims()
                );
            }
        }
        Ok(w)
    }
}

/// How a forward pass runs.
#[derive(Clone, Copy)]
pub struct Pass<'a> {
    /// Same shape as the ids, 1 for real tokens, 0 for padding: needed only
    /// when sequences were padded; without it every position attends to
    /// every other.
    pub mask: Option<&'a [u32]>,
    /// Whether the work is halved and run side by side on the current
    /// rayon pool (for one query's latency; bulk embedding runs whole
    /// batches side by side instead): by tokens, a layer at a time, on
    /// 8-bit weights; by outputs, a product at a time, on 32-bit ones.
    pub split: bool,
    /// Which layers run.
    pub depth: Depth<'a>,
}

/// Which layers a forward pass runs.
#[derive(Clone, Copy)]
pub enum Depth<'a> {
    /// All of the model's.
    All,
    /// All but the last: the input of the last layer.
    BelowLast,
    /// The model's, with its last layer replaced by this one.
    LastReplacedBy(&'a Layer),
}

/// A BERT encoder.
pub struct Bert {
    word: WordRows,
    position: Tensor,
    token_type: Tensor,
    embedding_norm: LayerNorm,
    layers: Vec<Layer>,
    /// The 32-bit weights of the last layer, where adaptation starts from.
    last: LayerWeights,
    heads: usize,
    head_size: usize,
    hidden: usize,
    eps: f64,
    act: HiddenAct,
}

impl Bert {
    /// Loads the weights from `weights` and quantises them as `precision`
    /// says; the word table stays in the file.
    pub fn load(
        weights: &WeightsFile,
        config: &Config,
        precision: Precision,
    ) -> candle_core::Result<Self> {
        let prefix = if weights
            .describe("bert.embeddings.word_embeddings.weight")
            .is_some()
        {
            "bert."
        } else {
            ""
        };
        let hidden = config.hidden_size;
        let heads = config.num_attention_heads;
        if heads == 0 || !hidden.is_multiple_of(heads) {
            candle_core::bail!("hidden size {hidden} is not a multiple of {heads} heads");
        }
        let head_size = hidden / heads;
        let word = word_rows(
            weights,
            &format!("{prefix}embeddings.word_embeddings.weight"),
            config,
        )?;
        let vb = weights.var_builder(DType::F32);
        let vb = match prefix {
            "" => vb,
            _ => vb.pp("bert"),
        };
        let emb = vb.pp("embeddings");
        let position = emb.get(
            (config.max_position_embeddings, hidden),
            "position_embeddings.weight",
        )?;
        let token_type = emb.get(
            (config.type_vocab_size, hidden),
            "token_type_embeddings.weight",
        )?;
        let embedding_norm = LayerNorm::load(emb.pp("LayerNorm"), hidden, config.layer_norm_eps)?;
        let scale = 1.0 / (head_size as f64).sqrt();
        let (layers, last) = load_layers(&vb, config, scale, precision)?;
        Ok(Bert {
            word,
            position,
            token_type,
            embedding_norm,
            layers,
            last,
            heads,
            head_size,
            hidden,
            eps: config.layer_norm_eps,
            act: config.hidden_act,
        })
    }

    /// The 32-bit weights of the last layer as the model file has them
    /// (the query rows pre-scaled, see [`LayerWeights`]).
    pub fn last_layer(&self) -> &LayerWeights {
        &self.last
    }

    /// A layer to run in place of the last one ([`Depth::LastReplacedBy`]).
    pub fn layer_from(&self, w: &LayerWeights, precision: Precision) -> candle_core::Result<Layer> {
        Layer::new(w, self.eps, precision)
    }

    /// Attention heads, and the size of each.
    pub fn heads(&self) -> (usize, usize) {
        (self.heads, self.head_size)
    }

    /// The layer norms' epsilon.
    pub fn eps(&self) -> f64 {
        self.eps
    }

    /// The activation of the feed-forward part.
    pub fn act(&self) -> HiddenAct {
        self.act
    }

    /// Longest sequence the position embeddings allow.
    pub fn max_len(&self) -> usize {
        self.position.dim(0).unwrap_or(0)
    }

    /// The last hidden state (or, by `pass.depth`, another layer's) of
    /// `batch` sequences of `len` token ids each (row-major), as
    /// (batch × len) × hidden.
    pub fn forward(
        &self,
        ids: &[u32],
        batch: usize,
        len: usize,
        pass: Pass,
        mut profile: Option<&mut Profile>,
    ) -> candle_core::Result<Tensor> {
        let Pass { mask, split, depth } = pass;
        if let Some(p) = profile.as_deref_mut() {
            p.start();
        }
        let device = self.position.device();
        if ids.len() != batch * len || len > self.max_len() {
            candle_core::bail!("{} ids for {batch} sequences of {len} tokens", ids.len());
        }
        // Token type 0 for every token: single-segment input.
        let x = Tensor::from_vec(self.word.lookup(ids)?, (batch, len, self.hidden), device)?
            .broadcast_add(&self.position.narrow(0, 0, len)?)?
            .broadcast_add(&self.token_type.get(0)?)?
            .reshape((batch * len, self.hidden))?;
        let mut x = self.embedding_norm.forward(&x)?;
        lap(&mut profile, "embeddings");
        let mask = attention_mask(mask, batch, len, device)?;
        let input = Input {
            batch,
            len,
            mask: mask.as_ref(),
            split,
        };
        let below = self.layers.len() - 1;
        for layer in &self.layers[..below] {
            x = self.layer(layer, &x, &input, &mut profile)?;
        }
        let last = match depth {
            Depth::All => &self.layers[below],
            Depth::BelowLast => return Ok(x),
            Depth::LastReplacedBy(layer) => layer,
        };
        self.layer(last, &x, &input, &mut profile)
    }

    /// `layer` alone on hidden states `x` ((batch × len) × hidden) of
    /// sequences padded to `len` (`mask`: 1 for real tokens, batch × len):
    /// what [`Bert::forward`] does after the layers below, for inputs kept
    /// from a [`Depth::BelowLast`] pass.
    pub fn layer_on(
        &self,
        layer: &Layer,
        x: &Tensor,
        batch: usize,
        len: usize,
        mask: &[u32],
    ) -> candle_core::Result<Tensor> {
        let mask = attention_mask(Some(mask), batch, len, x.device())?;
        let input = Input {
            batch,
            len,
            mask: mask.as_ref(),
            split: false,
        };
        self.layer(layer, x, &input, &mut None)
    }

    fn layer(
        &self,
        layer: &Layer,
        x: &Tensor,
        input: &Input,
        profile: &mut Option<&mut Profile>,
    ) -> candle_core::Result<Tensor> {
        let Input {
            batch,
            len,
            mask,
            split,
        } = *input;
        if split && batch == 1 && mask.is_none() && len >= 2 && layer.is_8_bit() {
            return self.layer_by_halves(layer, x, len, profile);
        }
        let qkv = self.heads_of(&layer.qkv.forward(x, split)?, batch, len)?;
        lap(profile, "qkv");
        self.after_qkv(layer, &qkv, x, 0..len, mask, split, profile)
    }

    /// [`Bert::layer`] for one sequence of `len` tokens, its first and
    /// second half of tokens side by side on the current rayon pool: their
    /// query/key/value products, then (with every token's keys and values)
    /// all the rest. Splitting by tokens rather than by outputs suits
    /// candle's 8-bit products, which quantise their whole input on every
    /// call (as long as the product itself): each half quantises only its
    /// own tokens, and attention, norms and activation run halved too. The
    /// profile records the first half's stages, then ("join") the time
    /// until the second half is done: waiting for the other thread, or
    /// running it here when that thread was busy.
    fn layer_by_halves(
        &self,
        layer: &Layer,
        x: &Tensor,
        len: usize,
        profile: &mut Option<&mut Profile>,
    ) -> candle_core::Result<Tensor> {
        let top = len / 2;
        let (first, second) = (0..top, top..len);
        let qkv_of = |rows: &std::ops::Range<usize>| {
            layer
                .qkv
                .forward(&x.narrow(0, rows.start, rows.len())?, false)
        };
        let (a, b) = rayon::join(|| qkv_of(&first), || qkv_of(&second));
        let qkv = self.heads_of(&Tensor::cat(&[a?, b?], 0)?, 1, len)?;
        lap(profile, "qkv");
        let (a, b) = rayon::join(
            || self.after_qkv(layer, &qkv, x, first, None, false, profile),
            || self.after_qkv(layer, &qkv, x, second, None, false, &mut None),
        );
        let out = Tensor::cat(&[a?, b?], 0)?;
        lap(profile, "join");
        Ok(out)
    }

    /// (batch·len) × 3·hidden → 3 × batch × heads × len × head size.
    fn heads_of(&self, qkv: &Tensor, batch: usize, len: usize) -> candle_core::Result<Tensor> {
        qkv.reshape((batch, len, 3, self.heads, self.head_size))?
            .permute((2, 0, 3, 1, 4))?
            .contiguous()
    }

    /// The layer after its query/key/value product (`qkv`, 3 × batch ×
    /// heads × len × head size) for the tokens `rows` of every sequence
    /// (their queries attend to all keys and values): `x` holds the layer's
    /// input for every token, the result only for `rows`.
    #[allow(clippy::too_many_arguments)]
    fn after_qkv(
        &self,
        layer: &Layer,
        qkv: &Tensor,
        x: &Tensor,
        rows: std::ops::Range<usize>,
        mask: Option<&Tensor>,
        split: bool,
        profile: &mut Option<&mut Profile>,
    ) -> candle_core::Result<Tensor> {
        let (_, batch, _, len, _) = qkv.dims5()?;
        let n = rows.len();
        if n != len && batch != 1 {
            candle_core::bail!("only one sequence is split by tokens, not {batch}");
        }
        let (q, k, v) = (qkv.get(0)?, qkv.get(1)?, qkv.get(2)?);
        let (q, x) = if n == len {
            (q, x.clone())
        } else {
            (
                q.narrow(2, rows.start, n)?.contiguous()?,
                x.narrow(0, rows.start, n)?,
            )
        };
        let scores = q.matmul(&k.t()?)?;
        let scores = match mask {
            Some(m) => scores.broadcast_add(m)?,
            None => scores,
        };
        let probs = candle_nn::ops::softmax_last_dim(&scores)?;
        let context = probs
            .matmul(&v)?
            .transpose(1, 2)?
            .contiguous()?
            .reshape((batch * n, self.hidden))?;
        lap(profile, "attention");
        let attended = layer
            .attention_norm
            .forward(&(layer.attention_out.forward(&context, split)? + x)?)?;
        lap(profile, "attention_out");
        let inner = layer.intermediate.forward(&attended, split)?;
        lap(profile, "intermediate");
        let inner = match self.act {
            HiddenAct::Gelu => inner.apply_op1_no_bwd(&GeluErf)?,
            HiddenAct::GeluApproximate => inner.gelu()?,
            HiddenAct::Relu => inner.relu()?,
        };
        lap(profile, "activation");
        let out = layer
            .output_norm
            .forward(&(layer.output.forward(&inner, split)? + attended)?)?;
        lap(profile, "output");
        Ok(out)
    }
}

/// The word table `name` of `weights`, checked against `config`, left in
/// the file; a large one read as 16-bit values (see
/// [`HALF_WORD_TABLE_ABOVE`]).
fn word_rows(weights: &WeightsFile, name: &str, config: &Config) -> candle_core::Result<WordRows> {
    let (vocab, hidden) = (config.vocab_size, config.hidden_size);
    let rows = weights.rows(name, vocab * hidden > HALF_WORD_TABLE_ABOVE)?;
    if (rows.rows(), rows.dim()) != (vocab, hidden) {
        candle_core::bail!(
            "{name} is {} × {}, the config says {vocab} × {hidden}",
            rows.rows(),
            rows.dim()
        );
    }
    Ok(rows)
}

/// The encoder layers, made one after the other so that only one layer's
/// 32-bit weights are held beside the finished ones; and the last one's
/// weights, kept for adaptation.
fn load_layers(
    vb: &VarBuilder,
    config: &Config,
    scale: f64,
    precision: Precision,
) -> candle_core::Result<(Vec<Layer>, LayerWeights)> {
    let mut layers = Vec::with_capacity(config.num_hidden_layers);
    let mut last = None;
    for i in 0..config.num_hidden_layers {
        let w = LayerWeights::load(vb.pp(format!("encoder.layer.{i}")), config, scale)?;
        layers.push(Layer::new(&w, config.layer_norm_eps, precision)?);
        last = Some(w);
    }
    let Some(last) = last else {
        candle_core::bail!("the model has no layers");
    };
    Ok((layers, last))
}

/// What every layer of one forward pass needs to know of its input.
#[derive(Clone, Copy)]
struct Input<'a> {
    batch: usize,
    len: usize,
    /// Additive attention mask, batch × 1 × 1 × len, when there is padding.
    mask: Option<&'a Tensor>,
    /// Whether work is halved over the current rayon pool ([`Pass::split`]).
    split: bool,
}

/// GELU with the exact (erf) form BERT uses. candle's `gelu_erf` calls
/// libm's scalar `erff` per element, a fifth of a query's time; this one
/// uses a rational approximation of erf (Eigen's `generic_fast_erf_float`,
/// within 2e-6 of it) that the compiler vectorises.
struct GeluErf;

impl candle_core::CustomOp1 for GeluErf {
    fn name(&self) -> &'static str {
        "gelu-erf-rational"
    }

    fn cpu_fwd(
        &self,
        storage: &candle_core::CpuStorage,
        layout: &candle_core::Layout,
    ) -> candle_core::Result<(candle_core::CpuStorage, candle_core::Shape)> {
        let Some((start, end)) = layout.contiguous_offsets() else {
            candle_core::bail!("gelu: input not contiguous");
        };
        let xs = &storage.as_slice::<f32>()?[start..end];
        let ys: Vec<f32> = xs.iter().map(|&x| gelu_erf(x)).collect();
        Ok((candle_core::CpuStorage::F32(ys), layout.shape().clone()))
    }
}

/// `x · (1 + erf(x / √2)) / 2`.
#[inline]
pub fn gelu_erf(x: f32) -> f32 {
    0.5 * x * (1.0 + erf(x * std::f32::consts::FRAC_1_SQRT_2))
}

/// erf as a ratio of an odd and an even polynomial on [-4, 4] (beyond, erf
/// is ±1 in f32); branch-free so that it vectorises.
#[inline]
fn erf(x: f32) -> f32 {
    let x = x.clamp(-4.0, 4.0);
    let x2 = x * x;
    let mut p = -2.726_142_3e-10_f32;
    p = p * x2 + 2.770_681_4e-8;
    p = p * x2 - 2.101_024e-6;
    p = p * x2 - 5.692_506_4e-5;
    p = p * x2 - 7.349_906_3e-4;
    p = p * x2 - 2.9546e-3;
    p = p * x2 - 1.609_603_3e-2;
    let mut q = -1.456_607_2e-5_f32;
    q = q * x2 - 2.133_740_6e-4;
    q = q * x2 - 1.682_827e-3;
    q = q * x2 - 7.373_329_2e-3;
    q = q * x2 - 1.426_473_9e-2;
    x * p / q
}

/// Mean of the rows of `hidden` ((batch × len) × dim) over the real tokens
/// of each sequence, then unit length; one vector per sequence.
pub fn mean_pool(
    hidden: &Tensor,
    batch: usize,
    len: usize,
    mask: Option<&[u32]>,
) -> candle_core::Result<Vec<Vec<f32>>> {
    let dim = hidden.dim(D::Minus1)?;
    let hidden = hidden.reshape((batch, len, dim))?;
    unit_rows(&masked_mean(&hidden, mask)?)?
        .to_dtype(DType::F32)?
        .to_vec2()
}

#[cfg(test)]
mod tests {
    use candle_core::{Device, Tensor};

    /// The vectorisable GELU agrees with candle's (libm erf) to float precision.
    #[test]
    fn gelu_matches_the_erf_form() {
        let xs: Vec<f32> = (-12_000..=12_000).map(|i| i as f32 * 1e-3).collect();
        let expected = Tensor::new(xs.as_slice(), &Device::Cpu)
            .unwrap()
            .gelu_erf()
            .unwrap()
            .to_vec1::<f32>()
            .unwrap();
        let worst = xs
            .iter()
            .zip(&expected)
            .map(|(&x, &e)| (super::gelu_erf(x) - e).abs() / e.abs().max(1.0))
            .fold(0f32, f32::max);
        assert!(worst < 2e-6, "largest error {worst}");
    }
}
