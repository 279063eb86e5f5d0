#!/usr/bin/env bash
# npm run test:sanitize [-- vitest args]: builds the addon with ASan + UBSan into build-sanitize/
# (scripts/build-variant.js) and runs the test suite with that build loaded in every process
# (NODEGRAD_ADDON_PATH is inherited by CLI children and workers). node itself is not
# instrumented, so the ASan runtime is preloaded; leak checking is off (node keeps allocations
# alive until exit by design). Any ASan/UBSan report aborts the process, which fails its test.
set -euo pipefail
cd "$(dirname "$0")/.."
node scripts/build-variant.js sanitize
export NODEGRAD_ADDON_PATH="$PWD/build-sanitize/Release/nodegrad.node"
export LD_PRELOAD="$(g++ -print-file-name=libasan.so)"
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:detect_odr_violation=0:log_path=${SANITIZE_LOG:-/tmp/nodegrad-asan}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=${SANITIZE_LOG:-/tmp/nodegrad-asan}"
rm -f "${SANITIZE_LOG:-/tmp/nodegrad-asan}".*
status=0
# ASan makes native code several times slower: generous timeouts (no test asserts on time).
npx vitest run --testTimeout=600000 --hookTimeout=600000 "$@" || status=$?
if compgen -G "${SANITIZE_LOG:-/tmp/nodegrad-asan}.*" > /dev/null; then
  echo "== sanitizer reports:"
  cat "${SANITIZE_LOG:-/tmp/nodegrad-asan}".*
  status=1
fi
exit $status
