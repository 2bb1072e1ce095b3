// Loads a tls-lens command from its bundle (dist-cli/cached/, made by scripts/build-cli.mjs) with V8's code cache:
// a run that succeeds saves the compiled code (with the functions that ran) beside the bundle once the command is
// done; later runs start from it instead of parsing and compiling again (Node 20 has no module compile cache of
// its own). A cache belongs to one bundle's name, and a bundle's name to its content.
//
// Each bundle is one function expression `(function (exports, require, module, __filename, __dirname) {...})`
// (the build wraps it) in ASCII (esbuild escapes the rest), read as latin1: no UTF-8 decoding, no copy to wrap it.
// CommonJS with fs and path only, and vm when a command is loaded (`--help` loads none).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const CACHED_DIR = path.join(path.dirname(__dirname), 'dist-cli', 'cached');

/**
 * Successful runs whose compiled functions a cache gathers: each of the first few saves it again, with what the
 * cache held and what the run compiled besides (a TLS 1.2 server, a STARTTLS dialogue, a wildcard name). After
 * those, a run never pays for writing it.
 */
const CACHE_RUNS = 3;

/**
 * The command's module ({ run(args) }) from its bundle. A cache file is one byte (the runs it holds) and V8's data.
 * `run` saves the cache after a command that did its work and succeeded (exit status 0, not --help) while the cache
 * holds fewer than CACHE_RUNS runs or V8 could not use it: one made by a usage error, a refused connection or a
 * help text would hold little more than the option parser, and every later start would compile the rest. The side
 * bundles the run loaded (cached/side/, required when code first reads one of their exports) are cached the same way.
 * Throws when the build has no bundle for the command (bin/tls-lens.js checked the build first, so that means a
 * build of another layout or one changed by hand).
 */
function loadCommand(name, cachedDir = CACHED_DIR) {
  const index = readIndex(cachedDir);
  const file = Object.hasOwn(index, name) ? index[name] : undefined;
  if (!file) throw new Error(`the command-line build has no bundle for '${name}': run npm run build:cli`);
  // The bundle requires node's builtins and its side modules (./side/...), those by a path relative to itself. A
  // function of our own rather than module.createRequire(bundle): that costs a start node:module's public load.
  const sides = new Map();
  const requireFromBundle = (id) => {
    if (!id.startsWith('./side/')) return id.startsWith('.') ? require(path.join(cachedDir, id)) : require(id);
    let side = sides.get(id);
    if (!side) sides.set(id, (side = loadCached(path.join(cachedDir, id), requireFromBundle)));
    return side.exports;
  };
  const command = loadCached(path.join(cachedDir, file), requireFromBundle);
  return {
    async run(args) {
      const status = await command.exports.run(args);
      if (status === 0 && !args.includes('--help') && !args.includes('-h')) for (const loaded of [command, ...sides.values()]) loaded.saveCache();
      return status;
    },
  };
}

/**
 * A bundle (one function expression, given what a CommonJS module gets) run with V8's cache beside it:
 * { exports, saveCache() }, where saveCache writes the cache again while it holds fewer than CACHE_RUNS runs.
 */
function loadCached(bundle, requireFromBundle) {
  const cacheFile = `${bundle}.v8cache`;
  const { source, saved } = readBundleAndCache(bundle, cacheFile);
  let runs = 0;
  let cachedData;
  if (saved && saved.length > 1) [runs, cachedData] = [saved[0], saved.subarray(1)];
  const script = new (require('node:vm').Script)(source, { filename: bundle, cachedData });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, requireFromBundle, module, bundle, path.dirname(bundle));
  const held = cachedData && !script.cachedDataRejected ? runs : 0;
  return {
    exports: module.exports,
    saveCache() {
      if (held < CACHE_RUNS) writeCache(cacheFile, script, held + 1);
    },
  };
}

/** Whether the build has a bundle for the command `name`. Throws when it has no readable index. */
function hasCommand(name, cachedDir = CACHED_DIR) {
  return Object.hasOwn(readIndex(cachedDir), name);
}

/** The index read, by folder: a start asks hasCommand and then loadCommand, and reads the file once. */
const indexes = new Map();

/** cached/index.json: each command's bundle, by the command's name. */
function readIndex(cachedDir) {
  try {
    let index = indexes.get(cachedDir);
    if (!index) indexes.set(cachedDir, (index = JSON.parse(fs.readFileSync(path.join(cachedDir, 'index.json'), 'utf8'))));
    return index;
  } catch (e) {
    throw new Error(`the command-line build has no readable dist-cli/cached/index.json (${e.message}): run npm run build:cli`);
  }
}

/**
 * The bundle as a latin1 string and its cache file's bytes (null when there is none yet), read through one buffer:
 * the string is a copy, so the cache is read into the memory the bundle was read into. Fresh memory costs a start
 * a page fault per 4 KB touched, which a virtual machine charges dearly (docs/cli-startup.md).
 */
function readBundleAndCache(bundle, cacheFile) {
  const sourceFd = fs.openSync(bundle, 'r');
  let cacheFd = -1;
  try {
    try {
      cacheFd = fs.openSync(cacheFile, 'r');
    } catch {
      /* none yet */
    }
    const sourceSize = fs.fstatSync(sourceFd).size;
    const cacheSize = cacheFd < 0 ? 0 : fs.fstatSync(cacheFd).size;
    const buffer = Buffer.allocUnsafeSlow(Math.max(sourceSize, SAVED_AT + cacheSize));
    const source = buffer.latin1Slice(0, readWhole(sourceFd, buffer, sourceSize));
    const saved = cacheFd < 0 ? null : buffer.subarray(SAVED_AT, SAVED_AT + readWhole(cacheFd, buffer.subarray(SAVED_AT), cacheSize));
    return { source, saved };
  } finally {
    fs.closeSync(sourceFd);
    if (cacheFd >= 0) fs.closeSync(cacheFd);
  }
}

/**
 * Where the cache file goes in the buffer: its first byte (the runs) at 7 puts V8's data at 8. V8 copies cached data
 * that does not start on its pointer alignment (8 bytes) before it reads it: 700 KB more written, ~170 more page
 * faults a start. The buffer itself starts aligned (malloc's 16).
 */
const SAVED_AT = 7;

/** Read up to `size` bytes from the start of `fd` into the start of `buffer`; the number read (less at end of file). */
function readWhole(fd, buffer, size) {
  let at = 0;
  while (at < size) {
    const n = fs.readSync(fd, buffer, at, size - at, at);
    if (n === 0) break;
    at += n;
  }
  return at;
}

/** Written under a temporary name and renamed: parallel runs never read half a cache. A failure only costs speed. */
function writeCache(cacheFile, script, runs) {
  const tmp = `${cacheFile}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, Buffer.concat([Buffer.of(runs), script.createCachedData()]));
    fs.renameSync(tmp, cacheFile);
  } catch {
    fs.rmSync(tmp, { force: true });
  }
}

module.exports = { CACHED_DIR, hasCommand, loadCommand, readBundleAndCache };
