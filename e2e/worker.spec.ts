// One engine worker serves every connection of the page: a new Connect replaces the running one (here paused
// at its first message) and shows nothing of it; the worker is not restarted between connections.
import { expect, test } from '@playwright/test';
import { connectScenario, expectAccessible, handshakeNames, openApp, savedTrace, waitForStatus } from './helpers.ts';

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

// The Connect button starts the connection itself (the browser never submits the form): its one rule still holds,
// with the browser's own message, and Enter in a field connects as before.
test('Connect with no target refuses with the field’s message; Enter in a field connects', async ({ page }) => {
  await openApp(page);
  await page.getByLabel('A server (host:port the bridge allows)').check();
  const target = page.getByTestId('target-input');
  await page.getByTestId('connect-button').click();
  await expect(target).toBeFocused();
  expect(await target.evaluate((el: HTMLInputElement) => el.validity.valueMissing)).toBe(true);
  await expect(page.getByTestId('status')).toContainText('No session');
  await expect(page.getByTestId('connect-button')).toHaveText('Connect');

  await page.getByLabel('A lab scenario').check();
  await page.getByTestId('scenario-select').selectOption('good-tls13');
  await page.getByTestId('bp-step').setChecked(false);
  await page.locator('summary', { hasText: 'Handshake options' }).click();
  await page.getByPlaceholder('h2, http/1.1').press('Enter');
  await waitForStatus(page, 'connected');
  expect(handshakeNames((await savedTrace(page)).events)).toContain('ClientHello');
});

// A Connect hides its form rather than removing it (removing it was most of the render that shows the connection);
// the page stays accessible with it hidden, and Connect… opens a fresh form, as before.
test('Connect hides its form without removing it; Connect… then opens a fresh form', async ({ page }) => {
  await openApp(page);
  await page.locator('summary', { hasText: 'Handshake options' }).click();
  await page.getByPlaceholder('h2, http/1.1').fill('http/1.1');
  await page.evaluate(() => ((window as unknown as { formBefore: Element | null }).formBefore = document.querySelector('form.connect')));
  await connectScenario(page, 'good-tls13');
  await waitForStatus(page, 'connected');
  await expect(page.locator('form.connect')).toBeHidden();
  expect(await page.evaluate(() => (window as unknown as { formBefore: Element }).formBefore.isConnected)).toBe(true);
  await expect(page.getByTestId('toggle-connect')).toHaveText('Connect…');
  await expectAccessible(page, 'a connection shown, its form hidden');

  await page.getByTestId('toggle-connect').click();
  await expect(page.locator('form.connect')).toBeVisible();
  await expect(page.locator('form.connect')).toHaveCount(1);
  expect(await page.evaluate(() => (window as unknown as { formBefore: Element }).formBefore.isConnected)).toBe(false);
  await page.locator('summary', { hasText: 'Handshake options' }).click();
  await expect(page.getByPlaceholder('h2, http/1.1')).toHaveValue('');
  await expect(page.getByTestId('connect-button')).toHaveText('Connect');
});

