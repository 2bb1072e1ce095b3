// Both sides in the page: our client and our server in the browser, joined in memory, from the `vite build` output
// served as plain static files by a tiny node:http server in this spec (no bridge, no lab, no API behind it).
import { expect, test, type Page } from '@playwright/test';
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { KeyScheduleEvent, TraceEvent } from '../src/trace/types.ts';
import type { BothSidesTraceFile } from '../src/ui/both-sides/model.ts';
import { expectAccessible } from './helpers.ts';

const DIST = path.resolve('dist');
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.svg': 'image/svg+xml', '.wasm': 'application/wasm' };

let server: Server;
let base = '';
/** Every path the page asked the static server for: none may be the bridge or the API. */
const asked: string[] = [];

test.beforeAll(async () => {
  server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    asked.push(url.pathname);
    const file = path.join(DIST, url.pathname === '/' ? 'index.html' : path.normalize(url.pathname));
    if (!file.startsWith(DIST)) return void res.writeHead(403).end();
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

test.afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  // No bridge socket was ever asked for (the Connect form's lab list, /api/lab, gets a 404 from a static host).
  expect(asked.filter((p) => p.startsWith('/bridge'))).toEqual([]);
});

async function openBothSides(page: Page) {
  await page.goto(`${base}/`);
  await expect(page.getByRole('heading', { name: 'TLS Lens' })).toBeVisible();
  await page.getByTestId('toggle-both-sides').click();
  await expect(page.getByTestId('both-run')).toBeVisible();
}

async function runAndWait(page: Page) {
  const before = asked.length;
  await page.getByTestId('both-run').click();
  await expect(page.getByTestId('both-status')).toHaveAttribute('data-status', 'done', { timeout: 30_000 });
  // The run itself asked the static host for files only (the worker's script), nothing else.
  expect(asked.slice(before).filter((p) => !/\.(js|css)$/.test(p))).toEqual([]);
}

async function saveBoth(page: Page): Promise<BothSidesTraceFile> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('both-save').click()]);
  return JSON.parse(await readFile((await download.path())!, 'utf8')) as BothSidesTraceFile;
}

function secret(events: TraceEvent[], name: string): string {
  const found = events.filter((e): e is KeyScheduleEvent => e.kind === 'key' && e.name === name);
  expect(found.length, `${name} in the trace`).toBeGreaterThan(0);
  return found[0].output;
}

function names(events: TraceEvent[], kind: 'handshake' | 'alert'): string[] {
  return events.filter((e) => e.kind === kind).map((e) => `${(e as { direction: string }).direction}:${(e as { name: string }).name}`);
}

