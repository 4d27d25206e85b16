//! The conversion on a tiny synthetic package with the graph's weight
//! names (the real package is checked byte for byte in
//! `tests/semantic/converted.rs`): shapes, the transposition, the reserved
//! pieces' scores, and that the result loads and runs as a companion.

use super::*;

const E: usize = 8;
const W: usize = 16;
const FF: usize = 32;

/// (name, shape, values or none for a counting pattern, int32?)
type Spec = (String, Vec<usize>, Option<Vec<f32>>, bool);

fn specs() -> Vec<Spec> {
    let stack = format!("{ROOT}TransformerStack/");
    let f = |name: String, shape: Vec<usize>| (name, shape, None, false);
    let mut out = vec![
        f("module/Embeddings_en".into(), vec![12, E]),
        (
            format!("{stack}Layer_0/AddTimingSignal/TimingSignal/ExpandDims_1"),
            vec![1, E / 2],
            Some(vec![1.0, 0.1, 0.01, 0.001]),
            false,
        ),
    ];
    // Layer 0 widens E to W (attention width E, two heads of 4); layer 1
    // keeps W (two heads of 8).
    for (i, inp, width, head) in [(0usize, E, E, 4usize), (1, W, W, 8)] {
        let own = format!("{ROOT}Layer_{i}/TransformerLayer/");
        let kernel = format!(
            "module/Encoder_en/KonaTransformer/Encode/Layer_{i}/TransformerLayer/MultiheadAttention/"
        );
        let stacked = format!("{stack}Layer_{i}/TransformerLayer/");
        let norm = "layer_prepostprocess/layer_norm/layer_norm_";
        out.push(f(
            format!("{own}{norm}scale/ConcatPartitions/concat"),
            vec![inp],
        ));
        out.push(f(
            format!("{own}{norm}bias/ConcatPartitions/concat"),
            vec![inp],
        ));
        out.push(f(
            format!("{kernel}qkv_transform_single/kernel/part_0"),
            vec![1, 1, inp, 3 * width],
        ));
        out.push(f(
            format!("{own}MultiheadAttention/qkv_transform_single/bias/ConcatPartitions/concat"),
            vec![3 * width],
        ));
        out.push(f(
            format!("{kernel}output_transform_single/kernel/part_0"),
            vec![1, 1, width, W],
        ));
        out.push(f(
            format!("{own}MultiheadAttention/output_transform_single/bias/ConcatPartitions/concat"),
            vec![W],
        ));
        if i == 0 {
            out.push(f(
                format!("{own}dense/kernel/ConcatPartitions/concat"),
                vec![E, W],
            ));
            out.push(f(
                format!("{own}dense/bias/ConcatPartitions/concat"),
                vec![W],
            ));
        }
        out.push(f(
            format!("{own}FFN/{norm}scale/ConcatPartitions/concat"),
            vec![W],
        ));
        out.push(f(
            format!("{own}FFN/{norm}bias/ConcatPartitions/concat"),
            vec![W],
        ));
        out.push(f(
            format!("{stacked}FFN/conv1/Tensordot/Reshape_1"),
            vec![W, FF],
        ));
        out.push(f(
            format!("{own}FFN/conv1/bias/ConcatPartitions/concat"),
            vec![FF],
        ));
        out.push(f(
            format!("{stacked}FFN/conv2/Tensordot/Reshape_1"),
            vec![FF, W],
        ));
        out.push(f(
            format!("{own}FFN/conv2/bias/ConcatPartitions/concat"),
            vec![W],
        ));
        out.push((
            format!("{stacked}MultiheadAttention/split_heads/split_last_dimension/Reshape/shape/3"),
            vec![],
            Some(vec![head as f32]),
            true,
        ));
        out.push((
            format!("{stacked}MultiheadAttention/mul/y"),
            vec![],
            Some(vec![(head as f32).powf(-0.5)]),
            false,
        ));
    }
    out.push(f(
        "module/Encoder_en/hidden_layers/tanh_layer_0/weights".into(),
        vec![W, W],
    ));
    out.push(f(
        "module/Encoder_en/hidden_layers/tanh_layer_0/bias".into(),
        vec![W],
    ));
    out.push((
        format!("{stack}Layer_1/TransformerLayer/FFN/layer_prepostprocess/layer_norm/Cast/x"),
        vec![],
        Some(vec![1e-6]),
        false,
    ));
    out.push((
        "module_apply_default/Encoder_en/KonaTransformer/ClipToMaxLength/Less/y".into(),
        vec![],
        Some(vec![16.0]),
        true,
    ));
    out
}

