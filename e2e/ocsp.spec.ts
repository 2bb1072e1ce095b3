// A stapled OCSP response in the certificate view: traces recorded by our engine against `openssl s_server
// -status_file` (TLS 1.3 with a good response, TLS 1.2 with a revoked one), opened in the app: the view says the
// verdict in plain words with the response's fields (responder, produced at, this/next update, status, CertID), the
// ocsp* checks are listed with the chain's, and the ladder and inspector name it too.
import { expect, test } from '@playwright/test';
import fs from 'node:fs';
import { connectTls } from '../src/tls/client.ts';
import { connectTcp } from '../src/transport/tcp.ts';
import { createVerifier } from '../src/x509/verifier.ts';
import { recorder, spawnSServer } from '../test/tls/helpers.ts';
import { makeOcspPki, type OcspPki } from '../test/support/ocsp-pki.ts';
import { expectAccessible, openApp, openPanel, shot, waitForStatus } from './helpers.ts';

let pki: OcspPki;
test.beforeAll(() => {
  pki = makeOcspPki();
});
test.afterAll(() => fs.rmSync(pki.dir, { recursive: true, force: true }));

/** A trace file of our client against s_server stapling `staple` (the handshake may fail: the trace is kept). */
async function traceAgainst(version: '-tls1_3' | '-tls1_2', cert: OcspPki['leaf'], staple: string) {
  const s = await spawnSServer([version, '-cert', cert.cert, '-key', cert.key, '-status_file', staple]);
  const rec = recorder();
  try {
    const conn = await connectTls(await connectTcp('127.0.0.1', s.port), { serverName: 'localhost', verifier: createVerifier({ anchors: [pki.caDer] }), timeoutMs: 10_000 }, rec.emit).catch(() => null);
    await conn?.close();
  } finally {
    await s.stop();
  }
  return { name: `ocsp${version}.json`, mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(rec.toFile(`127.0.0.1:${s.port}`))) };
}

test('a good staple (TLS 1.3) and a revoked one (TLS 1.2) in the certificate view, ladder and inspector', async ({ page }) => {
  const good = await traceAgainst('-tls1_3', pki.leaf, pki.responses.good);
  const revoked = await traceAgainst('-tls1_2', pki.revoked, pki.responses.revoked);
  await openApp(page);

  await page.getByTestId('open-trace-input').setInputFiles(good);
  await waitForStatus(page, 'replay');
  await page.keyboard.press('End');
  await openPanel(page, 'Certificates');
  const verdict = page.getByTestId('ocsp-verdict');
  await expect(verdict).toHaveAttribute('data-verdict', 'good');
  await expect(verdict).toContainText('OCSP staple: the certificate is good.');
  for (const text of ['Responder', 'CN=OCSP Test Root (the issuer itself)', 'Produced at', 'This update', 'Next update', 'Certificate status', 'CertID serial', pki.leaf.serial.toLowerCase(), 'CertID names this certificate']) {
    await expect(verdict).toContainText(text);
  }
  for (const check of ['ocspResponse', 'ocspResponder', 'ocspSignature', 'ocspCertId', 'ocspValidity', 'ocspStatus']) {
    await expect(page.locator(`[data-testid="cert-checks"] li[data-check="${check}"]`)).toHaveAttribute('data-ok', 'true');
  }
  await expect(page.getByTestId('cert-verdict')).toContainText('The chain verified.');
  const ladderRow = page.locator('.lrow', { hasText: 'OCSP staple: the certificate is good' });
  await expect(ladderRow).toHaveCount(1);
  await ladderRow.click();
  await openPanel(page, 'Message');
  await expect(page.locator('.insp-title')).toContainText('OCSP staple: the certificate is good');

  await page.getByTestId('open-trace-input').setInputFiles(revoked);
  await expect(page.getByTestId('status')).toContainText('ocsp-tls1_2.json');
  // The ladder takes the keys (focus is still on the tabs, where End picks the last tab).
  await page.locator('.ladder-head').click();
  await page.keyboard.press('End');
  await openPanel(page, 'Certificates');
  await expect(verdict).toHaveAttribute('data-verdict', 'revoked');
  await expect(verdict).toContainText('OCSP staple: the certificate is REVOKED.');
  await expect(verdict).toContainText('reason keyCompromise');
  await expect(page.locator('[data-testid="cert-checks"] li[data-check="ocspStatus"]')).toHaveAttribute('data-ok', 'false');
  await expect(page.getByTestId('cert-verdict')).toContainText('REVOKED');
  await shot(page, 'ocsp-revoked');
  await expectAccessible(page, 'the certificate view with an OCSP verdict');
});
