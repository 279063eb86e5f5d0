#!/usr/bin/env bash
# Installs the benchmark peers on a fresh Debian/Ubuntu machine (a no-op where present):
#   - apt: python3-torch (PyTorch CPU, Debian's 1.13 build), libopenblas-dev (OpenBLAS 0.3.21),
#     libjemalloc2 (the tuned allocator PyTorch's CPU tuning guide recommends; preloaded for torch)
#     and openmpi-bin, libopenmpi-dev, cmake (the dist case: nodegrad's MPI variant, built here
#     into build-mpi/, and mpirun to launch its ranks; PyTorch DDP uses gloo over TCP)
#   - npm (into bench/node_modules, pinned in bench/package.json): @tensorflow/tfjs 4.22.0 and
#     @tensorflow/tfjs-backend-wasm 4.22.0
# @tensorflow/tfjs-node is deliberately absent: its install script downloads libtensorflow from
# outside the npm registry, which fails on machines without general internet access.
# onnxruntime-node comes from the main package's devDependencies (npm install at the root).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

apt_pkgs=(python3-torch libopenblas-dev libjemalloc2 openmpi-bin libopenmpi-dev cmake)
missing=()
for p in "${apt_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]} (apt)"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "setup: apt packages present (${apt_pkgs[*]})"
fi

# Incremental, as in .ci/run: cmake-js rebuilds only when native/dist changed (a build kept only
# when missing would go stale).
echo "setup: nodegrad's MPI variant (build-mpi/, for the dist case)"
(cd "$here/.." && npm run build:mpi --silent >/dev/null)

echo "setup: npm packages for bench/ (tfjs, tfjs-backend-wasm)"
npm --prefix "$here" install --no-audit --no-fund --loglevel=error

# checks (Debian's torch is in the system interpreter; a pyenv python3 on PATH may not see it)
py=/usr/bin/python3
[ -x "$py" ] || py=python3
OPENBLAS_CORETYPE=SkylakeX "$py" - <<'PY'
import ctypes, torch
lib = ctypes.CDLL("libopenblas.so.0"); lib.openblas_get_config.restype = ctypes.c_char_p
print("setup: torch", torch.__version__, "|", lib.openblas_get_config().decode())
PY
cd "$here" && node --input-type=module -e "
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
await tf.setBackend('wasm');
const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
const thr = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
console.log('setup: tfjs', tf.version.tfjs, '| wasm SIMD', simd, '| wasm threads', thr);
" 2>&1 | grep '^setup:'
echo "setup: done. Run: npm run bench   (or: node bench/run.mjs --quick)"
