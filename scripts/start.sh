#!/usr/bin/env bash
# Starts TLS Lens with its lab of local servers on 127.0.0.1. Ctrl-C stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
./node_modules/.bin/vite build --logLevel warn
exec ./node_modules/.bin/tsx server/main.ts "$@"
