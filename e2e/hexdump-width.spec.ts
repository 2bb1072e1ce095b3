// The Message view's hex dump shows whole lines (offset, 16 bytes, ASCII) at common window widths: the ASCII
// column's right edge lies inside the dump's visible box and inside its panel, with no sideways scrolling.
import { expect, test, type Page } from '@playwright/test';
import { connectScenario, openApp, openPanel, shot, waitForStatus } from './helpers.ts';

interface Box {
  left: number;
  right: number;
}

/** Right edges of every ASCII column on screen, of the dump's scrolling box (without its scrollbar) and of the panel. */
async function edges(page: Page): Promise<{ ascii: number[]; bytes: number[]; dump: Box; panel: Box; scrollWidth: number; clientWidth: number }> {
  return page.evaluate(() => {
    const dump = document.querySelector('[data-testid="hexdump"] .vlist') as HTMLElement;
    const panel = dump.closest('.panel-body') as HTMLElement;
    const box = (el: Element) => el.getBoundingClientRect();
    const d = box(dump);
    return {
      ascii: [...dump.querySelectorAll('.hexascii')].map((e) => box(e).right),
      bytes: [...dump.querySelectorAll('.hexline')].map((l) => box(l.querySelector('.hexbytes')!).right),
      // clientWidth leaves out the vertical scrollbar: what is actually visible.
      dump: { left: d.left, right: d.left + dump.clientLeft + dump.clientWidth },
      panel: { left: box(panel).left, right: box(panel).left + panel.clientLeft + panel.clientWidth },
      scrollWidth: dump.scrollWidth,
      clientWidth: dump.clientWidth,
    };
  });
}

for (const [width, height] of [
  // A narrow window: the ladder gives up width so the side keeps a whole dump line.
  [900, 800],
  [1280, 800],
  [1440, 900],
  [1920, 1080],
]) {
  test(`hex dump: the ASCII column fits in the Message panel at ${width}x${height}`, async ({ page }) => {
    await page.setViewportSize({ width, height });
    await openApp(page);
    await connectScenario(page, 'good-tls13');
    await waitForStatus(page, 'connected');
    await openPanel(page, 'Message');
    // The ClientHello: many full 16-byte lines.
    await page.locator('.lrow[data-kind="handshake"]').first().click();
    await expect(page.locator('.insp-title')).toContainText('ClientHello');
    await expect(page.locator('[data-testid="hexdump"] .hexascii').first()).toBeVisible();
    const e = await edges(page);
    expect(e.ascii.length).toBeGreaterThan(4);
    for (const right of e.ascii) {
      expect(right, 'ASCII column inside the dump').toBeLessThanOrEqual(e.dump.right + 0.5);
      expect(right, 'ASCII column inside the panel').toBeLessThanOrEqual(e.panel.right + 0.5);
    }
    for (const right of e.bytes) expect(right).toBeLessThan(Math.min(...e.ascii));
    expect(e.scrollWidth, 'no sideways scrolling needed').toBeLessThanOrEqual(e.clientWidth);
    await shot(page, `hexdump-${width}x${height}`);
  });
}
