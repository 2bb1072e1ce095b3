// Stepping keys and focus: keys typed into a field never step; Home and End in a focused panel that scrolls scroll
// it; on the ladder and the page they still go to the first and last step. And the client certificate: the
// breakpoint names the choices, and the Certificates panel shows the certificate our client sent as ours.
import { expect, test, type Page } from '@playwright/test';
import { connectScenario, expectAccessible, openApp, openPanel, shot, waitForStatus } from './helpers.ts';

const step = (page: Page) => page.locator('.ladder .lrow[aria-current="step"]').getAttribute('data-row');

test('Home/End and the stepping keys: fields and scrolling panels keep them, the ladder and the page step', async ({ page }) => {
  // Short enough that the ladder's list scrolls too: on it, Home and End still step.
  await page.setViewportSize({ width: 1400, height: 640 });
  await openApp(page);
  await connectScenario(page, 'good-tls13');
  await waitForStatus(page, 'connected');
  // Tickets and the answer to the request come after "connected": wait until the trace stops growing.
  const position = page.getByTestId('position');
  let seen = '';
  await expect
    .poll(async () => {
      const now = (await position.textContent()) ?? '';
      const same = now === seen;
      seen = now;
      return same;
    }, { intervals: [1000] })
    .toBe(true);
  const last = await step(page);
  expect(Number(last)).toBeGreaterThan(5);
  expect(seen).toBe(`Step ${Number(last) + 1} of ${Number(last) + 1}`);

  // Typed into a text field: the field's keys, never a step.
  const jump = page.getByTestId('jump-input');
  await jump.focus();
  for (const key of ['Home', 'End', 'ArrowLeft', 'k', 'j', 'e', 'n', 'Home']) await page.keyboard.press(key);
  await expect.poll(() => step(page)).toBe(last);
  const send = page.getByTestId('send-input');
  await send.focus();
  await page.keyboard.press('Home');
  await page.keyboard.type('kkk');
  await expect.poll(() => step(page)).toBe(last);

  // A focused panel that scrolls: Home and End scroll it, the step stays.
  await openPanel(page, 'Certificates');
  const body = page.locator('#panel-certificates');
  await expect(page.getByTestId('cert-checks')).toBeVisible();
  expect(await body.evaluate((el) => el.scrollHeight > el.clientHeight)).toBe(true);
  await body.focus();
  await page.keyboard.press('End');
  await expect.poll(() => body.evaluate((el) => el.scrollTop)).toBeGreaterThan(0);
  expect(await step(page)).toBe(last);
  await page.keyboard.press('Home');
  await expect.poll(() => body.evaluate((el) => el.scrollTop)).toBe(0);
  expect(await step(page)).toBe(last);
  // The other keys still step from there.
  await page.keyboard.press('k');
  await expect.poll(() => step(page)).toBe(String(Number(last) - 1));
  await page.keyboard.press('j');
  await expect.poll(() => step(page)).toBe(last);

  // On the ladder: Home and End go to the first and last step.
  const ladder = page.getByTestId('ladder-list');
  expect(await ladder.evaluate((el) => el.scrollHeight > el.clientHeight)).toBe(true);
  await ladder.focus();
  await page.keyboard.press('Home');
  await expect.poll(() => step(page)).toBe('0');
  await page.keyboard.press('End');
  await expect.poll(() => step(page)).toBe(last);
  // On the page itself too.
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await page.keyboard.press('Home');
  await expect.poll(() => step(page)).toBe('0');
  await page.keyboard.press('End');
  await expect.poll(() => step(page)).toBe(last);
});

test('client certificate requested, asked: the breakpoint names the choices; the certificate sent shows as ours', async ({ page }) => {
  await openApp(page);
  await connectScenario(page, 'client-cert-requested', { clientCert: 'ask' });
  await waitForStatus(page, 'paused');
  const bp = page.getByTestId('breakpoint');
  await expect(bp).toContainText("Choose: send the lab's client certificate (loaded, ready to send");
  await expect(bp).toContainText('or decline and send an empty Certificate');
  await expect(bp).not.toContainText('no client certificate configured');
  await expect(page.locator('.panel-body')).not.toContainText('no client certificate configured');
  await shot(page, 'client-cert-choices');
  await page.getByRole('button', { name: "Send the lab's client certificate" }).click();
  await waitForStatus(page, 'connected');
  await page.keyboard.press('End');
  await openPanel(page, 'Certificates');
  await expectOurs(page);
  await shot(page, 'client-cert-ours');
  await expectAccessible(page, 'the Certificates panel with our client certificate');
});

test('client certificate required, the lab certificate sent without asking: shown as ours beside the server chain', async ({ page }) => {
  await openApp(page);
  await connectScenario(page, 'client-cert-required', { clientCert: 'lab' });
  await waitForStatus(page, 'connected');
  await openPanel(page, 'Certificates');
  await expectOurs(page);
});

async function expectOurs(page: Page) {
  const ours = page.getByTestId('our-client-cert');
  await expect(ours).toContainText('Our client certificate, as sent (2)');
  await expect(ours).toContainText('Ours, so not checked here: the server checks it');
  const leaf = ours.getByRole('button', { name: /our leaf, sent by our client/ });
  await expect(leaf).toContainText('CN=TLS Lens Lab Student');
  // The server's chain is still there, apart.
  await expect(page.locator('.cert-lists > div', { hasText: "Server's chain as sent" })).toContainText('CN=lab.tls-lens.test');
  await leaf.click();
  await expect(leaf).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('cert-details').locator('dd').first()).toHaveText('CN=TLS Lens Lab Student, O=TLS Lens Lab');
}
