// Builds the command-line client with esbuild, so `tls-lens` starts from plain JavaScript instead of compiling
// TypeScript at every run. Into dist-cli/:
//   main.cjs                   the dispatcher (src/cli/main.ts): the command table and usage, no command's code
//   cached/<name>-<hash>.cjs   each command whole, with the packages it uses, named by its content hash and listed
//                              in cached/index.json; bin/tls-lens.js runs it through scripts/cli-code-cache.cjs,
//                              which keeps V8's compiled code beside it (<bundle>.v8cache) after a run succeeds
//   cached/side/<name>-<hash>.cjs  large self-contained modules the command bundles leave out (SIDE_MODULES), each
//                              with its own code cache once a run used it (<bundle>.v8cache)
//   stamp/                     per command, the outputs and sources a start of it checks (scripts/cli-stamp.cjs),
//                              written last
//
// Usage: node scripts/build-cli.mjs          build when stale (scripts/setup.sh runs this)
//        node scripts/build-cli.mjs --force  build anyway
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { ROOT, OUT_DIR, STAMP_DIR, DISPATCHER, COMMAND_NAME, stampFile, staleReason, inputEntry } = require('./cli-stamp.cjs');
const { CACHED_DIR } = require('./cli-code-cache.cjs');

const MAIN = path.join(OUT_DIR, 'main.cjs');
/** Files that shape the build besides the bundled sources. */
const ALWAYS_LISTED = ['package-lock.json', 'tsconfig.json', 'scripts/build-cli.mjs'];
/** What earlier layouts of dist-cli/ left (an ES module build with chunks, one stamp for all): removed by a build. */
const OLD_LAYOUT = ['main.js', 'main.js.map', 'chunks', 'stamp.json'];

const COMMON = {
  absWorkingDir: ROOT,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  // ASCII out (esbuild escapes non-ASCII text; whitespace minifying drops the comments, where some is left):
  // scripts/cli-code-cache.cjs reads the bundles as latin1.
  charset: 'ascii',
  minifyWhitespace: true,
  // Short local names: connect's bundle 639 -> 466 KB and its code cache 747 -> 714 KB, read and copied on every
  // start (paired, connect 3-5% less CPU; docs/cli-startup.md). Names the code reads stay (explicit `name`
  // fields, `static NAME`); a stack trace shows the short names.
  minifyIdentifiers: true,
  // Packages' ES module builds where they have one (the browser bundle uses those too): they join the bundle's
  // scope, where their CommonJS builds each need a wrapper and an interop copy of every export per importer.
  mainFields: ['module', 'main'],
  metafile: true,
  write: false,
  logLevel: 'warning',
};

/**
 * Modules the command bundles leave out, each bundled alone into cached/side/ and required from there when code
 * first reads one of its exports: a command that never uses them does not read or run them. Only modules that are
 * large or costly to start, hold no state shared with the rest (data, or a package nothing else imports), and are
 * used late or only on some runs: Mozilla's roots (206 KB, without a --ca), tldts's suffix list (144 KB, wildcard
 * names), ML-KEM (its tables cost a start ~1.4 ms, and only X25519MLKEM768 uses it) and the STARTTLS dialogues
 * (37 KB of connect's 468, only with --starttls: the rest of connect's start reads and deserialises less; its own
 * state is none, and what it imports besides, src/util/bytes.ts, keeps none that must be shared), and the ASN.1
 * schema packages for the chain check's policy and CRL decoders and for PKCS#7 certificate bundles (SIDE_REDIRECTS), and
 * Ed448's curve arithmetic (@noble/curves, for the rare Ed448 key), and the RC4 and 3DES libraries (only for a
 * capture whose session uses such a suite), and DSA's (a DSA signature met without node:crypto). Each side bundle gets its own V8
 * code cache (scripts/cli-code-cache.cjs) once a run that loaded it succeeds.
 */
