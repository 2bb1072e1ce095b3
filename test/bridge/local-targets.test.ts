// A user inspecting their own server: an explicit allow entry naming an exact loopback (or private) address and
// port opens that one target, with a warning at start; names and wildcards still never reach such addresses; and an
// entry the bridge will not honour stops `npm start` with the reason instead of refusing every session later.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/app.ts';
import { parseAllowEntry, unhonouredReason } from '../../server/bridge/allowlist.ts';
import { loadConfig } from '../../server/config.ts';
import type { EchoServer } from './helpers.ts';
import { closed, connect, ending, opened, startBridgeServer, startEcho } from './helpers.ts';

const ROOT = path.resolve(__dirname, '../..');
let echo: EchoServer;
let other: EchoServer;
let server: RunningServer;

beforeAll(async () => {
  [echo, other] = await Promise.all([startEcho(), startEcho()]);
  // The lookup answers every name with loopback: a name or wildcard entry must still not get through.
  server = await startBridgeServer({
    allow: [`127.0.0.1:${echo.port}`, `mine.example.test:${echo.port}`, `*.example.test:*`],
    lookup: async () => ['127.0.0.1'],
  });
});
afterAll(async () => {
  await server.stop();
  await echo.stop();
  await other.stop();
});

describe('an exact loopback entry', () => {
  it('relays to the local server named by address and port', async () => {
    const ws = connect(server, `target=127.0.0.1:${echo.port}`);
    await opened(ws);
    const back = new Promise<Buffer>((r) => ws.once('message', (d: Buffer) => r(d)));
    ws.send(Buffer.from('to my own server'));
    expect((await back).toString()).toBe('to my own server');
    expect(echo.all.length).toBe(1);
    await closed(ws);
  });

  it('opens nothing else: another loopback port, a name or a wildcard resolving to loopback are refused', async () => {
    const before = echo.all.length;
    for (const target of [`127.0.0.1:${other.port}`, `127.0.0.2:${echo.port}`, `[::1]:${echo.port}`]) {
      const end = await ending(connect(server, `target=${encodeURIComponent(target)}`));
      expect(end, target).toMatchObject({ code: 4403 });
      expect(end.reason).toMatch(/^loopback-address: /);
    }
    for (const target of [`mine.example.test:${echo.port}`, `any.example.test:${echo.port}`]) {
      const end = await ending(connect(server, `target=${target}`));
      expect(end, target).toMatchObject({ code: 4403 });
      expect(end.reason).toMatch(/^loopback-address: \S+ resolves to a loopback address/);
    }
    expect(other.all.length).toBe(0);
    expect(echo.all.length).toBe(before);
  });
});

describe('which entries start-up honours', () => {
  const reason = (raw: string) => unhonouredReason(raw, parseAllowEntry(raw));
  it('exact loopback and private addresses with ports, public names and wildcards: accepted', () => {
    for (const raw of ['127.0.0.1:8443', '[::1]:8443', '192.168.1.10:443|8443', '10.0.0.5:993', '[fd12::1]:443', 'example.com:443', '*.example.com:*', '93.184.216.34:*']) {
      expect(reason(raw), raw).toBeNull();
    }
    expect(parseAllowEntry('[0:0::1]:8443')).toEqual({ host: '::1', ports: [8443], local: true });
    expect(parseAllowEntry('example.com:443').local).toBeUndefined();
  });

  it.each([
    ['127.0.0.1:*', /name its port\(s\)/],
    ['localhost:8443', /never follows a name to this machine.*127\.0\.0\.1:8443/],
    ['0x7f000001:8443', /unusual notation/],
    ['169.254.169.254:80', /cloud metadata/],
    ['[fe80::1]:443', /link-local/],
    ['224.0.0.1:443', /multicast/],
    ['0.0.0.0:443', /unspecified/],
  ])('%s is refused with the reason', (raw, why) => {
    expect(reason(raw)).toMatch(why);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cfg-'));
    expect(() => loadConfig(['--allow', raw], {}, dir)).toThrow(/the bridge will not honour allowlist entry/);
  });
});

/** `npm start`'s entry point as a user runs it, until `until` matches its output (or it exits). */
function startMain(args: string[], until: RegExp): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tls-lens-main-'));
  const config = path.join(dir, 'config.json');
  writeFileSync(config, '{}');
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TLS_LENS_')));
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts', '--config', config, '--no-lab', '--port', '0', ...args], { cwd: ROOT, env });
  let stdout = '';
  let stderr = '';
  return new Promise((resolve) => {
    const check = () => {
      if (until.test(stdout)) {
        child.kill('SIGTERM');
      }
    };
    child.stdout.on('data', (d) => {
      stdout += d;
      check();
    });
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm start', () => {
  it('--allow 127.0.0.1:8443 starts, lists the entry and warns that the bridge relays to this machine', async () => {
    const r = await startMain(['--allow', '127.0.0.1:8443'], /Press Ctrl-C to stop/);
    expect(r.stdout).toMatch(/targets outside the lab: 127\.0\.0\.1:8443/);
    expect(r.stdout).toMatch(/^Warning: the bridge relays to 127\.0\.0\.1:8443, an address of this machine/m);
    expect(r.stdout).toMatch(/Stopped\. Nothing is left running\./);
  });

  it('an entry it will not honour stops it at start with the reason, exit 2', async () => {
    const r = await startMain(['--allow', 'localhost:8443'], /Press Ctrl-C to stop/);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/tls-lens: the bridge will not honour allowlist entry "localhost:8443": .*write the address instead/);
    expect(r.stdout).not.toMatch(/ready/);
  });
});
