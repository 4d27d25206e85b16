use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use frontline::semantic::{Precision, Profile, Semantic, SemanticSettings, dot};

use crate::helpers::{model_at, model_dir};

const SENTENCES: [&str; 5] = [
    "A man is eating food.",
    "A man is eating a piece of bread.",
    "How do I reset my password?",
    "I forgot my password and cannot log in",
    "The weather is nice today",
];

#[test]
fn paraphrases_are_close_and_unrelated_sentences_are_not() {
    for precision in [Precision::F32, Precision::F16, Precision::Q8] {
        let Some(m) = model_at(None, precision) else {
            return;
        };
        let v = m.encoder.embed(&SENTENCES).expect("embeds");
        // sentence-transformers gives 0.7553 for this pair with all-MiniLM-L6-v2;
        // 8-bit weights may move it a little.
        let tolerance = if precision == Precision::Q8 {
            1e-2
        } else {
            1e-3
        };
        assert!(
            (dot(&v[0], &v[1]) - 0.7553).abs() < tolerance,
            "{precision:?}: {}",
            dot(&v[0], &v[1])
        );
        assert!(dot(&v[2], &v[3]) > 0.7);
        assert!(dot(&v[2], &v[4]).abs() < 0.1);
        assert!(
            v.iter().all(|x| (dot(x, x) - 1.0).abs() < 1e-4),
            "unit length"
        );
    }
}

#[test]
fn padding_in_a_batch_does_not_change_an_embedding() {
    for precision in [Precision::F32, Precision::F16, Precision::Q8] {
        let Some(m) = model_at(None, precision) else {
            return;
        };
        let short = "vpn";
        let batch = m
            .encoder
            .embed(&[
                short,
                "a much longer sentence about printers, invoices and mailboxes",
            ])
            .expect("embeds");
        let alone = m.embed_query(short).expect("embeds");
        assert!(
            dot(&batch[0], &alone) > 0.99999,
            "{precision:?}: {}",
            dot(&batch[0], &alone)
        );
    }
}

/// The encoder's own BERT forward pass at f32 gives what candle-transformers'
/// `BertModel` gives, pooled the same way.
#[test]
fn the_f32_forward_pass_matches_candle_transformers_bert() {
    let Some(dir) = model_dir() else { return };
    let m = model_at(None, Precision::F32).expect("loads");
    let config: Config =
        serde_json::from_slice(&std::fs::read(dir.join("config.json")).unwrap()).unwrap();
    let weights = std::fs::read(dir.join("model.safetensors")).unwrap();
    let vb = VarBuilder::from_buffered_safetensors(weights, DType::F32, &Device::Cpu).unwrap();
    let reference = BertModel::load(vb, &config).unwrap();
    let mut tokenizer = tokenizers::Tokenizer::from_file(dir.join("tokenizer.json")).unwrap();
    // The file pads to 128 tokens; the reference runs without a mask.
    tokenizer.with_padding(None);
    for text in SENTENCES {
        let ids = tokenizer.encode(text, true).unwrap().get_ids().to_vec();
        let ids = Tensor::new(ids.as_slice(), &Device::Cpu)
            .unwrap()
            .unsqueeze(0)
            .unwrap();
        let hidden = reference
            .forward(&ids, &ids.zeros_like().unwrap(), None)
            .unwrap();
        let mean = hidden.mean(1).unwrap().squeeze(0).unwrap();
        let norm = mean.sqr().unwrap().sum_all().unwrap().sqrt().unwrap();
        let expected = mean.broadcast_div(&norm).unwrap().to_vec1::<f32>().unwrap();
        let got = m.embed_query(text).expect("embeds");
        assert!(
            dot(&got, &expected) > 0.99999,
            "{text}: {}",
            dot(&got, &expected)
        );
    }
}

/// 8-bit weights keep every embedding close to the f32 one, and the two
/// precisions have different model ids so that their cached vectors never mix.
#[test]
fn q8_embeddings_are_close_to_f32_ones_and_cached_apart() {
    let Some(f32_model) = model_at(None, Precision::F32) else {
        return;
    };
    let q8_model = model_at(None, Precision::Q8).expect("loads");
    assert_ne!(f32_model.encoder.id(), q8_model.encoder.id());
    let texts = [
        SENTENCES.as_slice(),
        &[
            "vpn",
            "Why was I charged a fee for my card payment abroad?",
            "can you tell me how to set an alarm for 6 am tomorrow",
        ],
    ]
    .concat();
    let exact = f32_model.encoder.embed(&texts).expect("embeds");
    let quantised = q8_model.encoder.embed(&texts).expect("embeds");
    for ((text, a), b) in texts.iter().zip(&exact).zip(&quantised) {
        assert!(dot(a, b) > 0.995, "{text}: cosine {}", dot(a, b));
    }
}

