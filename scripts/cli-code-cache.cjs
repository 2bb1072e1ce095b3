// Loads a tls-lens command from its bundle (dist-cli/cached/, made by scripts/build-cli.mjs) with V8's code cache:
// the first run that succeeds compiles and, once the command is done, saves the compiled code (with the functions
// that ran) beside the bundle; later runs start from it instead of parsing and compiling again (Node 20 has no
// module compile cache of its own). A cache belongs to one bundle's name, and a bundle's name to its content.
//
// Each bundle is one function expression `(function (exports, require, module, __filename, __dirname) {...})`
// (the build wraps it) in ASCII (esbuild escapes the rest), read as latin1: no UTF-8 decoding, no copy to wrap it.
// CommonJS with fs and path only, and vm when a command is loaded (`--help` loads none).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const CACHED_DIR = path.join(path.dirname(__dirname), 'dist-cli', 'cached');

/**
 * The command's module ({ run(args) }) from its bundle. `run` saves the code cache after a command that succeeded
 * (exit status 0) when there was none V8 could use: a cache holds the functions its run compiled and is kept from
 * then on, so one made by a usage error or a refused connection would leave a handshake to compile at every start.
 * Throws when the build has no bundle for the command (bin/tls-lens.js checked the build first,
 * so that means a build of another layout or one changed by hand).
 */
function loadCommand(name, cachedDir = CACHED_DIR) {
  let file;
  try {
    file = JSON.parse(fs.readFileSync(path.join(cachedDir, 'index.json'), 'utf8'))[name];
  } catch (e) {
    throw new Error(`the command-line build has no readable dist-cli/cached/index.json (${e.message}): run npm run build:cli`);
  }
  if (!file) throw new Error(`the command-line build has no bundle for '${name}': run npm run build:cli`);
  const bundle = path.join(cachedDir, file);
  const cacheFile = `${bundle}.v8cache`;
  const source = fs.readFileSync(bundle, 'latin1');
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    /* none yet: made after a run that succeeds */
  }
  const script = new (require('node:vm').Script)(source, { filename: bundle, cachedData });
  const module = { exports: {} };
  // Its require() resolves from the bundle: it requires its side modules (cached/side/) by relative path.
  script.runInThisContext()(module.exports, require('node:module').createRequire(bundle), module, bundle, cachedDir);
  const saveCache = !cachedData || script.cachedDataRejected;
  return {
    async run(args) {
      const status = await module.exports.run(args);
      if (saveCache && status === 0) writeCache(cacheFile, script);
      return status;
    },
  };
}

/** Written under a temporary name and renamed: parallel runs never read half a cache. A failure only costs speed. */
function writeCache(cacheFile, script) {
  const tmp = `${cacheFile}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, script.createCachedData());
    fs.renameSync(tmp, cacheFile);
  } catch {
    fs.rmSync(tmp, { force: true });
  }
}

module.exports = { CACHED_DIR, loadCommand };
