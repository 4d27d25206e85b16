//! A model's `model.safetensors`, read a tensor at a time instead of
//! whole: the header is parsed once, each tensor is read from the file when
//! a [`VarBuilder`] asks for it ([`WeightsFile::var_builder`]), and a word
//! table can stay in the file altogether ([`WordRows`]), the rows of a pass
//! read as they are looked up. multilingual-e5-small's file is 280 MB, 192
//! of them its word table; holding the file in memory while the model is
//! made, and the table after, cost more than all the rest of the bot.
//!
//! Only weights are read: little-endian F32 and F16 tensors; others are
//! left out.
//! Making the model out of the tensors is [`crate::semantic::bert`]'s job.

use std::collections::HashMap;
use std::fs::File;
use std::io::Read;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use candle_core::{DType, Device, Shape, Tensor};
use candle_nn::VarBuilder;
use candle_nn::var_builder::SimpleBackend;
use half::f16;
use sha2::{Digest, Sha256};

use crate::semantic::SemanticError;

/// How a tensor's values are stored in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// Little-endian 32-bit floats.
    F32,
    /// Little-endian 16-bit floats.
    F16,
}

impl Stored {
    fn parse(name: &str) -> Option<Self> {
        match name {
            "F32" => Some(Stored::F32),
            "F16" => Some(Stored::F16),
            _ => None,
        }
    }

    /// Bytes per value.
    pub fn size(self) -> usize {
        match self {
            Stored::F32 => 4,
            Stored::F16 => 2,
        }
    }
}

/// Where one tensor is in the file.
#[derive(Debug, Clone)]
struct Info {
    stored: Stored,
    shape: Vec<usize>,
    /// Byte offset of its first value in the file.
    begin: u64,
}

impl Info {
    fn values(&self) -> usize {
        self.shape.iter().product()
    }
}

/// An open `model.safetensors` and its header.
#[derive(Clone)]
pub struct WeightsFile {
    path: PathBuf,
    file: Arc<File>,
    tensors: Arc<HashMap<String, Info>>,
    len: u64,
}

impl WeightsFile {
    /// Opens the file at `path` and reads its header; every tensor must lie
    /// within the file.
    pub fn open(path: &Path) -> Result<Self, SemanticError> {
        let read_error = |source| SemanticError::Read {
            path: path.to_path_buf(),
            source,
        };
        let mut file = File::open(path).map_err(read_error)?;
        let len = file.metadata().map_err(read_error)?.len();
        let mut size = [0u8; 8];
        file.read_exact(&mut size).map_err(read_error)?;
        let size = u64::from_le_bytes(size);
        let bad = |why: String| SemanticError::Model(format!("{}: {why}", path.display()));
        if size > len.saturating_sub(8) {
            return Err(bad(format!("a header of {size} bytes in {len}")));
        }
        let mut header = vec![0u8; size as usize];
        file.read_exact(&mut header).map_err(read_error)?;
        let tensors = parse_header(&header, 8 + size, len).map_err(bad)?;
        Ok(WeightsFile {
            path: path.to_path_buf(),
            file: Arc::new(file),
            tensors: Arc::new(tensors),
            len,
        })
    }

    /// Feeds the file's length and bytes to `hasher`, a block at a time.
    pub fn hash_into(&self, hasher: &mut Sha256) -> Result<(), SemanticError> {
        hasher.update(self.len.to_le_bytes());
        let mut block = vec![0u8; 1 << 20];
        let mut at = 0u64;
        while at < self.len {
            let n = block.len().min((self.len - at) as usize);
            self.file
                .read_exact_at(&mut block[..n], at)
                .map_err(|source| SemanticError::Read {
                    path: self.path.clone(),
                    source,
                })?;
            hasher.update(&block[..n]);
            at += n as u64;
        }
        Ok(())
    }

