//! Embeddings kept on disk, keyed by a hash of the model id and the text, so
//! that a restart or a hot reload embeds only texts it has not seen. One file
//! per model (`<dir>/<model id>.emb`), appended to in whole records: a crash
//! mid-write loses at most the last record, which is cut off before the next
//! append and ignored when read.
//!
//! Every FAQ edit that trains a new last layer embeds every text again, so
//! neither memory nor the file may keep all that was ever embedded. Memory
//! keeps what the last [`KEEP_BUILDS`] index builds of the process used (what
//! the file held that the first build did not use is let go). The file is
//! rewritten once it holds more than [`COMPACT_RATIO`] times as many records
//! (and [`COMPACT_SLACK`] more), with those and with what other processes
//! added since this one opened it; another FAQ's older records are dropped,
//! and its process embeds them again when it next starts.

pub(super) mod prune;

use std::collections::{HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};

use crate::semantic::encoder::Encoder;
use crate::semantic::{Adaptation, SemanticError};

/// Bytes of the hash that keys a record.
const KEY: usize = 16;
/// How many texts are embedded (and written) at a time, so that an
/// interrupted cold build keeps what it already computed.
const CHUNK: usize = 1024;
const MAGIC: &[u8; 8] = b"FLEMB01\n";
/// Index builds whose embeddings stay in memory: the one in use and a few
/// before it (reverting an edit, another knowledge in the same process).
pub const KEEP_BUILDS: u64 = 4;
/// The file is compacted when it holds this many times the records in use…
pub const COMPACT_RATIO: usize = 4;
/// …and this many more (about 25 MB of 384-dimensional vectors), so that a
/// small FAQ's file is never rewritten.
pub const COMPACT_SLACK: usize = 16_384;

type Key = [u8; KEY];

/// One embedding, shared between the cache and the indexes built from it.
pub type Vector = Arc<[f32]>;

/// Embeddings by text for one model, in memory and (optionally) on disk.
pub struct EmbeddingCache {
    file: Option<PathBuf>,
    model_id: String,
    dim: usize,
    memory: Mutex<Memory>,
    /// When the file is compacted: more than `ratio` times the records in
    /// use, plus `slack`.
    compact_at: (usize, usize),
}

/// The embeddings in memory, each with the last build that used it (0: read
/// from the file, not used yet).
#[derive(Default)]
struct Memory {
    vectors: HashMap<Key, (Vector, u64)>,
    /// Builds so far ([`EmbeddingCache::embed_with`] calls for a
    /// [`BuildKind::New`], which [`EmbeddingCache::embed_all`] makes).
    builds: u64,
    /// Whole records in the file, as far as this process knows.
    in_file: usize,
    /// Every key this process read from the file or wrote to it: a record
    /// in the file with any other key was added by another process since.
    known: HashSet<Key>,
    /// How many such records the last compaction kept.
    theirs: usize,
}

impl Memory {
    /// Lets go of what the last [`KEEP_BUILDS`] builds did not use.
    fn forget_unused(&mut self) {
        let oldest = self.builds.saturating_sub(KEEP_BUILDS - 1).max(1);
        self.vectors.retain(|_, (_, used)| *used >= oldest);
    }

    /// Keeps `vector` for `key` as used by `build` (a later build's use
    /// stands).
    fn keep(&mut self, key: Key, vector: Vector, build: u64) {
        self.vectors
            .entry(key)
            .and_modify(|(_, used)| *used = (*used).max(build))
            .or_insert((vector, build));
    }
}

/// Whether embeddings are asked for by an index build of its own, or by a
/// scratch build (a round of the hand-over's calibration, over a knowledge
/// made up for it): a scratch build reads what is cached and keeps nothing
/// it computed (its texts under its own adapted layer are never asked for
/// again: the calibration's result is cached instead), and it does not
/// count as a build for what memory keeps, so a calibration's rounds
/// neither push out the FAQ's own embeddings nor grow the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuildKind {
    /// A build of its own.
    New,
    /// A scratch build: reads, keeps nothing.
    Scratch,
}