test('TLS 1.3 both sides from the static build: secrets equal in the saved trace, one ladder, axe clean', async ({ page }) => {
  await openBothSides(page);
  await expectAccessible(page, 'the both-sides form');
  await page.getByTestId('both-key-update').check();
  await runAndWait(page);
  await expect(page.getByTestId('both-outcome-client')).toContainText('TLSv1.3');
  await expect(page.getByTestId('both-outcome-server')).toContainText('TLSv1.3');

  const file = await saveBoth(page);
  const client = file.events;
  const srv = file.server.events;
  for (const name of ['client_handshake_traffic_secret', 'server_handshake_traffic_secret', 'client_application_traffic_secret_0', 'server_application_traffic_secret_0', 'exporter_master_secret', 'resumption_master_secret']) {
    const c = secret(client, name);
    expect(c).toMatch(/^[0-9a-f]{64,96}$/);
    expect(secret(srv, name), name).toBe(c);
  }
  // Each side recorded every handshake message, its own as sent and the peer's as received.
  expect(names(srv, 'handshake').slice(0, 7)).toEqual(['client:ClientHello', 'server:ServerHello', 'server:EncryptedExtensions', 'server:Certificate', 'server:CertificateVerify', 'server:Finished', 'client:Finished']);
  expect(names(client, 'handshake').slice(0, 7)).toEqual(names(srv, 'handshake').slice(0, 7));
  expect(names(srv, 'handshake')).toContain('server:KeyUpdate');

  // The ladder shows each message once, read by the other side with the same bytes.
  const rows = page.getByTestId('both-row');
  await expect(rows.first()).toHaveAttribute('data-name', 'ClientHello');
  await expect(page.locator('[data-testid="both-row"][data-name="ClientHello"]')).toHaveCount(1);
  await expect(page.locator('[data-testid="both-row"][data-name="Finished"][data-read="yes"]')).toHaveCount(2);
  await expect(page.locator('[data-testid="both-row"][data-name="KeyUpdate"][data-from="server"]')).toHaveCount(1);
  // The key table: the traffic secrets equal, none differ.
  await expect(page.locator('[data-testid="both-key"][data-name="client_application_traffic_secret_0"]')).toHaveAttribute('data-verdict', 'equal');
  await expect(page.locator('[data-testid="both-key"][data-verdict="different"]')).toHaveCount(0);
  await expectAccessible(page, 'the both-sides results');

  // The client's side opens in the ordinary views.
  await page.getByTestId('both-open-server').click();
  await expect(page.getByTestId('status')).toContainText('server');
  await expect(page.locator('.ladder .lrow[data-kind="handshake"]').first()).toContainText('ClientHello');
});

test('TLS 1.2 both sides: the server starts a renegotiation, both sides run the second handshake', async ({ page }) => {
  await openBothSides(page);
  await page.getByTestId('both-version-TLS1.3').uncheck();
  await page.getByTestId('both-renegotiate').check();
  await runAndWait(page);
  await expect(page.getByTestId('both-outcome-server')).toContainText('TLSv1.2');
  await expect(page.getByTestId('both-status')).toContainText('closed by the server');
  const file = await saveBoth(page);
  const srv = file.server.events;
  expect(srv.filter((e) => e.kind === 'renegotiation').map((e) => (e as { phase: string }).phase)).toEqual(['started', 'finished']);
  expect(names(file.events, 'handshake').filter((n) => n === 'client:ClientHello')).toHaveLength(2);
  expect(names(file.events, 'handshake')).toContain('server:HelloRequest');
  // Both master secrets, first handshake and renegotiation, equal on both sides (and the two differ).
  const masters = (events: TraceEvent[]) => events.filter((e): e is KeyScheduleEvent => e.kind === 'key' && e.name === 'master_secret').map((e) => e.output);
  expect(masters(srv)).toHaveLength(2);
  expect(masters(file.events)).toEqual(masters(srv));
  expect(masters(srv)[0]).not.toBe(masters(srv)[1]);
  await expect(page.locator('[data-testid="both-row"][data-name="HelloRequest"][data-from="server"][data-read="yes"]')).toHaveCount(1);
  await expect(page.locator('[data-testid="both-row"][data-name="Finished"]')).toHaveCount(4);
  await expect(page.getByTestId('both-api')).toContainText('SSL_renegotiate(ssl)');
  await expect(page.getByTestId('both-api')).toContainText('SSLReHandshake(ctx)');
});

test('client certificate required, the client sends none: certificate_required on both sides', async ({ page }) => {
  await openBothSides(page);
  await page.getByTestId('both-client-auth').selectOption('require');
  await page.getByTestId('both-client-has-cert').uncheck();
  await runAndWait(page);
  await expect(page.getByTestId('both-outcome-server')).toContainText('failed');
  const file = await saveBoth(page);
  expect(names(file.server.events, 'alert')).toContain('server:certificate_required');
  expect(names(file.events, 'alert')).toContain('server:certificate_required');
  await expect(page.locator('[data-testid="both-row"][data-name="Alert fatal certificate_required"][data-read="yes"]')).toHaveCount(1);
  await expect(page.getByTestId('both-api')).toContainText('SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT');
  await expect(page.getByTestId('both-api')).toContainText('kAlwaysAuthenticate');
  await expectAccessible(page, 'a refused client');
});

