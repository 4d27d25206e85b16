//! Keeping the weights in the cache directory from piling up. Every FAQ
//! version that trains a last layer or a classifier of its own leaves its
//! weights behind (a layer is about 7 MB); after each index build only the
//! most recently used few of each kind are kept ([`KEEP`]), and files left
//! half-written by a crash are swept. (The embedding store, one file of
//! small records per model, compacts itself: see [`crate::semantic::cache`].)

use std::path::Path;
use std::time::{Duration, SystemTime};

/// Files of each kind kept: the one in use and the few used before it, so
/// that reverting an FAQ edit, or another FAQ served from the same
/// directory, still finds its own.
pub const KEEP: usize = 4;

/// A temporary file (being written: `….partial` or `….tmp`) this much older
/// than now was left by a process that crashed or was killed.
const ABANDONED: Duration = Duration::from_secs(3600);

/// Marks `file` as used now (its modification time), so that pruning keeps
/// it. A failure only makes the file look older.
pub fn touch(file: &Path) {
    let touched = std::fs::File::options()
        .write(true)
        .open(file)
        .and_then(|f| f.set_modified(SystemTime::now()));
    if let Err(e) = touched {
        tracing::debug!(error = %e, path = %file.display(), "could not mark a cache file used");
    }
}

/// Of the files in `dir` named `<prefix><id><suffixes[0]>`, keeps the
/// [`KEEP`] most recently modified and deletes the others together with
/// their companions (the same id with the other `suffixes`). Files being
/// written (under a temporary name) are left alone unless abandoned (see
/// [`ABANDONED`]). Returns how many were deleted.
pub fn prune(dir: &Path, prefix: &str, suffixes: &[&str]) -> usize {
    let Some((main, companions)) = suffixes.split_first() else {
        return 0;
    };
    let Ok(listing) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut found: Vec<(SystemTime, String)> = Vec::new();
    for entry in listing.flatten() {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(prefix)) else {
            continue;
        };
        let Some(modified) = entry.metadata().ok().and_then(|m| m.modified().ok()) else {
            continue;
        };
        if let Some(id) = rest.strip_suffix(main) {
            found.push((modified, id.to_string()));
        }
    }
    sweep_abandoned(dir, prefix);
    // Newest first; equal times in a fixed order.
    found.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let mut deleted = 0;
    for (_, id) in found.iter().skip(KEEP) {
        let file = dir.join(format!("{prefix}{id}{main}"));
        if let Err(e) = std::fs::remove_file(&file) {
            tracing::debug!(error = %e, path = %file.display(), "could not prune a cache file");
            continue;
        }
        deleted += 1;
        for suffix in companions {
            let _ = std::fs::remove_file(dir.join(format!("{prefix}{id}{suffix}")));
        }
    }
    if deleted > 0 {
        tracing::info!(deleted, kind = prefix, dir = %dir.display(), "pruned the cache directory");
    }
    deleted
}

/// Deletes the files in `dir` named `<prefix>…` that are being written
/// (`….partial`, `….tmp`) but were left by a process that died (see
/// [`ABANDONED`]). Returns how many were deleted.
pub fn sweep_abandoned(dir: &Path, prefix: &str) -> usize {
    let Ok(listing) = std::fs::read_dir(dir) else {
        return 0;
    };
    let now = SystemTime::now();
    let mut deleted = 0;
    for entry in listing.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str().filter(|n| n.starts_with(prefix)) else {
            continue;
        };
        let temporary = name.ends_with(".partial") || name.ends_with(".tmp");
        let abandoned = entry
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|at| now.duration_since(at).is_ok_and(|age| age > ABANDONED));
        if temporary && abandoned && std::fs::remove_file(entry.path()).is_ok() {
            deleted += 1;
        }
    }
    deleted
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::time::{Duration, SystemTime};

    use super::{KEEP, prune, touch};

    fn file_at(dir: &Path, name: &str, age_s: u64) {
        let path = dir.join(name);
        std::fs::write(&path, b"x").expect("written");
        let at = SystemTime::now() - Duration::from_secs(age_s);
        std::fs::File::options()
            .write(true)
            .open(&path)
            .and_then(|f| f.set_modified(at))
            .expect("dated");
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .expect("listed")
            .map(|e| e.expect("entry").file_name().into_string().expect("utf-8"))
            .collect();
        names.sort();
        names
    }

    #[test]
    fn the_most_recently_used_files_stay_with_their_companions() {
        let dir = tempfile::tempdir().expect("temp dir");
        let d = dir.path();
        // Six layers, layer 0 the newest; layer 5, the oldest, was just used.
        for i in 0..6 {
            file_at(d, &format!("adapt-{i}.safetensors"), 100 + i * 10);
            file_at(d, &format!("adapt-{i}.texts"), 100 + i * 10);
        }
        touch(&d.join("adapt-5.safetensors"));
        // Being written by someone, and another kind of file: not ours.
        file_at(d, "adapt-9.safetensors.77-0.partial", 1000);
        file_at(d, "clf-1.bin", 1000);
        // Left half-written by a process that died two hours ago: swept.
        file_at(d, "adapt-8.safetensors.66-0.partial", 7200);
        assert_eq!(prune(d, "adapt-", &[".safetensors", ".texts"]), 2);
        let kept = [5, 0, 1, 2];
        assert_eq!(kept.len(), KEEP);
        let mut expected: Vec<String> = kept
            .iter()
            .flat_map(|i| [format!("adapt-{i}.safetensors"), format!("adapt-{i}.texts")])
            .chain([
                "adapt-9.safetensors.77-0.partial".into(),
                "clf-1.bin".into(),
            ])
            .collect();
        expected.sort();
        assert_eq!(names(d), expected);
        // Nothing more to do, and a missing directory is no error.
        assert_eq!(prune(d, "adapt-", &[".safetensors", ".texts"]), 0);
        assert_eq!(prune(&d.join("gone"), "adapt-", &[".safetensors"]), 0);
    }
}
