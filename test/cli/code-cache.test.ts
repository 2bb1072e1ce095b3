// The CLI's code cache (scripts/cli-code-cache.mjs): a command runs from its whole bundle in dist-cli/cached/,
// the first run leaves V8's compiled code beside the bundle, later runs start from it and answer the same; a
// cache V8 cannot use (here: damaged on purpose) is ignored and written again, and the command still answers.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

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
});
