#!/usr/bin/env bash
# Run the x509-limbo conformance suite through TLS Lens and score it against the peer validators.
# Usage: npm run limbo [-- path/to/limbo.json]
set -euo pipefail
cd "$(dirname "$0")/.."
SUITE_DIR="${LIMBO_DIR:-../shared/conformance/x509-limbo}"
SUITE="${1:-$SUITE_DIR/limbo.json}"
OUT="${LIMBO_RESULTS:-${TMPDIR:-/tmp}/tls-lens-limbo-results.json}"
node bin/tls-lens.js limbo < "$SUITE" > "$OUT"
echo "results written to $OUT" >&2
node "$SUITE_DIR/score.mjs" "$SUITE" "$OUT" "$SUITE_DIR"/peer-results/*.json | sed -n '/## Harness results/,$p'
