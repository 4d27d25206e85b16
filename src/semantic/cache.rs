//! Embeddings kept on disk, keyed by a hash of the model id and the text, so
//! that a restart or a hot reload embeds only texts it has not seen. One file
//! per model (`<dir>/<model id>.emb`), appended to in whole records: a crash
//! mid-write loses at most the last record, which is ignored when read.

use std::collections::HashMap;
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
            let mut seen = std::collections::HashSet::new();
            keys.iter()
                .zip(texts)
                .filter(|(k, _)| !memory.contains_key(*k) && seen.insert(**k))
                .map(|(k, t)| (*k, *t))
                .collect()
        };
        let stats = CacheStats {
            texts: keys.iter().collect::<std::collections::HashSet<_>>().len(),
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
            self.append(&records);
            self.memory.lock().expect("cache lock").extend(records);
        }
        let memory = self.memory.lock().expect("cache lock");
        Ok((keys.iter().map(|k| Arc::clone(&memory[k])).collect(), stats))
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
        let mut bytes = Vec::with_capacity(records.len() * (KEY + self.dim * 4));
        for (k, v) in records {
            bytes.extend_from_slice(k);
            for x in v.iter() {
                bytes.extend_from_slice(&x.to_le_bytes());
            }
        }
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