/// What one [`EmbeddingCache::embed_all`] call did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Distinct texts asked for.
    pub texts: usize,
    /// Of those, how many the model had to embed.
    pub computed: usize,
}

impl EmbeddingCache {
    /// Opens the cache of model `model_id` in `dir` (memory only when `None`).
    /// An unreadable file is reported and the cache starts empty.
    pub fn open(dir: Option<&Path>, model_id: &str, dim: usize) -> Self {
        let file = dir.map(|d| d.join(format!("{model_id}.emb")));
        let read = match &file {
            Some(path) if path.exists() => read_file(path, dim).unwrap_or_else(|e| {
                tracing::warn!(error = %e, path = %path.display(), "ignoring the embedding cache");
                Records::default()
            }),
            _ => Records::default(),
        };
        let memory = Memory {
            in_file: read.count,
            known: read.records.keys().copied().collect(),
            vectors: read.records.into_iter().map(|(k, v)| (k, (v, 0))).collect(),
            builds: 0,
            theirs: 0,
        };
        EmbeddingCache {
            file,
            model_id: model_id.to_string(),
            dim,
            memory: Mutex::new(memory),
            compact_at: (COMPACT_RATIO, COMPACT_SLACK),
        }
    }

    /// The cache, compacting its file once it holds more than `ratio` times
    /// the records in use plus `slack` (by default [`COMPACT_RATIO`] and
    /// [`COMPACT_SLACK`]).
    pub fn compacting_at(mut self, ratio: usize, slack: usize) -> Self {
        self.compact_at = (ratio, slack);
        self
    }

    /// How many embeddings are cached.
    pub fn len(&self) -> usize {
        self.memory.lock().expect("cache lock").vectors.len()
    }

    /// How many records the file holds, as far as this process knows
    /// (0 without a file).
    pub fn records_in_file(&self) -> usize {
        match self.file {
            Some(_) => self.memory.lock().expect("cache lock").in_file,
            None => 0,
        }
    }

    /// Whether nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Embeddings of `texts` for one index build, in order: cached ones
    /// looked up, the rest embedded by `encoder` (with `adaptation`'s last
    /// layer, if given) in batches and stored. Then what recent builds did
    /// not use is let go, and the file compacted if it is due. Builds may
    /// run at the same time: each keeps hold of its own vectors.
    pub fn embed_all(
        &self,
        encoder: &Encoder,
        adaptation: Option<&Adaptation>,
        texts: &[&str],
        build: BuildKind,
    ) -> Result<(Vec<Vector>, CacheStats), SemanticError> {
        let variant = adaptation.map_or("", Adaptation::id);
        self.embed_with(variant, texts, build, |batch| {
            encoder.embed_with(batch, adaptation.map(Adaptation::layer))
        })
    }

