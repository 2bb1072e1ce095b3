// Builds the command-line client with esbuild, so `tls-lens` starts from plain JavaScript instead of compiling
// TypeScript at every run. Into dist-cli/:
//   main.cjs                   the dispatcher (src/cli/main.ts): the command table and usage, no command's code
//   cached/<name>-<hash>.cjs   each command whole, with the packages it uses, named by its content hash and listed
//                              in cached/index.json; bin/tls-lens.js runs it through scripts/cli-code-cache.cjs,
//                              which keeps V8's compiled code beside it (<bundle>.v8cache) after the first run
//   stamp.json                 the sources and outputs of this build (scripts/cli-stamp.cjs), written last
//
// Usage: node scripts/build-cli.mjs          build when stale (scripts/setup.sh runs this)
//        node scripts/build-cli.mjs --force  build anyway
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { ROOT, OUT_DIR, STAMP, staleReason, inputEntry } = require('./cli-stamp.cjs');
const { CACHED_DIR } = require('./cli-code-cache.cjs');

export { staleReason };

const MAIN = path.join(OUT_DIR, 'main.cjs');
/** Files that shape the build besides the bundled sources. */
const ALWAYS_LISTED = ['package-lock.json', 'tsconfig.json', 'scripts/build-cli.mjs'];
/** What earlier layouts of dist-cli/ left (an ES module build with chunks): removed by a build. */
const OLD_LAYOUT = ['main.js', 'main.js.map', 'chunks'];

const COMMON = {
  absWorkingDir: ROOT,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  // ASCII out (esbuild escapes non-ASCII text; whitespace minifying drops the comments, where some is left):
  // scripts/cli-code-cache.cjs reads the bundles as latin1. Names stay, for stack traces.
  charset: 'ascii',
  minifyWhitespace: true,
  // Packages' ES module builds where they have one (the browser bundle uses those too): they join the bundle's
  // scope, where their CommonJS builds each need a wrapper and an interop copy of every export per importer.
  mainFields: ['module', 'main'],
  metafile: true,
  write: false,
  logLevel: 'warning',
};

/** Write `contents` to `file` under a temporary name and rename it into place: parallel readers never see half. */
function writeWhole(file, contents) {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, contents);
  fs.renameSync(tmp, file);
}

/**
 * Bundle into dist-cli/. Safe when several processes build at once (parallel test workers): bundles have
 * content-hashed names, every file is renamed into place whole, and the stamp comes last.
 * Returns the number of files written and of sources listed in the stamp.
 */
export async function buildCli() {
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    throw new Error('the command-line client must be built, and esbuild (a dev dependency) is not installed: run npm ci, then npm run build:cli');
  }
  const dispatcher = await esbuild.build({ ...COMMON, entryPoints: ['src/cli/main.ts'], outfile: MAIN });
  fs.mkdirSync(CACHED_DIR, { recursive: true });
  const main = dispatcher.outputFiles[0];
  writeWhole(main.path, main.contents);
  // The command table, from the dispatcher just built (a fresh file name: require() would serve a cached module).
  const probe = `${MAIN}.${process.pid}.probe.cjs`;
  fs.writeFileSync(probe, main.contents);
  let commands;
  try {
    commands = Object.keys(require(probe).COMMANDS);
  } finally {
    fs.rmSync(probe, { force: true });
  }
  const whole = await esbuild.build({
    ...COMMON,
    entryPoints: Object.fromEntries(commands.map((c) => [c, `src/cli/${c}.ts`])),
    outdir: CACHED_DIR,
    entryNames: '[name]-[hash]',
    outExtension: { '.js': '.cjs' },
    // One function expression, called by scripts/cli-code-cache.cjs with what a CommonJS module gets.
    banner: { js: '(function (exports, require, module, __filename, __dirname) {' },
    footer: { js: '})' },
  });
  const index = {};
  const outputs = { 'main.cjs': main.contents.length };
  for (const out of whole.outputFiles) {
    if (out.contents.some((b) => b > 0x7f)) throw new Error(`${path.relative(ROOT, out.path)} is not ASCII`);
    const name = path.basename(out.path);
    index[name.replace(/-[A-Z0-9]+\.cjs$/, '')] = name;
    outputs[`cached/${name}`] = out.contents.length;
    writeWhole(out.path, out.contents);
  }
  const indexJson = JSON.stringify(index);
  writeWhole(path.join(CACHED_DIR, 'index.json'), indexJson);
  outputs['cached/index.json'] = Buffer.byteLength(indexJson);
  // Bundles and caches of earlier builds go, and what an older layout left.
  const current = new Set(['index.json', ...Object.values(index).flatMap((f) => [f, `${f}.v8cache`])]);
  for (const f of fs.readdirSync(CACHED_DIR)) if (!current.has(f) && !f.endsWith('.tmp')) fs.rmSync(path.join(CACHED_DIR, f), { force: true });
  for (const f of OLD_LAYOUT) fs.rmSync(path.join(OUT_DIR, f), { recursive: true, force: true });

  const sources = new Set(ALWAYS_LISTED);
  for (const build of [dispatcher, whole]) for (const f of Object.keys(build.metafile.inputs)) if (!f.startsWith('node_modules/')) sources.add(f);
  const inputs = Object.fromEntries([...sources].sort().map((rel) => [rel, inputEntry(rel)]));
  writeWhole(STAMP, JSON.stringify({ built: new Date().toISOString(), outputs, inputs }));
  return { files: Object.keys(outputs).length, inputs: Object.keys(inputs).length };
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.join(ROOT, 'scripts', 'build-cli.mjs')) {
  const reason = process.argv.includes('--force') ? 'asked to' : staleReason();
  if (reason) {
    const t0 = performance.now();
    const { files, inputs } = await buildCli();
    console.log(`setup: built the command-line client into dist-cli/ (${reason}): ${files} files from ${inputs} sources in ${Math.round(performance.now() - t0)} ms`);
  }
}
