// Builds the command-line client: esbuild bundles src/cli/main.ts (and the packages it uses) for Node into
// dist-cli/, so `tls-lens` starts from plain JavaScript instead of compiling TypeScript at every run.
//
// A stamp (dist-cli/stamp.json) lists every project file that went into the build with its size, mtime and
// SHA-256. The build is current when each listed file still has its hash (size and mtime are checked first, so
// an unchanged tree costs one stat per file). A new source file can only enter the build through an edit to a
// listed one, and packages through package-lock.json, which is listed too.
//
// Each command is also bundled whole, as one CommonJS file named by its content hash (dist-cli/cached/, listed in
// its index.json): bin/tls-lens.js runs a command from it through scripts/cli-code-cache.mjs, with V8's code cache
// kept beside it, so a run does not parse and compile a megabyte of JavaScript again (Node 20 has no module
// compile cache of its own). A cache belongs to one bundle's name, so it can never serve other code.
//
// Usage: node scripts/build-cli.mjs          build when stale (scripts/setup.sh runs this)
//        node scripts/build-cli.mjs --force  build anyway
// Only fs and path are loaded up front: bin/tls-lens.js runs staleReason() on every start.
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.dirname(path.dirname(decodeURIComponent(new URL(import.meta.url).pathname)));
export const OUT_DIR = path.join(ROOT, 'dist-cli');
const ENTRY = path.join(OUT_DIR, 'main.js');
const STAMP = path.join(OUT_DIR, 'stamp.json');
export const CACHED_DIR = path.join(OUT_DIR, 'cached');
const MAIN_SOURCE = path.join(ROOT, 'src/cli/main.ts');

/** The commands main.ts dispatches to (each `import('./<name>.ts')` there). */
function commandNames() {
  return [...fs.readFileSync(MAIN_SOURCE, 'utf8').matchAll(/import\('\.\/([a-z0-9-]+)\.ts'\)/g)].map((m) => m[1]);
}
/** Files that shape the build besides the bundled sources. */
const ALWAYS_LISTED = ['package-lock.json', 'scripts/build-cli.mjs'];

let crypto;
async function sha256(file) {
  crypto ??= await import('node:crypto');
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** Why the build in dist-cli/ is stale, or null when it matches the sources. */
export async function staleReason() {
  let stamp;
  try {
    stamp = JSON.parse(fs.readFileSync(STAMP, 'utf8'));
    if (!fs.existsSync(ENTRY)) return 'dist-cli/main.js is missing';
    if (!fs.existsSync(path.join(CACHED_DIR, 'index.json'))) return 'dist-cli/cached/ is missing';
  } catch {
    return 'there is no build yet';
  }
  for (const [rel, was] of Object.entries(stamp.inputs)) {
    let st;
    try {
      st = fs.statSync(path.join(ROOT, rel));
    } catch {
      return `${rel} was removed`;
    }
    if (st.size === was.size && st.mtimeMs === was.mtimeMs) continue;
    if (st.size !== was.size || (await sha256(path.join(ROOT, rel))) !== was.sha256) return `${rel} changed`;
  }
  return null;
}

async function listed(rel) {
  const file = path.join(ROOT, rel);
  const st = fs.statSync(file);
  return [rel, { size: st.size, mtimeMs: st.mtimeMs, sha256: await sha256(file) }];
}

/**
 * Bundle into dist-cli/. Safe when several processes build at once (parallel test workers): chunks have
 * content-hashed names, and main.js and the stamp are written to a temporary name and renamed into place.
 */
export async function buildCli() {
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    throw new Error('the command-line client must be built, and esbuild (a dev dependency) is not installed: run npm ci, then npm run build:cli');
  }
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: { main: 'src/cli/main.ts' },
    bundle: true,
    // Chunks: `--help` loads only the dispatcher; each command loads its own code when run.
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outdir: OUT_DIR,
    chunkNames: 'chunks/[name]-[hash]',
    sourcemap: 'linked',
    // Bundled CommonJS packages call require() for Node's built-ins: give the ES module one.
    banner: { js: "import { createRequire as __tlsLensRequire } from 'node:module'; const require = __tlsLensRequire(import.meta.url);" },
    metafile: true,
    write: false,
    logLevel: 'warning',
  });
  // One whole CommonJS bundle per command, for runs with a code cache (the cache files of an earlier build are
  // rejected by V8 for the new source and written again).
  const commands = commandNames();
  const whole = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: Object.fromEntries(commands.map((c) => [c, `src/cli/${c}.ts`])),
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    outdir: CACHED_DIR,
    entryNames: '[name]-[hash]',
    outExtension: { '.js': '.cjs' },
    write: false,
    logLevel: 'warning',
  });
  fs.mkdirSync(path.join(OUT_DIR, 'chunks'), { recursive: true });
  fs.mkdirSync(CACHED_DIR, { recursive: true });
  const tmp = (file) => `${file}.${process.pid}.tmp`;
  const index = {};
  for (const out of whole.outputFiles) {
    index[path.basename(out.path).replace(/-[A-Z0-9]+\.cjs$/, '')] = path.basename(out.path);
    fs.writeFileSync(tmp(out.path), out.contents);
    fs.renameSync(tmp(out.path), out.path);
  }
  const indexFile = path.join(CACHED_DIR, 'index.json');
  fs.writeFileSync(tmp(indexFile), JSON.stringify(index));
  fs.renameSync(tmp(indexFile), indexFile);
  const entryFiles = [];
  for (const out of result.outputFiles) {
    if (path.dirname(out.path) === OUT_DIR) {
      entryFiles.push(out);
      continue;
    }
    fs.writeFileSync(tmp(out.path), out.contents);
    fs.renameSync(tmp(out.path), out.path);
  }
  for (const out of entryFiles) {
    fs.writeFileSync(tmp(out.path), out.contents);
    fs.renameSync(tmp(out.path), out.path);
  }
  // Bundles and caches of earlier builds go.
  const current = new Set(['index.json', ...Object.values(index).flatMap((f) => [f, `${f}.v8cache`])]);
  for (const f of fs.readdirSync(CACHED_DIR)) if (!current.has(f) && !f.endsWith('.tmp')) fs.rmSync(path.join(CACHED_DIR, f), { force: true });
  const own = Object.keys(result.metafile.inputs).filter((f) => !f.startsWith('node_modules/'));
  const inputs = Object.fromEntries(await Promise.all([...own, ...ALWAYS_LISTED].sort().map(listed)));
  fs.writeFileSync(tmp(STAMP), JSON.stringify({ built: new Date().toISOString(), inputs }));
  fs.renameSync(tmp(STAMP), STAMP);
  return { files: result.outputFiles.map((o) => o.path), inputs: Object.keys(inputs).length };
}

/** Remove the chunks of earlier builds (not in `current`, this build's files). */
function removeOldChunks(current) {
  const dir = path.join(OUT_DIR, 'chunks');
  const keep = new Set(current);
  for (const f of fs.readdirSync(dir)) if (!keep.has(path.join(dir, f)) && !f.endsWith('.tmp')) fs.rmSync(path.join(dir, f), { force: true });
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.join(ROOT, 'scripts', 'build-cli.mjs')) {
  const reason = process.argv.includes('--force') ? 'asked to' : await staleReason();
  if (reason) {
    const t0 = performance.now();
    const { files, inputs } = await buildCli();
    removeOldChunks(files);
    console.log(`setup: built the command-line client into dist-cli/ (${reason}): ${files.length} files from ${inputs} sources in ${Math.round(performance.now() - t0)} ms`);
  }
}
