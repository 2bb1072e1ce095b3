#!/usr/bin/env bash
# The whole test suite: unit, interop against real local servers, conformance sample, and browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
./node_modules/.bin/vitest run
./node_modules/.bin/playwright test
