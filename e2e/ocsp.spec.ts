// A stapled OCSP response in the certificate view: traces recorded by our engine against `openssl s_server
// -status_file` (TLS 1.3 with a good response, TLS 1.2 with a revoked one), opened in the app: the view says the
// verdict in plain words with the response's fields (responder, produced at, this/next update, status, CertID), the
// ocsp* checks are listed with the chain's, and the ladder and inspector name it too. Then live, through the bridge:
// the lab's ocsp-good and ocsp-revoked scenarios, and the Connect form's status_request switch turned off.
import { expect, test, type Page } from '@playwright/test';
import fs from 'node:fs';
import { connectTls } from '../src/tls/client.ts';
import type { HandshakeMessageEvent, OcspEvent, TraceEvent } from '../src/trace/types.ts';
import { connectTcp } from '../src/transport/tcp.ts';
import { createVerifier } from '../src/x509/verifier.ts';
import { recorder, spawnSServer } from '../test/tls/helpers.ts';
import { makeOcspPki, type OcspPki } from '../test/support/ocsp-pki.ts';
import { connectScenario, expectAccessible, openApp, openPanel, savedTrace, shot, waitForStatus } from './helpers.ts';

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

const LAB_INTERMEDIATE = 'CN=TLS Lens Lab Intermediate CA, O=TLS Lens Lab';
const OCSP_CHECKS = ['ocspResponse', 'ocspResponder', 'ocspSignature', 'ocspCertId', 'ocspValidity', 'ocspStatus'];

/** Whether our ClientHello in the trace carries a status_request extension. */
function helloAsksForStatus(events: TraceEvent[]): boolean {
  const hello = events.find((e): e is HandshakeMessageEvent => e.kind === 'handshake' && e.direction === 'client' && e.name === 'ClientHello');
  expect(hello).toBeDefined();
  return JSON.stringify(hello!.fields).includes('"status_request (');
}

/** The certificate view at the end of the session. */
async function certificatesAtEnd(page: Page) {
  await page.locator('.ladder-head').click();
  await page.keyboard.press('End');
  await openPanel(page, 'Certificates');
}

test('live from the lab: ocsp-good staples a current response from the intermediate, shown with its fields', async ({ page }) => {
  await openApp(page);
  await connectScenario(page, 'ocsp-good');
  await waitForStatus(page, 'connected');
  const trace = await savedTrace(page);
  expect(helloAsksForStatus(trace.events)).toBe(true);
  const ocsp = trace.events.filter((e): e is OcspEvent => e.kind === 'ocsp');
  expect(ocsp).toHaveLength(1);
  expect(ocsp[0]).toMatchObject({ verdict: 'good', responder: LAB_INTERMEDIATE, signedBy: 'issuer', certStatus: 'good', certIdMatches: true });

  await certificatesAtEnd(page);
  const verdict = page.getByTestId('ocsp-verdict');
  await expect(verdict).toHaveAttribute('data-verdict', 'good');
  await expect(verdict).toContainText('OCSP staple: the certificate is good.');
  for (const text of [`${LAB_INTERMEDIATE} (the issuer itself)`, 'Produced at', `This update${ocsp[0].thisUpdate}`, `Next update${ocsp[0].nextUpdate}`, 'Certificate statusgood', `CertID serial${ocsp[0].certId!.serialNumber}`, 'CertID names this certificateyes']) {
    await expect(verdict).toContainText(text);
  }
  for (const check of OCSP_CHECKS) {
    await expect(page.locator(`[data-testid="cert-checks"] li[data-check="${check}"]`)).toHaveAttribute('data-ok', 'true');
  }
  await expect(page.getByTestId('cert-verdict')).toContainText('The chain verified.');
  await expect(page.locator('.lrow', { hasText: 'OCSP staple: the certificate is good' })).toHaveCount(1);
  await shot(page, 'lab-ocsp-good');
  await expectAccessible(page, 'a live OCSP staple in the certificate view');
});

test('live from the lab: ocsp-revoked fails the handshake, and the page says why in plain words', async ({ page }) => {
  await openApp(page);
  await connectScenario(page, 'ocsp-revoked');
  await waitForStatus(page, 'failed');
  await expect(page.getByTestId('error')).toContainText('revoked by its issuer');
  const trace = await savedTrace(page);
  expect(trace.events.filter((e) => e.kind === 'alert' && e.direction === 'client').map((e) => (e as { name: string }).name)).toEqual(['certificate_revoked']);
  await expect(page.locator('.lrow.from-client[data-kind="alert"]')).toContainText('certificate_revoked');

  await certificatesAtEnd(page);
  await expect(page.getByTestId('cert-verdict')).toContainText('The chain verified, but its stapled OCSP response says the certificate is revoked.');
  await expect(page.getByTestId('failure-names').first()).toContainText('X509_V_ERR_CERT_REVOKED');
  const verdict = page.getByTestId('ocsp-verdict');
  await expect(verdict).toHaveAttribute('data-verdict', 'revoked');
  await expect(verdict).toContainText('OCSP staple: the certificate is REVOKED.');
  await expect(verdict).toContainText("the issuer's responder says the certificate was revoked at");
  await expect(verdict).toContainText('reason keyCompromise');
  await expect(page.locator('[data-testid="cert-checks"] li[data-check="ocspStatus"]')).toHaveAttribute('data-ok', 'false');
  await shot(page, 'lab-ocsp-revoked');
});

test('status_request unticked in the Connect form: the ClientHello does not ask, and ocsp-good staples nothing', async ({ page }) => {
  await openApp(page);
  await page.locator('summary', { hasText: 'Handshake options' }).click();
  const ask = page.getByLabel('Ask for a stapled OCSP response (status_request)');
  await expect(ask).toBeChecked();
  await ask.uncheck();
  await connectScenario(page, 'ocsp-good');
  await waitForStatus(page, 'connected');
  const trace = await savedTrace(page);
  expect(helloAsksForStatus(trace.events)).toBe(false);
  expect(trace.events.filter((e) => e.kind === 'ocsp')).toEqual([]);
  const certificate = trace.events.find((e): e is HandshakeMessageEvent => e.kind === 'handshake' && e.direction === 'server' && e.name === 'Certificate');
  expect(JSON.stringify(certificate!.fields)).not.toContain('OCSPResponse');

  await certificatesAtEnd(page);
  await expect(page.getByTestId('cert-verdict')).toContainText('The chain verified.');
  await expect(page.getByTestId('ocsp-verdict')).toHaveCount(0);
  await expect(page.locator('[data-testid="cert-checks"] li[data-check^="ocsp"]')).toHaveCount(0);
  await expect(page.locator('.lrow', { hasText: 'OCSP staple' })).toHaveCount(0);
});