/// Writes the package (`dist/model.json` with two shards, `dist/vocab.json`, `LICENSE`).
fn package(dir: &Path) {
    let dist = dir.join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    let mut data = Vec::new();
    let mut manifest = Vec::new();
    for (n, (name, shape, values, int)) in specs().into_iter().enumerate() {
        let count: usize = shape.iter().product();
        // Small values that differ per weight and per position.
        let values = values.unwrap_or_else(|| {
            (0..count)
                .map(|j| ((n * 7 + j) % 13) as f32 / 64.0 - 0.1)
                .collect()
        });
        for v in &values {
            if int {
                data.extend((*v as i32).to_le_bytes());
            } else {
                data.extend(v.to_le_bytes());
            }
        }
        let dtype = if int { "int32" } else { "float32" };
        manifest.push(serde_json::json!({"name": name, "shape": shape, "dtype": dtype}));
    }
    let half = data.len() / 2;
    std::fs::write(dist.join("group1-shard1of2"), &data[..half]).unwrap();
    std::fs::write(dist.join("group1-shard2of2"), &data[half..]).unwrap();
    let model = serde_json::json!({"weightsManifest": [
        {"paths": ["group1-shard1of2", "group1-shard2of2"], "weights": manifest}
    ]});
    std::fs::write(dist.join("model.json"), model.to_string()).unwrap();
    let vocab = r#"[["<unk>",0],["<s>",0],["</s>",null],["x1",0],["x2",0],["x3",0],
        [".",-3.5],["\u2581a",-4.25],["b",null],["\u2581b",-5],["c",-6.000000000000001],["\u2581",-2.5]]"#;
    std::fs::write(dist.join("vocab.json"), vocab).unwrap();
    std::fs::write(dir.join("LICENSE"), "Apache-2.0\n").unwrap();
}

#[test]
fn a_synthetic_package_converts_and_runs_as_a_companion() {
    let tmp = tempfile::tempdir().unwrap();
    let pkg = tmp.path().join("package");
    let out = tmp.path().join("out");
    package(&pkg);
    convert(&pkg, &out, &mut |_, _| {}).unwrap();

    let weights =
        candle_core::safetensors::load(out.join("model.safetensors"), &candle_core::Device::Cpu)
            .unwrap();
    assert_eq!(weights["layers.0.qkv.weight"].dims(), &[3 * E, E]);
    assert_eq!(weights["layers.0.residual.weight"].dims(), &[W, E]);
    assert!(!weights.contains_key("layers.1.residual.weight"));
    assert_eq!(weights["embeddings.timescales"].dims(), &[E / 2]);
    // Out × in: row r, column c of the result is row c, column r of the kernel.
    let kernel: Vec<f32> = {
        let specs = specs();
        let n = specs
            .iter()
            .position(|s| s.0.ends_with("tanh_layer_0/weights"))
            .unwrap();
        (0..W * W)
            .map(|j| ((n * 7 + j) % 13) as f32 / 64.0 - 0.1)
            .collect()
    };
    let pooler: Vec<Vec<f32>> = weights["pooler.weight"].to_vec2().unwrap();
    assert_eq!(pooler[2][5], kernel[5 * W + 2]);

    let config = std::fs::read_to_string(out.join("config.json")).unwrap();
    assert!(
        config.contains("\"layer_norm_eps\": 9.999999974752427e-07,"),
        "{config}"
    );
    assert!(config.contains("\"max_len\": 16,"), "{config}");
    assert!(
        config.contains("\"heads\": 2,\n      \"head_size\": 4"),
        "{config}"
    );

    let tokenizer = std::fs::read_to_string(out.join("tokenizer.json")).unwrap();
    // The reserved pieces score 10 below the lowest real one; a missing
    // score is 0.0; integers stay integers, as Python wrote them.
    assert!(tokenizer.contains(r#"["<s>", -16.0]"#), "{tokenizer}");
    assert!(tokenizer.contains(r#"["b", 0.0]"#), "{tokenizer}");
    assert!(tokenizer.contains(r#"["▁b", -5]"#), "{tokenizer}");
    assert!(
        tokenizer.contains(r#"["c", -6.000000000000001]"#),
        "{tokenizer}"
    );

    let settings = crate::semantic::SemanticSettings {
        cache_dir: None,
        precision: crate::semantic::Precision::F32,
        ..Default::default()
    };
    let companion = crate::semantic::Companion::load(&out, &settings).unwrap();
    // "▁" + "b" (a missing score is 0) beats "▁b" (-5).
    assert_eq!(companion.tokens("a b").unwrap(), [7, 11, 8]);
    let v = companion.embed_one("a b").unwrap();
    assert_eq!(v.len(), W);
    assert!(v.iter().all(|x| x.is_finite()));
}
