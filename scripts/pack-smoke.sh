#!/usr/bin/env bash
# Proves the published package works without a compiler: builds the prebuilt binary,
# packs the tarball, installs it into an empty folder with a PATH that holds only node/npm
# (no g++, make or python), then loads it from CommonJS and ESM and runs a tiny computation.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

npm run prebuilds --silent
# The linux-arm64 prebuild ships next to linux-x64: cross-compiled and checked under qemu-user
# (scripts/arm64-check.sh --prebuild) wherever the cross toolchain is installed, as in CI.
arm64=0
if command -v aarch64-linux-gnu-g++ >/dev/null && command -v qemu-aarch64 >/dev/null; then
  npm run prebuilds:arm64 --silent
  arm64=1
else
  echo "pack-smoke: aarch64-linux-gnu-g++/qemu-aarch64 missing: the tarball gets no linux-arm64 prebuild"
fi
ls prebuilds/*/
tgz=$(npm pack --silent | tail -n 1)
contents=$(tar tzf "$tgz")
grep '^package/prebuilds/.*\.node$' <<< "$contents"
grep -q '^package/prebuilds/linux-x64/nodegrad.glibc.node$' <<< "$contents" || { echo "tarball lacks the linux-x64 prebuild"; exit 1; }
if [ "$arm64" = 1 ]; then
  grep -q '^package/prebuilds/linux-arm64/nodegrad.glibc.node$' <<< "$contents" || { echo "tarball lacks the linux-arm64 prebuild"; exit 1; }
fi
work=$(mktemp -d)
trap 'rm -rf "$work" "$root/$tgz"' EXIT

# A PATH with node, npm and a shell (npm runs install scripts through sh) and no compiler.
mkdir -p "$work/bin"
ln -s "$(command -v node)" "$work/bin/node"
ln -s "$(command -v npm)" "$work/bin/npm"
ln -s "$(command -v sh)" "$work/bin/sh"
ln -s "$(command -v bash)" "$work/bin/bash"   # runs scripts/smoke/*.sh below
for tool in g++ gcc c++ cc make python3; do
  if PATH="$work/bin" command -v "$tool" >/dev/null 2>&1; then echo "unexpected $tool on PATH"; exit 1; fi
done

mkdir -p "$work/app"
cd "$work/app"
echo '{ "name": "app", "version": "1.0.0", "private": true }' > package.json
echo 'onnxruntime-node-install=skip' > .npmrc
PATH="$work/bin" npm install --no-audit --no-fund --foreground-scripts "$root/$tgz" > install.log 2>&1 || { cat install.log; exit 1; }
if grep -qE 'gyp (info|ERR)|node-gyp rebuild' install.log; then cat install.log; echo 'install compiled from source'; exit 1; fi
PATH="$work/bin" node -e "
const ng = require('nodegrad');
const t = ng.tensor([[1, 2], [3, 4]]);
if (t.data[3] !== 4) throw new Error('bad data');
console.log('cjs ok', ng.backend(), require.resolve('nodegrad'));
"
PATH="$work/bin" node --input-type=module -e "
import * as ng from 'nodegrad';
const t = ng.ones([2, 2]);
console.log('esm ok', ng.backend(), t.shape.join('x'));
"
# The dashboard's page and its vega/vega-lite/vega-embed builds come from the installed packages.
PATH="$work/bin" node -e "
const ng = require('nodegrad');
const fs = require('fs'), os = require('os'), path = require('path');
(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrad-dash-'));
  const dash = ng.callbacks.dashboard({ port: 0, runsDir: dir, run: 'smoke', onListen: () => {} });
  const check = ng.callbacks.lambda({ onEpochEnd: async () => {
    for (const f of ['', 'assets/app.js', 'assets/vega.min.js', 'assets/vega-lite.min.js', 'assets/vega-embed.min.js']) {
      const r = await fetch(dash.url + f);
      if (r.status !== 200 || (await r.arrayBuffer()).byteLength < 100) throw new Error('dashboard /' + f + ': ' + r.status);
    }
  } });
  const t = new ng.Trainer({ model: new ng.nn.Linear(2, 1), loss: 'mse' });
  await t.fit([ng.ones([4, 2]), ng.ones([4, 1])], { epochs: 1, callbacks: [dash, check], verbose: 0 });
  await dash.close();
  fs.rmSync(dir, { recursive: true });
  console.log('dashboard assets ok');
})().catch((e) => { console.error(e); process.exit(1); });
"
if [ "$arm64" = 1 ]; then
  # The same installed package on arm64 (an arm64 node under qemu-user): node-gyp-build must pick
  # prebuilds/linux-arm64 from the tarball, with no compiler, and train.
  qemu-aarch64 -L "${ARM64_SYSROOT:-/usr/aarch64-linux-gnu}" "${ARM64_NODE:-$root/build-arm64/node/package/bin/node}" \
    "$root/scripts/smoke/arm64-train.cjs"
fi
for s in "$root"/scripts/smoke/*.sh; do PATH="$work/bin" bash "$s" "$work/app" "$root"; done
echo "pack-smoke: the packed tarball installed and loaded without a compiler"