test('client certificate refused by the server: the client learns it from the alert', async ({ page }) => {
  await openBothSides(page);
  await page.getByTestId('both-client-auth').selectOption('require');
  await page.getByTestId('both-refuse-client-cert').check();
  await runAndWait(page);
  await expect(page.getByTestId('both-outcome-server')).toContainText('failed');
  const file = await saveBoth(page);
  const serverAlerts = names(file.server.events, 'alert').filter((a) => a.startsWith('server:'));
  expect(serverAlerts.length).toBeGreaterThan(0);
  expect(names(file.events, 'alert')).toContain(serverAlerts[0]);
  // The client sent its certificate: the server read it before refusing.
  expect(names(file.server.events, 'handshake')).toContain('client:Certificate');
});

test('an expired server certificate: the client refuses it with certificate_expired, the server fails on it', async ({ page }) => {
  await openBothSides(page);
  await page.getByTestId('both-cert-expired').check();
  await runAndWait(page);
  await expect(page.getByTestId('both-outcome-client')).toContainText('failed');
  await expect(page.getByTestId('both-outcome-server')).toContainText('failed');
  await expect(page.locator('[data-testid="both-row"][data-from="client"][data-name="Alert fatal certificate_expired"]')).toHaveCount(1);
  await expect(page.getByTestId('both-outcome-server')).toContainText('certificate_expired');
});

test('staged attack, a tampered record: the client sends bad_record_mac, the server fails on it', async ({ page }) => {
  await openBothSides(page);
  await page.getByTestId('both-attack-tampered-record').check();
  await runAndWait(page);
  await expect(page.getByTestId('both-outcome-client')).toContainText('failed');
  await expect(page.getByTestId('both-outcome-server')).toContainText('failed');
  await expect(page.locator('[data-testid="both-row"][data-from="client"][data-name="Alert fatal bad_record_mac"]')).toHaveCount(1);
  const file = await saveBoth(page);
  expect(file.server.events.some((e) => e.kind === 'note' && e.text.startsWith('staged attack'))).toBe(true);
  expect(names(file.events, 'alert')).toContain('client:bad_record_mac');
  await expectAccessible(page, 'a staged attack');
});

test('staged attack, a downgrade: the client catches the sentinel with illegal_parameter, the ClientHello differs on the two sides', async ({ page }) => {
  await openBothSides(page);
  await page.getByTestId('both-attack-downgrade').check();
  await runAndWait(page);
  await expect(page.getByTestId('both-outcome-client')).toContainText('failed');
  await expect(page.getByTestId('both-outcome-server')).toContainText('failed');
  await expect(page.locator('[data-testid="both-row"][data-from="client"][data-name="Alert fatal illegal_parameter"]')).toHaveCount(1);
  await expect(page.locator('[data-testid="both-row"][data-name="ClientHello"] td').last()).toHaveText('no');
  const file = await saveBoth(page);
  expect(names(file.events, 'alert')).toContain('client:illegal_parameter');
});

test('a HelloRetryRequest on purpose: two ClientHellos, the server\'s group, secrets still equal', async ({ page }) => {
  await openBothSides(page);
  await page.getByTestId('both-hrr').check();
  await runAndWait(page);
  await expect(page.getByTestId('both-outcome-server')).toContainText('secp384r1');
  await expect(page.locator('[data-testid="both-row"][data-name="ClientHello"][data-from="client"]')).toHaveCount(2);
  await expect(page.locator('[data-testid="both-key"][data-verdict="different"]')).toHaveCount(0);
  await expect(page.locator('[data-testid="both-key"][data-name="server_application_traffic_secret_0"]')).toHaveAttribute('data-verdict', 'equal');
});
