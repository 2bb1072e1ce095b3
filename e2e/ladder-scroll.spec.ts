// The ladder's scroll (VirtualList: the element is scrolled in the next frame): a scroll of the browser's own that
// is still to be reported when a key moves the step (focusing a row scrolls it into view, then End) must not undo
// the key's move: End shows the last row and stays there.
import { expect, test } from '@playwright/test';
import { connectScenario, openApp, waitForStatus } from './helpers.ts';

test('End right after the browser scrolled the ladder: the last row is shown, and stays', async ({ page }) => {
  await openApp(page);
  await connectScenario(page, 'renegotiation-tls12');
  await waitForStatus(page, 'connected');
  // The lab server renegotiates before it answers, then closes: three handshakes, more rows than the view holds.
  await page.getByTestId('send-button').click();
  await waitForStatus(page, 'closed');
  const list = page.getByTestId('ladder-list');
  const count = await page.evaluate(() => {
    const el = document.querySelector<HTMLElement>('[data-testid="ladder-list"] .vlist-inner')!;
    return Math.round(el.offsetHeight / 30);
  });
  expect(count).toBeGreaterThan(20);
  // The first step, the view with it.
  await list.focus();
  await page.keyboard.press('Home');
  await expect(page.locator('.ladder .lrow[data-row="0"]')).toHaveAttribute('aria-current', 'step');
  await expect(list).toHaveJSProperty('scrollTop', 0);
  const last = page.locator(`.ladder .lrow[data-row="${count - 1}"]`);
  // Virtualised: the last row is not drawn while the view is at the top.
  await expect(last).toHaveCount(0);
  // In one task: the browser scrolls the list (its scroll event comes in the next frame), then End is pressed on a
  // row of the list. The app handles End; the list's pending scroll must not be taken back by the older position.
  await page.evaluate(() => {
    const el = document.querySelector<HTMLElement>('[data-testid="ladder-list"]')!;
    el.scrollTop = 90;
    const row = el.querySelector<HTMLElement>('.lrow[data-row="3"]')!;
    row.focus({ preventScroll: true });
    row.dispatchEvent(new KeyboardEvent('keydown', { key: 'End', bubbles: true, cancelable: true }));
  });
  await expect(last).toBeInViewport();
  await expect(last).toHaveAttribute('aria-current', 'step');
  // Several frames later it is still there (no back and forth between the two positions).
  for (let i = 0; i < 5; i++) await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  await expect(last).toBeInViewport();
  const atEnd = await list.evaluate((el) => el.scrollTop + el.clientHeight >= el.scrollHeight - 1);
  expect(atEnd).toBe(true);
});
