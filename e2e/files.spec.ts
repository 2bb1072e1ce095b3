// Saving a trace, reopening it offline (every view works on the replay), the key log download,
// presenter mode, and the link that reopens a replay.
import { expect, test } from '@playwright/test';
import { readFile, writeFile } from 'node:fs/promises';
import type { TraceFile } from '../src/trace/types.ts';
import { connectScenario, expectAccessible, openApp, openPanel, savedTrace, shot, waitForStatus } from './helpers.ts';

test('save a trace, reopen it offline, step through it; key log; link reopens it', async ({ page, context }, info) => {
  await openApp(page);
  await connectScenario(page, 'good-tls13');
  await waitForStatus(page, 'connected');
  // The server's tickets may still be arriving after 'connected': save once the ladder holds the same rows before and
  // after the save, so the file has exactly what the live page shows.
  let trace: TraceFile | undefined;
  let liveRows = -1;
  await expect
    .poll(async () => {
      const before = await page.locator('.lrow').count();
      trace = await savedTrace(page);
      liveRows = await page.locator('.lrow').count();
      return before === liveRows;
    })
    .toBe(true);
  const file = info.outputPath('saved-trace.json');
  await writeFile(file, JSON.stringify(trace));

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('save-keylog').click()]);
  const keylog = await readFile((await download.path())!, 'utf8');
  expect(keylog).toMatch(/^CLIENT_HANDSHAKE_TRAFFIC_SECRET [0-9a-f]{64} [0-9a-f]{64,96}$/m);
  expect(keylog).toMatch(/^SERVER_TRAFFIC_SECRET_0 [0-9a-f]{64} [0-9a-f]{64,96}$/m);

  // A fresh page, then no network at all: the replay needs none.
  const replay = await context.newPage();
  await openApp(replay);
  await replay.waitForLoadState('networkidle');
  await context.setOffline(true);
  await replay.getByTestId('open-trace-input').setInputFiles(file);
  await expect(replay.getByTestId('status')).toHaveAttribute('data-status', 'replay');
  await expect(replay.locator('.lrow')).toHaveCount(liveRows);
  await expect(replay.getByTestId('position')).toContainText('Step 1 of');
  await replay.keyboard.press('j');
  await replay.keyboard.press('j');
  await expect(replay.getByTestId('position')).toContainText('Step 3 of');
  await replay.locator('.lrow[data-kind="handshake"]', { hasText: 'Certificate' }).first().click();
  await expect(replay.locator('.insp-title')).toContainText('Certificate');
  await replay.keyboard.press('End');
  await openPanel(replay, 'Key schedule');
  await expect(replay.locator('[data-testid="keytree"] .keyvalue').first()).toBeVisible();
  await openPanel(replay, 'Certificates');
  await expect(replay.getByTestId('cert-verdict')).toContainText('verified');
  await expect(replay.getByTestId('cert-details')).toBeVisible();
  await openPanel(replay, 'API calls');
  await expect(replay.getByTestId('api-view')).toContainText('OpenSSL');
  await shot(replay, 'replay-offline');
  await expectAccessible(replay, 'an offline replay');
  await context.setOffline(false);

  // The URL names the stored replay and the view: a new page with that link shows the same step.
  await replay.locator('.ladder-head').click();
  await replay.keyboard.press('Home');
  await replay.keyboard.press('j');
  await expect(replay.getByTestId('position')).toContainText('Step 2 of');
  // The URL follows the view once the page is idle (main.tsx): wait for it rather than a fixed time.
  await expect.poll(() => replay.url()).toMatch(/step=2/);
  const url = replay.url();
  expect(url).toMatch(/replay=/);
  expect(url).toMatch(/step=2/);
  const again = await context.newPage();
  await again.goto(url);
  await expect(again.getByTestId('position')).toContainText('Step 2 of');
  await expect(again.getByTestId('status')).toHaveAttribute('data-status', 'replay');

  // A file that is not a trace gets a plain answer.
  const bad = info.outputPath('not-a-trace.json');
  await writeFile(bad, JSON.stringify({ hello: 'world' }));
  await again.getByTestId('open-trace-input').setInputFiles(bad);
  await expect(again.getByTestId('error')).toContainText('not a TLS Lens trace');
});

test('presenter mode: large type, high contrast, one panel at a time', async ({ page }, info) => {
  await openApp(page);
  await connectScenario(page, 'good-tls13');
  await waitForStatus(page, 'connected');
  const trace: TraceFile = await savedTrace(page);
  expect(trace.events.length).toBeGreaterThan(10);
  await page.keyboard.press('Home');
  await page.getByTestId('presenter-toggle').click();
  await expect(page.locator('.app.presenter')).toBeVisible();
  const size = await page.locator('.app').evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
  expect(size).toBeGreaterThanOrEqual(20);
  const colors = await page.locator('.app').evaluate((el) => [getComputedStyle(el).backgroundColor, getComputedStyle(el).color]);
  expect(colors).toEqual(['rgb(0, 0, 0)', 'rgb(255, 255, 255)']);
  await expect(page.getByRole('tabpanel')).toHaveCount(1);
  await page.keyboard.press('1');
  await expect(page.getByRole('tab', { name: 'Ladder' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.locator('.ladder')).toBeVisible();
  await expect(page.locator('.fields-bytes')).toHaveCount(0);
  // On a 1280x720 projector the header, stepper and send bar at presenter type left the ladder 375px (52%); the
  // compact chrome leaves it about two thirds.
  await page.setViewportSize({ width: 1280, height: 720 });
  await expect.poll(() => page.locator('.ladder').evaluate((el) => el.getBoundingClientRect().height)).toBeGreaterThanOrEqual(0.6 * 720);
  await page.setViewportSize({ width: 1400, height: 900 });
  await shot(page, 'presenter-ladder');
  await expectAccessible(page, 'presenter mode (ladder)');
  await page.keyboard.press('j');
  await page.keyboard.press('2');
  await expect(page.locator('.ladder')).toHaveCount(0);
  // Step 1 is the connection start, step 2 the ClientHello.
  await expect(page.locator('.insp-title')).toContainText('ClientHello');
  await shot(page, 'presenter-inspector');
  await expectAccessible(page, 'presenter mode (inspector)');
  await page.keyboard.press('Escape');
  await expect(page.locator('.app.presenter')).toHaveCount(0);
  void info;
});

test('dark theme passes the accessibility check too', async ({ page }) => {
  await openApp(page, '#theme=dark');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await connectScenario(page, 'good-tls13');
  await waitForStatus(page, 'connected');
  await page.keyboard.press('Home');
  await shot(page, 'dark-theme');
  await expectAccessible(page, 'the dark theme');
});
