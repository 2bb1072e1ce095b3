// A long transfer through the app: the lab's echo sends back 320 KiB we send after the handshake, past the
// 256 KiB window each way. Without "Keep all application data for saving" the saved trace (made from what the
// worker kept) has every byte up to the window and, beyond it, each piece of data as its length and SHA-256,
// marked not kept, with a note saying so; with it, the saved trace has every byte. The inspector says which.
import { createHash } from 'node:crypto';
import { expect, test } from '@playwright/test';
import type { AppDataEvent, TraceEvent } from '../src/trace/types.ts';
import { openApp, savedTrace, waitForStatus } from './helpers.ts';

const SENT = 320 * 1024;
// Not one repeated byte, so each summary's hash names its own slice.
const BODY = Array.from({ length: SENT }, (_, i) => String.fromCharCode(97 + ((i * 7 + (i >> 10)) % 26))).join('');

const appData = (events: TraceEvent[], side: 'client' | 'server') => events.filter((e): e is AppDataEvent => e.kind === 'app-data' && e.direction === side);
const lengthOf = (e: AppDataEvent) => e.summarised?.length ?? e.bytes.length / 2;

for (const keep of [false, true]) {
  test(`a ${SENT / 1024} KiB echo ${keep ? 'kept whole for saving' : 'summarised beyond the window, in the saved trace too'}`, async ({ page }) => {
    await openApp(page);
    await page.getByTestId('scenario-select').selectOption('good-tls13');
    await page.getByTestId('bp-step').setChecked(false);
    await page.locator('summary', { hasText: 'Handshake options' }).click();
    await page.getByLabel('Application data to send after the handshake').fill(BODY);
    if (keep) await page.getByTestId('keep-app-data').check();
    await page.getByTestId('connect-button').click();
    await waitForStatus(page, 'connected');

    // The echo comes back in pieces: save until all of it is in the trace.
    let events: TraceEvent[] = [];
    await expect
      .poll(async () => {
        events = (await savedTrace(page)).events;
        return appData(events, 'server').reduce((n, e) => n + lengthOf(e), 0);
      }, { timeout: 60_000 })
      .toBe(SENT);

    const notes = events.filter((e) => e.kind === 'note' && e.text.includes('summarised from here on'));
    expect(notes).toHaveLength(1);
    for (const side of ['client', 'server'] as const) {
      const data = appData(events, side);
      expect(data.reduce((n, e) => n + lengthOf(e), 0)).toBe(SENT);
      if (keep) {
        expect(data.every((e) => !e.summarised)).toBe(true);
        expect(Buffer.from(data.map((e) => e.bytes).join(''), 'hex').toString('latin1')).toBe(BODY);
        continue;
      }
      // Our one write is one piece of data, whole (its first record was within the window); the echo comes back
      // as many. Beyond the window: summaries with the hash of their own slice of the body, not kept.
      if (side === 'client') continue;
      const left = data.filter((e) => e.summarised);
      expect(left.length).toBeGreaterThan(0);
      let offset = data.filter((e) => !e.summarised).reduce((n, e) => n + e.bytes.length / 2, 0);
      expect(offset).toBeGreaterThanOrEqual(256 * 1024);
      expect(Buffer.from(data.filter((e) => !e.summarised).map((e) => e.bytes).join(''), 'hex').toString('latin1')).toBe(BODY.slice(0, offset));
      for (const e of left) {
        expect(e.bytes).toBe('');
        expect(e.summarised!.kept).toBe(false);
        expect(e.summarised!.sha256).toBe(createHash('sha256').update(BODY.slice(offset, offset + e.summarised!.length), 'latin1').digest('hex'));
        offset += e.summarised!.length;
      }
    }
    expect(notes[0].kind === 'note' && notes[0].text).toContain(keep ? 'Every byte is also kept' : 'not kept');

    // The ladder follows the newest row, a summarised record: the inspector says whether its bytes were kept.
    await expect(page.getByTestId('summarised-note')).toContainText(keep ? 'writes the whole record' : 'the bytes were not kept');
  });
}
