#!/usr/bin/env bash
# The GPU acceptance run on the device machine (one H100/H200, offline), from the repository
# root. Build the wheelhouse here first (bash scripts/build_gpu_wheelhouse.sh wheelhouse), then
# call the device tool with
#   command: bash scripts/gpu_acceptance.sh      carry: ["wheelhouse"]      timeout_s: 600
# It installs the wheelhouse into ./gpu_site (git-ignored), runs scripts/gpu_acceptance.py (<= 8 minutes)
# and leaves acceptance.json, acceptance.md and acceptance.log in $OUT (or in the folder given
# as the first argument). Further arguments go to the script (e.g. --steps inference).
set -uo pipefail
OUT=${1:-${OUT:-work_dirs/acceptance}}
SITE=${SITE:-$PWD/gpu_site}
mkdir -p "$OUT"
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target "$SITE" \
  wheelhouse/*.whl || { echo "FAIL: could not install wheelhouse/ into $SITE"; exit 3; }
export PYTHONPATH=$PWD:$SITE PYTHONUNBUFFERED=1
python3 scripts/gpu_acceptance.py --device cuda --out "$OUT" --work "$PWD/work_dirs/acceptance" \
  "${@:2}" 2>&1 | tee "$OUT/acceptance.log"
exit "${PIPESTATUS[0]}"
