// Would a V8 start-up snapshot start `tls-lens connect` faster than the code cache it runs with now? (issue 15,
// docs/cli-startup.md). Builds user-land snapshots of the connect command's current bundle with Node 20's
// `node --snapshot-blob B --build-snapshot builder.cjs` in a temporary directory, then times in alternating rounds,
// in a clean environment (no NODE_EXTRA_CA_CERTS):
//   nodeBare        node -e 0
//   emptySnapshot   node --snapshot-blob <a snapshot of nothing>: what loading a user-land blob costs by itself
//   codeCache       node bin/tls-lens.js connect ...: what users run now (bundle + V8 code cache)
//   snapshotCold    the bundle evaluated in the snapshot: no module evaluation at start, the handshake's functions
//                   compiled lazily at run time
//   snapshotWarm    the same after two connects during the build (`--json`, then the text output): the functions
//                   they ran keep their bytecode in the snapshot
//   ...HugePages    codeCache and snapshotWarm with glibc's malloc asked for transparent huge pages
//                   (GLIBC_TUNABLES=glibc.malloc.hugetlb=1): Node reads a blob into freshly allocated memory, and
//                   page faults are dear on this machine
// An experiment, not a way to run the CLI: the warm build patches the bundle's text so the node:crypto provider's
// public-key cache (KeyObjects, which a snapshot cannot hold) can be emptied before the heap is written; and every
// run of the warm blob starts with the random bytes the warm-up left in node-provider.ts's pool (harmless to a
// timing, fatal to a real client: module state of a snapshot is shared by every run started from it).
// Run: npm run bench:cli-snapshot   (TLS_LENS_BENCH_ROUNDS=N, default 15)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os, { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { makePki, startSServer } from '../test/tls/helpers.ts';
import { ProcessTimer, cleanEnv, ratio } from './process-time.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = path.join(ROOT, 'bin', 'tls-lens.js');
const ROUNDS = Number(process.env.TLS_LENS_BENCH_ROUNDS ?? 15);
const ENV = cleanEnv();
const HUGE_PAGES = { ...ENV, GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1' };

/** The text in the bundle that declares node-provider.ts's key cache; the warm build exposes it to empty it. */
const KEY_CACHE = 'publicKeys=new Map;';

// Run by `node --build-snapshot`: evaluates the bundle, runs the warm-up connects (argument lists as JSON in
// TLS_LENS_SNAPSHOT_WARMUP) with stdout swallowed, then sets the function a run of the snapshot starts with.
const BUILDER = String.raw`'use strict';
const fs = require('fs');
const path = require('path');
const v8 = require('v8');
const bundle = process.env.TLS_LENS_SNAPSHOT_BUNDLE;
const warmups = JSON.parse(process.env.TLS_LENS_SNAPSHOT_WARMUP || '[]');
let source = fs.readFileSync(bundle, 'latin1');
if (warmups.length) {
  if (!source.includes(${JSON.stringify(KEY_CACHE)})) throw new Error('the bundle no longer declares ${KEY_CACHE}: update bench/cli-snapshot.ts');
  source = source.replace(${JSON.stringify(KEY_CACHE)}, 'publicKeys=globalThis.__benchPublicKeys=new Map;');
}
const wrapper = (0, eval)(source + '\n//# sourceURL=' + bundle);
let runtimeRequire = null;
const mod = { exports: {} };
wrapper(mod.exports, (id) => (runtimeRequire || require)(id), mod, bundle, path.dirname(bundle));
(async () => {
  if (!warmups.length) return;
  const stdout = Object.getOwnPropertyDescriptor(process, 'stdout');
  Object.defineProperty(process, 'stdout', { configurable: true, value: { isTTY: false, write: () => true, on() {}, once() {} } });
  try {
    for (const args of warmups) {
      const status = await mod.exports.run(args);
      if (status !== 0) throw new Error('warm-up connect ' + args.join(' ') + ' exited ' + status);
    }
  } finally {
    Object.defineProperty(process, 'stdout', stdout);
    globalThis.__benchPublicKeys.clear();
    process.exitCode = undefined;
  }
})();
v8.startupSnapshot.setDeserializeMainFunction(() => {
  runtimeRequire = require('node:module').createRequire(bundle);
  mod.exports.run(process.argv.slice(1)).then((status) => (process.exitCode = status));
});
`;

function buildBlob(dir: string, name: string, builder: string, env: NodeJS.ProcessEnv): { blob: string; bytes: number; buildMs: number } {
  const blob = path.join(dir, `${name}.blob`);
  const t0 = performance.now();
  const r = spawnSync('node', ['--snapshot-blob', blob, '--build-snapshot', builder], { env: { ...ENV, ...env }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`building the ${name} snapshot failed (${r.status}): ${r.stderr}`);
  return { blob, bytes: fs.statSync(blob).size, buildMs: Math.round(performance.now() - t0) };
}

async function main() {
  // The current build (bin/tls-lens.js makes it when a source changed).
  const { staleReason } = createRequire(import.meta.url)('../scripts/cli-stamp.cjs');
  if (staleReason()) spawnSync('node', ['scripts/build-cli.mjs'], { cwd: ROOT, stdio: 'inherit' });
  const cached = path.join(ROOT, 'dist-cli', 'cached');
  const bundle = path.join(cached, JSON.parse(fs.readFileSync(path.join(cached, 'index.json'), 'utf8')).connect);

  const pki = makePki();
  const server = await startSServer(pki);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tls-lens-snapshot-'));
  const timer = new ProcessTimer();
  try {
    const target = `127.0.0.1:${server.port}`;
    const args = [target, '--servername', 'localhost', '--ca', pki.rootPem, '--json'];
    const emptyBuilder = path.join(dir, 'empty.cjs');
    fs.writeFileSync(emptyBuilder, "require('v8').startupSnapshot.setDeserializeMainFunction(() => {});\n");
    const builder = path.join(dir, 'connect.cjs');
    fs.writeFileSync(builder, BUILDER);
    const blobs = {
      empty: buildBlob(dir, 'empty', emptyBuilder, {}),
      cold: buildBlob(dir, 'cold', builder, { TLS_LENS_SNAPSHOT_BUNDLE: bundle }),
      warm: buildBlob(dir, 'warm', builder, { TLS_LENS_SNAPSHOT_BUNDLE: bundle, TLS_LENS_SNAPSHOT_WARMUP: JSON.stringify([args, args.slice(0, -1)]) }),
    };
    // Each snapshot must print what the command prints: the same JSON keys and a verified handshake.
    const keysOf = (out: string) => Object.keys(JSON.parse(out)).join(',');
    const expected = spawnSync('node', [BIN, 'connect', ...args], { env: ENV, encoding: 'utf8' });
    for (const name of ['cold', 'warm'] as const) {
      const out = spawnSync('node', ['--snapshot-blob', blobs[name].blob, '--', ...args], { env: ENV, encoding: 'utf8' });
      if (out.status !== 0 || keysOf(out.stdout) !== keysOf(expected.stdout) || !JSON.parse(out.stdout).certificate.verified) {
        throw new Error(`the ${name} snapshot's connect differs from bin/tls-lens.js's (exit ${out.status}): ${out.stderr}`);
      }
    }

    const commands: Record<string, () => Promise<number>> = {
      nodeBare: () => timer.run('nodeBare', 'node', ['-e', '0'], ENV),
      emptySnapshot: () => timer.run('emptySnapshot', 'node', ['--snapshot-blob', blobs.empty.blob, '--', 'x'], ENV),
      codeCache: () => timer.run('codeCache', 'node', [BIN, 'connect', ...args], ENV),
      snapshotCold: () => timer.run('snapshotCold', 'node', ['--snapshot-blob', blobs.cold.blob, '--', ...args], ENV),
      snapshotWarm: () => timer.run('snapshotWarm', 'node', ['--snapshot-blob', blobs.warm.blob, '--', ...args], ENV),
      codeCacheHugePages: () => timer.run('codeCacheHugePages', 'node', [BIN, 'connect', ...args], HUGE_PAGES),
      snapshotWarmHugePages: () => timer.run('snapshotWarmHugePages', 'node', ['--snapshot-blob', blobs.warm.blob, '--', ...args], HUGE_PAGES),
    };
    for (const run of Object.values(commands)) await run(); // untimed: file cache warm, code cache written
    timer.reset();
    for (let i = 0; i < ROUNDS; i++) for (const run of Object.values(commands)) await run();

    const ms = Object.fromEntries(Object.keys(commands).map((k) => [k, timer.medianWall(k)]));
    const cpu = Object.fromEntries(Object.keys(commands).map((k) => [k, timer.medianCpu(k)]));
    const ratios = (m: Record<string, number>) => ({
      emptySnapshotVsNode: ratio(m.emptySnapshot, m.nodeBare),
      codeCacheVsNode: ratio(m.codeCache, m.nodeBare),
      snapshotColdVsNode: ratio(m.snapshotCold, m.nodeBare),
      snapshotWarmVsNode: ratio(m.snapshotWarm, m.nodeBare),
      snapshotWarmVsCodeCache: ratio(m.snapshotWarm, m.codeCache),
      codeCacheHugePagesVsNode: ratio(m.codeCacheHugePages, m.nodeBare),
      snapshotWarmHugePagesVsNode: ratio(m.snapshotWarmHugePages, m.nodeBare),
      snapshotWarmHugePagesVsCodeCache: ratio(m.snapshotWarmHugePages, m.codeCache),
    });
    const report = {
      machine: { loadAverage1m: +loadavg()[0].toFixed(2), rounds: ROUNDS, node: process.version },
      blobs: Object.fromEntries(Object.entries(blobs).map(([k, b]) => [k, { bytes: b.bytes, buildMs: b.buildMs }])),
      bundleBytes: fs.statSync(bundle).size,
      codeCacheBytes: fs.statSync(`${bundle}.v8cache`).size,
      medianMs: ms,
      ratios: ratios(ms),
      cpuMedianMs: cpu,
      cpuRatios: ratios(cpu),
    };
    console.log(JSON.stringify(report, (_k, v) => (typeof v === 'number' ? +v.toFixed(2) : v), 2));
    const r = report.ratios;
    const c = report.cpuRatios;
    console.log(
      `\nconnect, bare node = 1: code cache ${r.codeCacheVsNode}x wall / ${c.codeCacheVsNode}x CPU; warm snapshot ${r.snapshotWarmVsNode}x / ${c.snapshotWarmVsNode}x ` +
        `(${r.snapshotWarmVsCodeCache}x / ${c.snapshotWarmVsCodeCache}x the code cache); cold snapshot ${r.snapshotColdVsNode}x / ${c.snapshotColdVsNode}x; ` +
        `an empty snapshot alone ${r.emptySnapshotVsNode}x / ${c.emptySnapshotVsNode}x. With malloc huge pages: code cache ` +
        `${r.codeCacheHugePagesVsNode}x / ${c.codeCacheHugePagesVsNode}x, warm snapshot ${r.snapshotWarmHugePagesVsNode}x / ${c.snapshotWarmHugePagesVsNode}x. Blobs: empty ${(blobs.empty.bytes / 1e6).toFixed(1)} MB, ` +
        `warm ${(blobs.warm.bytes / 1e6).toFixed(1)} MB. Medians of ${ROUNDS}, load average ${report.machine.loadAverage1m}.`,
    );
  } finally {
    timer.close();
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(path.resolve(pki.dir), { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
