// Client-started TLS 1.2 renegotiation from the browser: the worker keeps a read pending the whole time, and the
// "Renegotiate" button still runs a second handshake inside the encrypted connection.
import { expect, test } from '@playwright/test';
import { connectScenario, expectAccessible, handshakeNames, openApp, savedTrace, shot, waitForStatus } from './helpers.ts';

test('TLS 1.2 renegotiation started by the client: the Renegotiate button, a second handshake on the application epoch', async ({ page }) => {
  await openApp(page);
  await connectScenario(page, 'renegotiation-tls12');
  await waitForStatus(page, 'connected');
  await expect(page.getByTestId('status')).toContainText('TLSv1.2');
  // TLS 1.2 has no KeyUpdate; it renegotiates (the lab server shows RFC 5746 support).
  await expect(page.getByTestId('key-update')).toHaveCount(0);
  const button = page.getByTestId('renegotiate');
  await expect(button).toBeVisible();
  await button.click();

  const marker = page.locator('.lrow[data-kind="renegotiation"]');
  await expect(marker).toHaveCount(1);
  await expect(marker).toContainText('Renegotiation #1: started by the client');
  const secondHello = page.locator('.lrow.from-client.ep-application[data-kind="handshake"]', { hasText: 'ClientHello' });
  await expect(secondHello).toBeVisible();
  await expect(page.locator('.lrow.from-server.ep-application[data-kind="handshake"]', { hasText: 'Finished' })).toHaveCount(2);
  await expect(page.getByTestId('status')).toContainText('renegotiation complete');

  // The ladder's order: the marker, then ClientHello … the server's Finished, all under the first handshake's keys.
  const rows = await page.locator('.ladder .lrow').evaluateAll((els) =>
    els.map((e) => ({ kind: e.getAttribute('data-kind'), cls: e.className, text: e.textContent ?? '' })),
  );
  const at = rows.findIndex((r) => r.kind === 'renegotiation');
  const second = rows.slice(at + 1).filter((r) => r.kind === 'handshake');
  expect(second.map((r) => r.text.match(/ClientHello|ServerHelloDone|ServerHello|Certificate|ServerKeyExchange|ClientKeyExchange|Finished/)?.[0])).toEqual([
    'ClientHello',
    'ServerHello',
    'Certificate',
    'ServerKeyExchange',
    'ServerHelloDone',
    'ClientKeyExchange',
    'Finished',
    'Finished',
  ]);
  for (const r of second) expect(r.cls).toContain('ep-application');

  await marker.click();
  await shot(page, 'tls12-client-renegotiation');
  await expectAccessible(page, 'the ladder after a client-started renegotiation');

  const trace = await savedTrace(page);
  expect(handshakeNames(trace.events).filter((n) => n === 'ClientHello')).toHaveLength(2);
  expect(trace.events.filter((e) => e.kind === 'finished' && e.ok)).toHaveLength(4);
  expect(trace.events.some((e) => e.kind === 'error')).toBe(false);

  // The connection still carries data after the renegotiation (the lab server's first data also triggers its own
  // HelloRequest, so a second, server-started renegotiation follows before the answer).
  await page.getByTestId('send-button').click();
  // The lab server answers one request, then closes; End follows the ladder to the last step again.
  await waitForStatus(page, 'closed');
  await page.locator('.ladder .lrow').first().focus();
  await page.keyboard.press('End');
  await expect(page.locator('.lrow.from-server[data-kind="app-data"]').first()).toBeVisible();
  // The ladder is virtualised: the first marker may have scrolled out of the DOM, so look for the second by its text.
  await expect(page.locator('.lrow[data-kind="renegotiation"]', { hasText: 'Renegotiation #2: requested by the server' })).toBeVisible();
  const after = await savedTrace(page);
  expect(handshakeNames(after.events).filter((n) => n === 'ClientHello')).toHaveLength(3);
  // Alerts and application data name the record that carried them.
  for (const e of after.events.filter((ev) => ev.kind === 'alert' || ev.kind === 'app-data')) {
    const record = (e as { record?: number }).record;
    expect(record).toBeDefined();
    expect(after.events[record!].kind).toBe('record');
  }
  await shot(page, 'tls12-client-then-server-renegotiation');
});

test('TLS 1.3 has no Renegotiate button (it updates keys instead)', async ({ page }) => {
  await openApp(page);
  await connectScenario(page, 'good-tls13');
  await waitForStatus(page, 'connected');
  await expect(page.getByTestId('status')).toContainText('TLSv1.3');
  await expect(page.getByTestId('key-update')).toBeVisible();
  await expect(page.getByTestId('renegotiate')).toHaveCount(0);
});
