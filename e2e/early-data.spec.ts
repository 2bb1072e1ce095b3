// 0-RTT in the app, live through the bridge: the lab's early-data scenario (our own server engine) connected twice,
// the second time with early data typed in the Connect form. The worker keeps the first Connect's ticket and offers
// it; the early data goes under the client early traffic keys before the server's answer, EndOfEarlyData closes it,
// the line under the status says it was accepted, and the server's answer says what it read as early data.
import { expect, test, type Page } from '@playwright/test';
import type { TraceEvent } from '../src/trace/types.ts';
import { connectScenario, expectAccessible, handshakeNames, openApp, savedTrace, shot, waitForStatus } from './helpers.ts';

const REQUEST_TYPED = 'GET / HTTP/1.0\\r\\n\\r\\n';

/** A fresh Connect form (Connect…), the early data typed in its handshake options, and Connect. */
async function connectWithEarlyData(page: Page, earlyData: string, resume = true): Promise<void> {
  await page.getByTestId('toggle-connect').click();
  await page.getByTestId('scenario-select').selectOption('early-data');
  await page.locator('summary', { hasText: 'Handshake options' }).click();
  await page.getByTestId('early-data-input').fill(earlyData);
  await page.getByTestId('resume').setChecked(resume);
  await connectScenario(page, 'early-data');
}

/** What the server sent as application data, as text. */
function serverText(events: TraceEvent[]): string {
  const hex = events.flatMap((e) => (e.kind === 'app-data' && e.direction === 'server' ? [e.bytes] : [])).join('');
  return Buffer.from(hex, 'hex').toString('utf8');
}

test('0-RTT: the second Connect sends the typed early data before the server answers, and the server read it', async ({ page }) => {
  await openApp(page);
  await connectScenario(page, 'early-data');
  await waitForStatus(page, 'connected');
  await expect(page.getByTestId('early-data-outcome')).toHaveCount(0);

  await connectWithEarlyData(page, REQUEST_TYPED);
  await waitForStatus(page, /connected|closed/);
  const outcome = page.getByTestId('early-data-outcome');
  await expect(outcome).toHaveText('0-RTT accepted: the server read 18 bytes of early data before the handshake ended');
  // The ladder: the kept ticket offered, the early data record under the early keys, EndOfEarlyData, the engine's note.
  await expect(page.locator('.lrow[data-kind="note"]', { hasText: 'offering the ticket kept from the last Connect' })).toBeVisible();
  await expect(page.locator('.lrow.from-client.ep-early[data-kind="app-data"]')).toHaveCount(1);
  await expect(page.locator('.lrow.from-client.ep-early[data-kind="handshake"]', { hasText: 'EndOfEarlyData' })).toBeVisible();
  await expect(page.locator('.lrow[data-kind="note"]', { hasText: /^0-RTT accepted/ })).toBeVisible();
  await shot(page, 'early-data-accepted');
  await expectAccessible(page, 'a 0-RTT connection and its outcome line');

  const trace = await savedTrace(page);
  const names = handshakeNames(trace.events);
  expect(names.slice(0, 3)).toEqual(['ClientHello', 'ServerHello', 'EncryptedExtensions']);
  expect(names).toContain('EndOfEarlyData');
  expect(names).not.toContain('Certificate');
  // The early data left before the server's first byte: its record comes before the ServerHello in the trace.
  const earlyRecord = trace.events.findIndex((e) => e.kind === 'app-data' && e.direction === 'client');
  const serverHello = trace.events.findIndex((e) => e.kind === 'handshake' && e.name === 'ServerHello');
  expect(earlyRecord).toBeGreaterThan(-1);
  expect(earlyRecord).toBeLessThan(serverHello);
  expect(trace.events.some((e) => e.kind === 'key' && e.name === 'client_early_traffic_secret')).toBe(true);
  await expect.poll(async () => serverText((await savedTrace(page)).events)).toContain('read 18 bytes of early data before the handshake ended: "GET / HTTP/1.0\\r\\n\\r\\n"');
});

test('0-RTT with resumption unticked: no ticket offered, the early data goes after a full handshake, and the line says why', async ({ page }) => {
  await openApp(page);
  await connectScenario(page, 'early-data');
  await waitForStatus(page, 'connected');
  await connectWithEarlyData(page, REQUEST_TYPED, false);
  await waitForStatus(page, /connected|closed/);
  await expect(page.getByTestId('early-data-outcome')).toHaveText('Early data not sent as 0-RTT: no TLS 1.3 ticket to resume with. The 18 bytes went after the handshake, as ordinary application data');
  await expect(page.locator('.lrow.ep-early')).toHaveCount(0);
  await expect.poll(async () => serverText((await savedTrace(page)).events)).toContain('early data (0-RTT): none');
});
