// Both sides in the page: our client and our server in the browser, joined in memory, from the `vite build` output
// served as plain static files by a tiny node:http server in this spec (no bridge, no lab, no API behind it).
import { expect, test, type Page } from '@playwright/test';
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
  // Run at the foot of a form longer than the screen: the outcome is brought into view, not left below it.
  await expect(page.getByTestId('both-status')).toBeInViewport();

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

test('the other staged attacks, each ending as the RFC says, the alert shown as sent by one side and read by the other', async ({ page }) => {
  await openBothSides(page);
  const row = (from: string, name: string) => page.locator(`[data-testid="both-row"][data-from="${from}"][data-name="${name}"]`);

  // A tampered Finished: the record authenticates (no bad_record_mac), the Finished check fails.
  await page.getByTestId('both-attack-tampered-finished').check();
  await runAndWait(page);
  await expect(page.getByTestId('both-outcome-client')).toContainText('BAD_FINISHED');
  await expect(row('client', 'Alert fatal decrypt_error')).toHaveAttribute('data-read', 'yes');
  await expect(row('server', 'Finished').locator('td').last()).toHaveText('no');
  await expect(page.getByTestId('both-outcome-server')).toContainText('decrypt_error');
  await expectAccessible(page, 'a tampered Finished');

  // An HRR loop: the second HelloRetryRequest was never written by the server; the client refuses it.
  await page.getByTestId('both-attack-hrr-loop').check();
  await runAndWait(page);
  await expect(page.getByTestId('both-outcome-client')).toContainText('second HelloRetryRequest');
  await expect(row('server', 'HelloRetryRequest')).toHaveCount(2);
  await expect(row('server', 'HelloRetryRequest').last()).toHaveAttribute('data-written', 'no');
  await expect(row('client', 'Alert fatal unexpected_message')).toHaveCount(1);
  // The server had sent its ServerHello, but the client's alert (in the clear: it never had the keys) is read.
  await expect(row('client', 'Alert fatal unexpected_message')).toHaveAttribute('data-read', 'yes');
  await expect(page.getByTestId('both-outcome-server')).toContainText('unexpected_message');

  // STARTTLS injection: the SMTP lines on both sides, the injected reply read by the client only, refused.
  await page.getByTestId('both-attack-starttls-injection').check();
  await runAndWait(page);
  await expect(page.getByTestId('both-outcome-client')).toContainText('STARTTLS_INJECTION');
  await expect(row('client', 'STARTTLS')).toHaveAttribute('data-read', 'yes');
  await expect(page.locator('[data-testid="both-row"][data-written="no"]')).toHaveCount(1);
  await expect(page.locator('[data-testid="both-row"][data-written="no"]')).toHaveAttribute('data-name', /^250 2\.0\.0 injected by the wire/);
  await expect(page.locator('[data-testid="both-row"][data-name="ClientHello"]')).toHaveCount(0);
  await expectAccessible(page, 'a STARTTLS injection');

  // A wrong certificate: the client's name check fails, bad_certificate reaches the server.
  await page.getByTestId('both-attack-wrong-certificate').check();
  await runAndWait(page);
  await expect(page.getByTestId('both-outcome-client')).toContainText('HOSTNAME_MISMATCH');
  await expect(row('client', 'Alert fatal bad_certificate')).toHaveAttribute('data-read', 'yes');
  await expect(page.getByTestId('both-outcome-server')).toContainText('bad_certificate');
});

