// The first screen before the app's scripts have loaded (index.html's prerendered markup and its boot script,
// src/ui/boot/shell.ts): it shows and works at once, and the app takes over without losing anything done there
// (a connection in flight, choices, focus, buttons pressed, a file chosen).
// Each test holds the app's entry script back until it has acted on the bare page, then lets it load.
import { expect, test, type Page } from '@playwright/test';
import { writeFile } from 'node:fs/promises';
import { expectAccessible, savedTrace, waitForStatus } from './helpers.ts';

/** Open the page with the app's entry script held back; the returned function lets it load. */
async function openWithAppHeld(page: Page): Promise<() => Promise<void>> {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let asked = false;
  await page.route(/\/assets\/index-[\w-]+\.js$/, async (route) => {
    asked = true;
    await released;
    await route.continue();
  });
  // Not until "load" or DOMContentLoaded: both wait for the app's (module) script.
  await page.goto('/', { waitUntil: 'commit' });
  await expect.poll(() => asked).toBe(true);
  await expect(page.getByTestId('connect-button')).toBeVisible();
  return async () => {
    release();
    // The app has taken over once its first render replaced the markup (React's own listeners are on #root).
    await expect.poll(() => page.evaluate(() => Object.keys(document.getElementById('root')!).some((k) => k.startsWith('__react')))).toBe(true);
  };
}

const appLoaded = (page: Page) => page.evaluate(() => Object.keys(document.getElementById('root')!).some((k) => k.startsWith('__react')));

test('the Connect form shows and connects before the app has loaded; the app then shows that connection', async ({ page, context }, info) => {
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  const loadApp = await openWithAppHeld(page);
  await expect(page.getByRole('heading', { name: 'TLS Lens' })).toBeVisible();
  await expectAccessible(page, 'the prerendered first screen');
  await page.getByLabel('A server (host:port the bridge allows)').check();
  await page.getByTestId('target-input').fill('10.1.2.3:443');
  await page.getByTestId('bp-step').setChecked(false);
  await page.getByTestId('connect-button').click();
  // The engine's worker ran the connection (the bridge refused it) while the app's script was still held.
  await waitForStatus(page, 'failed');
  await expect(page.getByTestId('status')).toContainText(/10\.1\.2\.3:443: failed — .*private/i);
  await expect(page.getByTestId('connect-button')).toHaveCount(0);
  expect(await appLoaded(page)).toBe(false);
  expect(page.url()).toContain('target=10.1.2.3%3A443');

  await loadApp();
  // The app shows the same connection: its status, the error in plain words, the trace; the form stays closed.
  await waitForStatus(page, 'failed');
  await expect(page.getByTestId('error')).toContainText(/refused/i);
  await expect(page.getByTestId('error')).toContainText(/private/i);
  await expect(page.getByTestId('connect-button')).toHaveCount(0);
  await expect(page.getByTestId('toggle-connect')).toHaveText('Connect…');
  // The next Connect is the app's own: a fresh form, as after any connection.
  await page.getByTestId('toggle-connect').click();
  await expect(page.getByLabel('A lab scenario')).toBeChecked();
  await expect(page.getByTestId('scenario-select')).toBeVisible();
  expect(errors).toEqual([]);

  // That connection's trace, opened in a fresh page before its app has loaded: the app opens it once it has.
  const file = info.outputPath('refused.json');
  await writeFile(file, JSON.stringify(await savedTrace(page)));
  const replay = await context.newPage();
  const loadReplayApp = await openWithAppHeld(replay);
  await replay.getByTestId('open-trace-input').setInputFiles(file);
  await loadReplayApp();
  await expect(replay.getByTestId('status')).toHaveAttribute('data-status', 'replay');
  await expect(replay.getByTestId('status')).toContainText('Offline replay of refused.json');
});

test('choices made before the app loaded are kept: the where-choice, typed values, open options, focus, buttons pressed', async ({ page }) => {
  const loadApp = await openWithAppHeld(page);
  await page.getByLabel('A server (host:port the bridge allows)').check();
  await page.locator('summary', { hasText: 'Handshake options' }).click();
  await page.getByLabel('ALPN (comma-separated)').fill('h2, http/1.1');
  await page.getByLabel('Server name (SNI)').fill('example.test');
  await page.getByTestId('bp-auth').check();
  await page.getByTestId('theme-toggle').click();
  await page.getByTestId('target-input').fill('example.org:443');
  expect(await appLoaded(page)).toBe(false);

  await loadApp();
  await expect(page.getByTestId('target-input')).toHaveValue('example.org:443');
  await expect(page.getByTestId('target-input')).toBeFocused();
  await expect(page.getByLabel('ALPN (comma-separated)')).toHaveValue('h2, http/1.1');
  await expect(page.getByLabel('ALPN (comma-separated)')).toBeVisible();
  await expect(page.getByLabel('Server name (SNI)')).toHaveValue('example.test');
  await expect(page.getByTestId('bp-auth')).toBeChecked();
  await expect(page.getByTestId('bp-step')).toBeChecked();
  // The theme button pressed before the app loaded was pressed again by the app.
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await expect(page.getByTestId('theme-toggle')).toHaveText('Light');
});

test('Connect pressed for a lab scenario before the app loaded: the app connects once it has the lab', async ({ page }) => {
  const loadApp = await openWithAppHeld(page);
  await expect(page.getByText('Loading the lab…')).toBeVisible();
  await page.getByTestId('bp-step').setChecked(false);
  await page.getByTestId('connect-button').click();
  await page.waitForTimeout(200);
  await expect(page.getByTestId('status')).toHaveAttribute('data-status', 'idle');
  await loadApp();
  await waitForStatus(page, 'connected');
  await expect(page.locator('.ladder .lrow').first()).toBeVisible();
});
