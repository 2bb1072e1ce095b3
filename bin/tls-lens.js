#!/usr/bin/env node
// Entry point of the command-line client. It runs the JavaScript build in dist-cli/ (scripts/build-cli.mjs, made by
// the setup step); when a source changed since, or there is no build yet, it builds first.
// CommonJS (bin/package.json), like the two scripts it requires: Node then starts it without its ES module loader,
// which with the streams an ES import of node:fs pulls in would cost `--help` more than all of its own work.
'use strict';
const { staleReason } = require('../scripts/cli-stamp.cjs');
const { loadCommand } = require('../scripts/cli-code-cache.cjs');

async function start() {
  // The dispatcher's files and the named command's (the whole build is the setup step's to check).
  const stale = staleReason(process.argv[2] ?? '');
  if (stale) {
    process.stderr.write(`tls-lens: building the command-line client first (${stale})\n`);
    try {
      await (await import('../scripts/build-cli.mjs')).buildCli();
    } catch (e) {
      process.stderr.write(`tls-lens: ${e.message}\n`);
      return 2;
    }
  }
  // The dispatcher, then the command's own bundle with V8's code cache (scripts/cli-code-cache.cjs).
  const { main } = require('../dist-cli/main.cjs');
  return main(process.argv.slice(2), loadCommand);
}

start().then((status) => {
  process.exitCode = status;
  // When the event loop has nothing left (every write made, every socket closed), end the process there: Node's
  // own ending would then free the heap and the isolate piece by piece, ~3-5 ms of CPU a run for nothing.
  // 'beforeExit' comes only then, so nothing is cut short; 'exit' listeners still run, with this status.
  process.once('beforeExit', () => process.exit());
});