test('breakpoints on both sides: the client pauses after the server is authenticated, the server on the client\'s certificate and refuses it', async ({ page }) => {
  await openBothSides(page);
  await page.getByTestId('both-client-auth').selectOption('require');
  await page.getByTestId('both-version-TLS1.2').uncheck();
  await page.getByTestId('both-break-client-serverAuth').check();
  await page.getByTestId('both-break-server-clientCertificate').check();
  await page.getByTestId('both-run').click();
  const clientPause = page.getByTestId('both-pause-client');
  await expect(clientPause).toHaveAttribute('data-breakpoint', 'serverAuth', { timeout: 30_000 });
  // While the client waits, the ladder already shows the server's flight as read by the client.
  await expect(page.locator('[data-testid="both-row"][data-name="CertificateVerify"][data-read="yes"]')).toHaveCount(1);
  await expect(page.getByTestId('both-status')).toHaveAttribute('data-status', 'running');
  await expectAccessible(page, 'a paused client');
  await page.getByTestId('both-continue-client').click();
  const serverPause = page.getByTestId('both-pause-server');
  await expect(serverPause).toHaveAttribute('data-breakpoint', 'clientCertificate', { timeout: 30_000 });
  await expect(serverPause).toContainText('client certificate verified');
  await page.getByTestId('both-refuse-server').click();
  await expect(page.getByTestId('both-status')).toHaveAttribute('data-status', 'done', { timeout: 30_000 });
  await expect(page.getByTestId('both-outcome-server')).toContainText('CLIENT_CERTIFICATE_REFUSED');
  await expect(page.getByTestId('both-outcome-client')).toContainText('X25519MLKEM768');
  const file = await saveBoth(page);
  const pauses = (events: TraceEvent[]) => events.filter((e) => e.kind === 'pause').map((e) => `${(e as { breakpoint: string }).breakpoint}:${(e as { decision?: string }).decision ?? 'paused'}`);
  expect(pauses(file.events)).toEqual(['serverAuth:paused', 'serverAuth:continue']);
  expect(pauses(file.server.events)).toEqual(['clientCertificate:paused', 'clientCertificate:abort']);
  const refusal = names(file.server.events, 'alert').filter((a) => a.startsWith('server:'));
  expect(refusal).toHaveLength(1);
  expect(names(file.events, 'alert')).toContain(refusal[0]);
});

test('a certificate the person uploads: the server presents it; a key that is not its key is refused in plain words; DER files are read too', async ({ page }) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'both-upload-'));
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  try {
    openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'root.key', '-subj', '/CN=Upload e2e root', '-days', '3', '-out', 'root.pem', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign');
    openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'leaf.key', '-subj', '/CN=teacher.example', '-out', 'leaf.csr');
    writeFileSync(path.join(dir, 'leaf.ext'), 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:teacher.example\n');
    openssl('x509', '-req', '-in', 'leaf.csr', '-CA', 'root.pem', '-CAkey', 'root.key', '-CAcreateserial', '-days', '2', '-extfile', 'leaf.ext', '-out', 'leaf.pem');
    const file = (name: string) => ({ name, mimeType: 'text/plain', buffer: readFileSync(path.join(dir, name)) });
    const chain = { name: 'chain.pem', mimeType: 'text/plain', buffer: Buffer.concat([readFileSync(path.join(dir, 'leaf.pem')), readFileSync(path.join(dir, 'root.pem'))]) };

    await openBothSides(page);
    await page.getByTestId('both-cert-uploaded').check();
    await expect(page.getByTestId('both-run')).toBeDisabled();
    await page.getByTestId('both-upload-chain').setInputFiles(chain);
    await page.getByTestId('both-upload-key').setInputFiles(file('leaf.key'));
    await expect(page.getByTestId('both-run')).toBeEnabled();
    await expectAccessible(page, 'the upload form');
    await runAndWait(page);
    await expect(page.getByTestId('both-outcome-client')).toContainText('handshake complete');
    const saved = await saveBoth(page);
    const hello = saved.server.events.find((e) => e.kind === 'handshake' && e.name === 'ClientHello');
    expect(JSON.stringify(hello)).toContain('teacher.example');

    // The root's key with the leaf: refused before a byte is written, in words a person can act on.
    await page.getByTestId('both-upload-key').setInputFiles(file('root.key'));
    await runAndWait(page);
    await expect(page.getByTestId('both-outcome-server')).toContainText('Your private key cannot be used');
    await expect(page.getByTestId('both-outcome-server')).toContainText('not the key of this certificate');
    await expect(page.getByTestId('both-outcome-client')).toContainText('the server did not start');
    await expect(page.getByTestId('both-row')).toHaveCount(0);

    // DER files as openssl writes them: the chain as a PKCS#7 bundle, the key as SEC1 (EC PRIVATE KEY).
    openssl('crl2pkcs7', '-nocrl', '-certfile', 'leaf.pem', '-certfile', 'root.pem', '-outform', 'DER', '-out', 'chain.p7b');
    openssl('ec', '-in', 'leaf.key', '-outform', 'DER', '-out', 'leaf-sec1.der');
    const binary = (name: string) => ({ name, mimeType: 'application/octet-stream', buffer: readFileSync(path.join(dir, name)) });
    await page.getByTestId('both-upload-chain').setInputFiles(binary('chain.p7b'));
    await page.getByTestId('both-upload-key').setInputFiles(binary('leaf-sec1.der'));
    await runAndWait(page);
    await expect(page.getByTestId('both-outcome-client')).toContainText('handshake complete');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the client’s own options: offering only TLS 1.2 to a TLS 1.3-only server ends with protocol_version on both sides', async ({ page }) => {
  await openBothSides(page);
  await page.getByTestId('both-version-TLS1.2').uncheck();
  await page.getByTestId('both-client-version-TLS1.3').uncheck();
  await page.getByTestId('both-client-alpn').fill('h2, http/1.1');
  await runAndWait(page);
  await expect(page.getByTestId('both-outcome-client')).toContainText('failed');
  await expect(page.getByTestId('both-outcome-server')).toContainText('failed');
  // The alert once in the ladder: written by the server, read by the client, the same on both sides.
  const alert = page.locator('[data-testid="both-row"][data-name="Alert fatal protocol_version"]');
  await expect(alert).toHaveAttribute('data-from', 'server');
  await expect(alert).toHaveAttribute('data-read', 'yes');
  const file = await saveBoth(page);
  expect(names(file.server.events, 'alert')).toEqual(['server:protocol_version']);
  expect(names(file.events, 'alert')).toEqual(['server:protocol_version']);
  // The client's ClientHello carried its ALPN list; no supported_versions (TLS 1.2 only).
  const hello = file.events.find((e) => e.kind === 'handshake' && e.name === 'ClientHello');
  expect(JSON.stringify(hello)).toContain('http/1.1');
  // The server's calls at the alert: SSL_accept fails.
  await alert.getByTestId('both-step').click();
  await expect(page.getByTestId('both-step-server')).toContainText('SSL_ERROR_SSL');
  await expectAccessible(page, 'a version mismatch with the client options');
});

