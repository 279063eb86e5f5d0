#!/usr/bin/env bash
# CI compile check of the CUDA backend (no GPU needed): builds nodegrad_cuda.node into build-cuda/
# with cmake-js, compiling every native/cuda/*.cu with nvcc for sm_80 and sm_90 (+ compute_90
# PTX) with warnings as errors, so the CUDA sources never rot. Incremental: a rerun recompiles
# only what changed. test/cuda/errors.test.ts then checks the built addon's error paths.
# Without nvcc or cmake it says so and exits 0 (set NODEGRAD_REQUIRE_CUDA_CHECK=1 to fail instead).
set -euo pipefail
cd "$(dirname "$0")/.."

missing=""
command -v cmake >/dev/null || missing="cmake"
node scripts/cuda-config.js --nvcc >/dev/null 2>&1 || missing="${missing:+$missing, }nvcc (the CUDA toolkit)"
if [ -n "$missing" ]; then
  echo "cuda compile check: skipped, missing: $missing"
  [ "${NODEGRAD_REQUIRE_CUDA_CHECK:-0}" = 1 ] && exit 1
  exit 0
fi
export PATH="$(dirname "$(node scripts/cuda-config.js --nvcc)"):$PATH"
start=$(date +%s)
# configure first: cmake-js build alone keeps an existing cache's flags (TOOLCHAIN.md).
FLAGS=(--out build-cuda --CDNODEGRAD_CUDA=ON "--CDCMAKE_CUDA_FLAGS=-Werror all-warnings -Xcompiler=-Wall,-Wextra,-Werror")
{ npx cmake-js configure "${FLAGS[@]}" && npx cmake-js build "${FLAGS[@]}" --target nodegrad_cuda -p "${JOBS:-2}"; } \
  >/tmp/nodegrad-cuda-check.log 2>&1 || {
  tail -60 /tmp/nodegrad-cuda-check.log
  echo "cuda compile check: FAILED (full log: /tmp/nodegrad-cuda-check.log)"
  exit 1
}
echo "cuda compile check: build-cuda/Release/nodegrad_cuda.node built for sm_80/sm_90 in $(( $(date +%s) - start )) s"
# The addon loads lazily: a symbol of ours left undefined would only fail at its first call on a
# GPU (a process-killing symbol lookup error). None may be.
undefined=$(nm -D --undefined-only build-cuda/Release/nodegrad_cuda.node | awk '{print $2}' | grep '^_ZN2ng' || true)
if [ -n "$undefined" ]; then
  echo "$undefined" | c++filt
  echo "cuda compile check: FAILED: nodegrad_cuda.node leaves nodegrad symbols undefined (above)"
  exit 1
fi
