// The certificate workbench in Debian's Chromium, on chains the openssl CLI makes for the test: drop a file,
// paste PEM with text around it, open a .p7b, move the time past notAfter, change the host name, remove the
// intermediate (the graph's "not found" node), a cross-signed pool (two paths in the graph, by keyboard too), the
// policy tree, a shared link that reopens the same view, embedded SCTs against a log list, and axe.
import { expect, test, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expectAccessible, openApp, shot } from './helpers.ts';
import { ctChain, logListJson } from '../test/x509/ct-log.ts';
import { toPem, NOW } from '../test/x509/pki.ts';

let dir: string;
const f = (name: string) => path.join(dir, name);
const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
const read = (name: string) => readFileSync(f(name), 'utf8');
const serial = () => `0x41${randomBytes(15).toString('hex')}`;

function key(name: string) {
  openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`);
}
function root(name: string, cn: string) {
  key(name);
  openssl('req', '-x509', '-new', '-key', `${name}.key`, '-subj', `/CN=${cn}`, '-days', '365', '-set_serial', serial(), '-config', 'ext.cnf', '-extensions', 'ca', '-out', `${name}.pem`);
}
function issue(name: string, csr: string, issuer: string, days: number, ext: string) {
  openssl('x509', '-req', '-in', `${csr}.csr`, '-CA', `${issuer}.pem`, '-CAkey', `${issuer}.key`, '-days', String(days), '-set_serial', serial(), '-extfile', 'ext.cnf', '-extensions', ext, '-out', `${name}.pem`);
}

test.beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'tls-lens-workbench-'));
  writeFileSync(
    f('ext.cnf'),
    [
      '[req]',
      'distinguished_name = dn',
      '[dn]',
      '[ca]',
      'basicConstraints = critical, CA:true',
      'keyUsage = critical, keyCertSign, cRLSign',
      'subjectKeyIdentifier = hash',
      'authorityKeyIdentifier = keyid:always',
      'certificatePolicies = 2.5.29.32.0',
      '[leaf]',
      'basicConstraints = critical, CA:false',
      'keyUsage = critical, digitalSignature',
      'extendedKeyUsage = serverAuth',
      'subjectAltName = DNS:www.wb.test',
      'certificatePolicies = 2.23.140.1.2.1',
      'subjectKeyIdentifier = hash',
      'authorityKeyIdentifier = keyid:always',
    ].join('\n'),
  );
  root('root', 'WB Root');
  key('inter');
  openssl('req', '-new', '-key', 'inter.key', '-subj', '/CN=WB Intermediate', '-config', 'ext.cnf', '-out', 'inter.csr');
  issue('inter', 'inter', 'root', 200, 'ca');
  key('leaf');
  openssl('req', '-new', '-key', 'leaf.key', '-subj', '/CN=www.wb.test', '-config', 'ext.cnf', '-out', 'leaf.csr');
  issue('leaf', 'leaf', 'inter', 30, 'leaf');
  // The same intermediate (name and key) cross-signed by a second root.
  root('rootb', 'WB Other Root');
  issue('inter-cross', 'inter', 'rootb', 200, 'ca');
  writeFileSync(f('chain.pem'), read('leaf.pem') + read('inter.pem') + read('root.pem'));
  // The root in OpenSSL's TRUSTED CERTIFICATE form, with trust settings for one purpose or another.
  openssl('x509', '-in', 'root.pem', '-addtrust', 'serverAuth', '-out', 'root-trust-server.pem');
  openssl('x509', '-in', 'root.pem', '-addreject', 'serverAuth', '-out', 'root-reject-server.pem');
  openssl('x509', '-in', 'root.pem', '-addtrust', 'clientAuth', '-out', 'root-trust-client.pem');
  openssl('crl2pkcs7', '-nocrl', '-certfile', 'chain.pem', '-outform', 'DER', '-out', 'chain.p7b');
});

test.afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function openWorkbench(page: Page, hash = '') {
  await openApp(page, hash);
  if (!hash) await page.getByTestId('open-workbench').click();
  await expect(page.getByTestId('workbench')).toBeVisible();
}

/** Trust the chain's own root, leave the Mozilla store out, and name the host. */
async function trustOwnRoot(page: Page, name = 'www.wb.test') {
  await page.getByTestId('wi-mozilla').setChecked(false);
  await page.getByTestId('wi-trust-root').setChecked(true);
  await page.getByTestId('wi-name').fill(name);
}

const verdict = (page: Page) => page.getByTestId('wb-verdict');

test('drop a chain file, then what-if: time past notAfter, another host name, the intermediate removed', async ({ page }) => {
  await openWorkbench(page);
  const dt = await page.evaluateHandle((text) => {
    const t = new DataTransfer();
    t.items.add(new File([text], 'chain.pem', { type: 'application/x-pem-file' }));
    return t;
  }, read('chain.pem'));
  await page.getByTestId('dropzone').dispatchEvent('drop', { dataTransfer: dt });
  await expect(page.getByTestId('wb-certs').locator('li')).toHaveCount(3);
  await trustOwnRoot(page);
  await expect(verdict(page)).toHaveAttribute('data-code', 'OK');
  await expect(page.getByTestId('search-paths').locator('li')).toHaveCount(1);
  await expect(page.getByTestId('wb-certs').locator('li[data-leaf="true"]')).toContainText('www.wb.test');
  // RFC 5280 §6.1: anyPolicy in the CA, DV in the leaf; the tree drawn level by level.
  const policyTree = page.getByTestId('policy-tree');
  await expect(policyTree).toContainText('the path is valid for 2.23.140.1.2.1');
  await expect(policyTree.locator('li[data-depth="2"]')).toContainText('2.23.140.1.2.1 (Domain Validated (CA/B Forum)) — from CN=www.wb.test');
  await expect(policyTree.locator('li[data-depth="1"]')).toContainText('anyPolicy — from CN=WB Intermediate');

  // Past the leaf's notAfter (30 days): EXPIRED with its three names, the validity check marked as changed.
  const later = new Date(Date.now() + 60 * 86_400_000).toISOString().slice(0, 10);
  await page.getByTestId('wi-date').fill(later);
  await expect(verdict(page)).toHaveAttribute('data-code', 'EXPIRED');
  const names = verdict(page).getByTestId('failure-names');
  await expect(names).toContainText('X509_V_ERR_CERT_HAS_EXPIRED');
  await expect(names).toContainText('errSSLCertExpired');
  await expect(names).toContainText('SSL_ERR_CERT_EXPIRED');
  const changed = page.locator('[data-testid="wb-checks"] li[data-check="validity"][data-changed="true"]');
  await expect(changed).toHaveCount(1);
  await expect(changed).toContainText('OpenSSL X509_V_ERR_CERT_HAS_EXPIRED, Secure Transport errSSLCertExpired, Windows CE SSL_ERR_CERT_EXPIRED');
  await shot(page, 'workbench-expired');
  // Which certificate, in words: its role on the path and its subject, in the verdict and beside each check.
  await expect(verdict(page)).toContainText('A certificate has expired: the leaf "CN=www.wb.test": expired at');
  await expect(changed).toContainText('validity (the leaf) — expired at');
  // Past the intermediate's (200 days) and the root's (365 days) too: each validity check says whose it is.
  await page.getByTestId('wi-date').fill(new Date(Date.now() + 400 * 86_400_000).toISOString().slice(0, 10));
  const expiredChecks = page.locator('[data-testid="wb-checks"] li[data-check="validity"][data-ok="false"]');
  await expect(expiredChecks).toHaveCount(3);
  await expect(expiredChecks.nth(0)).toContainText('validity (the leaf) — expired at');
  await expect(expiredChecks.nth(1)).toContainText('validity (intermediate 1) — expired at');
  await expect(expiredChecks.nth(2)).toContainText('validity (the trust anchor) — expired at');
  await expect(expiredChecks.nth(1).locator('span[title]')).toHaveAttribute('title', 'intermediate 1 of the path "CN=WB Intermediate"');
  await expect(expiredChecks.nth(2).locator('span[title]')).toHaveAttribute('title', 'the trust anchor "CN=WB Root"');
  await expect(page.getByTestId('wb-checks')).not.toContainText(/\(certificate \d/);
  await page.getByRole('button', { name: 'Now' }).click();
  await expect(verdict(page)).toHaveAttribute('data-code', 'OK');

  await page.getByTestId('wi-name').fill('mail.wb.test');
  await expect(verdict(page)).toHaveAttribute('data-code', 'HOSTNAME_MISMATCH');
  await expect(verdict(page).getByTestId('failure-names')).toContainText('X509_V_ERR_HOSTNAME_MISMATCH');
  await expect(page.locator('[data-testid="wb-checks"] li[data-check="hostname"][data-changed="true"]')).toHaveCount(1);
  await page.getByTestId('wi-name').fill('www.wb.test');
  await expect(verdict(page)).toHaveAttribute('data-code', 'OK');

  await page.getByRole('button', { name: 'Remove CN=WB Intermediate' }).click();
  await expect(verdict(page)).toHaveAttribute('data-code', 'UNKNOWN_ISSUER');
  await expect(page.getByTestId('missing-issuers')).toContainText('Missing issuer: nothing in the pool or the trust anchors is named CN=WB Intermediate');
  // The graph draws the missing issuer as a dashed "not found" node, reached from the leaf by a "not found" link.
  const graph = page.getByTestId('search-graph');
  const missing = graph.locator('[data-testid="graph-node"][data-kind="missing"]');
  await expect(missing).toHaveCount(1);
  await expect(missing).toContainText('WB Intermediate');
  await expect(missing).toContainText('issuer not found');
  const notFound = graph.locator('[data-testid="graph-edge"][data-status="missing"]');
  await expect(notFound).toHaveCount(1);
  await notFound.focus();
  await expect(graph.getByTestId('graph-info')).toHaveText('Issuer CN=WB Intermediate as issuer of CN=www.wb.test: not found — nothing in the pool or the trust anchors is named "CN=WB Intermediate".');
  await expect(graph.getByTestId('graph-path')).toHaveCount(0);
  await shot(page, 'workbench-graph-missing-issuer');
  await expectAccessible(page, 'the workbench with a failing chain');
});

test('paste PEM with text around it; open a .p7b; bad input in plain words', async ({ page }) => {
  await openWorkbench(page);
  await page.getByTestId('paste').fill(`Hi, here is the chain from our CA:\n\n${read('inter.pem')}\nand the server one:\n${read('leaf.pem')}-- Bob\n`);
  await page.getByTestId('paste-add').click();
  await expect(page.getByTestId('wb-certs').locator('li')).toHaveCount(2);
  await expect(page.getByTestId('wb-certs').locator('li[data-leaf="true"]')).toContainText('www.wb.test');
  // A file dropped anywhere on the workbench (here its heading) joins the chain too.
  const root = await page.evaluateHandle((text) => {
    const t = new DataTransfer();
    t.items.add(new File([text], 'root.crt', { type: 'application/x-x509-ca-cert' }));
    return t;
  }, read('root.pem'));
  await page.getByRole('heading', { name: 'Certificate workbench' }).dispatchEvent('drop', { dataTransfer: root });
  await expect(page.getByTestId('wb-certs').locator('li')).toHaveCount(3);
  await expect(page.getByTestId('wb-certs')).toContainText('root.crt, PEM block 1');
  await page.getByRole('button', { name: 'Clear' }).click();

  await page.getByTestId('pick-chain').setInputFiles(f('chain.p7b'));
  await expect(page.getByTestId('wb-certs').locator('li')).toHaveCount(3);
  await expect(page.getByTestId('wb-certs')).toContainText('chain.p7b, PKCS#7 block 1');
  await trustOwnRoot(page);
  await expect(verdict(page)).toHaveAttribute('data-code', 'OK');

  // A private key pasted by mistake is named and dropped; a cut PEM says where.
  await page.getByTestId('paste').fill(read('leaf.key'));
  await page.getByTestId('paste-add').click();
  await expect(page.getByTestId('input-problems')).toContainText('is a private key, not a certificate');
  await page.getByTestId('paste').fill(read('leaf.pem').slice(0, 300));
  await page.getByTestId('paste-add').click();
  await expect(page.getByTestId('input-problems')).toContainText('pasted text, block 1, byte 0: the "CERTIFICATE" block has no "-----END CERTIFICATE-----" line');
  await expect(page.getByTestId('wb-certs').locator('li')).toHaveCount(3);
  await page.getByTestId('pick-chain').setInputFiles({ name: 'huge.pem', mimeType: 'text/plain', buffer: Buffer.alloc(10 * 1024 * 1024, 0x41) });
  await expect(page.getByTestId('input-problems')).toContainText('huge.pem: the file is 10.0 MB; at most 2 MB is read');
  await expect(page.getByTestId('wb-certs').locator('li')).toHaveCount(3);
  await expect(verdict(page)).toHaveAttribute('data-code', 'OK');
  await expectAccessible(page, 'the workbench with input problems');
});

test('a cross-signed pool shows two paths; a shared link reopens the same view', async ({ page, context }) => {
  await openWorkbench(page);
  await page.getByTestId('pick-chain').setInputFiles([f('leaf.pem'), f('inter.pem'), f('inter-cross.pem'), f('root.pem'), f('rootb.pem')]);
  await expect(page.getByTestId('wb-certs').locator('li')).toHaveCount(5);
  await trustOwnRoot(page);
  await page.getByTestId('wi-profile').selectOption('cabf');
  await expect(verdict(page)).toHaveAttribute('data-code', 'OK');
  const paths = page.getByTestId('search-paths').locator('li');
  await expect(paths).toHaveCount(2);
  await expect(paths.nth(0)).toContainText('CN=WB Root');
  await expect(paths.nth(1)).toContainText('CN=WB Other Root');
  await expect(page.getByTestId('search-paths').locator('li[data-accepted="true"]')).toHaveCount(2);
  // The graph: two paths, each to its own root, both accepted, the verdict's path marked; each can be highlighted.
  const graph = page.getByTestId('search-graph');
  const graphPaths = graph.getByTestId('graph-path');
  await expect(graphPaths).toHaveCount(2);
  await expect(graph.locator('[data-testid="graph-path"][data-accepted="true"]')).toHaveCount(2);
  await expect(graph.locator('[data-testid="graph-path"][data-chosen="true"]')).toHaveCount(1);
  await expect(graph.locator('[data-testid="graph-node"][data-kind="anchor"]')).toHaveCount(2);
  await expect(graph.locator('[data-testid="graph-node"][data-kind="anchor"]').nth(0)).toContainText('WB Root');
  await expect(graph.locator('[data-testid="graph-node"][data-kind="anchor"]').nth(1)).toContainText('WB Other Root');
  await expect(graph.locator('[data-testid="graph-node"][data-kind="pool"]')).toHaveCount(2);
  const intoAnchors = graph.locator('[data-testid="graph-edge"][data-to-kind="anchor"][data-status="accepted"]');
  await expect(intoAnchors).toHaveCount(2);
  await expect(graph.locator('[data-testid="graph-edge"][data-status="accepted"][data-chosen="true"]')).toHaveCount(2);
  await graphPaths.nth(1).click();
  await expect(graphPaths.nth(1)).toHaveAttribute('aria-pressed', 'true');
  await expect(graph.locator('.sg-edge.hl')).toHaveCount(2);
  await expect(graph.getByTestId('graph-info')).toContainText('Path 2, accepted: CN=www.wb.test issued by CN=WB Intermediate issued by CN=WB Other Root');
  // Keyboard: Tab reaches the nodes and links; a link says what became of it; Enter on a node opens its details.
  await graphPaths.nth(1).focus();
  await page.keyboard.press('Tab');
  await expect(graph.locator('[data-testid="graph-node"][data-kind="leaf"]')).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(graph.getByTestId('graph-info')).toContainText('as issuer of CN=www.wb.test: accepted');
  const otherRoot = graph.locator('[data-testid="graph-node"][data-kind="anchor"]').nth(1);
  await otherRoot.focus();
  await expect(graph.getByTestId('graph-info')).toHaveText('trust anchor CN=WB Other Root');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('wb-certs').locator('li button[aria-pressed="true"]')).toContainText('CN=WB Other Root');
  await shot(page, 'workbench-cross-signed');

  await page.getByTestId('share').click();
  const link = await page.getByTestId('share-link').inputValue();
  expect(link).toMatch(/#workbench=[A-Za-z0-9_-]+$/);
  const other = await context.newPage();
  await other.goto(link);
  await expect(other.getByTestId('workbench')).toBeVisible();
  await expect(other.getByTestId('wb-certs').locator('li')).toHaveCount(5);
  await expect(other.getByTestId('wi-name')).toHaveValue('www.wb.test');
  await expect(other.getByTestId('wi-profile')).toHaveValue('cabf');
  await expect(other.getByTestId('wi-trust-root')).toBeChecked();
  await expect(other.getByTestId('wi-mozilla')).not.toBeChecked();
  await expect(other.getByTestId('wb-verdict')).toHaveAttribute('data-code', 'OK');
  await expect(other.getByTestId('search-paths').locator('li')).toHaveCount(2);
  // Reloading keeps it too (the fragment follows every change).
  await other.getByTestId('wi-name').fill('mail.wb.test');
  await expect(other.getByTestId('wb-verdict')).toHaveAttribute('data-code', 'HOSTNAME_MISMATCH');
  await other.waitForTimeout(300);
  await other.reload();
  await expect(other.getByTestId('wi-name')).toHaveValue('mail.wb.test');
  await expect(other.getByTestId('wb-verdict')).toHaveAttribute('data-code', 'HOSTNAME_MISMATCH');
  await expectAccessible(other, 'the workbench opened from a link');
  // Back to the handshake and in again: the chain and settings are still there.
  await other.getByRole('button', { name: 'Back to the handshake' }).click();
  await expect(other.getByTestId('workbench')).toHaveCount(0);
  await other.getByTestId('open-workbench').click();
  await expect(other.getByTestId('wb-certs').locator('li')).toHaveCount(5);
  await expect(other.getByTestId('wi-name')).toHaveValue('mail.wb.test');
});

test("a TRUSTED CERTIFICATE root's trust settings decide whether it anchors a path for the purpose, and say why next to it", async ({ page }) => {
  for (const name of ['root-trust-server', 'root-reject-server', 'root-trust-client']) expect(read(`${name}.pem`)).toContain('-----BEGIN TRUSTED CERTIFICATE-----');
  await openWorkbench(page);
  await page.getByTestId('pick-chain').setInputFiles([f('leaf.pem'), f('inter.pem')]);
  await page.getByTestId('wi-mozilla').setChecked(false);
  await page.getByTestId('wi-name').fill('www.wb.test');
  const anchors = page.getByTestId('wb-anchors').locator('li');
  const removeAnchor = () => page.getByRole('button', { name: 'Remove the trust anchor CN=WB Root' }).click();

  // Trusted for serverAuth: it anchors the server check.
  await page.getByTestId('pick-anchors').setInputFiles(f('root-trust-server.pem'));
  await expect(anchors).toHaveCount(1);
  await expect(anchors.first()).toHaveAttribute('data-used', 'true');
  await expect(anchors.first().getByTestId('trust-note')).toHaveText('OpenSSL trust settings: trusted for serverAuth.');
  await expect(verdict(page)).toHaveAttribute('data-code', 'OK');
  await expect(page.getByTestId('wb-set-aside')).toHaveCount(0);
  await removeAnchor();

  // Rejected for serverAuth: as openssl verify and tls-lens verify, the root anchors nothing for a server check.
  await page.getByTestId('pick-anchors').setInputFiles(f('root-reject-server.pem'));
  await expect(anchors).toHaveCount(1);
  await expect(anchors.first()).toHaveAttribute('data-used', 'false');
  await expect(anchors.first().getByTestId('trust-note')).toHaveText(
    'not used as a trust anchor for a TLS server check: its OpenSSL trust settings (rejected for serverAuth) do not allow serverAuth.',
  );
  await expect(verdict(page)).not.toHaveAttribute('data-code', 'OK');
  await expect(verdict(page)).toContainText('The chain did not verify.');
  await expect(page.getByTestId('wb-set-aside')).toHaveText(
    'CN=WB Root (root-reject-server.pem, PEM block 1) is not used as a trust anchor for a TLS server check: its OpenSSL trust settings (rejected for serverAuth) do not allow serverAuth.',
  );
  await expect(page.getByTestId('search-graph').locator('[data-testid="graph-node"][data-kind="anchor"]')).toHaveCount(0);
  await removeAnchor();

  // Trusted for clientAuth only: not for a server check either; for a client check the anchor is used.
  await page.getByTestId('pick-anchors').setInputFiles(f('root-trust-client.pem'));
  await expect(anchors.first()).toHaveAttribute('data-used', 'false');
  await expect(anchors.first().getByTestId('trust-note')).toHaveText(
    'not used as a trust anchor for a TLS server check: its OpenSSL trust settings (trusted for clientAuth) do not allow serverAuth.',
  );
  await expect(verdict(page)).not.toHaveAttribute('data-code', 'OK');
  await expect(page.getByTestId('wb-set-aside')).toContainText('CN=WB Root (root-trust-client.pem, PEM block 1) is not used as a trust anchor');
  await page.getByTestId('wi-purpose').selectOption('client');
  await expect(anchors.first()).toHaveAttribute('data-used', 'true');
  await expect(anchors.first().getByTestId('trust-note')).toHaveText('OpenSSL trust settings: trusted for clientAuth.');
  await expect(page.getByTestId('wb-set-aside')).toHaveCount(0);
  // The leaf is for serverAuth only, so the client check now fails on the leaf's purpose, not for want of an anchor.
  await expect(page.getByTestId('search-graph').locator('[data-testid="graph-node"][data-kind="anchor"]')).toHaveCount(1);
  await page.getByTestId('wi-purpose').selectOption('server');
  await expect(anchors.first()).toHaveAttribute('data-used', 'false');

  // The same root dropped into the chain with "Trust this chain's root": the same rule, said next to it.
  await removeAnchor();
  await page.getByTestId('pick-chain').setInputFiles(f('root-reject-server.pem'));
  await page.getByTestId('wi-trust-root').setChecked(true);
  const rootInChain = page.getByTestId('wb-certs').locator('li', { hasText: 'root-reject-server.pem' });
  await expect(rootInChain.getByTestId('trust-note')).toHaveAttribute('data-refused', 'true');
  await expect(rootInChain.getByTestId('trust-note')).toContainText('not used as a trust anchor for a TLS server check');
  await expect(verdict(page)).not.toHaveAttribute('data-code', 'OK');
  await expect(page.getByTestId('wb-set-aside')).toContainText('CN=WB Root (root-reject-server.pem, PEM block 1) is not used as a trust anchor');

  // A shared link keeps the trust settings: the reopened view decides the same.
  await page.getByTestId('share').click();
  const other = await page.context().newPage();
  await other.goto(await page.getByTestId('share-link').inputValue());
  await expect(other.getByTestId('wb-certs').locator('li')).toHaveCount(3);
  await expect(other.getByTestId('wb-verdict')).not.toHaveAttribute('data-code', 'OK');
  await expect(other.getByTestId('wb-set-aside')).toContainText('is not used as a trust anchor for a TLS server check: its OpenSSL trust settings (rejected for serverAuth)');
  await expectAccessible(page, 'the workbench with a root its trust settings set aside');
});

test('embedded SCTs: not verified without a log list, then checked against one', async ({ page }) => {
  const ct = await ctChain();
  writeFileSync(f('ct-chain.pem'), toPem(ct.leaf.der) + toPem(ct.inter.der));
  writeFileSync(f('ct-root.pem'), toPem(ct.root.der));
  writeFileSync(f('logs.json'), logListJson(ct.good.log));
  await openWorkbench(page);
  await page.getByTestId('pick-chain').setInputFiles(f('ct-chain.pem'));
  await page.getByTestId('wi-mozilla').setChecked(false);
  await page.getByTestId('pick-anchors').setInputFiles(f('ct-root.pem'));
  await page.getByTestId('wi-name').fill('ct.example.com');
  await page.getByTestId('wi-date').fill(NOW.toISOString().slice(0, 10));
  await expect(verdict(page)).toHaveAttribute('data-code', 'OK');
  const scts = page.getByTestId('sct-checks');
  await expect(scts).toContainText('No log list added: the SCTs are shown, not verified');
  await expect(scts.locator('li')).toHaveCount(3);
  await page.getByTestId('pick-ct-logs').setInputFiles(f('logs.json'));
  await expect(scts).toContainText('Checked against 1 log from logs.json.');
  await expect(scts.locator('li[data-outcome="verified"]')).toContainText('Test Log 2026');
  await expect(scts.locator('li[data-outcome="unknown log"]')).toHaveCount(1);
  await expect(scts.locator('li[data-outcome="signature invalid"]')).toContainText('the signature does not verify with the key of Test Log 2026');
  // A file that is not a log list is named in plain words; the list already read stays.
  await page.getByTestId('pick-ct-logs').setInputFiles({ name: 'notes.json', mimeType: 'application/json', buffer: Buffer.from('{"logs": []}') });
  await expect(page.getByTestId('input-problems')).toContainText('notes.json: the log list has no "operators" array');
  await expect(scts.locator('li[data-outcome="verified"]')).toHaveCount(1);
  await expectAccessible(page, 'the workbench with SCTs checked');
});

test("from a server: a lab scenario's chain fetched through the bridge; this connection's chain", async ({ page }) => {
  await openWorkbench(page);
  await page.getByTestId('fs-scenario').selectOption('expired');
  await page.getByTestId('fs-fetch').click();
  await expect(verdict(page)).toHaveAttribute('data-code', 'EXPIRED', { timeout: 30_000 });
  await expect(page.getByTestId('wb-certs')).toContainText('lab scenario expired, certificate 1 as sent');
  await expect(page.getByTestId('wi-name')).not.toHaveValue('');
  // The fetch stops the handshake on purpose: said as a close on the status line, not a failure in a banner.
  await expect(page.getByTestId('status')).toHaveAttribute('data-status', 'closed');
  await expect(page.getByTestId('status')).toContainText('stopped once the server\'s certificates were checked');
  await expect(page.getByTestId('error')).toHaveCount(0);
  // The same for a chain that verifies (the stop is then the only thing that ends the handshake).
  await page.getByTestId('fs-scenario').selectOption('good-tls13');
  await page.getByTestId('fs-fetch').click();
  await expect(verdict(page)).toHaveAttribute('data-code', 'OK', { timeout: 30_000 });
  await expect(page.getByTestId('status')).toHaveAttribute('data-status', 'closed');
  await expect(page.getByTestId('error')).toHaveCount(0);
  // The handshake so far is an ordinary trace: its chain opens again from there.
  await page.getByRole('button', { name: 'Clear' }).click();
  await expect(page.getByTestId('wb-certs').locator('li')).toHaveCount(0);
  await page.getByTestId('from-trace').click();
  await expect(page.getByTestId('wb-certs')).toContainText('this connection, certificate 1 as sent');
  await expectAccessible(page, 'the workbench with a fetched chain');
});
