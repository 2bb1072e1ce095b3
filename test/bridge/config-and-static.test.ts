// Start-up configuration (file < env < command line) and serving the built app.
import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../server/config.ts';
import { startBridgeServer } from './helpers.ts';

describe('loadConfig', () => {
  it('defaults: port 5174, empty allowlist, no public ports, no token, lab on', () => {
    const c = loadConfig([], {}, mkdtempSync(path.join(os.tmpdir(), 'cfg-')));
    expect(c.port).toBe(5174);
    expect(c.host).toBe('127.0.0.1');
    expect(c.bridge).toMatchObject({ allow: [], allowPublicTlsPorts: false, origins: [], token: undefined });
    expect(c.lab).not.toBe(false);
  });

  it('file < environment < command line', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cfg-'));
    writeFileSync(path.join(dir, 'tls-lens.config.json'), JSON.stringify({ port: 7000, bridge: { allow: ['a.example:443'], token: 'from-file', limits: { maxSessions: 9 } } }));
    expect(loadConfig([], {}, dir)).toMatchObject({ port: 7000, bridge: { allow: ['a.example:443'], token: 'from-file', limits: { maxSessions: 9 } } });
    const env = { TLS_LENS_PORT: '7001', TLS_LENS_BRIDGE_ALLOW: 'b.example:443, *.c.example:993', TLS_LENS_TOKEN: 'from-env', TLS_LENS_BRIDGE_PUBLIC_TLS: '1', TLS_LENS_ORIGINS: 'http://127.0.0.1:5173' };
    expect(loadConfig([], env, dir)).toMatchObject({
      port: 7001,
      bridge: { allow: ['a.example:443', 'b.example:443', '*.c.example:993'], token: 'from-env', allowPublicTlsPorts: true, origins: ['http://127.0.0.1:5173'] },
    });
    const cli = loadConfig(['--port', '7002', '--allow', 'd.example:443', '--token', 'from-cli', '--no-lab'], env, dir);
    expect(cli).toMatchObject({ port: 7002, lab: false, bridge: { token: 'from-cli' } });
    expect(cli.bridge?.allow).toContain('d.example:443');
  });

  it('names the bad part of a bad configuration', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cfg-'));
    expect(() => loadConfig(['--port', 'eighty'], {}, dir)).toThrow(/"eighty" is not a port number/);
    expect(() => loadConfig([], { TLS_LENS_BRIDGE_ALLOW: 'example.com' }, dir)).toThrow(/bad allowlist entry "example.com"/);
    expect(() => loadConfig(['--config', 'missing.json'], {}, dir)).toThrow(/cannot read config missing.json/);
    expect(() => loadConfig(['--port'], {}, dir)).toThrow(/--port needs a value/);
  });
});

describe('static files', () => {
  it('serves dist/ with types, falls back to index.html for routes, and never leaves dist/', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'dist-'));
    const dist = path.join(root, 'dist');
    mkdirSync(path.join(dist, 'assets'), { recursive: true });
    writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>app</title>');
    writeFileSync(path.join(dist, 'assets', 'app-123.js'), 'console.log(1)');
    writeFileSync(path.join(root, 'secret.txt'), 'do not serve');
    const s = await startBridgeServer({}, { distDir: dist });
    const page = await fetch(`${s.url}/`);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('<title>app</title>');
    const js = await fetch(`${s.url}/assets/app-123.js`);
    expect(js.headers.get('content-type')).toMatch(/text\/javascript/);
    expect(js.headers.get('cache-control')).toMatch(/immutable/);
    expect(await (await fetch(`${s.url}/some/route`)).text()).toContain('<title>app</title>');
    expect((await fetch(`${s.url}/missing.js`)).status).toBe(404);
    // A raw request, so no client normalises the dots away.
    const traversal = await new Promise<{ status: number; body: string }>((resolve) =>
      http.get({ host: '127.0.0.1', port: s.port, path: '/../secret.txt', headers: { host: `127.0.0.1:${s.port}` } }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      }),
    );
    expect(traversal.body).not.toContain('do not serve');
    const encoded = await fetch(`${s.url}/%2e%2e/secret.txt`);
    expect(await encoded.text()).not.toContain('do not serve');
    expect((await fetch(`${s.url}/`, { method: 'POST' })).status).toBe(405);
    await s.stop();
  });

  it('keeps the stats private: loopback only, and the token when one is set', async () => {
    const s = await startBridgeServer({ token: 'tok' });
    expect((await fetch(`${s.url}/api/bridge/stats`)).status).toBe(403);
    expect((await fetch(`${s.url}/api/bridge/stats?token=tok`)).status).toBe(200);
    expect((await fetch(`${s.url}/api/bridge/stats`, { headers: { authorization: 'Bearer tok' } })).status).toBe(200);
    expect((await (await fetch(`${s.url}/api/bridge`)).json()).tokenRequired).toBe(true);
    await s.stop();
  });
});

describe('the example configuration', () => {
  it('loads, and its empty token means no token', () => {
    const c = loadConfig(['--config', path.resolve(__dirname, '../../tls-lens.config.example.json')], {}, process.cwd());
    expect(c.bridge?.token).toBeUndefined();
    expect(c.bridge?.allow).toContain('*.badssl.com:443');
  });
});
