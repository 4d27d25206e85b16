//! Limits on FAQ input. A file over a limit is refused with a located error
//! naming the limit, so that a pasted log, a generated file or a hostile
//! YAML document cannot make a reload take minutes or gigabytes. The values
//! are far above anything a maintainer writes by hand.

/// Largest FAQ file read, in bytes (1 MiB); larger files are not parsed.
pub const MAX_FILE_BYTES: usize = 1024 * 1024;
/// Longest line, in characters.
pub const MAX_LINE_CHARS: usize = 10_000;
/// Largest answer of one entry, in bytes (32 KiB: sixteen Discord messages).
pub const MAX_ANSWER_BYTES: usize = 32 * 1024;
/// Most `## ` entries in one list file.
pub const MAX_ENTRIES_PER_FILE: usize = 500;
/// Largest YAML front matter, in bytes (64 KiB; the longest in the eval
/// corpora, hundreds of listed questions, is 17 KiB).
pub const MAX_FRONT_MATTER_BYTES: usize = 64 * 1024;

/// `n` bytes as a person reads them: `1.0 MiB`, `32 KiB`, `700 bytes`.
pub fn bytes(n: usize) -> String {
    const KIB: usize = 1024;
    const MIB: usize = 1024 * 1024;
    if n >= MIB {
        format!("{:.1} MiB", n as f64 / MIB as f64)
    } else if n >= KIB && n.is_multiple_of(KIB) {
        format!("{} KiB", n / KIB)
    } else if n >= KIB {
        format!("{:.1} KiB", n as f64 / KIB as f64)
    } else {
        format!("{n} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_like_a_person_writes_them() {
        assert_eq!(bytes(MAX_FILE_BYTES), "1.0 MiB");
        assert_eq!(bytes(MAX_ANSWER_BYTES), "32 KiB");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(700), "700 bytes");
    }
}
