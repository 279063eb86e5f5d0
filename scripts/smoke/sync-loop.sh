#!/usr/bin/env bash
# Packed-tarball smoke check: the synchronous no-tidy training loop keeps RSS flat over 20,000 steps.
# Usage: sync-loop.sh <appDir> <repoRoot>
set -euo pipefail
cd "$1"
node "$2/scripts/smoke/sync-loop.cjs" 20000
echo "sync-loop: RSS flat over 20,000 no-tidy steps"
