#!/usr/bin/env bash
# Smoke test of the installed package (called by scripts/pack-smoke.sh after the packed tarball
# was installed into <appDir>, with only node, npm and a shell on PATH):
#   (a) a CommonJS script exports ONNX with ng.io.exportOnnx and runs it in onnxruntime-node,
#       outputs within 1e-5 of nodegrad's;
#   (b) `nodegrad export-onnx` (through npm exec, i.e. npx) on a saved model, checked the same way;
#   (c) the README's TypeScript examples type-check as ESM and as CommonJS, plus mistakes the
#       types must reject, with tsc --strict and no skipLibCheck.
# Usage: bash scripts/smoke/onnx-types.sh <appDir> <repoRoot>
set -euo pipefail
app=$1
root=$2
here="$root/scripts/smoke/onnx-types"
work="$app/smoke-onnx-types"

show() { printf '%s\n' "$(<"$1")"; }

cd "$app"
# onnxruntime-node's .npmrc/env setting skips its binary download (the npm package carries them).
ONNXRUNTIME_NODE_INSTALL=skip npm install --no-audit --no-fund \
  onnxruntime-node@1.30.0 typescript@5.9.3 @types/node@20.19.43 > smoke-onnx-types-install.log 2>&1 \
  || { show smoke-onnx-types-install.log; echo 'onnx-types: npm install failed'; exit 1; }

node -e "
const fs = require('fs');
fs.rmSync(process.argv[2], { recursive: true, force: true });
fs.cpSync(process.argv[1], process.argv[2], { recursive: true });
" "$here" "$work"
cd "$work"

# (a) ONNX export from the library, run by onnxruntime-node
node onnx-check.cjs export

# (b) the CLI's export-onnx on the model saved by (a)
npm exec --offline -- nodegrad export-onnx smoke.safetensors smoke-cli.onnx
node onnx-check.cjs cli

# (c) strict TypeScript consumers of the installed package, no skipLibCheck
node readme-to-ts.cjs "$root/README.md"
node "$app/node_modules/typescript/bin/tsc" -p tsconfig.json --strict --noEmit --pretty false \
  || { echo 'onnx-types: the TypeScript consumer did not type-check'; exit 1; }
echo "onnx-types: README examples (ESM and CommonJS) type-check with tsc --strict, no skipLibCheck; marked mistakes are rejected"
