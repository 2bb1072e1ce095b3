// Lab scenarios in the browser: HelloRetryRequest, an expired certificate, a client certificate
// request (both answers), the server-auth breakpoint (continue and abort), SMTP STARTTLS, and
// a target the bridge refuses.
import { expect, test } from '@playwright/test';
import type { CertificateResultEvent } from '../src/trace/types.ts';
import { connectScenario, expectAccessible, handshakeNames, openApp, openPanel, savedTrace, shot, waitForStatus } from './helpers.ts';

test('HelloRetryRequest: two ClientHellos and the retry on the ladder', async ({ page }) => {
  await openApp(page);
  await connectScenario(page, 'p384-hrr');
  await waitForStatus(page, 'connected');
  const trace = await savedTrace(page);
  const names = handshakeNames(trace.events);
  expect(names.filter((n) => n === 'ClientHello')).toHaveLength(2);
  expect(names.some((n) => /HelloRetryRequest/.test(n))).toBe(true);
  await expect(page.locator('.lrow[data-kind="handshake"]', { hasText: 'HelloRetryRequest' })).toBeVisible();
  await expect(page.locator('.lrow[data-kind="handshake"]', { hasText: 'ClientHello' })).toHaveCount(2);
  await page.locator('.lrow[data-kind="handshake"]', { hasText: 'HelloRetryRequest' }).click();
  await expect(page.locator('.insp-title')).toContainText('HelloRetryRequest');
  await shot(page, 'hrr');
});

test('expired certificate: the failing check and its names in three APIs', async ({ page }) => {
  await openApp(page);
  await connectScenario(page, 'expired');
  await waitForStatus(page, 'failed');
  await expect(page.getByTestId('error')).toContainText(/expired/i);
  const trace = await savedTrace(page);
  const result = trace.events.find((e): e is CertificateResultEvent => e.kind === 'cert-result');
  expect(result?.ok).toBe(false);
  // The trace up to the failure is kept: the ladder still shows the handshake so far.
  await expect(page.locator('.lrow[data-kind="handshake"]', { hasText: 'ServerHello' })).toBeVisible();
  await page.keyboard.press('End');
  await openPanel(page, 'Certificates');
  const failed = page.locator('[data-testid="cert-checks"] li[data-ok="false"]');
  await expect(failed.first()).toBeVisible();
  await expect(failed.first()).toContainText(/valid/i);
  const names = page.getByTestId('failure-names').first();
  await expect(names).toContainText('X509_V_ERR_CERT_HAS_EXPIRED');
  await expect(names).toContainText('errSSLCertExpired');
  await expect(names).toContainText(result!.error!.windowsCE ?? 'SSL_ERR_CERT_EXPIRED');
  await expect(names).toContainText(result!.error!.code);
  await shot(page, 'expired-certificates');
  await expectAccessible(page, 'a failed certificate check');
  // At the certificate verdict, the API view names the call that reports it and its result.
  await page.locator('.lrow[data-kind="cert"]').click();
  await openPanel(page, 'API calls');
  const api = page.getByTestId('api-view');
  await expect(api).toContainText('SSL_get_verify_result');
  await expect(api).toContainText('X509_V_ERR_CERT_HAS_EXPIRED');
  await expect(api).toContainText('errSSLCertExpired');
});

for (const answer of ['lab', 'decline'] as const) {
  test(`client certificate requested: ${answer === 'lab' ? 'send the lab certificate' : 'decline'}`, async ({ page }) => {
    await openApp(page);
    await connectScenario(page, 'client-cert-requested', { clientCert: 'ask' });
    await waitForStatus(page, 'paused');
    await expect(page.getByTestId('breakpoint')).toContainText('client certificate');
    await shot(page, `client-cert-${answer}-paused`);
    await expectAccessible(page, 'the client-certificate breakpoint');
    await openPanel(page, 'API calls');
    await expect(page.getByTestId('api-view')).toContainText('errSSLClientCertRequested');
    if (answer === 'lab') await page.getByRole('button', { name: "Send the lab's client certificate" }).click();
    else await page.getByRole('button', { name: 'Decline (send none)' }).click();
    await waitForStatus(page, 'connected');
    const trace = await savedTrace(page);
    const clientMsgs = trace.events.filter((e) => e.kind === 'handshake' && e.direction === 'client').map((e) => (e as { name: string }).name);
    expect(clientMsgs).toContain('Certificate');
    if (answer === 'lab') expect(clientMsgs).toContain('CertificateVerify');
    else expect(clientMsgs).not.toContain('CertificateVerify');
    await expect(page.locator('.lrow.from-client[data-kind="handshake"]', { hasText: /^Certificate/ }).first()).toBeVisible();
    await shot(page, `client-cert-${answer}-done`);
  });
}

