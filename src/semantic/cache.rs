//! Embeddings kept on disk, keyed by a hash of the model id and the text, so
//! that a restart or a hot reload embeds only texts it has not seen. One file
//! per model (`<dir>/<model id>.emb`), appended to in whole records: a crash
//! mid-write loses at most the last record, which is ignored when read.
//! When texts no longer asked for outnumber the ones a build asks for (see
//! [`STALE_FACTOR`]), the store keeps only the latter.

use std::collections::{HashMap, HashSet};
use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};

use super::encoder::Encoder;
use super::{Adaptation, SemanticError};

/// Bytes of the hash that keys a record.
const KEY: usize = 16;
/// How many texts are embedded (and written) at a time, so that an
/// interrupted cold build keeps what it already computed.
const CHUNK: usize = 1024;
const MAGIC: &[u8; 8] = b"FLEMB01\n";
/// After a build, the store is cut down to the texts that build asked for
/// when it holds more than this many times as many, plus [`CHUNK`]: FAQ
/// versions long gone (and the embeddings of layers trained for them) do
/// not pile up, and a few edits do not rewrite the file every time.
const STALE_FACTOR: usize = 2;

type Key = [u8; KEY];

/// One embedding, shared between the cache and the indexes built from it.
pub type Vector = Arc<[f32]>;

/// Embeddings by text for one model, in memory and (optionally) on disk.
pub struct EmbeddingCache {
    file: Option<PathBuf>,
    model_id: String,
    dim: usize,
    memory: Mutex<HashMap<Key, Arc<[f32]>>>,
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
        let memory = match &file {
            Some(path) if path.exists() => read_file(path, dim).unwrap_or_else(|e| {
                tracing::warn!(error = %e, path = %path.display(), "ignoring the embedding cache");
                HashMap::new()
            }),
            _ => HashMap::new(),
        };
        EmbeddingCache {
            file,
            model_id: model_id.to_string(),
            dim,
            memory: Mutex::new(memory),
        }
    }

    /// How many embeddings are cached.
    pub fn len(&self) -> usize {
        self.memory.lock().expect("cache lock").len()
    }

    /// Whether nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Embeddings of `texts`, in order: cached ones looked up, the rest
    /// embedded by `encoder` (with `adaptation`'s last layer, if given) in
    /// batches and stored.
    pub fn embed_all(
        &self,
        encoder: &Encoder,
        adaptation: Option<&Adaptation>,
        texts: &[&str],
    ) -> Result<(Vec<Vector>, CacheStats), SemanticError> {
        let variant = adaptation.map_or("", Adaptation::id);
        let keys: Vec<Key> = texts.iter().map(|t| self.key(variant, t)).collect();
        let mut missing: Vec<(Key, &str)> = {
            let memory = self.memory.lock().expect("cache lock");
            let mut seen = HashSet::new();
            keys.iter()
                .zip(texts)
                .filter(|(k, _)| !memory.contains_key(*k) && seen.insert(**k))
                .map(|(k, t)| (*k, *t))
                .collect()
        };
        let stats = CacheStats {
            texts: keys.iter().collect::<HashSet<_>>().len(),
            computed: missing.len(),
        };
        missing.sort_by_key(|(_, t)| t.len());
        for chunk in missing.chunks(CHUNK) {
            let batch: Vec<&str> = chunk.iter().map(|(_, t)| *t).collect();
            let vectors = encoder.embed_with(&batch, adaptation.map(Adaptation::layer))?;
            let records: Vec<(Key, Arc<[f32]>)> = chunk
                .iter()
                .zip(vectors)
                .map(|((k, _), v)| (*k, Arc::from(v)))
                .collect();
            self.store(records);
        }
        let vectors = {
            let memory = self.memory.lock().expect("cache lock");
            keys.iter().map(|k| Arc::clone(&memory[k])).collect()
        };
        self.keep_only_if_stale(&keys.into_iter().collect());
        Ok((vectors, stats))
    }

    /// Adds `records`, in memory and on disk.
    fn store(&self, records: Vec<(Key, Arc<[f32]>)>) {
        self.append(&records);
        self.memory.lock().expect("cache lock").extend(records);
    }

    /// Drops every record not in `live` when those outnumber it (see
    /// [`STALE_FACTOR`]), rewriting the file under a temporary name that
    /// then replaces it. A failure leaves the old file, and costs nothing.
    fn keep_only_if_stale(&self, live: &HashSet<Key>) {
        let mut memory = self.memory.lock().expect("cache lock");
        if memory.len() <= STALE_FACTOR * live.len() + CHUNK {
            return;
        }
        let before = memory.len();
        memory.retain(|k, _| live.contains(k));
        let Some(path) = &self.file else { return };
        let records: Vec<(Key, Arc<[f32]>)> =
            memory.iter().map(|(k, v)| (*k, Arc::clone(v))).collect();
        let partial = path.with_extension(format!("emb.{}.partial", std::process::id()));
        let mut bytes = MAGIC.to_vec();
        bytes.extend(self.encode(&records));
        let written =
            std::fs::write(&partial, bytes).and_then(|()| std::fs::rename(&partial, path));
        match written {
            Ok(()) => tracing::info!(
                kept = records.len(),
                dropped = before - records.len(),
                path = %path.display(),
                "compacted the embedding cache"
            ),
            Err(e) => {
                let _ = std::fs::remove_file(&partial);
                tracing::warn!(error = %e, path = %path.display(), "could not compact the embedding cache");
            }
        }
    }

    fn encode(&self, records: &[(Key, Arc<[f32]>)]) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(records.len() * (KEY + self.dim * 4));
        for (k, v) in records {
            bytes.extend_from_slice(k);
            for x in v.iter() {
                bytes.extend_from_slice(&x.to_le_bytes());
            }
        }
        bytes
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

    /// Writes `records` to the file; a failure costs only recomputation later.
    fn append(&self, records: &[(Key, Arc<[f32]>)]) {
        let Some(path) = &self.file else { return };
        let bytes = self.encode(records);
        let result = (|| -> std::io::Result<()> {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let mut f = OpenOptions::new().create(true).append(true).open(path)?;
            if f.metadata()?.len() == 0 {
                f.write_all(MAGIC)?;
            }
            f.write_all(&bytes)
        })();
        if let Err(e) = result {
            tracing::warn!(error = %e, path = %path.display(), "could not write the embedding cache");
        }
    }
}

