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
# Reports go to $SANITIZE_LOG.<pid> files; a child process started with its own environment
# may print its report to stderr instead, so the output is searched too.
out="${SANITIZE_LOG:-/tmp/nodegrad-asan}.vitest-output"
set -o pipefail
npx vitest run --testTimeout=600000 --hookTimeout=600000 "$@" 2>&1 | tee "$out" || status=$?
reports=$(ls "${SANITIZE_LOG:-/tmp/nodegrad-asan}".* 2>/dev/null | grep -v vitest-output || true)
if [ -n "$reports" ] || grep -qE 'runtime error:|ERROR: (Address|Undefined)Sanitizer' "$out"; then
  echo "== sanitizer reports:"
  [ -n "$reports" ] && cat $reports
  grep -A12 -E 'runtime error:|ERROR: (Address|Undefined)Sanitizer' "$out" || true
  status=1
else
  echo "== no sanitizer reports"
fi
rm -f "$out"
exit $status
