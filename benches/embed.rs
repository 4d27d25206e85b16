//! `cargo bench --bench embed`: where the time of one hybrid triage goes.
//! Embeds every dev query of the eval sets in `../shared/eval` one at a time
//! (as triage does) and prints, per stage (tokenizer, embeddings, each
//! layer's parts, pooling), then for the companion encoder's embedding,
//! lexical search, the semantic similarities, the classifier alone and
//! whole triage, the median, p99 and mean in microseconds. Needs the model
//! (`FRONTLINE_MODEL_DIR`, else `models/all-MiniLM-L6-v2`, else the one in
//! the models directory); the companion
//! is `FRONTLINE_COMPANION_DIR`, else `models/use-lite` if it is there
//! (`FRONTLINE_COMPANION_DIR=` without one); `FRONTLINE_SEMANTIC__PRECISION` picks `q8`
//! or `f32` (default: `auto`, as the binary);
//! `FRONTLINE_SEMANTIC__QUERY_THREADS` the query threads (default 2, 1 on
//! a single-core machine); `BENCH_ROUNDS` repeats the whole run (default 1);
//! `RAYON_NUM_THREADS` defaults to 1 as in the binary.
//! Prints figures; asserts nothing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use frontline::brain::{Brain, BrainSettings};
use frontline::eval::read_queries;
use frontline::semantic::{
    Adaptation, Classifier, Precision, Profile, Semantic, SemanticIndex, SemanticSettings,
};
use frontline::triage::Context;