    /// A [`VarBuilder`] that reads each tensor from the file when asked,
    /// as `dtype`.
    pub fn var_builder(&self, dtype: DType) -> VarBuilder<'static> {
        VarBuilder::from_backend(Box::new(self.clone()), dtype, Device::Cpu)
    }

    /// How the tensor `name` is stored and its shape, if the file has it.
    pub fn describe(&self, name: &str) -> Option<(Stored, &[usize])> {
        self.tensors
            .get(name)
            .map(|i| (i.stored, i.shape.as_slice()))
    }

    /// The tensor `name`, a rows × dim table, left in the file: see
    /// [`WordRows`]. With `through_half`, 32-bit values are rounded to 16
    /// bits as they are read, as a table held in 16 bits would give them.
    pub fn rows(&self, name: &str, through_half: bool) -> candle_core::Result<WordRows> {
        let info = self.info(name)?;
        let [rows, dim] = info.shape[..] else {
            candle_core::bail!("{name} is shaped {:?}, not rows × dim", info.shape);
        };
        Ok(WordRows {
            file: Arc::clone(&self.file),
            begin: info.begin,
            rows,
            dim,
            stored: info.stored,
            through_half,
        })
    }

    fn info(&self, name: &str) -> candle_core::Result<&Info> {
        self.tensors
            .get(name)
            .ok_or_else(|| candle_core::Error::CannotFindTensor { path: name.into() }.bt())
    }

    /// Reads the tensor `name` as it is stored.
    fn read(&self, name: &str) -> candle_core::Result<Tensor> {
        let info = self.info(name)?;
        let mut bytes = vec![0u8; info.values() * info.stored.size()];
        self.file
            .read_exact_at(&mut bytes, info.begin)
            .map_err(|e| {
                candle_core::Error::Msg(format!("{}: {name}: {e}", self.path.display()))
            })?;
        let shape = info.shape.as_slice();
        match info.stored {
            Stored::F32 => {
                Tensor::from_vec(decode(&bytes, f32::from_le_bytes), shape, &Device::Cpu)
            }
            Stored::F16 => {
                Tensor::from_vec(decode(&bytes, f16::from_le_bytes), shape, &Device::Cpu)
            }
        }
    }
}

impl SimpleBackend for WeightsFile {
    fn get(
        &self,
        shape: Shape,
        name: &str,
        _: candle_nn::Init,
        dtype: DType,
        dev: &Device,
    ) -> candle_core::Result<Tensor> {
        let tensor = self.get_unchecked(name, dtype, dev)?;
        if tensor.shape() != &shape {
            return Err(candle_core::Error::UnexpectedShape {
                msg: format!("shape mismatch for {name}"),
                expected: shape,
                got: tensor.shape().clone(),
            }
            .bt());
        }
        Ok(tensor)
    }

    fn get_unchecked(&self, name: &str, dtype: DType, dev: &Device) -> candle_core::Result<Tensor> {
        self.read(name)?.to_dtype(dtype)?.to_device(dev)
    }

    fn contains_tensor(&self, name: &str) -> bool {
        self.tensors.contains_key(name)
    }
}

/// Little-endian values of `N` bytes each.
fn decode<T, const N: usize>(bytes: &[u8], from: fn([u8; N]) -> T) -> Vec<T> {
    bytes
        .chunks_exact(N)
        .map(|b| from(b.try_into().expect("N bytes")))
        .collect()
}

/// The tensors a safetensors header names, their data starting at byte
/// `data` of a file of `len` bytes.
fn parse_header(header: &[u8], data: u64, len: u64) -> Result<HashMap<String, Info>, String> {
    #[derive(serde::Deserialize)]
    struct Entry {
        dtype: String,
        shape: Vec<usize>,
        data_offsets: [u64; 2],
    }
    let raw: HashMap<String, serde_json::Value> =
        serde_json::from_slice(header).map_err(|e| format!("header: {e}"))?;
    let mut tensors = HashMap::new();
    for (name, value) in raw {
        if name == "__metadata__" {
            continue;
        }
        let entry: Entry = serde_json::from_value(value).map_err(|e| format!("{name}: {e}"))?;
        let Some(stored) = Stored::parse(&entry.dtype) else {
            // Not weights (MiniLM's file has its I64 position ids): a
            // model that asks for it gets "cannot find".
            continue;
        };
        let [start, end] = entry.data_offsets;
        let bytes = entry.shape.iter().product::<usize>() as u64 * stored.size() as u64;
        if end.checked_sub(start) != Some(bytes) || data + end > len {
            return Err(format!(
                "{name}: bytes {start}..{end} for {:?}",
                entry.shape
            ));
        }
        let info = Info {
            stored,
            shape: entry.shape,
            begin: data + start,
        };
        tensors.insert(name, info);
    }
    Ok(tensors)
}

/// A rows × dim table kept in the model file, its rows read (as 32-bit
/// floats) when they are looked up: only the page cache holds it, and the
/// rows a pass needs cost one small read each.
pub struct WordRows {
    file: Arc<File>,
    begin: u64,
    rows: usize,
    dim: usize,
    stored: Stored,
    through_half: bool,
}