const SIDE_MODULES = {
  'mozilla-roots': 'src/x509/mozillaRoots.generated.ts',
  tldts: 'tldts',
  'ml-kem': '@noble/post-quantum/ml-kem.js',
  starttls: 'src/starttls/index.ts',
  asn1: 'src/cli/asn1-side.ts',
  pkcs7: 'src/cli/pkcs7-side.ts',
  // Ed448 (src/crypto/ed448.ts imports it at the first Ed448 key): for the WebCrypto provider (verify, limbo) and
  // serve's key check; node:crypto signs and verifies Ed448 itself.
  ed448: '@noble/curves/ed448.js',
  // RC4 (crypto-js) and 3DES (des.js) for pcap and decode: read when a captured session uses an RC4 or 3DES suite
  // (src/capture/rc4-keystream.ts and triple-des-cbc.ts use them).
  'legacy-ciphers': 'src/capture/legacy-cipher-libs.ts',
  // DSA (micro-rsa-dsa-dh, with its hashes) for the WebCrypto provider (verify, limbo: a DSA certificate under the
  // plain RFC 5280 profile); node:crypto checks DSA itself in pcap and decode. src/crypto/dsa.ts imports it when used.
  dsa: 'src/crypto/dsa-lib.ts',
};
const SIDE_IMPORT = /^tldts$|mozillaRoots\.generated\.ts$|^@noble\/post-quantum\/ml-kem\.js$|^@noble\/curves\/ed448\.js$|starttls\/index\.ts$|legacy-cipher-libs\.ts$|dsa-lib\.ts$/;

/**
 * Imports a side module answers for some importers only, in the engine commands' bundles. The ASN.1 schema packages
 * (@peculiar/asn1-schema, -x509, with asn1js under them) are what the chain check's policy and CRL decoders use, and
 * only for certificates that carry policies or CRL times: set up at every connect they cost ~2.8 ms, and their code
 * ~180 KB of the code cache (paired, 12.7 ms less CPU per connect without them; docs/cli-startup.md). Other importers
 * (serve's key and certificate makers) keep the packages in the bundle: the two copies never meet, as the decoders
 * hand back plain values (policy ids, times).
 */
const SIDE_REDIRECTS = [
  // And the stapled OCSP response's reader (asn1-ocsp registers in the same asn1-schema, so it shares the bundle).
  { importers: ['src/x509/policy.ts', 'src/x509/crl.ts', 'src/x509/ocsp.ts'], path: /^@peculiar\/asn1-(schema|x509|ocsp)$/, side: 'asn1' },
  // The certificate files' reader uses the packages for PKCS#7 bundles only (a .p7b given to --ca or --cert).
  { importers: ['src/x509/input.ts'], path: /^@peculiar\/asn1-(schema|cms)$/, side: 'pkcs7' },
];

/**
 * A redirect's side entry must export every name its importers take from the packages (the stand-in cannot tell):
 * esbuild checks it when it bundles the importers with the entry in the packages' place, and fails on a missing one.
 */
async function checkRedirects(esbuild) {
  for (const r of SIDE_REDIRECTS) {
    const entry = path.join(ROOT, SIDE_MODULES[r.side]);
    const toEntry = { name: 'redirect-check', setup: (b) => b.onResolve({ filter: r.path }, (args) => (r.importers.includes(path.relative(ROOT, args.importer)) ? { path: entry } : undefined)) };
    try {
      await esbuild.build({ ...COMMON, format: 'esm', entryPoints: r.importers, outdir: path.join(OUT_DIR, 'redirect-check'), plugins: [toEntry], logLevel: 'silent' });
    } catch (e) {
      throw new Error(`${SIDE_MODULES[r.side]} must export what ${r.importers.join(' and ')} import: ${e.message}`);
    }
  }
}

/**
 * The commands that install node:crypto first thing (src/cli/node-host.ts): their bundles get
 * src/cli/webcrypto-left-out.ts in place of the WebCrypto provider, which they would only load to replace.
 * The certificate commands (verify, limbo) keep WebCrypto, the provider whose results the browser shows.
 */
const NODE_CRYPTO_COMMANDS = new Set(['connect', 'serve', 'pcap', 'decode']);
const WEBCRYPTO_PROVIDER = 'src/crypto/webcrypto-provider.ts';
const WEBCRYPTO_LEFT_OUT = 'src/cli/webcrypto-left-out.ts';

/** An esbuild plugin that resolves every import of the WebCrypto provider to its stand-in. */
const leaveOutWebCrypto = {
  name: 'tls-lens-leave-out-webcrypto',
  setup(build) {
    build.onResolve({ filter: /webcrypto-provider\.ts$/ }, (args) =>
      path.relative(ROOT, path.resolve(args.resolveDir, args.path)) === WEBCRYPTO_PROVIDER ? { path: path.join(ROOT, WEBCRYPTO_LEFT_OUT) } : undefined,
    );
  },
};

/**
 * An esbuild plugin that turns imports of the side modules (static or import()) into a CommonJS module of the
 * bundle whose exports are getters (`exports`: name -> export names): the first export read requires the side
 * bundle (`files`: name -> file name). esbuild's import of a CommonJS module reads each export when it is used.
 */
