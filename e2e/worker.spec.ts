// One engine worker serves every connection of the page: a new Connect replaces the running one (here paused
// at its first message) and shows nothing of it; the worker is not restarted between connections.
import { expect, test } from '@playwright/test';
import { connectScenario, handshakeNames, openApp, savedTrace, waitForStatus } from './helpers.ts';

test('a second Connect while the first is paused: only the second session is shown, from one worker', async ({ page }) => {
  const workers: string[] = [];
  page.on('worker', (w) => workers.push(w.url()));
  await openApp(page);
  await connectScenario(page, 'tls12-only', { step: true });
  await waitForStatus(page, 'paused');

  await page.getByTestId('toggle-connect').click();
  await connectScenario(page, 'good-tls13');
  await waitForStatus(page, 'connected');
  await expect(page.getByTestId('status')).toContainText('TLSv1.3');
  const trace = await savedTrace(page);
  // One ClientHello, one TLS 1.3 session: nothing of the paused TLS 1.2 attempt.
  expect(handshakeNames(trace.events).filter((n) => n === 'ClientHello')).toHaveLength(1);
  expect(trace.events.some((e) => e.kind === 'handshake' && (e as { name: string }).name === 'ServerKeyExchange')).toBe(false);
  expect(trace.events.filter((e) => e.kind === 'pause')).toHaveLength(0);
  // A third connection still works, in the same worker.
  await page.getByTestId('toggle-connect').click();
  await connectScenario(page, 'good-tls13');
  await waitForStatus(page, 'connected');
  expect(handshakeNames((await savedTrace(page)).events).filter((n) => n === 'ClientHello')).toHaveLength(1);
  expect(workers.filter((u) => u.includes('engine.worker'))).toHaveLength(1);
});
