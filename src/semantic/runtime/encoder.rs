//! A sentence encoder run in-process: a BERT-family model in the Hugging
//! Face layout (`config.json`, `tokenizer.json`, `model.safetensors`) on
//! candle ([`crate::semantic::bert`]), mean-pooled over the real tokens and
//! L2-normalised, as sentence-transformers does for all-MiniLM-L6-v2.
//! Nothing is downloaded here: the directory must hold the files (see
//! `crate::models`, which fetches them). The weights are read a tensor at a
//! time and the word table stays in the file ([`crate::semantic::weights`]); a
//! Unigram vocabulary is held compactly ([`crate::semantic::pieces`]).

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

use candle_core::Tensor;
use candle_transformers::models::bert::Config;
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use tokenizers::TruncationParams;

use crate::semantic::bert::{Bert, Depth, Layer, Pass, Profile, mean_pool};
use crate::semantic::dense::Precision;
use crate::semantic::pieces::{self, Tokenizer};
use crate::semantic::weights::WeightsFile;
use crate::semantic::{SemanticError, hex};

/// Longest input in tokens; sentence-transformers cuts all-MiniLM-L6-v2 at 256.
const MAX_TOKENS: usize = 256;
/// Longest query in tokens: the length all-MiniLM-L6-v2 was trained on (and
/// its tokenizer.json cuts at). Time grows faster than length (about 3 ms
/// for 12 tokens, 30 ms for 128, 90 ms for 256 on one core here), and a
/// customer's message that long rarely gains meaning from its tail; the
/// lexical search still reads all of it.
const QUERY_MAX_TOKENS: usize = 128;
/// Bumped whenever the forward pass computes differently, so that cached
/// embeddings of an earlier version are not mixed with new ones.
const FORWARD_VERSION: u64 = 3;
/// Sequences per forward pass when embedding many texts, at most ...
const BATCH: usize = 64;
/// ... and tokens, padding included: a batch's activations grow with its
/// tokens (its attention with their square per sequence), so 64 answer
/// passages of 150 tokens held about 60 MB in each of several tensors at
/// once, on each core. Short texts (listed questions, a dozen tokens) still
/// go 64 at a time.
const BATCH_TOKENS: usize = 2048;

/// Bytes of last-layer inputs kept at most while [`Encoder::remembering`]:
/// about 4,000 texts of 16 tokens in MiniLM's 384 dimensions (a small
/// FAQ's texts all fit; of a large one's, those computed first: the
/// adaptations' training texts, then what a calibration round embeds, up
/// to 4,000 listed texts, which the FAQ's build embeds too).
const MEMO_BYTES: usize = 96 << 20;

/// The inputs of the last layer (tokens × hidden) of token sequences seen
/// while a build holds it: they do not depend on the last layer, which is
/// the only one adapting changes, so a calibration's rounds (each adapting
/// a layer of its own on the FAQ's texts, then embedding them and ranking
/// them again) and the FAQ's own build run the layers below once per text
/// (up to [`MEMO_BYTES`] of them).
#[derive(Default)]
struct Memo {
    /// How many [`Remembering`]s are alive; emptied when the last one ends.
    holders: usize,
    states: HashMap<Vec<u32>, Tensor>,
    bytes: usize,
}

/// Keeps the encoder's last-layer inputs while alive (see [`Encoder::remembering`]).
pub struct Remembering<'e>(&'e Encoder);

impl Drop for Remembering<'_> {
    fn drop(&mut self) {
        let mut memo = self.0.memo();
        memo.holders -= 1;
        if memo.holders == 0 {
            *memo = Memo::default();
        }
    }
}

/// A loaded sentence-embedding model.
pub struct Encoder {
    model: Bert,
    /// Runs whole batches side by side when many texts are embedded.
    pool: rayon::ThreadPool,
    /// Splits the work of one query over its threads; `None`: one query
    /// runs on the calling thread alone.
    query_pool: Option<rayon::ThreadPool>,
    tokenizer: Tokenizer,
    id: String,
    dim: usize,
    precision: Precision,
    memo: Mutex<Memo>,
}