// The press draws nothing: only the status line's data-status changes at once (whatever watches the line never takes
// the previous session for the new one). A connection that takes longer than a tenth of a second is drawn then, its
// status line saying "connecting" with a progress bar (aria-live tells screen readers); a second press meanwhile is
// refused in the button's handler.
test('a Connect says "connecting" only once it takes longer than a tenth of a second; a second press meanwhile is refused', async ({ page, context }) => {
  // The lab CA held back: the page's first Connect starts without it and waits for it at the chain check.
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  await context.route(/\/api\/lab\/ca\.pem$/, async (route) => {
    await held;
    await route.continue();
  });
  // The connections the page asks its engine worker for.
  await page.addInitScript(`{
    const post = Worker.prototype.postMessage;
    self.connectsPosted = 0;
    Worker.prototype.postMessage = function (m, ...rest) { if (m && m.type === 'connect') self.connectsPosted++; return post.call(this, m, ...rest); };
  }`);
  await openApp(page);
  await page.getByTestId('scenario-select').selectOption('good-tls13');
  await page.getByTestId('bp-step').setChecked(false);
  const status = page.getByTestId('status');
  await expect(status).toHaveAttribute('aria-live', 'polite');
  // Two presses in one go, and the page as they left it.
  const atPress = await page.evaluate(() => {
    const line = document.querySelector('[data-testid="status"]')!;
    const words = line.textContent;
    const button = document.querySelector<HTMLButtonElement>('[data-testid="connect-button"]')!;
    button.click();
    button.click();
    return {
      status: line.getAttribute('data-status'),
      wordsKept: line.textContent === words,
      progressHidden: line.querySelector('progress')!.hidden,
      button: button.textContent,
      connects: (window as unknown as { connectsPosted: number }).connectsPosted,
    };
  });
  expect(atPress).toEqual({ status: 'connecting', wordsKept: true, progressHidden: true, button: 'Connect', connects: 1 });
  // Still waiting for the lab CA: the line says "connecting" with its progress bar, and the connection is drawn (the
  // form hidden, the ClientHello in the ladder).
  await expect(status).toContainText(/connecting/i);
  // The worker's word on where it is, held with the events for the handshake's first tenth of a second, then sent.
  await expect(status).toContainText('handshake in progress');
  await expect(page.getByRole('progressbar', { name: 'Connecting' })).toBeVisible();
  await expect(page.locator('form.connect')).toBeHidden();
  await expect(page.locator('.lrow[data-kind="handshake"]').first()).toContainText('ClientHello');
  await expectAccessible(page, 'a connection taking its time');
  release();
  await waitForStatus(page, 'connected');
  await expect(status).toContainText('TLSv1.3');
  await expect(page.getByRole('progressbar', { name: 'Connecting' })).toBeHidden();
  expect(await page.evaluate(() => (window as unknown as { connectsPosted: number }).connectsPosted)).toBe(1);
});

test("a quick TLS 1.3 Connect's events reach the page in order, all of them with 'connected'", async ({ page }) => {
  // Every message the engine worker sends the page after the Connect is posted, in a few words, with when it came.
  await page.addInitScript(`{
    const Made = Worker;
    self.fromWorker = [];
    self.connectPostedAt = null;
    self.Worker = class extends Made {
      constructor(...args) {
        super(...args);
        this.addEventListener('message', (e) => {
          const m = e.data;
          if (self.connectPostedAt === null) return;
          const events = m.events ?? [];
          self.fromWorker.push({ after: performance.now() - self.connectPostedAt, type: m.type, status: m.status, indices: events.map((x) => x.index), serverRecords: events.filter((x) => x.kind === 'record' && x.direction === 'server').length, finished: events.filter((x) => x.kind === 'finished').map((x) => x.direction) });
        });
      }
      postMessage(m, ...rest) {
        if (m && m.type === 'connect') self.connectPostedAt = performance.now();
        return super.postMessage(m, ...rest);
      }
    };
  }`);
  await openApp(page);
  await connectScenario(page, 'good-tls13');
  await waitForStatus(page, 'connected');
  type Seen = { after: number; type: string; status?: string; indices: number[]; serverRecords: number; finished: string[] };
  const seen = (await page.evaluate(() => (window as unknown as { fromWorker: unknown[] }).fromWorker)) as Seen[];
  const upTo = seen.findIndex((m) => m.type === 'status' && m.status === 'connected');
  expect(upTo).toBeGreaterThanOrEqual(0);
  const before = seen.slice(0, upTo + 1);
  // Nothing lost, nothing twice, in order: the indices up to 'connected' are 0, 1, 2, ...
  const indices = before.flatMap((m) => m.indices);
  expect(indices.length).toBeGreaterThan(0);
  expect(indices).toEqual(indices.map((_, i) => i));
  // In a handshake's first tenth of a second the worker posts nothing, neither events nor 'connecting' details: each
  // post there (its clone, the page's copy) took CPU from the threads opening the WebSocket (HANDSHAKE_HOLD_MS). Only
  // a handshake slower than that (a loaded machine) has messages before 'connected'.
  expect(before.slice(0, upTo).filter((m) => m.after < 100)).toEqual([]);
  if (upTo === 0) {
    // The usual case: the whole handshake, the server's flight with its Finished and ours, came with 'connected'.
    expect(before[0].indices[0]).toBe(0);
    expect(before[0].serverRecords).toBeGreaterThan(1);
    expect(before[0].finished).toEqual(['server', 'client']);
  }
  // And the page shows all of it.
  const trace = await savedTrace(page);
  expect(trace.events.length).toBeGreaterThanOrEqual(indices.length);
  expect(handshakeNames(trace.events)).toContain('Finished');
});