impl WordRows {
    /// Length of a row.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// How many rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The rows `ids`, one after the other.
    pub fn lookup(&self, ids: &[u32]) -> candle_core::Result<Vec<f32>> {
        let row_bytes = self.dim * self.stored.size();
        let mut bytes = vec![0u8; row_bytes];
        let mut out = Vec::with_capacity(ids.len() * self.dim);
        for &id in ids {
            if id as usize >= self.rows {
                candle_core::bail!("token id {id} of {} rows", self.rows);
            }
            let at = self.begin + id as u64 * row_bytes as u64;
            self.file
                .read_exact_at(&mut bytes, at)
                .map_err(|e| candle_core::Error::Msg(format!("reading word row {id}: {e}")))?;
            self.widen(&bytes, &mut out);
        }
        Ok(out)
    }

    /// Appends one row's values as 32-bit floats.
    fn widen(&self, bytes: &[u8], out: &mut Vec<f32>) {
        match self.stored {
            Stored::F16 => out.extend(decode(bytes, f16::from_le_bytes).iter().map(|v| v.to_f32())),
            Stored::F32 if self.through_half => out.extend(
                decode(bytes, f32::from_le_bytes)
                    .iter()
                    .map(|&v| f16::from_f32(v).to_f32()),
            ),
            Stored::F32 => out.extend(decode(bytes, f32::from_le_bytes)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A safetensors file of an F16 table (3 × 2) and an F32 one (1 × 2).
    fn file(dir: &Path) -> PathBuf {
        let table: Vec<u8> = [1.0f32, -2.0, 0.5, 3.0, 65504.0, 0.25]
            .iter()
            .flat_map(|&v| f16::from_f32(v).to_le_bytes())
            .collect();
        let vector: Vec<u8> = [1.5f32, 0.1].iter().flat_map(|v| v.to_le_bytes()).collect();
        let header = r#"{"__metadata__":{"format":"pt"},"t":{"dtype":"F16","shape":[3,2],"data_offsets":[0,12]},"v":{"dtype":"F32","shape":[1,2],"data_offsets":[12,20]}}"#;
        let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
        bytes.extend(header.as_bytes());
        bytes.extend(table);
        bytes.extend(vector);
        let path = dir.join("model.safetensors");
        std::fs::write(&path, bytes).unwrap();
        path
    }

    #[test]
    fn rows_are_read_from_the_file_as_they_are_looked_up() {
        let dir = tempfile::tempdir().unwrap();
        let weights = WeightsFile::open(&file(dir.path())).unwrap();
        let rows = weights.rows("t", false).unwrap();
        assert_eq!((rows.rows(), rows.dim()), (3, 2));
        assert_eq!(
            rows.lookup(&[2, 0, 2]).unwrap(),
            [65504.0, 0.25, 1.0, -2.0, 65504.0, 0.25]
        );
        assert!(rows.lookup(&[3]).is_err());
    }

    #[test]
    fn thirty_two_bit_rows_can_be_rounded_to_sixteen_bits() {
        let dir = tempfile::tempdir().unwrap();
        let weights = WeightsFile::open(&file(dir.path())).unwrap();
        let exact = weights.rows("v", false).unwrap().lookup(&[0]).unwrap();
        assert_eq!(exact, [1.5, 0.1]);
        let halved = weights.rows("v", true).unwrap().lookup(&[0]).unwrap();
        assert_eq!(halved, [1.5, f16::from_f32(0.1).to_f32()]);
        assert_ne!(halved[1], 0.1);
    }

    #[test]
    fn a_var_builder_reads_each_tensor_from_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let weights = WeightsFile::open(&file(dir.path())).unwrap();
        let vb = weights.var_builder(DType::F32);
        let v: Vec<Vec<f32>> = vb.get((1, 2), "v").unwrap().to_vec2().unwrap();
        assert_eq!(v, [[1.5, 0.1]]);
        let t: Vec<Vec<f32>> = vb.get((3, 2), "t").unwrap().to_vec2().unwrap();
        assert_eq!(t[1], [0.5, 3.0]);
        assert!(vb.get((2, 3), "t").is_err(), "the shape is checked");
        assert!(vb.get(2, "missing").is_err());
        assert_eq!(weights.describe("t"), Some((Stored::F16, &[3usize, 2][..])));
    }

    #[test]
    fn a_header_that_overruns_the_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = file(dir.path());
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 1]).unwrap();
        let err = WeightsFile::open(&path).err().expect("refused");
        assert!(err.to_string().contains("loading the model"), "{err}");
    }
}