impl Encoder {
    /// Loads the model in `dir`, its linear layers held at `precision`; with
    /// `query_threads` of 2 or more, one query's work is halved over two
    /// threads of their own (0 and 1: the calling thread alone).
    pub fn load(
        dir: &Path,
        precision: Precision,
        query_threads: usize,
    ) -> Result<Self, SemanticError> {
        Self::load_files(ModelFiles::read(dir)?, precision, query_threads)
    }

    fn load_files(
        files: ModelFiles,
        precision: Precision,
        query_threads: usize,
    ) -> Result<Self, SemanticError> {
        let precision = precision.resolve();
        let config: Config = files.config()?;
        let id = files.id(FORWARD_VERSION, precision)?;
        let tokenizer = files.tokenizer(MAX_TOKENS)?;
        let model = Bert::load(&files.weights, &config, precision)?;
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("embed-{i}"))
            .build()
            .map_err(|e| SemanticError::Model(format!("starting embedding threads: {e}")))?;
        // A query's work is split in two halves, so more than two threads
        // would idle.
        let query_pool = if query_threads > 1 {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(2)
                .thread_name(|i| format!("query-{i}"))
                .build()
                .map_err(|e| SemanticError::Model(format!("starting query threads: {e}")))?;
            Some(pool)
        } else {
            None
        };
        let encoder = Encoder {
            model,
            pool,
            query_pool,
            tokenizer,
            id,
            dim: config.hidden_size,
            precision,
            memo: Mutex::new(Memo::default()),
        };
        // One query now, so that the first customer's does not pay for
        // candle's lazy preparation of the 8-bit weights.
        encoder.embed_one("warm up", None)?;
        Ok(encoder)
    }

    /// Runs `work` on the threads that embed many texts at once.
    pub fn install<R: Send>(&self, work: impl FnOnce() -> R + Send) -> R {
        self.pool.install(work)
    }

    /// The model itself.
    pub fn model(&self) -> &Bert {
        &self.model
    }

    /// How the weights are held.
    pub fn precision(&self) -> Precision {
        self.precision
    }

    /// A content hash of the model files and the precision: embeddings made
    /// by another model (or another version or precision of it) never mix
    /// with this one's.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Length of the vectors.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Unit vectors for `texts`, in order. Texts are grouped by token count
    /// so that padding costs little.
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, SemanticError> {
        self.embed_with(texts, None)
    }

    /// [`Encoder::embed`], with the model's last layer replaced by `last`
    /// if given (its inputs kept or taken from what the encoder is
    /// [`Encoder::remembering`]).
    pub fn embed_with(
        &self,
        texts: &[&str],
        last: Option<&Layer>,
    ) -> Result<Vec<Vec<f32>>, SemanticError> {
        match last {
            None => self.run_batches(texts, |batch| self.forward(batch, Depth::All)),
            Some(layer) => self.run_batches(texts, |batch| {
                let inputs = self.below_last_of(batch)?;
                let rows: Vec<&Tensor> = inputs.iter().collect();
                let (x, mask, len) = padded_rows(&rows)?;
                let hidden = self.model.layer_on(layer, &x, batch.len(), len, &mask)?;
                Ok(mean_pool(&hidden, batch.len(), len, Some(&mask))?)
            }),
        }
    }

    /// The input of the last layer for each of `texts`: one tensor of
    /// tokens × hidden per text, where adapting the last layer starts.
    pub fn below_last(&self, texts: &[&str]) -> Result<Vec<Tensor>, SemanticError> {
        self.run_batches(texts, |batch| self.below_last_of(batch))
    }

    /// Until the returned value is dropped, the inputs of the last layer
    /// computed by [`Encoder::below_last`] and by [`Encoder::embed_with`] an
    /// adapted layer are kept (up to [`MEMO_BYTES`]) and used again for the
    /// same texts: for an index build and its calibration, which adapt
    /// several layers on the same texts. Nested holders share what is kept.
    pub fn remembering(&self) -> Remembering<'_> {
        self.memo().holders += 1;
        Remembering(self)
    }

    /// The memo, also after a thread panicked holding it (what it holds
    /// is whole either way).
    fn memo(&self) -> std::sync::MutexGuard<'_, Memo> {
        self.memo
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// How many texts' last-layer inputs are kept now.
    pub fn remembered(&self) -> usize {
        self.memo().states.len()
    }

    /// The last layer's inputs of token sequences, from the memo where kept;
    /// the others in one forward pass (kept while remembering, if they fit).
    fn below_last_of(&self, batch: &[&[u32]]) -> Result<Vec<Tensor>, SemanticError> {
        let mut out: Vec<Option<Tensor>> = {
            let memo = self.memo();
            batch
                .iter()
                .map(|seq| memo.states.get(*seq).cloned())
                .collect()
        };
        let missing: Vec<usize> = (0..batch.len()).filter(|&i| out[i].is_none()).collect();
        if !missing.is_empty() {
            let seqs: Vec<&[u32]> = missing.iter().map(|&i| batch[i]).collect();
            let (hidden, len, _) = self.hidden(&seqs, Depth::BelowLast)?;
            let mut memo = self.memo();
            for (k, (&i, seq)) in missing.iter().zip(&seqs).enumerate() {
                // A copy of its rows alone: a view would hold on to the
                // whole batch's storage, padding included.
                let state = hidden.narrow(0, k * len, seq.len())?.force_contiguous()?;
                let bytes = state.elem_count() * state.dtype().size_in_bytes();
                if memo.holders > 0
                    && memo.bytes + bytes <= MEMO_BYTES
                    && !memo.states.contains_key(*seq)
                {
                    memo.bytes += bytes;
                    memo.states.insert(seq.to_vec(), state.clone());
                }
                out[i] = Some(state);
            }
        }
        Ok(out.into_iter().flatten().collect())
    }

    /// `run` over `texts` tokenized, in batches side by side on the
    /// embedding threads, results in the order of `texts`.
    fn run_batches<T: Send>(
        &self,
        texts: &[&str],
        run: impl Fn(&[&[u32]]) -> Result<Vec<T>, SemanticError> + Sync + Send,
    ) -> Result<Vec<T>, SemanticError> {
        // Whole batches side by side: coarse work keeps the cores busy even
        // when other processes compete for them (candle's own per-operation
        // threads wait on each other; see `RAYON_NUM_THREADS` in main).
        self.pool.install(|| batched(&self.tokenizer, texts, run))
    }

    /// Unit vectors of token sequences, in one forward pass.
    fn forward(&self, batch: &[&[u32]], depth: Depth) -> Result<Vec<Vec<f32>>, SemanticError> {
        let (hidden, len, mask) = self.hidden(batch, depth)?;
        Ok(mean_pool(&hidden, batch.len(), len, Some(&mask))?)
    }

    /// One forward pass over token sequences padded to the longest: the
    /// hidden states ((batch × len) × hidden), `len` and the padding mask.
    fn hidden(
        &self,
        batch: &[&[u32]],
        depth: Depth,
    ) -> Result<(Tensor, usize, Vec<u32>), SemanticError> {
        let (ids, mask, len) = padded(batch);
        let pass = Pass {
            mask: Some(&mask),
            split: false,
            depth,
        };
        let hidden = self.model.forward(&ids, batch.len(), len, pass, None)?;
        Ok((hidden, len, mask))
    }

    /// The unit vector of one query: no batch, no padding, no attention
    /// mask; cut at [`QUERY_MAX_TOKENS`]. Its work is halved over
    /// the two query threads, if there are ([`Pass::split`]); else it runs
    /// on the calling thread. Times each stage into `profile` if given.
    pub fn embed_one(
        &self,
        text: &str,
        profile: Option<&mut Profile>,
    ) -> Result<Vec<f32>, SemanticError> {
        self.embed_one_with(text, None, profile)
    }

    /// [`Encoder::embed_one`], with the model's last layer replaced by
    /// `last` if given.
    pub fn embed_one_with(
        &self,
        text: &str,
        last: Option<&Layer>,
        mut profile: Option<&mut Profile>,
    ) -> Result<Vec<f32>, SemanticError> {
        let depth = last.map_or(Depth::All, Depth::LastReplacedBy);
        let started = std::time::Instant::now();
        let encoding = self
            .tokenizer
            .encode(text, true)
            .map_err(|e| SemanticError::Model(format!("tokenizing: {e}")))?;
        let ids = query_ids(encoding.get_ids());
        let ids = ids.as_slice();
        if let Some(p) = profile.as_deref_mut() {
            p.stages.push(("tokenize", started.elapsed()));
        }
        let mut forward = |split| {
            let pass = Pass {
                mask: None,
                split,
                depth,
            };
            self.model
                .forward(ids, 1, ids.len(), pass, profile.as_deref_mut())
        };
        let hidden = match &self.query_pool {
            Some(pool) => pool.install(|| forward(true))?,
            None => forward(false)?,
        };
        let started = std::time::Instant::now();
        let v = mean_pool(&hidden, 1, ids.len(), None)?.remove(0);
        if let Some(p) = profile {
            p.stages.push(("pool", started.elapsed()));
        }
        Ok(v)
    }

    /// [`Encoder::embed_one`] and `beside` side by side on the query
    /// threads; one after the other without them.
    pub fn embed_one_beside<R: Send>(
        &self,
        text: &str,
        last: Option<&Layer>,
        beside: impl FnOnce() -> R + Send,
    ) -> (Result<Vec<f32>, SemanticError>, R) {
        self.join(|| self.embed_one_with(text, last, None), beside)
    }

    /// `a` and `b` side by side on the query threads; one after the other
    /// without them.
    pub fn join<RA: Send, RB: Send>(
        &self,
        a: impl FnOnce() -> RA + Send,
        b: impl FnOnce() -> RB + Send,
    ) -> (RA, RB) {
        match &self.query_pool {
            Some(pool) => pool.install(|| rayon::join(a, b)),
            None => (a(), b()),
        }
    }
}

