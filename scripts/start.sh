#!/usr/bin/env bash
# Starts TLS Lens with its lab of local servers on 127.0.0.1. Ctrl-C stops everything it started.
# Usage: npm start [-- --port N --allow host:443 ...]   (see `npm start -- --help`)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

# Build the web app when dist/ is missing or older than its sources.
stale=yes
if [ -f dist/index.html ]; then
  newer=$(find src public index.html vite.config.ts tsconfig.json tsconfig.worker.json package-lock.json -newer dist/index.html -print -quit 2>/dev/null || true)
  [ -z "$newer" ] && stale=no
fi
if [ "$stale" = yes ]; then
  echo "start: building the web app (vite build)"
  if ! ./node_modules/.bin/vite build --logLevel warn; then
    echo "start: WARNING: the web app failed to build; the lab and the bridge start anyway, and / explains what is missing" >&2
  fi
fi

# The server generates the lab PKI under .lab/ on first start, then runs until Ctrl-C.
# One process (no tsx wrapper in between), so every signal reaches the server itself.
exec node --import tsx server/main.ts "$@"
