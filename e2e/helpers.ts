// Shared steps for the browser tests: connect to a lab scenario, read the trace the page saves,
// take screenshots, run axe.
import { expect, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { readFile } from 'node:fs/promises';
import type { TraceEvent, TraceFile } from '../src/trace/types.ts';

export interface ConnectChoice {
  step?: boolean;
  serverAuth?: boolean;
  clientCert?: 'ask' | 'lab' | 'none';
}

export async function openApp(page: Page, hash = ''): Promise<void> {
  await page.goto(`/${hash}`);
  await expect(page.getByRole('heading', { name: 'TLS Lens' })).toBeVisible();
  // The app itself, not the prerendered first screen its boot script runs until then (e2e/first-screen.spec.ts tests
  // that one): the page's "load" no longer waits for the app's entry, which runs once the engine worker is up.
  await expect.poll(() => page.evaluate(() => Object.keys(document.getElementById('root')!).some((k) => k.startsWith('__react')))).toBe(true);
}

/** Pick a lab scenario in the Connect form, set breakpoints, connect. */
export async function connectScenario(page: Page, id: string, choice: ConnectChoice = {}): Promise<void> {
  await page.getByTestId('scenario-select').selectOption(id);
  await expect(page.getByTestId('scenario-card')).toBeVisible();
  await page.getByTestId('bp-step').setChecked(choice.step ?? false);
  await page.getByTestId('bp-auth').setChecked(choice.serverAuth ?? false);
  if (choice.clientCert) {
    await page.locator('summary', { hasText: 'Handshake options' }).click();
    await page.getByLabel('If a client certificate is requested').selectOption(choice.clientCert);
  }
  await page.getByTestId('connect-button').click();
}

export async function waitForStatus(page: Page, status: string | RegExp): Promise<void> {
  await expect(page.getByTestId('status')).toHaveAttribute('data-status', status, { timeout: 30_000 });
}

/** Save the trace through the page's own button and parse the downloaded file. */
export async function savedTrace(page: Page): Promise<TraceFile> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('save-trace').click()]);
  const path = await download.path();
  return JSON.parse(await readFile(path!, 'utf8')) as TraceFile;
}

export function handshakeNames(events: TraceEvent[]): string[] {
  return events.filter((e) => e.kind === 'handshake').map((e) => (e as { name: string }).name);
}

export async function ladderLabels(page: Page): Promise<string[]> {
  return page.locator('.ladder .lrow').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
}

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `test-results/${name}.png` });
}

/** axe-core on the page as it is now: no serious or critical violations. */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  const result = await new AxeBuilder({ page }).analyze();
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const summary = bad.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
  expect(summary, `accessibility of ${what}`).toEqual([]);
}

export async function openPanel(page: Page, name: 'Message' | 'Key schedule' | 'Certificates' | 'API calls' | 'Ladder'): Promise<void> {
  await page.getByRole('tab', { name }).click();
}