/// `run` over `texts` tokenized by `tokenizer`, grouped by token count
/// (so that padding costs little) into batches ([`batches_by_length`]) run
/// side by side on the current rayon pool; results in the order of
/// `texts`. Then hands what the passes freed back to the system
/// ([`super::release_freed`]): for bulk embedding, not for one query.
pub(in crate::semantic) fn batched<T: Send>(
    tokenizer: &Tokenizer,
    texts: &[&str],
    run: impl Fn(&[&[u32]]) -> Result<Vec<T>, SemanticError> + Sync,
) -> Result<Vec<T>, SemanticError> {
    let encodings = tokenizer
        .encode_batch(texts.to_vec(), true)
        .map_err(|e| SemanticError::Model(format!("tokenizing: {e}")))?;
    let ids: Vec<&[u32]> = encodings.iter().map(|e| e.get_ids()).collect();
    let chunks = batches_by_length(&ids);
    let batches: Vec<Vec<T>> = chunks
        .par_iter()
        .map(|chunk| {
            let batch: Vec<&[u32]> = chunk.iter().map(|&i| ids[i]).collect();
            run(&batch)
        })
        .collect::<Result<_, _>>()?;
    super::release_freed();
    let mut out: Vec<Option<T>> = (0..ids.len()).map(|_| None).collect();
    for (chunk, results) in chunks.iter().zip(batches) {
        for (&i, r) in chunk.iter().zip(results) {
            out[i] = Some(r);
        }
    }
    out.into_iter()
        .map(|r| r.ok_or_else(|| SemanticError::Model("a batch lost a text".into())))
        .collect()
}

