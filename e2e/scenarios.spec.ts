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
  // Each client flight is labelled with its round trip, the first one too (after the "Connecting" marker).
  await expect(page.locator('.lrow[data-kind="handshake"]', { hasText: 'ClientHello' }).first().locator('.rtt')).toHaveText('RTT 1');
  await expect(page.locator('.lrow .rtt', { hasText: /RTT/ })).toHaveText(['RTT 1', 'RTT 2', 'RTT 3']);
  await page.locator('.lrow[data-kind="handshake"]', { hasText: 'HelloRetryRequest' }).click();
  await expect(page.locator('.insp-title')).toContainText('HelloRetryRequest');
  // A field with more inside says so (closed until selected): the retry's extensions hold the group it asks for.
  const extensions = page.locator('[data-testid="fieldtree"] button[data-field="extensions"]');
  await expect(extensions).toHaveAttribute('aria-expanded', 'false');
  await expect(extensions.locator('.ftoggle')).toHaveText('▸');
  await extensions.click();
  await expect(extensions).toHaveAttribute('aria-expanded', 'true');
  await expect(page.locator('[data-testid="fieldtree"] button', { hasText: 'key_share' })).toBeVisible();
  await expect(page.locator('[data-testid="fieldtree"] button[data-field="msg_type"]')).not.toHaveAttribute('aria-expanded');
  await shot(page, 'hrr');
});