test('the client’s suites, groups and key shares: the server picks from them', async ({ page }) => {
  await openBothSides(page);
  await page.getByTestId('both-client-version-TLS1.2').uncheck();
  await page.getByTestId('both-client-suite-TLS_CHACHA20_POLY1305_SHA256').check();
  await page.getByTestId('both-client-group-X25519MLKEM768').uncheck();
  await page.getByTestId('both-client-share-X25519MLKEM768').uncheck();
  await runAndWait(page);
  await expect(page.getByTestId('both-outcome-client')).toContainText('TLS_CHACHA20_POLY1305_SHA256');
  await expect(page.getByTestId('both-outcome-server')).toContainText('x25519');
});

test('a finite-field group in TLS 1.3: only ffdhe2048 offered, both sides agree on it and on the secrets', async ({ page }) => {
  await openBothSides(page);
  for (const g of ['X25519MLKEM768', 'x25519', 'secp256r1', 'secp384r1', 'secp521r1']) await page.getByTestId(`both-client-group-${g}`).uncheck();
  for (const g of ['X25519MLKEM768', 'x25519']) await page.getByTestId(`both-client-share-${g}`).uncheck();
  await page.getByTestId('both-client-group-ffdhe2048').check();
  await page.getByTestId('both-client-share-ffdhe2048').check();
  // The server takes the finite-field groups only when asked to: without one, handshake_failure.
  await runAndWait(page);
  await expect(page.getByTestId('both-outcome-client')).toContainText('handshake_failure');
  await page.getByTestId('both-group-ffdhe2048').check();
  await runAndWait(page);
  await expect(page.getByTestId('both-outcome-client')).toContainText('ffdhe2048');
  await expect(page.getByTestId('both-outcome-server')).toContainText('ffdhe2048');
  const file = await saveBoth(page);
  const exchange = file.events.find((e) => e.kind === 'key-exchange') as { group: string; clientShare: string; sharedSecret: string } | undefined;
  expect(exchange?.group).toBe('ffdhe2048');
  // RFC 8446 §4.2.8.1 and §7.4.1: Y and Z are both the prime's size, 256 bytes.
  expect([exchange!.clientShare.length, exchange!.sharedSecret.length]).toEqual([512, 512]);
  expect(secret(file.events, 'handshake_secret')).toBe(secret(file.server.events, 'handshake_secret'));
});