/// The indices of `ids` in batches of similar length, shortest first: at
/// most [`BATCH`] sequences and [`BATCH_TOKENS`] tokens each, counting each
/// sequence as long as the batch's longest (its padded length); a sequence
/// longer than that alone is a batch of its own.
fn batches_by_length(ids: &[&[u32]]) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..ids.len()).collect();
    order.sort_by_key(|&i| ids[i].len());
    let mut batches: Vec<Vec<usize>> = Vec::new();
    for i in order {
        // Sorted, so this sequence is the longest of the batch it joins.
        let fits = |b: &Vec<usize>| b.len() < BATCH && (b.len() + 1) * ids[i].len() <= BATCH_TOKENS;
        match batches.last_mut() {
            Some(b) if fits(b) => b.push(i),
            _ => batches.push(vec![i]),
        }
    }
    batches
}

/// Hidden states `rows` (tokens × hidden each) zero-padded to the longest
/// and laid row after row ((batch × len) × hidden), with their mask (1 for
/// real tokens) and that length.
pub(in crate::semantic) fn padded_rows(
    rows: &[&Tensor],
) -> Result<(Tensor, Vec<u32>, usize), SemanticError> {
    let lens = rows
        .iter()
        .map(|r| r.dim(0))
        .collect::<Result<Vec<_>, _>>()?;
    let len = lens.iter().copied().max().unwrap_or(0).max(1);
    let padded = rows
        .iter()
        .zip(&lens)
        .map(|(r, &n)| r.pad_with_zeros(0, 0, len - n))
        .collect::<candle_core::Result<Vec<_>>>()?;
    let mask = lens
        .iter()
        .flat_map(|&n| (0..len).map(move |i| u32::from(i < n)))
        .collect();
    Ok((Tensor::cat(&padded, 0)?, mask, len))
}

