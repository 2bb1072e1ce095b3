// Runs a tls-lens command from its whole CommonJS bundle (dist-cli/cached/, made by scripts/build-cli.mjs) with
// V8's code cache: the first run compiles and, once the command is done, saves the compiled code (including the
// functions that ran) beside the bundle; later runs start from it instead of parsing and compiling again.
// Only fs, path, vm and module are loaded here.
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { createRequire } from 'node:module';

/**
 * The command's module ({ run(args) }) loaded from its bundle, or null when there is no such bundle (the caller
 * then imports the ES build). `run` saves the code cache after the command when there was none to use.
 */
export function loadCachedCommand(cachedDir, name) {
  let file;
  try {
    file = JSON.parse(fs.readFileSync(path.join(cachedDir, 'index.json'), 'utf8'))[name];
  } catch {
    return null;
  }
  if (!file) return null;
  const bundle = path.join(cachedDir, file);
  const cacheFile = `${bundle}.v8cache`;
  let source;
  try {
    source = fs.readFileSync(bundle, 'utf8');
  } catch {
    return null;
  }
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    /* the first run: made below */
  }
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: bundle, cachedData });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(bundle), module, bundle, cachedDir);
  const saveCache = !cachedData || script.cachedDataRejected;
  return {
    async run(args) {
      try {
        return await module.exports.run(args);
      } finally {
        if (saveCache) writeCache(cacheFile, script);
      }
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