test('the server’s calls step by step beside the client’s: TLS 1.2, client certificate required, renegotiation by the server', async ({ page }) => {
  await openBothSides(page);
  await page.getByTestId('both-version-TLS1.3').uncheck();
  await page.getByTestId('both-client-auth').selectOption('require');
  await page.getByTestId('both-renegotiate').check();
  await runAndWait(page);
  const client = page.getByTestId('both-step-client');
  const server = page.getByTestId('both-step-server');
  // The first step: the ClientHello; the server program reads it inside SSL_accept.
  await expect(page.getByTestId('both-step-name')).toContainText('ClientHello');
  await expect(client).toContainText('SSL_connect(ssl)');
  await expect(server).toContainText('SSL_accept(ssl)');
  // The server's CertificateRequest: asked for by SSL_CTX_set_verify.
  await page.locator('[data-testid="both-row"][data-name="CertificateRequest"]').first().getByTestId('both-step').click();
  await expect(server).toContainText('SSL_CTX_set_verify');
  await expect(client).toContainText('client_cert_cb');
  // The HelloRequest: SSL_renegotiate + SSL_do_handshake, and SSLReHandshake, beside the client reading it.
  await page.locator('[data-testid="both-row"][data-name="HelloRequest"]').getByTestId('both-step').click();
  await expect(server).toContainText('SSL_renegotiate(ssl)');
  await expect(server).toContainText('SSL_do_handshake(ssl)');
  await expect(server).toContainText('SSLReHandshake(ctx)');
  await expect(client).toContainText('SSL_read');
  // The next message (the second ClientHello) goes through SSL_do_handshake, not SSL_accept.
  await page.getByTestId('both-step-next').click();
  await expect(page.getByTestId('both-step-name')).toContainText('ClientHello');
  await expect(server).toContainText('SSL_do_handshake(ssl)');
  await expect(server).not.toContainText('SSL_accept');
  // The last message: the server's close_notify, SSL_shutdown / SSLClose.
  await page.locator('[data-testid="both-row"][data-name="Alert warning close_notify"][data-from="server"]').getByTestId('both-step').click();
  await expect(server).toContainText('SSL_shutdown(ssl)');
  await expect(server).toContainText('SSLClose(ctx)');
  await expectAccessible(page, 'the calls step by step');
});

test('resumption: a second run offers the first run’s ticket and both sides resume', async ({ page }) => {
  await openBothSides(page);
  await runAndWait(page);
  await expect(page.getByTestId('both-outcome-server')).not.toContainText('resumed');
  await page.getByTestId('both-client-resume').check();
  await runAndWait(page);
  await expect(page.getByTestId('both-outcome-client')).toContainText('resumed');
  await expect(page.getByTestId('both-outcome-server')).toContainText('resumed');
  await expect(page.locator('[data-testid="both-row"][data-name="Certificate"]')).toHaveCount(0);
});

