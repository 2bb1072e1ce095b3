#!/usr/bin/env bash
# The whole test suite: types, unit, interop against real local servers, conformance sample, and browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "== type check"
./node_modules/.bin/tsc -p tsconfig.json --noEmit
./node_modules/.bin/tsc -p tsconfig.worker.json --noEmit

reports=.test-reports
rm -rf "$reports" && mkdir -p "$reports"
status=0
echo "== unit, interop and conformance tests (vitest)"
./node_modules/.bin/vitest run --reporter=default --reporter=json --outputFile.json="$reports/vitest.json" || status=1
echo "== browser tests (Playwright, Debian's Chromium)"
PLAYWRIGHT_JSON_OUTPUT_NAME="$reports/playwright.json" ./node_modules/.bin/playwright test --reporter=list,json || status=1
node scripts/test-summary.mjs "$reports/vitest.json" "$reports/playwright.json"
exit $status
