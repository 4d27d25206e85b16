#!/usr/bin/env bash
# Kept for old habits: the models are fetched by the binary itself now
# (`frontline models fetch`, and on first start of any command that ranks).
# This fills models/ in the checkout, where the tests also look.
#
# Usage: scripts/fetch-model.sh [DIR]   (default: models)
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo run --quiet --release -- models fetch --dir "${1:-models}"
