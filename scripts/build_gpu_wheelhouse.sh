#!/usr/bin/env bash
# Build an offline wheelhouse for a GPU machine that already has torch (cp312, x86-64) but no
# OpenMMLab stack and no network. Copy the folder over, then on that machine:
#   python3 -m pip install --no-index --no-deps --target gpu_site wheelhouse/*.whl
#   export PYTHONPATH=$PWD/gpu_site:$PWD
# The list is the set that a CUDA image with torch, numpy, opencv-python-headless, pandas,
# seaborn, matplotlib, pytest and pytest-benchmark lacks (../shared/STACK.md). No opencv wheels:
# the image's headless cv2 serves.
set -euo pipefail
OUT=${1:-wheelhouse}
PYVER=${PYVER:-3.12}
mkdir -p "$OUT"
PACKAGES=(
  mmengine==0.10.7 mmcv-lite==2.1.0 mmaction2==1.2.0 decord==0.6.0 av addict yapf platformdirs
  termcolor importlib-metadata zipp albumentations==2.0.8 albucore pydantic pydantic-core
  annotated-types typing-inspection simsimd stringzilla lazy-importer tomli rich markdown-it-py
  mdurl pygments tqdm
)
PLATFORMS=()
for p in manylinux_2_28_x86_64 manylinux_2_27_x86_64 manylinux_2_17_x86_64 manylinux2014_x86_64 \
         manylinux1_x86_64 manylinux_2_24_x86_64 manylinux_2_31_x86_64 manylinux_2_34_x86_64; do
  PLATFORMS+=(--platform "$p")
done
for pkg in "${PACKAGES[@]}"; do
  python3 -m pip download --quiet --no-deps --only-binary=:all: --python-version "$PYVER" \
    --implementation cp "${PLATFORMS[@]}" -d "$OUT" "$pkg"
done
python3 -m pip wheel --quiet --no-deps -w "$OUT" .   # hdf-bench itself
du -sh "$OUT"