fn main() {
    // As the binary does (see main.rs): candle's products on one thread
    // unless the variable says otherwise.
    if std::env::var_os("RAYON_NUM_THREADS").is_none() {
        // SAFETY: no other thread exists yet.
        unsafe { std::env::set_var("RAYON_NUM_THREADS", "1") };
    }
    // `models/` in the checkout, else the models directory `frontline models fetch` fills.
    let checkout = Path::new(env!("CARGO_MANIFEST_DIR")).join("models");
    let root = if checkout.join("all-MiniLM-L6-v2").is_dir() {
        checkout
    } else {
        frontline::models::env_dir()
    };
    let dir = std::env::var_os("FRONTLINE_MODEL_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("all-MiniLM-L6-v2"));
    let precision = match std::env::var("FRONTLINE_SEMANTIC__PRECISION").as_deref() {
        Ok("f32") => Precision::F32,
        Ok("q8") => Precision::Q8,
        Ok("f16") => Precision::F16,
        _ => Precision::Auto,
    };
    let query_threads = std::env::var("FRONTLINE_SEMANTIC__QUERY_THREADS")
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or(SemanticSettings::default().query_threads);
    let rounds: usize = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(1);
    let companion_dir = match std::env::var_os("FRONTLINE_COMPANION_DIR") {
        Some(d) if d.is_empty() => None,
        Some(d) => Some(PathBuf::from(d)),
        None => Some(root.join("use-lite")).filter(|d| d.is_dir()),
    };
    let settings = SemanticSettings {
        model_dir: Some(dir.clone()),
        companion_dir: companion_dir.clone(),
        precision,
        query_threads,
        ..SemanticSettings::default()
    };
    let started = Instant::now();
    let model = Arc::new(Semantic::load_from(&dir, &settings).expect("the model loads"));
    println!(
        "model {} ({}), companion {:?}, loaded in {} ms; {query_threads} query thread(s); RAYON_NUM_THREADS={}",
        dir.display(),
        precision.name(),
        companion_dir,
        started.elapsed().as_millis(),
        std::env::var("RAYON_NUM_THREADS").unwrap_or_else(|_| "unset".into())
    );
    // Long messages: embedding time against length in tokens.
    let words: Vec<&str> = "my card payment was declined twice yesterday although the balance \
        is fine and I already restarted the app so please tell me what to do next"
        .split(' ')
        .collect();
    for n in [8, 16, 32, 64, 128, 256, 400] {
        let text: Vec<&str> = words.iter().cycle().take(n).copied().collect();
        let text = text.join(" ");
        let mut ds: Vec<Duration> = (0..20)
            .map(|_| {
                let started = Instant::now();
                std::hint::black_box(model.embed_query(&text).expect("embeds"));
                started.elapsed()
            })
            .collect();
        ds.sort();
        println!(
            "{n:>4} words: min {:>6} µs, median {:>6} µs",
            ds[0].as_micros(),
            ds[ds.len() / 2].as_micros()
        );
    }
    for set in ["clinc150", "banking77"] {
        let eval = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/eval")
            .join(set);
        if !eval.is_dir() {
            println!("{set}: not found, skipped");
            continue;
        }
        let (brain, _) = Brain::load(
            &eval.join("faq-10shot"),
            BrainSettings::default(),
            Some(model.clone()),
        )
        .expect("the corpus loads");
        let queries = read_queries(&eval.join("dev.jsonl")).expect("queries load");
        let (semantic, index) = brain.semantic().expect("hybrid");
        let classifier = classifier(&brain, semantic, index);
        let last = index.adaptation().map(Adaptation::layer);
        let mut times: BTreeMap<String, Vec<Duration>> = BTreeMap::new();
        let mut add = |k: &str, d: Duration| times.entry(k.to_string()).or_default().push(d);
        for _ in 0..rounds {
            for q in &queries {
                let mut p = Profile::default();
                let started = Instant::now();
                let v = semantic
                    .encoder
                    .embed_one_with(&q.text, last, Some(&mut p))
                    .expect("embeds");
                add("embed (all)", started.elapsed());
                let mut per_part: BTreeMap<&str, Duration> = BTreeMap::new();
                let mut layer = 0;
                for (stage, d) in &p.stages {
                    *per_part.entry(stage).or_default() += *d;
                    if *stage == "qkv" {
                        layer += 1;
                    }
                    if [
                        "qkv",
                        "attention",
                        "attention_out",
                        "intermediate",
                        "activation",
                        "output",
                        "join",
                    ]
                    .contains(stage)
                    {
                        *per_part.entry(LAYERS[layer - 1]).or_default() += *d;
                    }
                }
                for (stage, d) in per_part {
                    add(&format!("embed: {stage}"), d);
                }
                let second = semantic.companion.as_ref().map(|c| {
                    let started = Instant::now();
                    let v = c.embed_one(&q.text).expect("embeds");
                    add("companion embed", started.elapsed());
                    v
                });
                let started = Instant::now();
                std::hint::black_box(brain.index().search(&q.text, 20));
                add("lexical search", started.elapsed());
                let started = Instant::now();
                std::hint::black_box(
                    index
                        .similarities(&v, second.as_deref(), &semantic.encoder)
                        .expect("similarities"),
                );
                add("similarities (incl. classifier)", started.elapsed());
                let started = Instant::now();
                std::hint::black_box(classifier.probabilities(&v).expect("probabilities"));
                add("classifier alone", started.elapsed());
                let started = Instant::now();
                std::hint::black_box(brain.triage(&q.text, &Context::default()));
                add("triage (all)", started.elapsed());
            }
        }
        println!("{set}: {} queries x {rounds}, µs per query", queries.len());
        println!("  {:<36} {:>8} {:>8} {:>8}", "stage", "p50", "p99", "mean");
        for (stage, mut ds) in times {
            ds.sort();
            let us = |d: Duration| d.as_secs_f64() * 1e6;
            let p = |q: f64| us(ds[((ds.len() - 1) as f64 * q).round() as usize]);
            let mean = ds.iter().map(|d| us(*d)).sum::<f64>() / ds.len() as f64;
            println!(
                "  {stage:<36} {:>8.0} {:>8.0} {:>8.0}",
                p(0.5),
                p(0.99),
                mean
            );
        }
    }
}

const LAYERS: [&str; 12] = [
    "layer 0", "layer 1", "layer 2", "layer 3", "layer 4", "layer 5", "layer 6", "layer 7",
    "layer 8", "layer 9", "layer 10", "layer 11",
];

/// The classifier the brain trained (its weights come from the cache).
fn classifier(brain: &Brain, semantic: &Semantic, index: &SemanticIndex) -> Classifier {
    let mut texts = Vec::new();
    let mut labels = Vec::new();
    for (i, e) in brain.knowledge().entries().iter().enumerate() {
        for t in std::iter::once(&e.title).chain(&e.questions) {
            texts.push(t.as_str());
            labels.push(i as u32);
        }
    }
    let (vectors, _) = semantic
        .cache
        .embed_all(
            &semantic.encoder,
            index.adaptation(),
            &texts,
            frontline::semantic::BuildKind::New,
        )
        .expect("embeds");
    let rows: Vec<f32> = vectors.iter().flat_map(|v| v.iter().copied()).collect();
    Classifier::train(
        &rows,
        semantic.encoder.dim(),
        &labels,
        brain.knowledge().entries().len(),
        semantic.cache_dir.as_deref(),
    )
    .expect("trains")
}
