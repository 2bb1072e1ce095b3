// The text walk of `tls-lens serve` (no --json): each client's handshake from the server's side, its
// fingerprints, then --naccept ends the server with status 0; Ctrl-C (SIGINT) also ends it with 0.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { startServe } from './serve-process.ts';

vi.setConfig({ testTimeout: 120_000 });
const BIN = fileURLToPath(new URL('../../bin/tls-lens.js', import.meta.url));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tls-lens-serve-walk-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('serve text output', () => {
  it('walks one client from the server side, with fingerprints, and --naccept 1 then exits 0', async () => {
    const proc = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--naccept', '1', '--pki-dir', path.join(dir, 'pki'), '--trace', path.join(dir, 'traces')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout.on('data', (d) => (out += d.toString()));
    proc.stderr.on('data', (d) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => proc.once('exit', resolve));
    // The listening line and the CA note come on two pipes, in either order: wait for both (bounded).
    const deadline = Date.now() + 20_000;
    while (!(/listening on https:\/\/127\.0\.0\.1:(\d+)\//.test(out) && /throwaway CA/.test(out)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const port = Number(/listening on https:\/\/127\.0\.0\.1:(\d+)\//.exec(out)![1]);
    expect(out).toMatch(/made a throwaway CA: clients trust .*ca\.pem/);
    const socket = await new Promise<tls.TLSSocket>((resolve, reject) => {
      const t = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: fs.readFileSync(path.join(dir, 'pki', 'ca.pem')) }, () => resolve(t));
      t.once('error', reject);
    });
    await new Promise((r) => setTimeout(r, 300));
    socket.end();
    expect(await exited).toBe(0);
    expect(out).toMatch(/── client #1 127\.0\.0\.1:\d+/);
    expect(out).toMatch(/→ client ClientHello \d+ bytes/);
    expect(out).toMatch(/← server ServerHello \d+ bytes/);
    expect(out).toMatch(/client #1 127\.0\.0\.1:\d+: TLSv1\.3 TLS_AES_\w+ over x25519, SNI localhost/);
    expect(out).toMatch(/JA3 [0-9a-f]{32}: MD5 of "771,/);
    expect(out).toMatch(/JA4 t13d\d{4}00_/);
    expect(out).toMatch(/stopped after 1 client\n/);
    const traces = fs.readdirSync(path.join(dir, 'traces'));
    expect(traces).toEqual([expect.stringMatching(/^1-127\.0\.0\.1_\d+\.json$/)]);
  });

  it('Ctrl-C stops a server with no clients, exit status 0', async () => {
    const s = await startServe([]);
    expect(await s.stop()).toBe(0);
  });
});
