//! The embedding cache: what recent index builds used stays in memory, the
//! rest is let go, and the file is rewritten once it holds mostly what no
//! longer is used, so FAQ edits that embed everything again do not pile up.

use std::io::Write;
use std::path::Path;

use frontline::semantic::{BuildKind, EmbeddingCache, KEEP_BUILDS, Semantic, Vector};

use crate::helpers::model;

/// The cache in `dir`, compacting as soon as its file holds more than what
/// is in use.
fn open(dir: &Path, m: &Semantic) -> EmbeddingCache {
    EmbeddingCache::open(Some(dir), m.encoder.id(), m.encoder.dim()).compacting_at(1, 0)
}

/// The cache in `dir`, compacting only at the default size.
fn open_plain(dir: &Path, m: &Semantic) -> EmbeddingCache {
    EmbeddingCache::open(Some(dir), m.encoder.id(), m.encoder.dim())
}

/// One index build of FAQ version `n`: the vectors and how many were computed.
fn build(cache: &EmbeddingCache, m: &Semantic, n: usize) -> (Vec<Vector>, usize) {
    let texts = version(n);
    let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
    let (vectors, stats) = cache
        .embed_all(&m.encoder, None, &texts, BuildKind::New)
        .expect("embeds");
    (vectors, stats.computed)
}

/// The texts of FAQ version `n`.
fn version(n: usize) -> Vec<String> {
    (0..8)
        .map(|i| format!("how do I fix problem {i} of release {n}?"))
        .collect()
}

#[test]
fn the_cache_keeps_what_recent_builds_used_and_compacts_its_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let Some(m) = model(None) else {
        return;
    };
    let record = 16 + m.encoder.dim() * 4;
    let file = dir.path().join(format!("{}.emb", m.encoder.id()));

    let cache = open(dir.path(), &m);
    let mut last = Vec::new();
    for n in 1..=6 {
        let (vectors, computed) = build(&cache, &m, n);
        assert_eq!(computed, 8, "version {n} is new");
        last = vectors;
    }
    // The last four builds' texts, in memory and (compacted) in the file.
    let kept = KEEP_BUILDS as usize * 8;
    assert_eq!(cache.len(), kept);
    assert_eq!(cache.records_in_file(), kept);
    let size = std::fs::metadata(&file).expect("the file").len() as usize;
    assert_eq!(size, 8 + kept * record, "magic and whole records only");
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(left.len(), 1, "nothing written aside is left: {left:?}");

    // Another process: the latest version is read back as it was written…
    let again = open(dir.path(), &m);
    assert_eq!(again.len(), kept);
    let (vectors, computed) = build(&again, &m, 6);
    assert_eq!(computed, 0);
    assert_eq!(vectors, last);
    // …and what its first build did not use is let go, from memory and
    // (compacting at once here) from the file.
    assert_eq!(again.len(), 8);
    assert_eq!(again.records_in_file(), 8);
    assert_eq!(build(&again, &m, 2).1, 8, "version 2 was dropped");
    assert_eq!(build(&again, &m, 6).1, 0, "version 6 was kept");
}

#[test]
fn compacting_keeps_what_another_process_added_and_a_torn_record_is_cut_off() {
    let dir = tempfile::tempdir().expect("temp dir");
    let Some(m) = model(None) else {
        return;
    };
    let file = dir.path().join(format!("{}.emb", m.encoder.id()));
    let a = open(dir.path(), &m);
    assert_eq!(build(&a, &m, 1).1, 8);
    // A process dies halfway through writing a record…
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&file)
        .expect("the file");
    f.write_all(&[7; 100]).expect("written");
    drop(f);
    // …and the next one (compacting only at the default size) cuts it off
    // before writing its own.
    let b = open_plain(dir.path(), &m);
    assert_eq!(b.records_in_file(), 8);
    assert_eq!(build(&b, &m, 2).1, 8);
    // (Each a process of its own: memory keeps only what the first build
    // used of what the file held.)
    let computed = |n| build(&open_plain(dir.path(), &m), &m, n).1;
    assert_eq!(computed(2), 0, "b's records are read whole");

    // `a` goes on editing its FAQ and compacts the file twice: what it no
    // longer uses goes, what `b` added since `a` opened the file stays.
    for n in 3..=7 {
        assert_eq!(build(&a, &m, n).1, 8);
    }
    assert_eq!(a.records_in_file(), 5 * 8, "a's last four versions and b's");
    assert_eq!(computed(2), 0, "b's version is kept");
    assert_eq!(computed(7), 0, "a's latest is kept");
    assert_eq!(computed(3), 8, "a's older versions are dropped");
}

#[test]
fn a_file_whose_header_is_broken_is_started_afresh() {
    let dir = tempfile::tempdir().expect("temp dir");
    let Some(m) = model(None) else {
        return;
    };
    // A process died while writing the header of a new file.
    let file = dir.path().join(format!("{}.emb", m.encoder.id()));
    std::fs::write(&file, b"FLEM").expect("written");
    let cache = open_plain(dir.path(), &m);
    assert!(cache.is_empty());
    assert_eq!(build(&cache, &m, 1).1, 8);
    assert_eq!(build(&open_plain(dir.path(), &m), &m, 1).1, 0, "read back");
}

#[test]
fn scratch_builds_belong_to_the_latest_build_and_push_nothing_out() {
    let Some(m) = model(None) else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let cache = open(dir.path(), &m);
    build(&cache, &m, 1);
    // A calibration's rounds: more scratch builds than memory keeps builds.
    for n in 2..=KEEP_BUILDS as usize + 2 {
        let texts = version(n);
        let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
        cache
            .embed_all(&m.encoder, None, &texts, BuildKind::Scratch)
            .expect("embeds");
    }
    let (_, computed) = build(&cache, &m, 1);
    assert_eq!(computed, 0, "the FAQ's own embeddings are still there");
}
