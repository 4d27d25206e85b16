//! The Universal Sentence Encoder lite (Google, Apache-2.0; the TensorFlow
//! Hub "Kona" transformer): the companion encoder ([`crate::semantic::Companion`]).
//! It is of another family than MiniLM (trained on other data, with a
//! SentencePiece vocabulary of its own), so its errors differ, and its
//! similarities added to MiniLM's in the fusion answer more questions
//! right than either alone.
//!
//! `models::convert::use_lite` turns the TensorFlow.js graph of the npm
//! package into `model.safetensors` (linear weights out × in), a Unigram
//! `tokenizer.json` and `config.json`; this module computes what that graph
//! does (checked against TensorFlow.js in `tests/semantic/companion.rs`):
//! token embeddings, doubled, plus a sinusoidal timing signal; two
//! pre-norm transformer layers (the first widens 256 to 512, its residual
//! through a projection); the mean over the tokens; a tanh layer; unit
//! length.

use candle_core::Tensor;
use candle_nn::VarBuilder;

use crate::semantic::dense::{Dense, LayerNorm, Precision, attention_mask, masked_mean, unit_rows};

/// `config.json` of a converted model.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct UseLiteConfig {
    /// Must be `use-lite`.
    pub model_type: String,
    /// Rows of the embedding table.
    pub vocab_size: usize,
    /// Width of a token embedding.
    pub embedding_size: usize,
    /// Token embeddings are multiplied by this before the timing signal is added.
    pub embedding_scale: f64,
    /// Longest input in tokens.
    pub max_len: usize,
    /// Epsilon of the layer norms.
    pub layer_norm_eps: f64,
    /// Attention heads of each layer.
    pub layers: Vec<LayerConfig>,
    /// Width of the sentence vector.
    pub output_size: usize,
}

/// The attention shape of one layer.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct LayerConfig {
    /// Attention heads.
    pub heads: usize,
    /// Width of each head.
    pub head_size: usize,
}

/// One pre-norm transformer layer.
struct KonaLayer {
    attention_norm: LayerNorm,
    /// Query, key and value in one product; the query part pre-scaled by
    /// 1/sqrt(head size).
    qkv: Dense,
    attention_out: Dense,
    /// Projects the input to the layer's width for the residual, where they differ.
    residual: Option<Dense>,
    ffn_norm: LayerNorm,
    ffn_in: Dense,
    ffn_out: Dense,
    heads: usize,
    head_size: usize,
}

/// The model, ready to run.
pub struct UseLite {
    embeddings: Tensor,
    embedding_scale: f64,
    /// The timing signal of every position up to `max_len`: positions × width.
    timing: Tensor,
    layers: Vec<KonaLayer>,
    pooler: Dense,
    output_size: usize,
}

impl UseLite {
    /// Loads the weights from `vb` and holds the linear layers at `precision`.
    pub fn load(
        vb: VarBuilder,
        config: &UseLiteConfig,
        precision: Precision,
    ) -> candle_core::Result<Self> {
        if config.model_type != "use-lite" {
            candle_core::bail!("a model of type {:?}, not use-lite", config.model_type);
        }
        let width = config.embedding_size;
        let embeddings = vb.get((config.vocab_size, width), "embeddings.weight")?;
        let timescales = vb.get(width / 2, "embeddings.timescales")?;
        let timing = timing_signal(&timescales, config.max_len)?;
        let mut layers = Vec::with_capacity(config.layers.len());
        let mut input = width;
        for (i, shape) in config.layers.iter().enumerate() {
            let layer = load_layer(
                vb.pp(format!("layers.{i}")),
                input,
                shape,
                config,
                precision,
            )?;
            input = layer.ffn_out.outputs();
            layers.push(layer);
        }
        let pooler = linear(&vb.pp("pooler"), config.output_size, input, precision)?;
        Ok(UseLite {
            embeddings,
            embedding_scale: config.embedding_scale,
            timing,
            layers,
            pooler,
            output_size: config.output_size,
        })
    }

    /// Width of the sentence vectors.
    pub fn dim(&self) -> usize {
        self.output_size
    }

    /// Longest input in tokens.
    pub fn max_len(&self) -> usize {
        self.timing.dim(0).unwrap_or(0)
    }

    /// Unit sentence vectors of `batch` sequences of `len` token ids each
    /// (row-major, padded with anything), `mask` 1 for real tokens and 0 for
    /// padding (`None`: no padding).
    pub fn forward(
        &self,
        ids: &[u32],
        batch: usize,
        len: usize,
        mask: Option<&[u32]>,
    ) -> candle_core::Result<Vec<Vec<f32>>> {
        if ids.len() != batch * len || len > self.max_len() || (mask.is_none() && len == 0) {
            candle_core::bail!("{} ids for {batch} sequences of {len} tokens", ids.len());
        }
        let device = self.embeddings.device();
        let width = self.embeddings.dim(1)?;
        let ids_t = Tensor::from_slice(ids, ids.len(), device)?;
        let mut x = (self.embeddings.index_select(&ids_t, 0)? * self.embedding_scale)?
            .reshape((batch, len, width))?
            .broadcast_add(&self.timing.narrow(0, 0, len)?)?
            .reshape((batch * len, width))?;
        let attention_mask = attention_mask(mask, batch, len, device)?;
        for layer in &self.layers {
            x = layer.forward(&x, batch, len, attention_mask.as_ref())?;
        }
        let hidden = x.dim(1)?;
        // The mean over the real tokens (none: zeros, as the original does).
        let mean = masked_mean(&x.reshape((batch, len, hidden))?, mask)?;
        unit_rows(&self.pooler.forward(&mean, false)?.tanh()?)?.to_vec2()
    }
}

