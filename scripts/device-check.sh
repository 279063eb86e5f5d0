#!/usr/bin/env bash
# The one prepared GPU check of the CUDA backend (issue 19), for a lent GPU machine (H100/H200,
# 16 cores, no internet). Run from the repository root: bash scripts/device-check.sh
# Results go to $OUT (default ./device-check-out): env.txt, build logs, test-cuda.txt,
# bench-cuda.txt / bench-cuda.json and summary.txt (one PASS/FAIL/SKIP line per stage).
# Nothing is assumed: node_modules, nvcc, cmake and the NVIDIA driver are checked first and
# each missing piece is named; stages that need it are skipped, the others still run.
# Stages have their own time limits; the whole script stays under 8 minutes.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT="${OUT:-$PWD/device-check-out}"
mkdir -p "$OUT"
SUMMARY="$OUT/summary.txt"
: >"$SUMMARY"
JOBS="$(nproc 2>/dev/null || echo 4)"
T0=$(date +%s)
note() { echo "$*" | tee -a "$SUMMARY"; }
have() { command -v "$1" >/dev/null 2>&1; }
elapsed() { echo "$(( $(date +%s) - T0 ))s"; }
# Seconds a stage may take: its own cap, never past the 470 s mark (the script stays under 8 min).
budget() { local left=$(( 470 - ($(date +%s) - T0) )); [ "$left" -lt 10 ] && left=10; [ "$1" -lt "$left" ] && echo "$1" || echo "$left"; }

# ---- 1. environment --------------------------------------------------------------------------
{
  echo "date: $(date -u)"; echo "host: $(uname -a)"; echo "cores: $JOBS"
  if have nvidia-smi; then nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv 2>&1
  else echo "nvidia-smi: MISSING (no NVIDIA driver tools on PATH)"; fi
  if have node; then echo "node: $(node -v)"; else echo "node: MISSING"; fi
  NVCC="$(node scripts/cuda-config.js --nvcc 2>/dev/null || true)"
  if [ -n "$NVCC" ]; then echo "nvcc: $NVCC"; "$NVCC" --version | tail -2; else echo "nvcc: MISSING (no CUDA toolkit; set CUDA_HOME)"; fi
  for t in cmake g++ make python3; do if have $t; then echo "$t: $($t --version 2>&1 | head -1)"; else echo "$t: MISSING"; fi; done
  for m in node-addon-api node-gyp cmake-js vitest tsx typescript; do
    if [ -d "node_modules/$m" ]; then echo "node_modules/$m: present"; else echo "node_modules/$m: MISSING"; fi
  done
  for f in build/Release/nodegrad.node build-cuda/Release/nodegrad_cuda.node build/Release/nodegrad_cuda.node dist/index.js; do
    if [ -e "$f" ]; then echo "$f: present ($(date -r "$f" -u +%FT%TZ))"; else echo "$f: absent"; fi
  done
  python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())" 2>&1 | tail -1
} >"$OUT/env.txt" 2>&1
cat "$OUT/env.txt"
NVCC="$(node scripts/cuda-config.js --nvcc 2>/dev/null || true)"
[ -n "$NVCC" ] && export PATH="$(dirname "$NVCC"):$PATH"

if ! have node; then note "FAIL node: not installed; nothing can run"; exit 1; fi
if ! have nvidia-smi || ! nvidia-smi -L >/dev/null 2>&1; then note "WARN driver: nvidia-smi missing or failing; the CUDA tests will report why"; fi
if [ ! -d node_modules/node-addon-api ]; then
  note "FAIL node_modules: missing (node-addon-api, cmake-js/node-gyp, vitest, tsx are needed; run npm ci where the registry is reachable, or carry node_modules)"
fi

# ---- 2. builds ---------------------------------------------------------------------------------
if [ -e build/Release/nodegrad.node ]; then
  note "PASS build main addon: already built (build/Release/nodegrad.node)"
elif [ -d node_modules/node-gyp ] && [ -d node_modules/node-addon-api ]; then
  if timeout "$(budget 150)" npx node-gyp rebuild -j "$JOBS" >"$OUT/build-main.log" 2>&1; then note "PASS build main addon ($(elapsed))"
  else note "FAIL build main addon (see build-main.log)"; fi