    /// [`EmbeddingCache::embed_all`] with any model: `embed` computes the
    /// vectors of texts not cached, which are kept under `variant` (a model
    /// with another last layer, say; `""`: the model as it is).
    pub fn embed_with(
        &self,
        variant: &str,
        texts: &[&str],
        build: BuildKind,
        embed: impl Fn(&[&str]) -> Result<Vec<Vec<f32>>, SemanticError>,
    ) -> Result<(Vec<Vector>, CacheStats), SemanticError> {
        let keys: Vec<Key> = texts.iter().map(|t| self.key(variant, t)).collect();
        let mut found: HashMap<Key, Vector> = HashMap::new();
        let scratch = build == BuildKind::Scratch;
        let (build, mut missing) = {
            let mut memory = self.memory.lock().expect("cache lock");
            if !scratch {
                memory.builds += 1;
            }
            let build = memory.builds;
            let mut missing: Vec<(Key, &str)> = Vec::new();
            let mut seen = std::collections::HashSet::new();
            for (k, t) in keys.iter().zip(texts) {
                if !seen.insert(*k) {
                    continue;
                }
                match memory.vectors.get_mut(k) {
                    Some((v, used)) => {
                        if !scratch {
                            *used = (*used).max(build);
                        }
                        found.insert(*k, Arc::clone(v));
                    }
                    None => missing.push((*k, *t)),
                }
            }
            (build, missing)
        };
        let stats = CacheStats {
            texts: found.len() + missing.len(),
            computed: missing.len(),
        };
        missing.sort_by_key(|(_, t)| t.len());
        for chunk in missing.chunks(CHUNK) {
            let batch: Vec<&str> = chunk.iter().map(|(_, t)| *t).collect();
            let vectors = embed(&batch)?;
            let records: Vec<(Key, Vector)> = chunk
                .iter()
                .zip(vectors)
                .map(|((k, _), v)| (*k, Arc::from(v)))
                .collect();
            if scratch {
                found.extend(records);
                continue;
            }
            let appended = self.append(&records);
            let mut memory = self.memory.lock().expect("cache lock");
            if appended {
                memory.in_file += records.len();
                memory.known.extend(records.iter().map(|(k, _)| *k));
            }
            for (k, v) in records {
                memory.keep(k, Arc::clone(&v), build);
                found.insert(k, v);
            }
        }
        let vectors = keys.iter().map(|k| Arc::clone(&found[k])).collect();
        if scratch {
            return Ok((vectors, stats));
        }
        let mut memory = self.memory.lock().expect("cache lock");
        memory.forget_unused();
        let (ratio, slack) = self.compact_at;
        if memory.in_file > ratio * (memory.vectors.len() + memory.theirs) + slack {
            self.compact(&mut memory);
        }
        Ok((vectors, stats))
    }

    /// The bytes of one record.
    fn record_len(&self) -> usize {
        KEY + self.dim * 4
    }

    /// Rewrites the file with what memory holds and the records other
    /// processes added since this one opened it (written to a file of its
    /// own in the directory, then renamed over the old one, while holding
    /// the old one's lock so that no append is lost in between). What this
    /// process read or wrote and no longer uses is dropped. A file that
    /// cannot be read is rewritten from memory alone.
    fn compact(&self, memory: &mut Memory) {
        let Some(path) = &self.file else { return };
        let dir = path.parent().unwrap_or(Path::new("."));
        let temporary = format!("{}.", self.model_id);
        prune::sweep_abandoned(dir, &temporary);
        let result = (|| -> std::io::Result<(usize, usize)> {
            let mut old = open_locked(path)?;
            let mut current = Vec::new();
            old.seek(SeekFrom::Start(0))?;
            old.read_to_end(&mut current)?;
            let theirs: Vec<(Key, Vector)> = match parse(&current, self.dim) {
                Some(read) => read
                    .records
                    .into_iter()
                    .filter(|(k, _)| !memory.known.contains(k) && !memory.vectors.contains_key(k))
                    .collect(),
                None => Vec::new(),
            };
            drop(current);
            let records = memory.vectors.len() + theirs.len();
            let mut bytes = Vec::with_capacity(MAGIC.len() + records * self.record_len());
            bytes.extend_from_slice(MAGIC);
            for (k, (v, _)) in &memory.vectors {
                push_record(&mut bytes, k, v);
            }
            for (k, v) in &theirs {
                push_record(&mut bytes, k, v);
            }
            let mut aside = tempfile::Builder::new()
                .prefix(&temporary)
                .suffix(".emb.tmp")
                .tempfile_in(dir)?;
            aside.write_all(&bytes)?;
            aside.as_file().sync_all()?;
            aside.persist(path).map_err(|e| e.error)?;
            // Their records stay theirs: the next compaction keeps them too.
            memory.known = memory.vectors.keys().copied().collect();
            Ok((records, theirs.len()))
        })();
        match result {
            Ok((records, theirs)) => {
                tracing::info!(
                    path = %path.display(),
                    from = memory.in_file,
                    to = records,
                    "compacted the embedding cache"
                );
                memory.in_file = records;
                memory.theirs = theirs;
            }
            Err(e) => {
                tracing::warn!(error = %e, path = %path.display(), "could not compact the embedding cache");
            }
        }
    }