for (const decision of ['continue', 'abort'] as const) {
  test(`server-auth breakpoint: ${decision}`, async ({ page }) => {
    await openApp(page);
    await connectScenario(page, 'good-tls13', { serverAuth: true });
    await waitForStatus(page, 'paused');
    await expect(page.getByTestId('breakpoint')).toContainText('server authentication');
    await page.getByRole('button', { name: 'Show the chain' }).click();
    await expect(page.getByTestId('cert-verdict')).toBeVisible();
    await expect(page.locator('.lrow[data-kind="pause"]')).toBeVisible();
    await shot(page, `server-auth-${decision}-paused`);
    if (decision === 'continue') {
      await page.getByRole('button', { name: 'Continue the handshake' }).click();
      await waitForStatus(page, 'connected');
      const trace = await savedTrace(page);
      expect(trace.events.some((e) => e.kind === 'handshake' && e.direction === 'client' && e.name === 'Finished')).toBe(true);
    } else {
      await page.getByRole('button', { name: 'Abort' }).click();
      await waitForStatus(page, /failed|closed/);
      const trace = await savedTrace(page);
      expect(trace.events.some((e) => e.kind === 'handshake' && e.direction === 'client' && e.name === 'Finished')).toBe(false);
      await expect(page.getByTestId('error')).toBeVisible();
    }
    await shot(page, `server-auth-${decision}-done`);
  });
}

test('SMTP STARTTLS: the plaintext lane before the handshake', async ({ page }) => {
  await openApp(page);
  await connectScenario(page, 'smtp-starttls');
  await waitForStatus(page, 'connected');
  const preamble = page.locator('.lrow[data-kind="preamble"]');
  await expect(preamble.first()).toBeVisible();
  const texts = await preamble.allInnerTexts();
  expect(texts.some((t) => /EHLO/i.test(t))).toBe(true);
  expect(texts.some((t) => /STARTTLS/i.test(t))).toBe(true);
  expect(texts.some((t) => /^\s*←?\s*220/.test(t))).toBe(true);
  // Every preamble row comes before the first ClientHello.
  const kinds = await page.locator('.lrow').evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')));
  const firstHello = kinds.indexOf('handshake');
  expect(kinds.lastIndexOf('preamble')).toBeLessThan(firstHello);
  await preamble.filter({ hasText: 'STARTTLS' }).first().click();
  await expect(page.locator('.insp-title')).toContainText('SMTP plaintext');
  await openPanel(page, 'API calls');
  await expect(page.getByTestId('api-view')).toContainText('SO_SSL_PERFORM_HANDSHAKE');
  await shot(page, 'smtp-starttls');
  await expectAccessible(page, 'the STARTTLS lane');
});

test('a target the bridge refuses: the reason in plain words', async ({ page }) => {
  await openApp(page);
  await page.getByLabel('A server (host:port the bridge allows)').check();
  await page.getByTestId('target-input').fill('10.1.2.3:443');
  await page.getByTestId('bp-step').setChecked(false);
  await page.getByTestId('connect-button').click();
  await waitForStatus(page, 'failed');
  const error = page.getByTestId('error');
  await expect(error).toContainText(/refused/i);
  await expect(error).toContainText(/private/i);
  await shot(page, 'bridge-refused');
  await expectAccessible(page, 'the refusal message');
});
