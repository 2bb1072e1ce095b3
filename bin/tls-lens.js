#!/usr/bin/env node
// Entry point of the command-line client. It runs the JavaScript build in dist-cli/ (scripts/build-cli.mjs,
// made by the setup step); when the sources changed since, or there is no build yet, it builds first.
import { buildCli, staleReason, CACHED_DIR } from '../scripts/build-cli.mjs';
import { loadCachedCommand } from '../scripts/cli-code-cache.mjs';

const stale = await staleReason();
if (stale) {
  process.stderr.write(`tls-lens: building the command-line client first (${stale})\n`);
  try {
    await buildCli();
  } catch (e) {
    process.stderr.write(`tls-lens: ${e.message}\n`);
    process.exit(2);
  }
}
const { main } = await import('../dist-cli/main.js');
// Each command runs from its whole bundle with V8's code cache (scripts/cli-code-cache.mjs) when there is one.
process.exitCode = await main(process.argv.slice(2), (name) => loadCachedCommand(CACHED_DIR, name));
