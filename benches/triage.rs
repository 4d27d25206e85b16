//! `cargo bench`: index build time and triage latency on the largest corpus
//! at hand (CLINC150 faq-full, 15,000 questions, from `../shared/eval`), or
//! on the demo FAQ when that is missing. Prints figures; asserts nothing.

use std::path::Path;

use frontline::brain::{Brain, BrainSettings};
use frontline::eval::{LabelledQuery, bench, read_queries};

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let clinc = root.join("../shared/eval/clinc150");
    let (faq, queries) = if clinc.is_dir() {
        (clinc.join("faq-full"), Some(clinc.join("dev.jsonl")))
    } else {
        (root.join("faq"), None)
    };
    let (brain, _) = Brain::load(&faq, BrainSettings::default(), None).expect("corpus loads");
    let queries: Vec<LabelledQuery> = match queries {
        Some(path) => read_queries(&path).expect("queries load"),
        None => brain
            .knowledge()
            .entries()
            .iter()
            .map(|e| LabelledQuery {
                text: e.title.clone(),
                expect: None,
            })
            .collect(),
    };
    let r = bench(brain, &queries, 5).expect("index builds");
    println!("corpus: {}", faq.display());
    println!(
        "index build: {} entries, {} units, min {} ms, median {} ms",
        r.entries, r.units, r.build_min_ms, r.build_median_ms
    );
    println!(
        "triage: {} queries, p50 {} µs, p99 {} µs, max {} µs",
        r.queries, r.p50_us, r.p99_us, r.max_us
    );
    println!("{}", serde_json::to_string(&r).expect("serialisable"));
}
