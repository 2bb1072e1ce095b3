// What a client chose reaches serve's text walk (its server name in a note, in the summary line): a hostile client
// must not be able to drive the terminal of whoever runs serve (retitle it, clear it) with escape sequences.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { terminalSafe } from '../../src/util/terminal-safe.ts';

vi.setConfig({ testTimeout: 120_000 });
const BIN = fileURLToPath(new URL('../../bin/tls-lens.js', import.meta.url));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tls-lens-serve-escapes-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

// OSC 0 (set the window title), then CSI 2J (clear the screen).
const HOSTILE_NAME = '\x1b]0;pwned\x07x\x1b[2J';

describe('serve text output against escape sequences from a client', () => {
  it("a server_name carrying escape sequences is printed escaped: no control character of the client's reaches stdout", async () => {
    const proc = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--naccept', '1', '--no-color', '--pki-dir', path.join(dir, 'pki')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout.on('data', (d) => (out += d.toString()));
    proc.stderr.on('data', (d) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => proc.once('exit', resolve));
    const deadline = Date.now() + 20_000;
    while (!/listening on https:\/\/127\.0\.0\.1:(\d+)\//.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const port = Number(/listening on https:\/\/127\.0\.0\.1:(\d+)\//.exec(out)![1]);
    // Node's own client sends the name as given.
    const socket = await new Promise<tls.TLSSocket>((resolve, reject) => {
      const t = tls.connect({ host: '127.0.0.1', port, servername: HOSTILE_NAME, rejectUnauthorized: false }, () => resolve(t));
      t.once('error', reject);
    });
    await new Promise((r) => setTimeout(r, 300));
    socket.end();
    expect(await exited).toBe(0);
    expect(out).toMatch(/client #1 127\.0\.0\.1:\d+: TLSv1\.3/);
    expect(out).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
    expect(out).toContain('\\u001b]0;pwned\\u0007x\\u001b[2J');
  });

  it('keeps the walk\'s own colours when colouring, and nothing else', () => {
    expect(terminalSafe('\x1b[36m→ client\x1b[0m ok', true)).toBe('\x1b[36m→ client\x1b[0m ok');
    expect(terminalSafe('\x1b[36m→ client\x1b[0m', false)).toBe('\\u001b[36m→ client\\u001b[0m');
    expect(terminalSafe('a\x1b]0;t\x07b\rc\u009bd', true)).toBe('a\\u001b]0;t\\u0007b\\u000dc\\u009bd');
    expect(terminalSafe('tab\tstays', false)).toBe('tab\tstays');
  });
});