test('0-RTT: a resumed run sends the client’s early data before the server answers (SSL_write_early_data beside SSL_read_early_data in the API panes), both sides say accepted; with the server option off, refused and resent', async ({ page }) => {
  await openBothSides(page);
  await page.getByTestId('both-version-TLS1.2').uncheck();
  await page.getByTestId('both-accept-early-data').check();
  await runAndWait(page);
  await expect(page.getByTestId('both-outcome-client')).not.toContainText('0-RTT');
  await page.getByTestId('both-client-resume').check();
  await page.getByTestId('both-client-early-data').fill('GET / HTTP/1.0\\r\\n\\r\\n');
  await runAndWait(page);
  await expect(page.getByTestId('both-outcome-client')).toContainText('resumed); 0-RTT accepted (18 bytes of early data)');
  await expect(page.getByTestId('both-outcome-server')).toContainText('resumed); 0-RTT accepted (18 bytes of early data)');
  // EndOfEarlyData written by the client and read by the server; both sides derived the same early secret.
  await expect(page.locator('[data-testid="both-row"][data-name="EndOfEarlyData"][data-from="client"][data-read="yes"]')).toHaveCount(1);
  await expect(page.locator('[data-testid="both-key"][data-name="client_early_traffic_secret"]')).toHaveAttribute('data-verdict', 'equal');
  // The API calls at the ClientHello, where the early data goes: written before SSL_connect, read by the server's first call.
  await page.locator('[data-testid="both-row"][data-name="ClientHello"]').getByTestId('both-step').click();
  await expect(page.getByTestId('both-step-client')).toContainText('SSL_write_early_data(ssl, buf, n, &written) → 1, written = 18');
  await expect(page.getByTestId('both-step-server')).toContainText('SSL_read_early_data(ssl, buf, n, &readbytes)');
  await page.locator('[data-testid="both-row"][data-name="EndOfEarlyData"]').getByTestId('both-step').click();
  await expect(page.getByTestId('both-step-server')).toContainText('SSL_READ_EARLY_DATA_FINISH');
  const accepted = await saveBoth(page);
  // The client wrote the early data before it read the ServerHello; the server read it before EndOfEarlyData.
  const clientWrote = accepted.events.findIndex((e) => e.kind === 'app-data' && e.direction === 'client');
  expect(clientWrote).toBeGreaterThan(-1);
  expect(clientWrote).toBeLessThan(accepted.events.findIndex((e) => e.kind === 'handshake' && e.name === 'ServerHello'));
  const serverRead = accepted.server.events.findIndex((e) => e.kind === 'app-data' && e.direction === 'client');
  expect(serverRead).toBeGreaterThan(-1);
  expect(serverRead).toBeLessThan(accepted.server.events.findIndex((e) => e.kind === 'handshake' && e.name === 'EndOfEarlyData'));
  await expectAccessible(page, 'a 0-RTT run and its outcomes');

  await page.getByTestId('both-accept-early-data').uncheck();
  await runAndWait(page);
  // Refused as OpenSSL refuses it: no HelloRetryRequest, no early_data in EncryptedExtensions, the early record skipped.
  await expect(page.getByTestId('both-outcome-client')).toContainText("0-RTT refused: the server's EncryptedExtensions has no early_data, 18 bytes sent again after the handshake");
  await expect(page.getByTestId('both-outcome-server')).toContainText('0-RTT refused: this server is not set up to accept early data');
  await expect(page.locator('[data-testid="both-row"][data-name="EndOfEarlyData"]')).toHaveCount(0);
  await expect(page.locator('[data-testid="both-row"][data-name="ClientHello"]')).toHaveCount(1);
  await expect(page.locator('[data-testid="both-row"][data-name="HelloRetryRequest"]')).toHaveCount(0);
  const refused = await saveBoth(page);
  expect(refused.server.events.filter((e) => e.kind === 'early-data' && e.outcome === 'skipped')).toHaveLength(1);
});

test('the calls follow a run paused at the server’s ClientHello breakpoint: the client-hello callback beside SSL_connect waiting', async ({ page }) => {
  await openBothSides(page);
  await page.getByTestId('both-break-server-clientHello').check();
  await page.getByTestId('both-run').click();
  await expect(page.getByTestId('both-pause-server')).toHaveAttribute('data-breakpoint', 'clientHello');
  const panel = page.getByTestId('both-step-api');
  await expect(panel).toHaveAttribute('data-live', 'yes');
  await expect(page.getByTestId('both-step-server')).toContainText('on_client_hello');
  await expect(page.getByTestId('both-step-server')).toContainText('errSSLClientHelloReceived');
  await expect(page.getByTestId('both-step-client')).toContainText('SSL_connect(ssl)');
  await expectAccessible(page, 'the calls while paused');
  await page.getByTestId('both-continue-server').click();
  await expect(page.getByTestId('both-status')).toHaveAttribute('data-status', 'done', { timeout: 30_000 });
  await expect(page.getByTestId('both-outcome-server')).toContainText('handshake complete');
  await expect(panel).toHaveAttribute('data-live', 'no');
});