/// 16-bit weights keep every embedding within rounding of the f32 one,
/// one query's (on the kernel where the CPU runs it) as a batch's (on
/// candle's matmul) alike, and are cached apart from f32 ones.
#[test]
fn f16_embeddings_are_close_to_f32_ones_queries_and_batches_alike() {
    let Some(f32_model) = model_at(None, Precision::F32) else {
        return;
    };
    let f16_model = model_at(None, Precision::F16).expect("loads");
    assert_ne!(f32_model.encoder.id(), f16_model.encoder.id());
    // Enough texts that the batch's products run on candle's matmul.
    let texts: Vec<String> = (0..24)
        .map(|i| format!("{} ({i})", SENTENCES[i % SENTENCES.len()]))
        .collect();
    let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
    let exact = f32_model.encoder.embed(&texts).expect("embeds");
    let batch = f16_model.encoder.embed(&texts).expect("embeds");
    for ((text, a), b) in texts.iter().zip(&exact).zip(&batch) {
        let query = f16_model.embed_query(text).expect("embeds");
        assert!(dot(a, b) > 0.9999, "{text}: batch cosine {}", dot(a, b));
        assert!(
            dot(b, &query) > 0.99999,
            "{text}: query cosine {}",
            dot(b, &query)
        );
    }
}

/// A query is cut at 128 tokens: words beyond do not change its embedding
/// (listed texts, embedded in bulk, keep up to 256).
#[test]
fn a_long_query_is_cut_at_128_tokens() {
    let Some(m) = model_at(None, Precision::default()) else {
        return;
    };
    let long = "my card payment was declined although the balance is fine ".repeat(20);
    let longer = format!("{long} and by the way how do I close my account");
    let a = m.embed_query(&long).expect("embeds");
    let b = m.embed_query(&longer).expect("embeds");
    assert!(dot(&a, &b) > 0.99999, "{}", dot(&a, &b));
    let listed = m.encoder.embed(&[&longer]).expect("embeds");
    assert!(dot(&listed[0], &b) < 0.99999, "listed texts keep more");
}

/// Halving a query's work over two threads changes nothing but the time,
/// with 32-bit weights (each product by its outputs) and with 8-bit ones
/// (each layer by its tokens); and a query embeds as the same text embedded
/// in bulk (whole products, batched).
#[test]
fn a_query_embeds_alike_on_one_thread_and_on_two() {
    let Some(dir) = model_dir() else {
        return;
    };
    for precision in [Precision::F32, Precision::Q8] {
        let load = |query_threads| {
            let settings = SemanticSettings {
                model_dir: Some(dir.clone()),
                cache_dir: None,
                precision,
                query_threads,
                ..SemanticSettings::default()
            };
            Semantic::load_from(&dir, &settings).expect("the model loads")
        };
        let (one, two) = (load(1), load(2));
        // Three tokens (split 1 + 2) and sixteen.
        for text in [
            "hi",
            "my card payment was declined twice yesterday although the balance is fine",
        ] {
            let (a, b) = (
                one.embed_query(text).expect("embeds"),
                two.embed_query(text).expect("embeds"),
            );
            let bulk = two.encoder.embed(&[text]).expect("embeds").remove(0);
            let name = precision.name();
            assert!(dot(&a, &b) > 0.99999, "{name} {text}: {}", dot(&a, &b));
            assert!(
                dot(&b, &bulk) > 0.99999,
                "{name} {text}: {}",
                dot(&b, &bulk)
            );
        }
        // Each 8-bit layer was split by tokens (its halves are joined); a
        // 32-bit one by its products' outputs.
        let mut profile = Profile::default();
        two.encoder
            .embed_one_with("my card was declined", None, Some(&mut profile))
            .expect("embeds");
        let joins = profile.stages.iter().filter(|(s, _)| *s == "join").count();
        let expected = if precision == Precision::Q8 { 6 } else { 0 };
        assert_eq!(joins, expected, "{}", precision.name());
    }
}

/// Work run beside a query's embedding (the lexical search) returns its own
/// result and leaves the embedding as it is, on one query thread and on two,
/// even when that work is another query on the same threads.
#[test]
fn work_beside_a_query_changes_nothing_of_it() {
    let Some(dir) = model_dir() else {
        return;
    };
    let (text, other) = (
        "how do I reset my password",
        "my card payment was declined twice yesterday although the balance is fine",
    );
    for query_threads in [1, 2] {
        let settings = SemanticSettings {
            model_dir: Some(dir.clone()),
            cache_dir: None,
            query_threads,
            ..SemanticSettings::default()
        };
        let m = Semantic::load_from(&dir, &settings).expect("the model loads");
        let (alone, other_alone) = (
            m.embed_query(text).expect("embeds"),
            m.embed_query(other).expect("embeds"),
        );
        let (beside, other_beside) = m.embed_query_beside(None, text, || m.embed_query(other));
        assert_eq!(alone, beside.expect("embeds"));
        assert_eq!(other_alone, other_beside.expect("embeds"));
    }
}
