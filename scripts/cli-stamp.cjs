// The command-line client's build stamp (dist-cli/stamp.json): every project file that went into the build with
// its size, mtime and SHA-256, the size of every file the build wrote, and which of those each command needs
// (`scopes`: '' the dispatcher, then one per command). bin/tls-lens.js asks staleReason(command) on each start,
// before it runs anything from dist-cli/; scripts/build-cli.mjs writes the stamp last.
//
// A start checks the dispatcher's files and its command's, not the whole build: `--help` stats a handful of files,
// `connect` the sources of its own bundle. Another command's stale sources are found when that command starts
// (and the build then remakes everything, as the setup step does).
// The build is current when each listed source still has its hash: size and mtime are compared first, so an
// unchanged tree costs one stat per file and no read. A file whose mtime moved but whose bytes did not (after
// `git checkout`, a `touch`) is hashed once: the stamp then takes its new mtime. A new source file can only enter
// the build through an edit to a listed one, and packages through package-lock.json, which is listed too.
//
// CommonJS with fs and path only: a start loads no ES module loader and no stream (node:crypto only to hash).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.dirname(__dirname);
const OUT_DIR = path.join(ROOT, 'dist-cli');
const STAMP = path.join(OUT_DIR, 'stamp.json');

/**
 * Why the build in dist-cli/ cannot run `command` as it is, or null when what it needs matches the sources.
 * `command`: a command's name, or '' for the dispatcher alone (usage, an unknown name); undefined checks the
 * whole build (the setup step).
 */
function staleReason(command) {
  let stamp;
  try {
    stamp = JSON.parse(fs.readFileSync(STAMP, 'utf8'));
  } catch {
    return 'there is no build yet';
  }
  if (!stamp.outputs || !stamp.inputs || !stamp.scopes) return 'the build is from an older layout';
  const scopes = command === undefined ? Object.values(stamp.scopes) : [stamp.scopes[''], ...(command && Object.hasOwn(stamp.scopes, command) ? [stamp.scopes[command]] : [])];
  if (!scopes[0]) return 'the build is from an older layout';
  for (const scope of scopes) {
    for (const rel of scope.outputs) {
      const st = fs.statSync(`${OUT_DIR}/${rel}`, { throwIfNoEntry: false });
      if (!st) return `dist-cli/${rel} is missing`;
      if (st.size !== stamp.outputs[rel]) return `dist-cli/${rel} is not the file the build wrote`;
    }
  }
  let moved = null;
  for (const scope of scopes) {
    for (const rel of scope.inputs) {
      const entry = stamp.inputs[rel];
      const st = fs.statSync(`${ROOT}/${rel}`, { throwIfNoEntry: false });
      if (!st) return `${rel} was removed`;
      if (st.size === entry[0] && st.mtimeMs === entry[1]) continue;
      if (st.size !== entry[0] || sha256Of(`${ROOT}/${rel}`) !== entry[2]) return `${rel} changed`;
      entry[1] = st.mtimeMs;
      moved = true;
    }
  }
  if (moved) rewriteStamp(stamp);
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
 * The stamp with the new mtimes of files whose bytes did not change, so later starts do not hash them again.
 * Renamed into place whole; a failure (a read-only checkout) only costs the next start the same hashing. A build
 * that ran meanwhile is never undone: the stamp is only replaced while it is still the one that was read.
 */
function rewriteStamp(stamp) {
  const tmp = `${STAMP}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, JSON.stringify(stamp));
    if (JSON.parse(fs.readFileSync(STAMP, 'utf8')).built === stamp.built) fs.renameSync(tmp, STAMP);
  } catch {
    /* speed only */
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

module.exports = { ROOT, OUT_DIR, STAMP, staleReason, inputEntry };
