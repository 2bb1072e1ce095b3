#!/usr/bin/env node
// Entry point of the command-line client. It runs the JavaScript build in dist-cli/ (scripts/build-cli.mjs, made by
// the setup step); when a source changed since, or there is no build yet, it builds first.
// CommonJS (bin/package.json), like the two scripts it requires: Node then starts it without its ES module loader,
// which with the streams an ES import of node:fs pulls in would cost `--help` more than all of its own work.
'use strict';
const { staleReason } = require('../scripts/cli-stamp.cjs');
const { hasCommand, loadCommand } = require('../scripts/cli-code-cache.cjs');

async function start() {
  const argv = process.argv.slice(2);
  // The dispatcher's files and the named command's (the whole build is the setup step's to check).
  const stale = staleReason(argv[0] ?? '');
  if (stale) {
    process.stderr.write(`tls-lens: building the command-line client first (${stale})\n`);
    try {
      await (await import('../scripts/build-cli.mjs')).buildCli();
    } catch (e) {
      process.stderr.write(`tls-lens: ${e.message}\n`);
      return 2;
    }
  }
  // A command runs from its own bundle with V8's code cache (scripts/cli-code-cache.cjs). The dispatcher is loaded
  // only for the rest (the usage, an unknown name, an index it cannot read) and for a failure no command foresaw.
  let known = false;
  try {
    known = hasCommand(argv[0] ?? '');
  } catch {
    /* the dispatcher reports it when it loads the command */
  }
  if (!known) return require('../dist-cli/main.cjs').main(argv, loadCommand);
  try {
    return await loadCommand(argv[0]).run(argv.slice(1));
  } catch (e) {
    return require('../dist-cli/main.cjs').reportUnforeseen(argv, e);
  }
}

start().then((status) => {
  process.exitCode = status;
  // When the event loop has nothing left (every write made, every socket closed), end the process there: Node's
  // own ending would then free the heap and the isolate piece by piece, ~3-5 ms of CPU a run for nothing.
  // 'beforeExit' comes only then, so nothing is cut short; 'exit' listeners still run, with this status.
  process.once('beforeExit', () => process.exit());
});