test('expired certificate: the failing check and its names in three APIs', async ({ page }) => {
  await openApp(page);
  await connectScenario(page, 'expired');
  await waitForStatus(page, 'failed');
  await expect(page.getByTestId('error')).toContainText(/expired/i);
  // The banner and the status line name the certificate by its role and subject.
  await expect(page.getByTestId('error')).toContainText('A certificate has expired: the leaf "CN=lab.tls-lens.test, O=TLS Lens Lab": expired at 2021-01-01T00:00:00Z');
  await expect(page.getByTestId('status')).toContainText('the leaf "CN=lab.tls-lens.test, O=TLS Lens Lab": expired at');
  await expect(page.getByTestId('error')).not.toContainText(/certificate \d/);
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
  // Which certificate, in words: the failing check says "the leaf", as the path list does, never a 0-based index.
  await expect(failed.first()).toContainText('validity (the leaf) — expired at');
  const checksList = page.getByTestId('cert-checks');
  await expect(checksList.locator('li[data-check="validity"]', { hasText: '(intermediate 1)' })).toHaveCount(1);
  await expect(checksList.locator('li[data-check="validity"]', { hasText: '(the trust anchor)' })).toHaveCount(1);
  await expect(checksList).not.toContainText(/\(certificate \d/);
  const pathList = page.locator('.cert-lists > div', { hasText: 'Path as built' });
  await expect(pathList.locator('li').nth(0)).toContainText('(the leaf, from the server)');
  await expect(pathList.locator('li').nth(1)).toContainText('CN=TLS Lens Lab Intermediate CA, O=TLS Lens Lab (intermediate 1, from the server)');
  await expect(pathList.locator('li').nth(2)).toContainText('CN=TLS Lens Lab Root CA, O=TLS Lens Lab (the trust anchor)');
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

test('wrong host: the failure says which certificate, by role and subject', async ({ page }) => {
  await openApp(page);
  await connectScenario(page, 'wrong-host');
  await waitForStatus(page, 'failed');
  await expect(page.getByTestId('error')).toContainText(
    'The certificate is not for this name: the leaf "CN=somewhere-else.tls-lens.test, O=TLS Lens Lab": lab.tls-lens.test matches none of DNS:somewhere-else.tls-lens.test',
  );
  await page.keyboard.press('End');
  await openPanel(page, 'Certificates');
  await expect(page.locator('[data-testid="cert-checks"] li[data-ok="false"]').first()).toContainText('hostname (the leaf) — lab.tls-lens.test matches none of');
});

test('missing intermediate: the check list says the leaf, not certificate 0', async ({ page }) => {
  await openApp(page);
  await connectScenario(page, 'missing-intermediate');
  await waitForStatus(page, 'failed');
  await expect(page.getByTestId('error')).toContainText('No trusted issuer was found for this chain: no trust anchor or offered certificate is named "CN=TLS Lens Lab Intermediate CA, O=TLS Lens Lab"');
  await page.keyboard.press('End');
  await openPanel(page, 'Certificates');
  await expect(page.locator('[data-testid="cert-checks"] li[data-ok="false"]').first()).toContainText('pathBuilding (the leaf) — no trust anchor or offered certificate is named');
  await expect(page.getByTestId('cert-checks')).not.toContainText(/\(certificate \d/);
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
    await expect(page.locator('.lrow', { hasText: `Decision at server authentication complete: ${decision}` })).toBeVisible();
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

test('unknown root: trust it for this session, reconnect, and the chain verifies', async ({ page }) => {
  await openApp(page);
  await connectScenario(page, 'unknown-root');
  await waitForStatus(page, 'failed');
  await page.locator('.lrow[data-kind="cert"]').click();
  await openPanel(page, 'Certificates');
  await expect(page.getByTestId('cert-verdict')).toContainText('did not verify');
  await shot(page, 'unknown-root-failed');
  await page.getByRole('button', { name: /^Trust .* for this session and reconnect$/ }).click();
  await waitForStatus(page, 'connected');
  const trace = await savedTrace(page);
  const result = trace.events.find((e): e is CertificateResultEvent => e.kind === 'cert-result');
  expect(result?.ok).toBe(true);
  await page.locator('.lrow[data-kind="cert"]').click();
  await expect(page.getByTestId('cert-verdict')).toContainText('verified');
  await shot(page, 'unknown-root-trusted');
});

test('TLS 1.2: the ladder and the PRF key schedule of a TLS 1.2 handshake', async ({ page }) => {
  await openApp(page);
  await connectScenario(page, 'tls12-only');
  await waitForStatus(page, 'connected');
  const trace = await savedTrace(page);
  const names = handshakeNames(trace.events);
  expect(names).toContain('ServerHelloDone');
  await expect(page.locator('.lrow[data-kind="handshake"]', { hasText: 'ServerHelloDone' })).toBeVisible();
  await expect(page.locator('.lrow[data-kind="ccs"]').first()).toBeVisible();
  await page.keyboard.press('End');
  await openPanel(page, 'Key schedule');
  const keys = trace.events.filter((e) => e.kind === 'key');
  expect(keys.length).toBeGreaterThan(0);
  await expect(page.locator('[data-testid="keytree"] .keyvalue')).toHaveCount(keys.length);
  await shot(page, 'tls12-keys');
});

test('a link to a lab session reconnects and reopens the same step and panel', async ({ page }) => {
  await openApp(page, '#scenario=good-tls13&step=3&panel=keys');
  await waitForStatus(page, 'connected');
  await expect(page.getByTestId('position')).toContainText('Step 3 of', { timeout: 10_000 });
  await expect(page.getByRole('tab', { name: 'Key schedule' })).toHaveAttribute('aria-selected', 'true');
  await shot(page, 'link-reopens-lab-session');
  // Connect… after that opens a form on the same scenario to fill in: it does not connect again by itself.
  const bridges: string[] = [];
  page.on('websocket', (ws) => bridges.push(ws.url()));
  await page.getByTestId('toggle-connect').click();
  await expect(page.getByTestId('scenario-select')).toHaveValue('good-tls13');
  await expect(page.getByTestId('bp-step')).toBeChecked();
  await page.waitForTimeout(1500);
  expect(bridges.filter((u) => u.includes('/bridge')), 'no second connection without a press of Connect').toEqual([]);
  await expect(page.getByTestId('status')).not.toContainText('resumed');
});

test('session tickets, Connect twice: the reopened form keeps the scenario and the second Connect resumes', async ({ page }) => {
  await openApp(page);
  await connectScenario(page, 'session-tickets');
  await waitForStatus(page, 'connected');
  await expect(page.locator('.lrow[data-kind="handshake"]', { hasText: 'NewSessionTicket' }).first()).toBeVisible();
  await page.getByTestId('toggle-connect').click();
  // The form a student reopens is on the scenario just used, not back on the list's first one.
  await expect(page.getByTestId('scenario-select')).toHaveValue('session-tickets');
  await page.getByTestId('bp-step').setChecked(false);
  await page.getByTestId('connect-button').click();
  await waitForStatus(page, 'connected');
  await expect(page.getByTestId('status')).toContainText('resumed');
});

test('TLS 1.2 renegotiation started by the server: a second handshake under the first one\'s keys', async ({ page }) => {
  await openApp(page);
  await connectScenario(page, 'renegotiation-tls12');
  await waitForStatus(page, 'connected');
  await expect(page.getByTestId('status')).toContainText('TLSv1.2');
  // The lab server asks for a new handshake when the first application data arrives.
  await page.getByTestId('send-button').click();
  await expect(page.locator('.lrow.from-server[data-kind="handshake"]', { hasText: 'HelloRequest' })).toBeVisible();
  await expect(page.locator('.lrow.from-client.ep-application[data-kind="handshake"]', { hasText: 'ClientHello' })).toBeVisible();
  await expect(page.locator('.lrow.from-server[data-kind="app-data"]').first()).toBeVisible();
  const trace = await savedTrace(page);
  expect(handshakeNames(trace.events).filter((n) => n === 'ClientHello')).toHaveLength(2);
  // The renegotiation's records are protected with TLS 1.2 GCM: salt ‖ explicit nonce, recomputed.
  await page.locator('.lrow.from-client.ep-application[data-kind="handshake"]', { hasText: 'ClientHello' }).click();
  await expect(page.getByTestId('record-details').first()).toContainText('salt ‖ explicit nonce');
  await expect(page.getByTestId('record-details').first()).toContainText('✓ recomputed');
  await shot(page, 'tls12-renegotiated');
});

test('key update: the Key schedule brings the step\'s new traffic secret into view', async ({ page }) => {
  await openApp(page);
  await connectScenario(page, 'key-update');
  await waitForStatus(page, 'connected');
  const updates = page.locator('.lrow[data-kind="handshake"]', { hasText: 'KeyUpdate' });
  await expect(updates).toHaveCount(3);
  // The client's own KeyUpdate: its next traffic secret is derived there, at the foot of a long tree.
  await page.locator('.lrow.from-client[data-kind="handshake"]', { hasText: 'KeyUpdate' }).click();
  await openPanel(page, 'Key schedule');
  const fresh = page.locator('[data-testid="keytree"] .keynode.fresh').first();
  await expect(fresh).toBeInViewport();
  await expect(fresh).toContainText('new at this step');
  // Stepping with the panel open: the first KeyUpdate from the server, its own new secret in view.
  await updates.first().click();
  await expect(fresh).toBeInViewport();
  await expect(page.locator('[data-testid="keytree"] .keynode').first()).not.toBeInViewport();
  await shot(page, 'key-update-keys');
});

test('client certificate required, and declined: the server\'s alert and a plain error, trace kept', async ({ page }) => {
  await openApp(page);
  await connectScenario(page, 'client-cert-required', { clientCert: 'none' });
  await waitForStatus(page, /failed|closed/);
  const trace = await savedTrace(page);
  const alerts = trace.events.filter((e) => e.kind === 'alert' && e.direction === 'server');
  expect(alerts.length).toBeGreaterThan(0);
  const alert = alerts[0] as { name: string };
  await expect(page.locator('.lrow.from-server[data-kind="alert"]').first()).toContainText(alert.name);
  // The client did answer the request, with an empty Certificate.
  expect(trace.events.some((e) => e.kind === 'handshake' && e.direction === 'client' && e.name === 'Certificate')).toBe(true);
  await expect(page.getByTestId('error')).toBeVisible();
  await shot(page, 'client-cert-required-declined');
});
