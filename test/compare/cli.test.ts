// `tls-lens compare` on traces the CLI saved against openssl s_server: text, JSON, one file with two connections,
// and bad input answered with a stable code.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usePki } from '../support/pki.ts';
import { recordAgainstSServer, runCli, tempDir, type SavedTrace } from './traces.ts';

const pki = usePki();
const dir = tempDir();
let tls13: SavedTrace;
let tls12: SavedTrace;

beforeAll(async () => {
  [tls13, tls12] = await Promise.all([recordAgainstSServer(pki, dir, 'tls13', ['-tls1_3']), recordAgainstSServer(pki, dir, 'tls12', ['-tls1_2'])]);
}, 90_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('tls-lens compare', () => {
  it('--json: both summaries, aligned rows and the differences', async () => {
    const r = await runCli(['compare', tls13.file, tls12.file, '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.ok).toBe(true);
    expect(out.a).toMatchObject({ name: tls13.file, version: 'TLS 1.3', roundTrips: { handshake: 1 } });
    expect(out.b).toMatchObject({ name: tls12.file, version: 'TLS 1.2', roundTrips: { handshake: 2 } });
    expect(out.rows[0]).toMatchObject({ role: 'hello', a: { label: 'ClientHello' }, b: { label: 'ClientHello' } });
    expect(out.differences.map((d: { topic: string }) => d.topic)).toEqual(expect.arrayContaining(['Version', 'Handshake round trips', 'Certificate chain']));
  });

  it('text: headlines, differences, the aligned table, round trips and flights', async () => {
    const r = await runCli(['compare', tls13.file, tls12.file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`A: ${tls13.file} (connection 0): TLS 1.3`);
    expect(r.stdout).toContain('  - A uses TLS 1.3, B uses TLS 1.2.');
    expect(r.stdout).toMatch(/certificate\s+← Certificate \[handshake\] \d+ B\s+\| ← Certificate \[plaintext\] \d+ B/);
    expect(r.stdout).toContain("until the client has the server's Finished: 1 / 2");
    expect(r.stdout).toMatch(/Flights of B:\n\s+1\. client\s+1 record /);
  });

  it('one file made with --reconnect: its first connection against the resumption', async () => {
    const r = await runCli(['compare', tls12.file, '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.a).toMatchObject({ conn: 0, resumed: false });
    expect(out.b).toMatchObject({ conn: 1, resumed: true });
  });

  it('bad input: exit 2 with a code and a plain message, nothing half printed', async () => {
    const missing = await runCli(['compare', path.join(dir, 'nope.json'), tls12.file, '--json']);
    expect(missing.code).toBe(2);
    expect(JSON.parse(missing.stdout)).toMatchObject({ ok: false, error: { code: 'UNREADABLE_FILE', message: expect.stringContaining('no such file') } });
    const notTrace = path.join(dir, 'not-a-trace.json');
    fs.writeFileSync(notTrace, '{"hello": 1}');
    const bad = await runCli(['compare', notTrace, tls12.file, '--json']);
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout).error).toMatchObject({ code: 'BAD_INPUT', message: expect.stringContaining('not a TLS Lens trace') });
    const noConn = await runCli(['compare', tls13.file, tls12.file, '--conn-b', '3']);
    expect(noConn.code).toBe(2);
    expect(noConn.stdout).toBe('');
    expect(noConn.stderr).toContain('has no connection 3 (it has 0, 1)');
    const none = await runCli(['compare', '--json']);
    expect(JSON.parse(none.stdout).error.code).toBe('MISSING_ARGUMENT');
    const unknown = await runCli(['compare', tls13.file, '--frobnicate', '--json']);
    expect(JSON.parse(unknown.stdout).error.code).toBe('UNKNOWN_OPTION');
  });
});