/// Token sequences padded to the longest (at least 1) with token 0, row
/// after row, with their mask (1 for real tokens) and that length.
pub(in crate::semantic) fn padded(batch: &[&[u32]]) -> (Vec<u32>, Vec<u32>, usize) {
    let len = batch.iter().map(|s| s.len()).max().unwrap_or(0).max(1);
    let mut ids = Vec::with_capacity(batch.len() * len);
    let mut mask = Vec::with_capacity(batch.len() * len);
    for seq in batch {
        ids.extend_from_slice(seq);
        ids.extend(std::iter::repeat_n(0u32, len - seq.len()));
        mask.extend(std::iter::repeat_n(1u32, seq.len()));
        mask.extend(std::iter::repeat_n(0u32, len - seq.len()));
    }
    (ids, mask, len)
}

/// The files of a model directory in the Hugging Face layout: the small
/// ones read, the weights opened.
pub(in crate::semantic) struct ModelFiles {
    config: Vec<u8>,
    tokenizer: Vec<u8>,
    /// `model.safetensors`.
    pub weights: WeightsFile,
}

impl ModelFiles {
    /// Reads `config.json` and `tokenizer.json` in `dir`, opens
    /// `model.safetensors`.
    pub fn read(dir: &Path) -> Result<Self, SemanticError> {
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read(&path).map_err(|source| SemanticError::Read { path, source })
        };
        Ok(ModelFiles {
            config: read("config.json")?,
            tokenizer: read("tokenizer.json")?,
            weights: WeightsFile::open(&dir.join("model.safetensors"))?,
        })
    }

    /// `config.json`, parsed.
    pub fn config<T: serde::de::DeserializeOwned>(&self) -> Result<T, SemanticError> {
        serde_json::from_slice(&self.config)
            .map_err(|e| SemanticError::Model(format!("config.json: {e}")))
    }

    /// The tokenizer, without padding, cutting at `max_len` tokens.
    pub fn tokenizer(&self, max_len: usize) -> Result<Tokenizer, SemanticError> {
        let mut tokenizer = pieces::from_bytes(&self.tokenizer)
            .map_err(|e| SemanticError::Model(format!("tokenizer.json: {e}")))?;
        tokenizer.with_padding(None);
        truncate_at(&mut tokenizer, max_len)?;
        Ok(tokenizer)
    }

    /// A content hash of the files, the version of the code that runs
    /// them and the precision: embeddings
    /// of one model never mix with another's.
    pub fn id(&self, forward_version: u64, precision: Precision) -> Result<String, SemanticError> {
        let mut h = Sha256::new();
        h.update(forward_version.to_le_bytes());
        for p in [&self.config, &self.tokenizer] {
            h.update((p.len() as u64).to_le_bytes());
            h.update(p);
        }
        self.weights.hash_into(&mut h)?;
        Ok(format!(
            "{}-{}",
            hex(&h.finalize()[..8]),
            precision.numerics()
        ))
    }
}

