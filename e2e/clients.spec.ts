// The Clients view with real clients of the app's serve listener (started by the app as `npm start` starts it):
// Debian's curl and `openssl s_client` appear live with their ClientHellos, one opens in the usual views, and a
// second Chromium (trusting the listener's leaf by its SPKI hash, as a person would) appears with the hybrid group
// X25519MLKEM768 and its two-part key share. axe on the view.
import { chromium, expect, test, type Page } from '@playwright/test';
import { execFile } from 'node:child_process';
import { CHROMIUM_FLAGS } from '../playwright.config.ts';
import type { ClientsListenerInfo } from '../src/clients/report-message.ts';
import { expectAccessible, ladderLabels, openApp, openPanel, shot } from './helpers.ts';
import { sClient, startServe } from '../test/serve/serve-process.ts';

function run(cmd: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const p = execFile(cmd, args, { timeout: 60_000 }, (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }));
    p.stdin!.end(); // s_client: EOF on stdin ends it once the handshake is done
  });
}

async function openClients(page: Page): Promise<ClientsListenerInfo> {
  await openApp(page);
  await page.getByTestId('toggle-clients').click();
  await expect(page.getByRole('heading', { name: 'Clients', exact: true })).toBeVisible();
  await expect(page.getByTestId('clients-stream')).toHaveAttribute('data-stream', 'live');
  const info = (await (await page.request.get('/api/clients/listener')).json()) as ClientsListenerInfo;
  expect(info.running).toBe(true);
  await expect(page.getByTestId('clients-listener')).toHaveAttribute('data-port', String(info.port));
  return info;
}

const rows = (page: Page) => page.locator('[data-testid^="client-row-"]');

test('curl and openssl s_client appear live with their ClientHellos; one opens in the views', async ({ page }) => {
  const info = await openClients(page);
  const before = await rows(page).count();

  const curl = await run('curl', ['-sS', '--cacert', info.caFile!, `https://127.0.0.1:${info.port}/from-curl`]);
  expect(curl.code).toBe(0);
  expect(curl.out).toContain('GET /from-curl HTTP/1.1');
  const sClient = await run('openssl', ['s_client', '-connect', `127.0.0.1:${info.port}`, '-servername', 'localhost', '-CAfile', info.caFile!]);
  expect(sClient.out).toContain('Verify return code: 0 (ok)');
  await expect(rows(page)).toHaveCount(before + 2);

  // curl sends no SNI to an IP address and offers h2 first (JA4 "i" and "h2"); s_client sends SNI, no ALPN.
  const curlRow = rows(page).filter({ hasText: /t13i\d{4}h2_/ }).first();
  const sClientRow = rows(page).filter({ hasText: /t13d\d{4}00_/ }).first();
  await expect(curlRow).toContainText('http/1.1');
  await expect(curlRow).toContainText('complete');
  await expect(sClientRow).toContainText('localhost');
  await expect(sClientRow).toContainText('TLSv1.3');

  await sClientRow.getByRole('button').click();
  const hello = page.getByTestId('client-hello');
  await expect(hello).toBeVisible();
  await expect(page.getByTestId('client-key-shares')).toContainText('x25519');
  await expect(page.getByTestId('client-key-shares')).toContainText('32');
  await expect(hello).toContainText('No GREASE values.');
  await expect(hello.getByRole('list', { name: 'Cipher suites offered' })).toContainText('TLS_AES_256_GCM_SHA384');
  await expect(page.getByTestId('client-choices')).toContainText('Group x25519');
  await expect(page.getByTestId('client-fingerprints')).toContainText('JA4 t13d');
  await expectAccessible(page, 'the Clients view with a client open');
  await shot(page, 'clients-s_client');
  await page.getByRole('button', { name: 'Dark' }).click();
  await expectAccessible(page, 'the Clients view in the dark theme');
  await page.getByRole('button', { name: 'Light' }).click();

  await curlRow.getByRole('button').click();
  await expect(page.getByTestId('client-hello')).toContainText('ALPN: h2, http/1.1');
  await page.getByTestId('client-open').click();
  await expect(page.getByTestId('clients-view')).toHaveCount(0);
  await expect(page.getByTestId('status')).toContainText('Offline replay of client #');
  const labels = await ladderLabels(page);
  expect(labels.some((l) => l.includes('ClientHello'))).toBe(true);
  expect(labels.some((l) => l.includes('ServerHello'))).toBe(true);
  // The trace is the server's: at the client's Finished the API view shows a server program's calls.
  await page.locator('.lrow.from-client[data-kind="handshake"]', { hasText: 'Finished' }).first().click();
  await openPanel(page, 'API calls');
  const api = page.getByTestId('api-view');
  await expect(api).toHaveAttribute('data-side', 'server');
  await expect(api).toContainText('SSL_accept(ssl)');
  await expect(api).toContainText('OpenSSL (server)');
});