fn read_file(path: &Path, dim: usize) -> Result<HashMap<Key, Arc<[f32]>>, SemanticError> {
    let bytes = std::fs::read(path).map_err(|source| SemanticError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let body = bytes
        .strip_prefix(MAGIC.as_slice())
        .ok_or_else(|| SemanticError::Model(format!("{} is no embedding cache", path.display())))?;
    let record = KEY + dim * 4;
    Ok(body
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
        .collect())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::{CHUNK, EmbeddingCache, Key};

    fn record(i: usize) -> (Key, Arc<[f32]>) {
        let mut key = [0; 16];
        key[..8].copy_from_slice(&(i as u64).to_le_bytes());
        (key, Arc::from(vec![i as f32, -(i as f32)]))
    }

    /// Records no build asks for any more are dropped, in memory and on disk,
    /// once they outnumber the live ones; not before.
    #[test]
    fn old_records_are_dropped_once_they_outnumber_the_live_ones() {
        let dir = tempfile::tempdir().expect("temp dir");
        let cache = EmbeddingCache::open(Some(dir.path()), "m", 2);
        cache.store((0..CHUNK + 300).map(record).collect());
        let live = |n: usize| (0..n).map(|i| record(i).0).collect();
        // 1,324 records, 150 of them live: 1,324 <= 2 × 150 + 1,024.
        cache.keep_only_if_stale(&live(150));
        assert_eq!(cache.len(), CHUNK + 300);
        assert_eq!(
            EmbeddingCache::open(Some(dir.path()), "m", 2).len(),
            CHUNK + 300
        );
        // 149 live: now the others go.
        cache.keep_only_if_stale(&live(149));
        assert_eq!(cache.len(), 149);
        let reopened = EmbeddingCache::open(Some(dir.path()), "m", 2);
        assert_eq!(reopened.len(), 149);
        let memory = reopened.memory.lock().expect("cache lock");
        let (k, v) = record(148);
        assert_eq!(memory[&k], v);
        drop(memory);
        // Only the store's file is left, and it still takes new records.
        let files: Vec<_> = std::fs::read_dir(dir.path()).expect("listed").collect();
        assert_eq!(files.len(), 1);
        reopened.store(vec![record(5000)]);
        assert_eq!(EmbeddingCache::open(Some(dir.path()), "m", 2).len(), 150);
    }
}