else
  note "SKIP build main addon: node_modules/node-gyp or node-addon-api missing"
fi

CUDA_ADDON=""
if [ -n "$NVCC" ] && have cmake && [ -d node_modules/cmake-js ] && [ -d node_modules/node-addon-api ]; then
  if timeout "$(budget 200)" npx cmake-js build --out build-cuda --CDNODEGRAD_CUDA=ON --target nodegrad_cuda -p "$JOBS" \
      >"$OUT/build-cuda.log" 2>&1; then
    CUDA_ADDON="build-cuda/Release/nodegrad_cuda.node"; note "PASS build CUDA addon with $NVCC ($(elapsed))"
  else note "FAIL build CUDA addon (see build-cuda.log)"; fi
else
  note "SKIP build CUDA addon: needs nvcc, cmake and node_modules/cmake-js + node-addon-api"
fi
if [ -z "$CUDA_ADDON" ]; then
  for f in build-cuda/Release/nodegrad_cuda.node build/Release/nodegrad_cuda.node; do
    [ -e "$f" ] && { CUDA_ADDON="$f"; note "INFO using the CUDA addon that came with the tree: $f"; break; }
  done
fi
[ -n "$CUDA_ADDON" ] && export NODEGRAD_CUDA_ADDON="$PWD/$CUDA_ADDON"

# ---- 3. probe ----------------------------------------------------------------------------------
if [ -n "$CUDA_ADDON" ]; then
  node -e "
    const a = require(process.env.NODEGRAD_CUDA_ADDON);
    const p = a.available(); console.log(JSON.stringify(p));
    if (p.available) { a.init(0); console.log(JSON.stringify(a.deviceInfo())); }
    process.exit(p.available ? 0 : 3);" >"$OUT/probe.txt" 2>&1
  rc=$?; cat "$OUT/probe.txt"
  if [ $rc = 0 ]; then note "PASS probe: $(tail -1 "$OUT/probe.txt")"; else note "FAIL probe: CUDA not usable: $(head -1 "$OUT/probe.txt")"; fi
else
  note "SKIP probe: no CUDA addon"
fi

# ---- 4. tests: every CUDA op vs the CPU, the MLP training run, the error paths ------------------
if [ -d node_modules/vitest ] && [ -e build/Release/nodegrad.node ]; then
  timeout "$(budget 150)" npx vitest run test/cuda --reporter=verbose >"$OUT/test-cuda.txt" 2>&1
  rc=$?
  grep -E "Test Files|Tests  |skipped|✗|×|FAIL" "$OUT/test-cuda.txt" | head -40
  if [ $rc = 0 ] && grep -q "CUDA ops against the CPU" "$OUT/test-cuda.txt" && ! grep -q "no usable GPU" "$OUT/test-cuda.txt"; then
    note "PASS test/cuda: $(grep -E '^ +Tests ' "$OUT/test-cuda.txt" | tail -1 | tr -s ' ')"
  elif [ $rc = 0 ]; then note "FAIL test/cuda: passed but the GPU cases were skipped ($(grep -m1 'no usable GPU' "$OUT/test-cuda.txt"))"
  else note "FAIL test/cuda (rc $rc): see test-cuda.txt"; fi
else
  note "SKIP test/cuda: needs node_modules/vitest and the main addon"
fi

# ---- 5. benchmark --------------------------------------------------------------------------------
if [ -d node_modules/tsx ] && [ -e build/Release/nodegrad.node ] && [ -n "$CUDA_ADDON" ]; then
  if timeout "$(budget 240)" node bench/run.mjs --device cuda --out "$OUT/bench-cuda.json" >"$OUT/bench-cuda.txt" 2>&1; then
    note "PASS bench --device cuda ($(elapsed))"; grep -E "gemm|mlp|% of|torch" "$OUT/bench-cuda.txt" | tee -a "$SUMMARY"
  else note "FAIL bench --device cuda: $(tail -3 "$OUT/bench-cuda.txt" | tr '\n' ' ')"; fi
else
  note "SKIP bench: needs node_modules/tsx, the main addon and the CUDA addon"
fi
note "total $(elapsed)"