/// A query's ids cut at [`QUERY_MAX_TOKENS`] as the tokenizer's own
/// truncation would cut them: the first ones and the closing special token.
/// (One tokenizer serves texts and queries: no second copy of a
/// vocabulary is made for the shorter cut.)
fn query_ids(ids: &[u32]) -> Vec<u32> {
    match ids.split_last() {
        Some((last, rest)) if ids.len() > QUERY_MAX_TOKENS => {
            let mut cut = rest[..QUERY_MAX_TOKENS - 1].to_vec();
            cut.push(*last);
            cut
        }
        _ => ids.to_vec(),
    }
}

fn truncate_at(tokenizer: &mut Tokenizer, max_length: usize) -> Result<(), SemanticError> {
    tokenizer
        .with_truncation(Some(TruncationParams {
            max_length,
            ..TruncationParams::default()
        }))
        .map(|_| ())
        .map_err(|e| SemanticError::Model(format!("tokenizer.json: {e}")))
}

#[cfg(test)]
mod tests {
    use super::{BATCH, BATCH_TOKENS, QUERY_MAX_TOKENS, batches_by_length, query_ids};

    #[test]
    fn batches_hold_every_text_once_shortest_first_within_both_bounds() {
        // 78 questions of 12 tokens, 62 passages of 150, one text of 3,000.
        let seqs: Vec<Vec<u32>> = (0..141)
            .map(|i| match i % 7 {
                _ if i == 70 => vec![1; 3000],
                0 | 3 if i < 80 => vec![1; 150],
                _ if i >= 101 => vec![1; 150],
                _ => vec![1; 12],
            })
            .collect();
        let ids: Vec<&[u32]> = seqs.iter().map(Vec::as_slice).collect();
        let batches = batches_by_length(&ids);
        let mut all: Vec<usize> = batches.concat();
        all.sort_unstable();
        assert_eq!(all, (0..ids.len()).collect::<Vec<_>>());
        let longest = |b: &Vec<usize>| b.iter().map(|&i| ids[i].len()).max().unwrap();
        for pair in batches.windows(2) {
            assert!(longest(&pair[0]) <= ids[pair[1][0]].len(), "by length");
        }
        for b in &batches {
            assert!(b.len() <= BATCH);
            assert!(
                b.len() == 1 || b.len() * longest(b) <= BATCH_TOKENS,
                "{} × {}",
                b.len(),
                longest(b)
            );
        }
        // The short ones still go as many at a time as before.
        assert_eq!(batches[0].len(), BATCH);
        assert_eq!(batches.last().map(Vec::len), Some(1), "the long one alone");
        assert!(
            batches
                .iter()
                .any(|b| longest(b) == 150 && b.len() == BATCH_TOKENS / 150)
        );
    }

    #[test]
    fn a_long_query_keeps_its_first_ids_and_the_closing_token() {
        let long: Vec<u32> = (0..300).chain([2]).collect();
        let cut = query_ids(&long);
        assert_eq!(cut.len(), QUERY_MAX_TOKENS);
        assert_eq!(cut[..QUERY_MAX_TOKENS - 1], long[..QUERY_MAX_TOKENS - 1]);
        assert_eq!(cut.last(), Some(&2));
        let short = [0, 7, 8, 2];
        assert_eq!(query_ids(&short), short);
        let exact: Vec<u32> = (0..QUERY_MAX_TOKENS as u32).collect();
        assert_eq!(query_ids(&exact), exact);
    }
}
