// The Compare view with two lab traces: TLS 1.3 (good-tls13) and TLS 1.2 (tls12-only) run in the page, each taken
// as "the current session"; then a saved trace opened from a file, a file that is not a trace, and axe. Then a full
// handshake and its resumption from one CLI trace (openssl s_server), through the connection picker.
import { expect, test, type Page } from '@playwright/test';
import fs from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { compareTraces } from '../src/ui/compare/model.ts';
import type { TraceFile } from '../src/trace/types.ts';
import { makePki } from '../test/tls/helpers.ts';
import { recordAgainstSServer, tempDir } from '../test/compare/traces.ts';
import { connectScenario, expectAccessible, openApp, savedTrace, shot, waitForStatus } from './helpers.ts';

/** Run a lab scenario and save its trace once the connection has nothing more to say: `ticketsAfter` is how many
 * NewSessionTickets its server sends after a TLS 1.3 handshake (they come after 'connected'; a trace saved before them
 * would not be the session the Compare view takes later). */
async function runScenario(page: Page, id: string, ticketsAfter = 0): Promise<TraceFile> {
  // The Connect form shows at first and hides once a session starts; its toggle says which.
  const toggle = page.getByTestId('toggle-connect');
  if ((await toggle.getAttribute('aria-expanded')) === 'false') await toggle.click();
  await connectScenario(page, id);
  await waitForStatus(page, 'connected');
  // The summary (version, suite) comes in its own message just after "connected"; it lengthens the status line and
  // may add a Renegotiate button, moving the header. Wait for it so no later click lands on a moving target.
  await expect(page.getByTestId('status')).toContainText(/TLSv1\.[23]/);
  if (ticketsAfter > 0) await expect(page.locator('.lrow[data-kind="handshake"]', { hasText: 'NewSessionTicket' })).toHaveCount(ticketsAfter);
  return savedTrace(page);
}

async function takeSession(page: Page, slot: 'a' | 'b'): Promise<void> {
  await page.getByTestId('toggle-compare').click();
  await expect(page.getByTestId('compare-view')).toBeVisible();
  await page.getByTestId(`compare-use-session-${slot}`).click();
  await expect(page.getByTestId(`compare-name-${slot}`)).toContainText('current session');
}

const summaryCell = (page: Page, topic: string, side: 'a' | 'b') => page.locator(`[data-testid="compare-summary"] tr[data-topic="${topic}"] td[data-side="${side}"]`);

