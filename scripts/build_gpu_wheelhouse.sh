#!/usr/bin/env bash
# Build an offline wheelhouse for a GPU machine that already has torch (cp312, x86-64) but no
# OpenMMLab stack and no network, and check that it is complete. Copy the folder over (it is
# git-ignored: name it in the device tool's `carry`), then on that machine:
#   python3 -m pip install --no-index --no-deps --target gpu_site wheelhouse/*.whl
#   export PYTHONPATH=$PWD:$PWD/gpu_site
# (scripts/gpu_acceptance.sh does both and runs the acceptance check.)
# The list is what a CUDA image with torch, numpy, scipy, opencv-python-headless, pandas,
# seaborn, matplotlib, rich, pytest and pytest-benchmark lacks (../shared/STACK.md), at the
# versions verified together on CPU. No opencv wheels (the image's headless cv2 serves), no
# torch, and not hdf-bench itself (the repository travels and comes first on PYTHONPATH).
set -euo pipefail
OUT=${1:-wheelhouse}
PYVER=${PYVER:-3.12}
mkdir -p "$OUT"
PACKAGES=(
  mmengine==0.10.7 mmcv-lite==2.1.0 mmaction2==1.2.0 decord==0.6.0 av==18.1.0 addict==2.4.0
  yapf==0.43.0 platformdirs==4.14.9 termcolor==3.3.0 importlib-metadata==10.2.0 zipp==4.1.2
  lazy-importer==0.1.0 albumentations==2.0.8 albucore==0.0.24 pydantic==2.14.4
  pydantic-core==2.50.5 annotated-types==0.8.0 typing-inspection==0.4.5
  typing-extensions==4.16.0 simsimd==6.5.16 stringzilla==5.3.2
)
# The wheelhouse is ~58 MiB, most of it av (35) and decord (14); with the repository it must stay
# under the device tool's 64 MiB carry limit. NO_DECORD=1 leaves decord out: only video-file
# decoders use it, not the frame-folder pipelines of this project.
CHECK_ARGS=()
if [[ "${NO_DECORD:-0}" == 1 ]]; then
  KEPT=()
  for pkg in "${PACKAGES[@]}"; do [[ "$pkg" == decord==* ]] || KEPT+=("$pkg"); done
  PACKAGES=("${KEPT[@]}")
  CHECK_ARGS=(--allow-missing decord)
fi
PLATFORMS=()
for p in manylinux_2_28_x86_64 manylinux_2_27_x86_64 manylinux_2_17_x86_64 manylinux2014_x86_64 \
         manylinux2010_x86_64 manylinux1_x86_64 manylinux_2_24_x86_64 manylinux_2_31_x86_64 \
         manylinux_2_34_x86_64; do
  PLATFORMS+=(--platform "$p")
done
python3 -m pip download --quiet --no-deps --only-binary=:all: --python-version "$PYVER" \
  --implementation cp "${PLATFORMS[@]}" -d "$OUT" "${PACKAGES[@]}"
python3 "$(dirname "$0")/check_wheelhouse.py" "$OUT" --python-version "$PYVER" "${CHECK_ARGS[@]}"
du -sh "$OUT"
