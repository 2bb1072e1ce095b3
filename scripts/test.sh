#!/usr/bin/env bash
# The whole test suite: types, unit, interop against real local servers, conformance sample, and browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "== type check"
./node_modules/.bin/tsc -p tsconfig.json --noEmit
./node_modules/.bin/tsc -p tsconfig.worker.json --noEmit
echo "== unit, interop and conformance tests (vitest)"
./node_modules/.bin/vitest run
echo "== browser tests (Playwright, Debian's Chromium)"
./node_modules/.bin/playwright test