function sideModules(files, exports, redirects = []) {
  const byEntry = new Map(Object.entries(SIDE_MODULES).map(([name, entry]) => [entry, name]));
  const standIn = (name) =>
    [
      `let side;`,
      `const load = () => (side ??= require(${JSON.stringify(`./side/${files[name]}`)}));`,
      `Object.defineProperty(exports, '__esModule', { value: true });`,
      `for (const name of ${JSON.stringify(exports[name])}) Object.defineProperty(exports, name, { enumerable: true, get: () => load()[name] });`,
    ].join('\n');
  return {
    name: 'tls-lens-side-modules',
    setup(build) {
      build.onResolve({ filter: SIDE_IMPORT }, (args) => {
        const name = byEntry.get(args.path.startsWith('.') ? path.relative(ROOT, path.resolve(args.resolveDir, args.path)) : args.path);
        return name ? { path: name, namespace: 'side' } : undefined;
      });
      for (const r of redirects) {
        build.onResolve({ filter: r.path }, (args) => (r.importers.includes(path.relative(ROOT, args.importer)) ? { path: r.side, namespace: 'side' } : undefined));
      }
      build.onLoad({ filter: /./, namespace: 'side' }, (args) => ({ contents: standIn(args.path), loader: 'js' }));
      build.onResolve({ filter: /^\.\/side\// }, (args) => ({ path: args.path, external: true }));
    },
  };
}

/** Every bundle is one function expression, called by scripts/cli-code-cache.cjs with what a CommonJS module gets. */
const FUNCTION_BANNER = '(function (exports, require, module, __filename, __dirname) {';
const FUNCTION_FOOTER = '})';

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
  await checkRedirects(esbuild);
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
  for (const c of commands) if (!COMMAND_NAME.test(c)) throw new Error(`the command name '${c}' (src/cli/main.ts) must match ${COMMAND_NAME}: it names its stamp file`);
  // Wrapped as the command bundles are: scripts/cli-code-cache.cjs loads a side bundle with its own code cache.
  const side = await esbuild.build({
    ...COMMON,
    entryPoints: SIDE_MODULES,
    outdir: path.join(CACHED_DIR, 'side'),
    entryNames: '[name]-[hash]',
    outExtension: { '.js': '.cjs' },
    banner: { js: FUNCTION_BANNER },
    footer: { js: FUNCTION_FOOTER },
  });
  const sideFiles = Object.fromEntries(side.outputFiles.map((out) => [path.basename(out.path).replace(/-[A-Z0-9]+\.cjs$/, ''), path.basename(out.path)]));
  // Their export names, for the stand-ins: esbuild lists them for an ES module build (not written).
  const sideAsEsm = await esbuild.build({ ...COMMON, format: 'esm', entryPoints: SIDE_MODULES, outdir: path.join(CACHED_DIR, 'side'), entryNames: '[name]' });
  const sideExports = Object.fromEntries(Object.entries(sideAsEsm.metafile.outputs).map(([out, meta]) => [path.basename(out, '.js'), meta.exports]));
  // Two builds: the engine commands without the WebCrypto provider, the others with it.
  const commandBuild = (names, plugins, redirects) =>
    esbuild.build({
      ...COMMON,
      entryPoints: Object.fromEntries(names.map((c) => [c, `src/cli/${c}.ts`])),
      plugins: [sideModules(sideFiles, sideExports, redirects), ...plugins],
      outdir: CACHED_DIR,
      entryNames: '[name]-[hash]',
      outExtension: { '.js': '.cjs' },
      banner: { js: FUNCTION_BANNER },
      footer: { js: FUNCTION_FOOTER },
    });
  const wholes = [
    await commandBuild(commands.filter((c) => NODE_CRYPTO_COMMANDS.has(c)), [leaveOutWebCrypto], SIDE_REDIRECTS),
    await commandBuild(commands.filter((c) => !NODE_CRYPTO_COMMANDS.has(c)), []),
  ];
  const index = {};
  const outputs = { 'main.cjs': main.contents.length };
  // What each start checks (scripts/cli-stamp.cjs): the dispatcher's files, and its command's bundle, the side
  // bundles it may require and the sources of all of them.
  const sideOutputs = side.outputFiles.map((out) => `cached/side/${path.basename(out.path)}`);
  const sideInputs = Object.values(side.metafile.outputs).flatMap((o) => Object.keys(o.inputs));
  const scopes = { '': { outputs: ['main.cjs', 'cached/index.json'], inputs: [...ALWAYS_LISTED, ...Object.keys(dispatcher.metafile.inputs)] } };
  for (const build of wholes) {
    for (const out of build.outputFiles) {
      if (out.contents.some((b) => b > 0x7f)) throw new Error(`${path.relative(ROOT, out.path)} is not ASCII`);
      const name = path.basename(out.path);
      const command = name.replace(/-[A-Z0-9]+\.cjs$/, '');
      index[command] = name;
      outputs[`cached/${name}`] = out.contents.length;
      const bundleInputs = Object.keys(build.metafile.outputs[path.relative(ROOT, out.path)].inputs);
      scopes[command] = { outputs: [`cached/${name}`, ...sideOutputs], inputs: [...bundleInputs, ...sideInputs] };
      writeWhole(out.path, out.contents);
    }
  }
  fs.mkdirSync(path.join(CACHED_DIR, 'side'), { recursive: true });
  for (const out of side.outputFiles) {
    outputs[`cached/side/${path.basename(out.path)}`] = out.contents.length;
    writeWhole(out.path, out.contents);
  }
  const indexJson = JSON.stringify(index);
  writeWhole(path.join(CACHED_DIR, 'index.json'), indexJson);
  outputs['cached/index.json'] = Buffer.byteLength(indexJson);
  // Bundles and caches of earlier builds go, and what an older layout left.
  const current = new Set(['index.json', ...Object.values(index).flatMap((f) => [f, `${f}.v8cache`])]);
  for (const f of fs.readdirSync(CACHED_DIR)) if (!current.has(f) && f !== 'side' && !f.endsWith('.tmp')) fs.rmSync(path.join(CACHED_DIR, f), { force: true });
  const currentSide = new Set(Object.values(sideFiles).flatMap((f) => [f, `${f}.v8cache`]));
  for (const f of fs.readdirSync(path.join(CACHED_DIR, 'side'))) if (!currentSide.has(f) && !f.endsWith('.tmp')) fs.rmSync(path.join(CACHED_DIR, 'side', f), { force: true });
  for (const f of OLD_LAYOUT) fs.rmSync(path.join(OUT_DIR, f), { recursive: true, force: true });

  // The project files of every build (not packages, nor the side: modules the plugin makes).
  const isSource = (f) => !f.startsWith('node_modules/') && !f.includes(':');
  for (const scope of Object.values(scopes)) scope.inputs = [...new Set(scope.inputs.filter(isSource))].sort();
  const sources = new Set(Object.values(scopes).flatMap((scope) => scope.inputs));
  const inputs = Object.fromEntries([...sources].sort().map((rel) => [rel, inputEntry(rel)]));
  writeStamp(scopes, outputs, inputs);
  return { files: Object.keys(outputs).length, inputs: Object.keys(inputs).length };
}

/**
 * dist-cli/stamp/ (scripts/cli-stamp.cjs): one file per command with the dispatcher's files and the command's, then
 * dispatcher.json with the dispatcher's alone and the command names; files of commands no longer built go.
 */
function writeStamp(scopes, outputs, inputs) {
  fs.mkdirSync(STAMP_DIR, { recursive: true });
  const built = new Date().toISOString();
  const stampOf = (names) => {
    const files = [...new Set(names.flatMap((n) => scopes[n].inputs))].sort();
    const outputFiles = [...new Set(names.flatMap((n) => scopes[n].outputs))].sort();
    return {
      built,
      outputs: Object.fromEntries(outputFiles.map((rel) => [rel, outputs[rel]])),
      inputs: { files, sizes: files.map((f) => inputs[f][0]), mtimes: files.map((f) => inputs[f][1]), hashes: files.map((f) => inputs[f][2]) },
    };
  };
  const commands = Object.keys(scopes).filter((c) => c !== '');
  for (const c of commands) writeWhole(path.join(STAMP_DIR, stampFile(c)), JSON.stringify(stampOf(['', c])));
  writeWhole(path.join(STAMP_DIR, DISPATCHER), JSON.stringify({ ...stampOf(['']), commands }));
  const current = new Set([DISPATCHER, ...commands.map(stampFile)]);
  for (const f of fs.readdirSync(STAMP_DIR)) if (!current.has(f) && !f.endsWith('.tmp')) fs.rmSync(path.join(STAMP_DIR, f), { force: true });
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.join(ROOT, 'scripts', 'build-cli.mjs')) {
  const reason = process.argv.includes('--force') ? 'asked to' : staleReason();
  if (reason) {
    const t0 = performance.now();
    const { files, inputs } = await buildCli();
    console.log(`setup: built the command-line client into dist-cli/ (${reason}): ${files} files from ${inputs} sources in ${Math.round(performance.now() - t0)} ms`);
  }
}
