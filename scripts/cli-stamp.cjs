// The command-line client's build stamp (dist-cli/stamp/): what each start needs of the build, one file per
// command, so a start reads and parses only its own. `dispatcher.json` lists the dispatcher's files (main.cjs,
// cached/index.json and their sources) and the build's commands; `command.<name>.json` lists the dispatcher's
// files and that command's (its bundle, the side bundles and the sources of all of them). Each holds the size of
// every file the build wrote (`outputs`) and, for every project file that went into it, its size, mtimeMs and
// SHA-256 (`inputs`: four arrays side by side, which JSON.parse makes with less garbage than an entry each).
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
  if (!outputs || !Array.isArray(inputs?.files)) return 'the build is from an older layout';
  statInto ??= chooseStat(`${STAMP_DIR}/${file}`);
  for (const rel in outputs) {
    if (!statInto(`${OUT_DIR}/${rel}`)) return `dist-cli/${rel} is missing`;
    if (STATTED[0] !== outputs[rel]) return `dist-cli/${rel} is not the file the build wrote`;
  }
  const { files, sizes, mtimes, hashes } = inputs;
  let moved = false;
  for (let i = 0; i < files.length; i++) {
    const rel = files[i];
    if (!statInto(`${ROOT}/${rel}`)) return `${rel} was removed`;
    if (STATTED[0] === sizes[i] && STATTED[1] === mtimes[i]) continue;
    if (STATTED[0] !== sizes[i] || sha256Of(`${ROOT}/${rel}`) !== hashes[i]) return `${rel} changed`;
    mtimes[i] = STATTED[1];
    moved = true;
  }
  if (moved) rewriteStamp(stamp, file);
  return null;
}

/** [size, mtimeMs] of the file statted last (statInto). */
const STATTED = new Float64Array(2);
/** Stats `file` into STATTED; false when it does not exist. */
let statInto = null;

/**
 * How to stat the files a start checks (137 for connect). fs.statSync makes a Stats object with four Dates for
 * each, ~1.7 KB: that garbage alone (230 KB) added a third young-generation collection to every connect, 4-10 ms
 * (docs/cli-startup.md). Node's fs binding fills one shared array and makes none. It is internal (process.binding,
 * DEP0111, deprecated in the documentation only), so it is used only when it answers as fs.statSync does on
 * `probe` (a file that exists: its size and mtime to the nanosecond, and a file that does not); else fs.statSync.
 */
function chooseStat(probe, binding = internalFsBinding()) {
  const viaStats = (file) => {
    const st = fs.statSync(file, { throwIfNoEntry: false });
    if (!st) return false;
    STATTED[0] = st.size;
    STATTED[1] = st.mtimeMs;
    return true;
  };
  // Node's layout of the array (its kFsStatsFieldsNumber fields): size at 8, the mtime's seconds and nanoseconds at
  // 12 and 13, made into milliseconds as fs.Stats does.
  const viaBinding = (file) => {
    const a = binding.stat(file, false, undefined, false);
    if (!a) return false;
    STATTED[0] = a[8];
    STATTED[1] = a[12] * 1e3 + a[13] / 1e6;
    return true;
  };
  try {
    const st = fs.statSync(probe);
    if (viaBinding(probe) && STATTED[0] === st.size && STATTED[1] === st.mtimeMs && !viaBinding(`${probe}.absent`)) return viaBinding;
  } catch {
    /* no binding, or not the one this was written for */
  }
  return viaStats;
}

/** Node's fs binding, or null. process.binding warns (DEP0111) under --pending-deprecation: a start prints nothing. */
function internalFsBinding() {
  const noDeprecation = process.noDeprecation;
  process.noDeprecation = true;
  try {
    return process.binding('fs');
  } catch {
    return null;
  } finally {
    process.noDeprecation = noDeprecation;
  }
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

module.exports = { ROOT, OUT_DIR, STAMP_DIR, DISPATCHER, COMMAND_NAME, stampFile, staleReason, inputEntry, chooseStat, STATTED };