impl KonaLayer {
    /// `x` is (batch × len) × input width; the result (batch × len) × the layer's.
    fn forward(
        &self,
        x: &Tensor,
        batch: usize,
        len: usize,
        mask: Option<&Tensor>,
    ) -> candle_core::Result<Tensor> {
        let (heads, size) = (self.heads, self.head_size);
        let qkv = self
            .qkv
            .forward(&self.attention_norm.forward(x)?, false)?
            .reshape((batch, len, 3, heads, size))?
            .permute((2, 0, 3, 1, 4))?
            .contiguous()?;
        let (q, k, v) = (qkv.get(0)?, qkv.get(1)?, qkv.get(2)?);
        let scores = q.matmul(&k.t()?)?;
        let scores = match mask {
            Some(m) => scores.broadcast_add(m)?,
            None => scores,
        };
        let context = candle_nn::ops::softmax_last_dim(&scores)?
            .matmul(&v)?
            .transpose(1, 2)?
            .contiguous()?
            .reshape((batch * len, heads * size))?;
        let residual = match &self.residual {
            Some(projection) => projection.forward(x, false)?,
            None => x.clone(),
        };
        let x = (self.attention_out.forward(&context, false)? + residual)?;
        let inner = self
            .ffn_in
            .forward(&self.ffn_norm.forward(&x)?, false)?
            .relu()?;
        x + self.ffn_out.forward(&inner, false)?
    }
}

fn load_layer(
    vb: VarBuilder,
    input: usize,
    shape: &LayerConfig,
    config: &UseLiteConfig,
    precision: Precision,
) -> candle_core::Result<KonaLayer> {
    let attention = shape.heads * shape.head_size;
    let norm = |name: &str, size: usize| LayerNorm::load(vb.pp(name), size, config.layer_norm_eps);
    let qkv_weight = vb.get((3 * attention, input), "qkv.weight")?;
    let width = vb.get_unchecked("attention_out.weight")?.dim(0)?;
    let inner = vb.get_unchecked("ffn_in.weight")?.dim(0)?;
    let residual = if vb.contains_tensor("residual.weight") {
        Some(linear(&vb.pp("residual"), width, input, precision)?)
    } else if width == input {
        None
    } else {
        candle_core::bail!("a layer widens {input} to {width} without a residual projection");
    };
    let scale = 1.0 / (shape.head_size as f64).sqrt();
    Ok(KonaLayer {
        attention_norm: norm("attention_norm", input)?,
        qkv: scaled_qkv(
            qkv_weight,
            vb.get(3 * attention, "qkv.bias")?,
            attention,
            scale,
            precision,
        )?,
        attention_out: linear(&vb.pp("attention_out"), width, attention, precision)?,
        residual,
        ffn_norm: norm("ffn_norm", width)?,
        ffn_in: linear(&vb.pp("ffn_in"), inner, width, precision)?,
        ffn_out: linear(&vb.pp("ffn_out"), width, inner, precision)?,
        heads: shape.heads,
        head_size: shape.head_size,
    })
}

/// The linear layer under `vb` (weight out × in, bias out).
fn linear(
    vb: &VarBuilder,
    out: usize,
    input: usize,
    precision: Precision,
) -> candle_core::Result<Dense> {
    Dense::new(
        vb.get((out, input), "weight")?,
        vb.get(out, "bias")?,
        precision,
    )
}

/// The query/key/value product with its first `attention` outputs (the
/// queries) multiplied by `scale`, so that attention needs no scaling.
fn scaled_qkv(
    weight: Tensor,
    bias: Tensor,
    attention: usize,
    scale: f64,
    precision: Precision,
) -> candle_core::Result<Dense> {
    let scaled = |t: &Tensor| -> candle_core::Result<Tensor> {
        let q = (t.narrow(0, 0, attention)? * scale)?;
        Tensor::cat(&[q, t.narrow(0, attention, 2 * attention)?], 0)
    };
    Dense::new(scaled(&weight)?, scaled(&bias)?, precision)
}

/// `[sin(p · t_i)…, cos(p · t_i)…]` for every position p below `len`.
fn timing_signal(timescales: &Tensor, len: usize) -> candle_core::Result<Tensor> {
    let t = timescales.to_vec1::<f32>()?;
    let mut rows = Vec::with_capacity(len * 2 * t.len());
    for p in 0..len {
        let angles: Vec<f32> = t.iter().map(|s| p as f32 * s).collect();
        rows.extend(angles.iter().map(|a| a.sin()));
        rows.extend(angles.iter().map(|a| a.cos()));
    }
    Tensor::from_vec(rows, (len, 2 * t.len()), timescales.device())
}

#[cfg(test)]
mod tests {
    use candle_core::{Device, Tensor};

    #[test]
    fn the_timing_signal_is_sines_then_cosines_of_position_times_timescale() {
        let t = Tensor::new(&[1.0f32, 0.5], &Device::Cpu).unwrap();
        let s = super::timing_signal(&t, 3)
            .unwrap()
            .to_vec2::<f32>()
            .unwrap();
        assert_eq!(s[0], vec![0.0, 0.0, 1.0, 1.0]);
        let want = [2f32.sin(), 1f32.sin(), 2f32.cos(), 1f32.cos()];
        for (g, w) in s[2].iter().zip(want) {
            assert!((g - w).abs() < 1e-6, "{:?}", s[2]);
        }
    }
}
