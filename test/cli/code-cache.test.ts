// The CLI's code cache (scripts/cli-code-cache.cjs): a command runs from its whole bundle in dist-cli/cached/,
// the first run leaves V8's compiled code beside the bundle, later runs start from it and answer the same; a
// cache V8 cannot use (here: damaged on purpose) is ignored and written again, and the command still answers.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const { loadCommand, readBundleAndCache } = createRequire(import.meta.url)('../../scripts/cli-code-cache.cjs') as {
  loadCommand(name: string, cachedDir: string): { run(args: string[]): Promise<number> };
  readBundleAndCache(bundle: string, cacheFile: string): { source: string; saved: Buffer | null };
};

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin/tls-lens.js');
// A TLS 1.3 alert record (fatal handshake_failure): decode needs no server.
const RECORD = '15030300020228';

const decode = () => execFileSync('node', [BIN, 'decode', RECORD, '--json'], { encoding: 'utf8', timeout: 60_000 });

describe('tls-lens code cache', () => {
  it('leaves a cache after a run, answers the same from it, and rewrites one V8 rejects', () => {
    const first = decode();
    const cachedDir = path.join(ROOT, 'dist-cli/cached');
    const bundle = JSON.parse(fs.readFileSync(path.join(cachedDir, 'index.json'), 'utf8')).decode as string;
    expect(fs.existsSync(path.join(cachedDir, bundle))).toBe(true);
    const cacheFile = path.join(cachedDir, `${bundle}.v8cache`);
    expect(fs.statSync(cacheFile).size).toBeGreaterThan(1000);
    expect(JSON.parse(first).events.length).toBeGreaterThan(0);

    expect(decode()).toBe(first);

    fs.writeFileSync(cacheFile, Buffer.alloc(4096, 0x5a));
    expect(decode()).toBe(first);
    const rewritten = fs.readFileSync(cacheFile);
    expect(rewritten.length).toBeGreaterThan(1000);
    expect(rewritten.equals(Buffer.alloc(rewritten.length, 0x5a))).toBe(false);
  });

  // The bundle and its cache are read through one buffer (the cache into the memory the bundle's bytes were in):
  // with a cache larger than the bundle, and a bundle larger than its cache (a long comment), both must reach V8
  // whole: it accepts the cache (each run counts one more) and compiles a function the cache lacks from the text.
  it.each([
    ['a cache larger than the bundle', ''],
    ['a bundle larger than its cache', `/*${' '.repeat(64 * 1024)}*/`],
  ])('saves a cache only after runs that succeed, gathering the first three, and loads the bundle with it (%s)', async (_name, padding) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tls-lens-code-cache-'));
    try {
      // A bundle as the build writes them: one function expression, given what a CommonJS module gets.
      const bundle = 'probe-TEST.cjs';
      fs.writeFileSync(
        path.join(dir, bundle),
        '(function (exports, require, module, __filename, __dirname) {' +
          // lateOne is compiled only when a run asks for it, from the source text: never in the cache.
          'function lateOne() { return "compiled from the source"; }\n' +
          padding +
          'exports.run = async (args) => args[0] === "late" ? (lateOne() === "compiled from the source" ? 0 : 2) : ' +
          '(args[0] === "ok" && require("node:path").basename(__filename) === "probe-TEST.cjs" ? 0 : 2);\n})',
      );
      fs.writeFileSync(path.join(dir, 'index.json'), JSON.stringify({ probe: bundle }));
      const cacheFile = path.join(dir, `${bundle}.v8cache`);
      const run = (...args: string[]) => loadCommand('probe', dir).run(args);

      expect(await run('fail')).toBe(2);
      expect(await run('ok', '--help')).toBe(0);
      expect(fs.existsSync(cacheFile)).toBe(false);
      expect(await run('ok')).toBe(0);
      const first = fs.readFileSync(cacheFile);
      expect(first[0]).toBe(1);
      expect(first.length).toBeGreaterThan(1);
      const bundleSize = fs.statSync(path.join(dir, bundle)).size;
      expect(padding ? bundleSize > first.length : first.length > bundleSize).toBe(true);
      // A failing run leaves it as it is; the next successful ones add theirs, up to three.
      expect(await run('fail')).toBe(2);
      expect(fs.readFileSync(cacheFile).equals(first)).toBe(true);
      expect(await run('ok')).toBe(0);
      expect(fs.readFileSync(cacheFile)[0]).toBe(2);
      expect(await run('ok')).toBe(0);
      const third = fs.readFileSync(cacheFile);
      expect(third[0]).toBe(3);
      expect(await run('ok')).toBe(0);
      expect(fs.readFileSync(cacheFile).equals(third)).toBe(true);
      // With the cache in use, a function it does not hold is compiled from the bundle's text as read.
      expect(await run('late')).toBe(0);
      // V8's data (after the runs byte) is handed over on an 8-byte boundary, where V8 reads it without a copy.
      const { source, saved } = readBundleAndCache(path.join(dir, bundle), cacheFile);
      expect(source).toBe(fs.readFileSync(path.join(dir, bundle), 'latin1'));
      expect(saved!.equals(fs.readFileSync(cacheFile))).toBe(true);
      expect((saved!.byteOffset + 1) % 8).toBe(0);
      expect(() => loadCommand('absent', dir)).toThrow(/no bundle for 'absent'.*build:cli/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('loads a side bundle once per process, with its own cache written after a run that succeeds', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tls-lens-code-cache-'));
    try {
      fs.mkdirSync(path.join(dir, 'side'));
      // A side bundle as the build writes them (cached/side/, one function expression) counting its own loads.
      const sideFile = path.join(dir, 'side', 'extra-TEST.cjs');
      fs.writeFileSync(sideFile, '(function (exports, require, module, __filename, __dirname) {globalThis.sideLoads = (globalThis.sideLoads ?? 0) + 1; exports.answer = () => 42;\n})');
      fs.writeFileSync(
        path.join(dir, 'probe-TEST.cjs'),
        '(function (exports, require, module, __filename, __dirname) {' +
          'exports.run = async (args) => require("./side/extra-TEST.cjs").answer() + require("./side/extra-TEST.cjs").answer() === 84 && args[0] === "ok" ? 0 : 2;\n})',
      );
      fs.writeFileSync(path.join(dir, 'index.json'), JSON.stringify({ probe: 'probe-TEST.cjs' }));
      const g = globalThis as { sideLoads?: number };
      g.sideLoads = 0;
      expect(await loadCommand('probe', dir).run(['fail'])).toBe(2);
      expect(g.sideLoads).toBe(1);
      expect(fs.existsSync(`${sideFile}.v8cache`)).toBe(false);
      expect(await loadCommand('probe', dir).run(['ok'])).toBe(0);
      expect(g.sideLoads).toBe(2);
      const saved = fs.readFileSync(`${sideFile}.v8cache`);
      expect(saved[0]).toBe(1);
      expect(saved.length).toBeGreaterThan(1);
      expect(await loadCommand('probe', dir).run(['ok'])).toBe(0);
      expect(fs.readFileSync(`${sideFile}.v8cache`)[0]).toBe(2);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
