// The command-line client's build stamp (dist-cli/stamp.json): every project file that went into the build with
// its size, mtime and SHA-256, and the size of every file the build wrote. bin/tls-lens.js asks staleReason() on
// each start, before it runs anything from dist-cli/; scripts/build-cli.mjs writes the stamp last.
//
// The build is current when each listed source still has its hash: size and mtime are compared first, so an
// unchanged tree costs one stat per file and no read (a file whose mtime moved but whose bytes did not, e.g. after
// `git checkout`, is hashed once per start until the next build). A new source file can only enter the build
// through an edit to a listed one, and packages through package-lock.json, which is listed too.
//
// CommonJS with fs and path only: a start loads no ES module loader and no stream.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.dirname(__dirname);
const OUT_DIR = path.join(ROOT, 'dist-cli');
const STAMP = path.join(OUT_DIR, 'stamp.json');

/** Why the build in dist-cli/ cannot be run as it is, or null when it matches the sources. */
function staleReason() {
  let stamp;
  try {
    stamp = JSON.parse(fs.readFileSync(STAMP, 'utf8'));
  } catch {
    return 'there is no build yet';
  }
  if (!stamp.outputs || !stamp.inputs) return 'the build is from an older layout';
  for (const rel in stamp.outputs) {
    const st = fs.statSync(`${OUT_DIR}/${rel}`, { throwIfNoEntry: false });
    if (!st) return `dist-cli/${rel} is missing`;
    if (st.size !== stamp.outputs[rel]) return `dist-cli/${rel} is not the file the build wrote`;
  }
  for (const rel in stamp.inputs) {
    const [size, mtimeMs, sha256] = stamp.inputs[rel];
    const st = fs.statSync(`${ROOT}/${rel}`, { throwIfNoEntry: false });
    if (!st) return `${rel} was removed`;
    if (st.size === size && st.mtimeMs === mtimeMs) continue;
    if (st.size !== size || sha256Of(`${ROOT}/${rel}`) !== sha256) return `${rel} changed`;
  }
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

module.exports = { ROOT, OUT_DIR, STAMP, staleReason, inputEntry };