    fn key(&self, variant: &str, text: &str) -> Key {
        let mut h = Sha256::new();
        h.update(self.model_id.as_bytes());
        h.update([0]);
        // Empty for the model as it is: keys of earlier caches stay valid.
        if !variant.is_empty() {
            h.update(variant.as_bytes());
            h.update([0]);
        }
        h.update(text.as_bytes());
        let mut key = [0; KEY];
        key.copy_from_slice(&h.finalize()[..KEY]);
        key
    }

    /// Writes `records` to the file, holding its lock; a failure costs only
    /// recomputation later. A record left half-written by a crash is cut
    /// off first, so that the records after it are read whole, and a file
    /// whose header is broken is started afresh. Returns whether they were
    /// written.
    fn append(&self, records: &[(Key, Vector)]) -> bool {
        let Some(path) = self.file.as_ref() else {
            return false;
        };
        let mut bytes = Vec::with_capacity(records.len() * self.record_len());
        for (k, v) in records {
            push_record(&mut bytes, k, v);
        }
        let record = self.record_len() as u64;
        let result = (|| -> std::io::Result<()> {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let mut f = open_locked(path)?;
            let len = f.metadata()?.len();
            let mut header = [0; MAGIC.len()];
            f.seek(SeekFrom::Start(0))?;
            let whole = f.read_exact(&mut header).is_ok() && header == *MAGIC;
            if !whole {
                f.set_len(0)?;
                f.write_all(MAGIC)?;
            } else if let Some(body) = len.checked_sub(MAGIC.len() as u64)
                && body % record != 0
            {
                f.set_len(len - body % record)?;
            }
            f.write_all(&bytes)
        })();
        if let Err(e) = &result {
            tracing::warn!(error = %e, path = %path.display(), "could not write the embedding cache");
        }
        result.is_ok()
    }
}

/// One record: the key, then the vector as little-endian floats.
fn push_record(bytes: &mut Vec<u8>, key: &Key, vector: &[f32]) {
    bytes.extend_from_slice(key);
    for x in vector {
        bytes.extend_from_slice(&x.to_le_bytes());
    }
}

/// The whole records of a cache file (the last one wins for a key written
/// twice).
#[derive(Default)]
struct Records {
    records: HashMap<Key, Vector>,
    /// Whole records (a key written twice counts twice).
    count: usize,
}

/// The file at `path`, open to read and append and locked against other
/// writers (processes, and builds in this one). If it was replaced while
/// waiting for the lock (compacted by another process), the new one.
fn open_locked(path: &Path) -> std::io::Result<File> {
    loop {
        let f = OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .open(path)?;
        f.lock()?;
        if still_at(&f, path)? {
            return Ok(f);
        }
    }
}

/// Whether `file` is still the one at `path`.
#[cfg(unix)]
fn still_at(file: &File, path: &Path) -> std::io::Result<bool> {
    use std::os::unix::fs::MetadataExt;
    let open = file.metadata()?;
    match std::fs::metadata(path) {
        Ok(now) => Ok(open.dev() == now.dev() && open.ino() == now.ino()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

/// Whether `file` is still the one at `path` (elsewhere files in use are
/// not replaced, so it is).
#[cfg(not(unix))]
fn still_at(_file: &File, _path: &Path) -> std::io::Result<bool> {
    Ok(true)
}

fn read_file(path: &Path, dim: usize) -> Result<Records, SemanticError> {
    let bytes = std::fs::read(path).map_err(|source| SemanticError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse(&bytes, dim)
        .ok_or_else(|| SemanticError::Model(format!("{} is no embedding cache", path.display())))
}

/// The records in a cache file's `bytes`; `None` without the header.
fn parse(bytes: &[u8], dim: usize) -> Option<Records> {
    let body = bytes.strip_prefix(MAGIC.as_slice())?;
    let record = KEY + dim * 4;
    let whole = body.len() / record;
    let records = body
        .chunks_exact(record)
        .map(|r| {
            let mut key = [0; KEY];
            key.copy_from_slice(&r[..KEY]);
            let v: Vec<f32> = r[KEY..]
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect();
            (key, Arc::from(v))
        })
        .collect();
    Some(Records {
        records,
        count: whole,
    })
}