test('the list survives a page reload; a kept client the app no longer lists shows, marked from before reload', async ({ page }) => {
  await openClients(page);
  const info = (await (await page.request.get('/api/clients/listener')).json()) as ClientsListenerInfo;
  const before = await rows(page).count();
  const curl = await run('curl', ['-sS', '--cacert', info.caFile!, `https://127.0.0.1:${info.port}/before-reload`]);
  expect(curl.code).toBe(0);
  await expect(rows(page)).toHaveCount(before + 1);

  // The app still lists them all: after a reload they are live again, none "from before".
  await page.reload();
  await openClients(page);
  await expect(rows(page)).toHaveCount(before + 1);
  await expect(page.getByTestId('client-earlier-row')).toHaveCount(0);

  // A report this tab kept that the app no longer lists (as after an app restart): shown, marked, not openable.
  await page.evaluate(() => {
    const kept = JSON.parse(sessionStorage.getItem('tls-lens.clients')!) as { entry: { id: number; receivedAt: string; report: { client: string } } }[];
    const last = kept[kept.length - 1];
    kept.push({ ...last, entry: { ...last.entry, id: 9999, receivedAt: '2001-02-03T04:05:06.000Z', report: { ...last.entry.report, client: '192.0.2.7:4242' } } });
    sessionStorage.setItem('tls-lens.clients', JSON.stringify(kept));
  });
  await page.reload();
  await openClients(page);
  await expect(rows(page)).toHaveCount(before + 1);
  const earlier = page.getByTestId('client-earlier-row');
  await expect(earlier).toHaveCount(1);
  await expect(earlier).toHaveAttribute('data-peer', '192.0.2.7:4242');
  await expect(earlier).toContainText('from before reload');
  await expect(earlier.getByRole('button')).toHaveCount(0);
  await expect(page.getByTestId('clients-earlier')).toContainText('From before reload: 1 client');
  await expectAccessible(page, 'the Clients view with a client from before reload');
});

test("a second Chromium opening the listener appears with X25519MLKEM768 and its hybrid key share", async ({ page }) => {
  const info = await openClients(page);
  // Trust the listener's leaf the way a person can without touching the system store.
  const other = await chromium.launch({ executablePath: '/usr/bin/chromium', args: [...CHROMIUM_FLAGS, `--ignore-certificate-errors-spki-list=${info.leafSpkiSha256}`] });
  try {
    const visitor = await other.newPage();
    await visitor.goto(`https://127.0.0.1:${info.port}/from-chromium`);
    await expect(visitor.getByRole('heading', { name: 'Your TLS handshake with tls-lens serve' })).toBeVisible();
  } finally {
    await other.close();
  }

  const row = page.locator('[data-testid^="client-row-"][data-group="X25519MLKEM768"][data-ok="true"]').first();
  await expect(row).toBeVisible({ timeout: 45_000 });
  await row.getByRole('button').click();
  const shares = page.getByTestId('client-key-shares');
  await expect(shares).toContainText('X25519MLKEM768');
  await expect(shares).toContainText('1216');
  await expect(shares).toContainText('ML-KEM-768 encapsulation key (1184 bytes) + X25519 public key (32 bytes)');
  await expect(page.getByTestId('client-hello')).toContainText(/\d+ GREASE value\(s\)/);
  await expect(page.getByTestId('client-hello').locator('.clients-grease').first()).toBeVisible();
  await expect(page.getByTestId('client-choices')).toContainText('X25519MLKEM768 is a hybrid');
  await expectAccessible(page, 'the Clients view with Chromium’s handshake');
  await shot(page, 'clients-chromium');

  // Its trace in the usual views: the ClientHello field by field, with the hybrid group in its key share.
  await page.getByTestId('client-open').click();
  await page.locator('.lrow[data-kind="handshake"]', { hasText: 'ClientHello' }).click();
  const tree = page.getByTestId('fieldtree');
  await tree.locator('button[data-field="extensions"]').click();
  // Chromium's GREASE extensions are named as such (RFC 8701), not as unknown ones.
  await expect(tree.locator('button.field', { hasText: /GREASE \(0x([0-9a-f])a\1a\)/ }).first()).toBeVisible();
  await tree.locator('button.field', { hasText: 'key_share' }).first().click();
  await tree.locator('button[data-field="client_shares"]').click();
  await expect(tree).toContainText('X25519MLKEM768');
  await shot(page, 'clients-chromium-clienthello');
  await page.getByTestId('step-forward').focus();
  await page.keyboard.press('End');
  await openPanel(page, 'Key schedule');
  await expect(page.getByTestId('keytree')).toBeVisible();
  await expect(page.locator('.keynode[data-key="server_handshake_traffic_secret"]').first()).toBeVisible();
  await expect(page.getByTestId('error')).toHaveCount(0);
});

test('a tls-lens serve started by hand with --report joins the same list', async ({ page, baseURL }) => {
  await openClients(page);
  const serve = await startServe(['--report', `${baseURL}/api/clients`, '--tls1.2']);
  try {
    await sClient(serve, [], [], /Verify return code|alert|errno|error:/i);
    const row = page.locator('[data-testid^="client-row-"]', { hasText: `via https://127.0.0.1:${serve.port}/` });
    await expect(row).toHaveCount(1);
    await expect(row).toContainText('TLSv1.2');
    await row.getByRole('button').click();
    await expect(page.getByTestId('client-choices')).toContainText('Version TLSv1.2');
    await expect(page.getByTestId('client-choices')).toContainText('the server accepts TLS 1.2');
    // This client offered TLS 1.3 too, with its key shares; one that offers TLS 1.2 alone sends none, said in words.
    await expect(page.getByTestId('client-key-shares')).toContainText('x25519');
    await sClient(serve, ['-tls1_2'], [], /Verify return code|alert|errno|error:/i);
    await expect(row).toHaveCount(2);
    await row.first().getByRole('button').click();
    await expect(page.getByTestId('client-key-shares')).toContainText('Key shares: none. Key shares are TLS 1.3’s');
  } finally {
    await serve.stop();
  }
});
