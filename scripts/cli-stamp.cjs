// The command-line client's build stamp (dist-cli/stamp/): what each start needs of the build, one file per
// command, so a start reads and parses only its own. `dispatcher.json` lists the dispatcher's files (main.cjs,
// cached/index.json and their sources) and the build's commands; `command.<name>.json` lists the dispatcher's
// files and that command's (its bundle, the side bundles and the sources of all of them). Each holds the size of
// every file the build wrote and, for every project file that went into it, [size, mtimeMs, SHA-256].
// bin/tls-lens.js asks staleReason(command) on each start, before it runs anything from dist-cli/;
// scripts/build-cli.mjs writes the stamp last, dispatcher.json last of all.
//
// A start checks the dispatcher's files and its command's, not the whole build: `--help` stats a handful of files,
// `connect` the sources of its own bundle. Another command's stale sources are found when that command starts
// (and the build then remakes everything, as the setup step does).
// The build is current when each listed source still has its hash: size and mtime are compared first, so an
// unchanged tree costs one stat per file and no read. A file whose mtime moved but whose bytes did not (after
// `git checkout`, a `touch`) is hashed once: the stamp file read then takes its new mtime. A new source file can
// only enter the build through an edit to a listed one, and packages through package-lock.json, which is listed too.
//
// CommonJS with fs and path only: a start loads no ES module loader and no stream (node:crypto only to hash).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.dirname(__dirname);
const OUT_DIR = path.join(ROOT, 'dist-cli');
const STAMP_DIR = path.join(OUT_DIR, 'stamp');
const DISPATCHER = 'dispatcher.json';
/** What a command's name may be (the build refuses others): it names a file. */
const COMMAND_NAME = /^[a-z][a-z0-9-]*$/;

/** The stamp file of `command` ('' the dispatcher alone), in dist-cli/stamp/. */
const stampFile = (command) => (command ? `command.${command}.json` : DISPATCHER);

/**
 * Why the build in dist-cli/ cannot run `command` as it is, or null when what it needs matches the sources.
 * `command`: a command's name, or '' for the dispatcher alone (usage, an unknown name); undefined checks the
 * whole build (the setup step).
 */
function staleReason(command) {
  const own = command && COMMAND_NAME.test(command) ? readStamp(stampFile(command)) : null;
  if (own) return checkStamp(own, stampFile(command));
  const dispatcher = readStamp(DISPATCHER);
  if (!dispatcher) return fs.existsSync(path.join(OUT_DIR, 'stamp.json')) ? 'the build is from an older layout' : 'there is no build yet';
  if (!Array.isArray(dispatcher.commands)) return 'the build is from an older layout';
  if (command === undefined) {
    for (const name of dispatcher.commands) {
      const stamp = readStamp(stampFile(name));
      const reason = stamp ? checkStamp(stamp, stampFile(name)) : `dist-cli/stamp/${stampFile(name)} is missing or unreadable`;
      if (reason) return reason;
    }
  } else if (dispatcher.commands.includes(command)) {
    return `dist-cli/stamp/${stampFile(command)} is missing or unreadable`;
  }
  return checkStamp(dispatcher, DISPATCHER);
}

/** A stamp file, parsed; null when it is missing or not JSON. */
function readStamp(file) {
  try {
    return JSON.parse(fs.readFileSync(`${STAMP_DIR}/${file}`, 'utf8'));
  } catch {
    return null;
  }
}

/** Why the files `stamp` lists do not match it, or null. Moved mtimes of unchanged files are saved to `file`. */
function checkStamp(stamp, file) {
  const { outputs, inputs } = stamp;
  if (!outputs || !inputs) return 'the build is from an older layout';
  for (const rel in outputs) {
    const st = fs.statSync(`${OUT_DIR}/${rel}`, { throwIfNoEntry: false });
    if (!st) return `dist-cli/${rel} is missing`;
    if (st.size !== outputs[rel]) return `dist-cli/${rel} is not the file the build wrote`;
  }
  let moved = false;
  for (const rel in inputs) {
    const entry = inputs[rel];
    const st = fs.statSync(`${ROOT}/${rel}`, { throwIfNoEntry: false });
    if (!st) return `${rel} was removed`;
    if (st.size === entry[0] && st.mtimeMs === entry[1]) continue;
    if (st.size !== entry[0] || sha256Of(`${ROOT}/${rel}`) !== entry[2]) return `${rel} changed`;
    entry[1] = st.mtimeMs;
    moved = true;
  }
  if (moved) rewriteStamp(stamp, file);
  return null;
}

/** The stamp entry of a project file (path relative to the root): [size, mtimeMs, sha256]. */
function inputEntry(rel) {
  const file = `${ROOT}/${rel}`;
  const st = fs.statSync(file);
  return [st.size, st.mtimeMs, sha256Of(file)];
}

function sha256Of(file) {
  // node:crypto only when a file has to be hashed: loading it costs a start several milliseconds.
  return require('node:crypto').createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/**
 * The stamp file with the new mtimes of files whose bytes did not change, so later starts do not hash them again.
 * Renamed into place whole; a failure (a read-only checkout) only costs the next start the same hashing. A build
 * that ran meanwhile is never undone: the file is only replaced while it is still the one that was read.
 */
function rewriteStamp(stamp, file) {
  const target = `${STAMP_DIR}/${file}`;
  const tmp = `${target}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, JSON.stringify(stamp));
    if (readStamp(file)?.built === stamp.built) fs.renameSync(tmp, target);
  } catch {
    /* speed only */
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

module.exports = { ROOT, OUT_DIR, STAMP_DIR, DISPATCHER, COMMAND_NAME, stampFile, staleReason, inputEntry };
