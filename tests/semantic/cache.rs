//! The embedding cache: what recent index builds used stays in memory, the
//! rest is let go, and the file is rewritten once it holds mostly what no
//! longer is used, so FAQ edits that embed everything again do not pile up.

use frontline::semantic::{EmbeddingCache, KEEP_BUILDS};

use crate::helpers::model;

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
    let open = || {
        EmbeddingCache::open(Some(dir.path()), m.encoder.id(), m.encoder.dim())
            // Compact as soon as the file holds more than what is in use.
            .compacting_at(1, 0)
    };
    let build = |cache: &EmbeddingCache, n: usize| {
        let texts = version(n);
        let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
        cache.embed_all(&m.encoder, None, &texts).expect("embeds")
    };
    let record = 16 + m.encoder.dim() * 4;
    let file = dir.path().join(format!("{}.emb", m.encoder.id()));

    let cache = open();
    let mut last = Vec::new();
    for n in 1..=6 {
        let (vectors, stats) = build(&cache, n);
        assert_eq!(stats.computed, 8, "version {n} is new");
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
    let again = open();
    assert_eq!(again.len(), kept);
    let (vectors, stats) = build(&again, 6);
    assert_eq!(stats.computed, 0);
    assert_eq!(vectors, last);
    // …and what its first build did not use is let go, from memory and
    // (compacting at once here) from the file.
    assert_eq!(again.len(), 8);
    assert_eq!(again.records_in_file(), 8);
    assert_eq!(build(&again, 2).1.computed, 8, "version 2 was dropped");
    assert_eq!(build(&again, 6).1.computed, 0, "version 6 was kept");
}