test('compare TLS 1.3 and TLS 1.2 from the lab: aligned rows, round trips, differences', async ({ page }, info) => {
  await openApp(page);
  // The lab's TLS 1.3 servers are Node's, which sends two tickets after the handshake.
  const t13 = await runScenario(page, 'good-tls13', 2);
  await takeSession(page, 'a');
  await expect(page.getByTestId('compare-rows')).toHaveCount(0);
  await page.getByTestId('toggle-compare').click();
  await expect(page.getByTestId('compare-view')).toHaveCount(0);

  const t12 = await runScenario(page, 'tls12-only');
  await takeSession(page, 'b');

  // What each agreed, and the round trips: 1 for TLS 1.3, 2 for TLS 1.2 before the client has the server's Finished.
  await expect(summaryCell(page, 'Version', 'a')).toHaveText('TLS 1.3');
  await expect(summaryCell(page, 'Version', 'b')).toHaveText('TLS 1.2');
  await expect(summaryCell(page, 'Round trips until the server’s Finished', 'a')).toHaveText('1');
  await expect(summaryCell(page, 'Round trips until the server’s Finished', 'b')).toHaveText('2');
  await expect(summaryCell(page, 'First encrypted message', 'a')).toHaveText('server EncryptedExtensions');
  await expect(summaryCell(page, 'Server certificates', 'a')).toContainText('2 certificates, encrypted');
  await expect(summaryCell(page, 'Server certificates', 'b')).toContainText('2 certificates, in plaintext');

  // Messages aligned by role, each cell coloured by the keys that protected it.
  const rows = page.locator('[data-testid="compare-rows"] tbody tr');
  await expect(rows.nth(0)).toHaveAttribute('data-role', 'hello');
  await expect(rows.nth(0).locator('td[data-side="a"] .cmp-label')).toHaveText('ClientHello');
  await expect(rows.nth(0).locator('td[data-side="b"] .cmp-label')).toHaveText('ClientHello');
  await expect(rows.nth(1).locator('td[data-side="b"] .cmp-label')).toHaveText('ServerHello');
  const cert = rows.filter({ has: page.locator('th', { hasText: /^certificate$/ }) }).filter({ has: page.locator('td[data-side="a"] .cmp-label', { hasText: 'Certificate' }) });
  await expect(cert).toHaveAttribute('data-both', 'yes');
  await expect(cert.locator('td[data-side="a"]')).toHaveAttribute('data-epoch', 'handshake');
  await expect(cert.locator('td[data-side="b"]')).toHaveAttribute('data-epoch', 'plaintext');
  const ske = rows.filter({ has: page.locator('td[data-side="b"] .cmp-label', { hasText: 'ServerKeyExchange' }) });
  await expect(ske).toHaveAttribute('data-both', 'no');
  await expect(ske.locator('td[data-side="a"]')).toHaveClass(/cmp-missing/);

  // The page's figures are the model's figures over the traces the page saved.
  const expected = compareTraces({ name: 'a', events: t13.events }, { name: 'b', events: t12.events });
  await expect(rows).toHaveCount(expected.rows.length);
  for (const [slot, s] of [['a', expected.a], ['b', expected.b]] as const) {
    const flights = page.locator(`[data-testid="compare-flights-${slot}"] tbody tr`);
    await expect(flights).toHaveCount(s.flights.length);
    await expect(flights.nth(0).locator('td').nth(1)).toHaveText('client');
    await expect(flights.nth(1).locator('td').nth(3)).toHaveText(String(s.flights[1].bytes));
  }
  expect(expected.a.flights[1].bytes).toBeGreaterThan(expected.a.flights[0].bytes);

  // The differences, in plain words.
  const diffs = page.getByTestId('compare-differences');
  await expect(diffs.locator('li[data-topic="Version"]')).toHaveText('A uses TLS 1.3, B uses TLS 1.2.');
  await expect(diffs.locator('li[data-topic="Handshake round trips"]')).toHaveText("The client holds the server's Finished after 1 round trip in A, 2 round trips in B.");
  await expect(diffs.locator('li[data-topic="Certificate chain"]')).toContainText('encrypted');
  await expect(diffs.locator('li[data-topic="Messages only in one"]')).toContainText('only B has server ServerKeyExchange');
  await shot(page, 'compare-tls13-tls12');
  await expectAccessible(page, 'the Compare view');

  // A saved trace opened from a file: B becomes the TLS 1.3 trace, the same handshake as A.
  const file = info.outputPath('tls13.json');
  await writeFile(file, JSON.stringify(t13));
  await page.getByTestId('compare-file-b').setInputFiles(file);
  await expect(page.getByTestId('compare-name-b')).toHaveText('tls13.json');
  await expect(summaryCell(page, 'Version', 'b')).toHaveText('TLS 1.3');
  await expect(page.getByTestId('compare-no-differences')).toBeVisible();

  // A file that is not a trace: a plain error on that side, the comparison on screen stays.
  const bad = info.outputPath('not-a-trace.json');
  await writeFile(bad, '{"format": "something else"}');
  await page.getByTestId('compare-file-a').setInputFiles(bad);
  await expect(page.getByTestId('compare-error-a')).toContainText('not a TLS Lens trace');
  await expect(summaryCell(page, 'Version', 'a')).toHaveText('TLS 1.3');
  await expectAccessible(page, 'the Compare view with an error');

  // Dark theme keeps it readable too.
  await page.getByRole('button', { name: 'Dark' }).click();
  await expectAccessible(page, 'the Compare view in the dark theme');

  // Asking for the Connect form leaves Compare (its picks stay for next time).
  await expect(page.getByTestId('toggle-connect')).toHaveText('Connect…');
  await page.getByTestId('toggle-connect').click();
  await expect(page.getByTestId('compare-view')).toHaveCount(0);
  await expect(page.getByTestId('scenario-select')).toBeVisible();
  await page.getByTestId('toggle-compare').click();
  await expect(page.getByTestId('compare-name-b')).toHaveText('tls13.json');
});

test('compare a full handshake with its resumption: one CLI trace with two connections, the connection picker', async ({ page }) => {
  // The CLI (our engine in Node) against openssl s_server, with --reconnect: connection 0 full, connection 1 resumed.
  const pki = makePki();
  const dir = tempDir();
  try {
    const saved = await recordAgainstSServer(pki, dir, 'reconnect', ['-tls1_3', '-num_tickets', '1']);
    expect(saved.code).toBe(0);
    await openApp(page);
    await page.getByTestId('toggle-compare').click();
    // No session yet: only files can be compared.
    await expect(page.getByTestId('compare-use-session-a')).toBeDisabled();
    await page.getByTestId('compare-file-a').setInputFiles(saved.file);
    await page.getByTestId('compare-file-b').setInputFiles(saved.file);
    await expect(page.getByTestId('compare-no-differences')).toBeVisible();
    await page.getByTestId('compare-conn-b').selectOption('1');

    await expect(summaryCell(page, 'Handshake', 'a')).toHaveText('full');
    await expect(summaryCell(page, 'Handshake', 'b')).toHaveText('resumed');
    await expect(summaryCell(page, 'Server certificates', 'b')).toHaveText('none sent');
    await expect(summaryCell(page, 'Round trips until the server’s Finished', 'b')).toHaveText('1');
    const rows = page.locator('[data-testid="compare-rows"] tbody tr');
    const cert = rows.filter({ has: page.locator('td[data-side="a"] .cmp-label', { hasText: /^Certificate$/ }) });
    await expect(cert).toHaveAttribute('data-both', 'no');
    await expect(rows.filter({ has: page.locator('td[data-side="b"] .cmp-label', { hasText: 'EncryptedExtensions' }) })).toHaveAttribute('data-both', 'yes');
    await expect(page.locator('[data-testid="compare-differences"] li[data-topic="Resumed"]')).toHaveText('A is a full handshake, B a resumed one: the resumed one skips the certificate and its proof.');
    await expect(page.locator('[data-testid="compare-differences"] li[data-topic="Extensions offered"]')).toContainText('pre_shared_key only in B');
    await shot(page, 'compare-full-resumed');
    await expectAccessible(page, 'the Compare view of a full and a resumed handshake');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(pki.dir, { recursive: true, force: true });
  }
});
