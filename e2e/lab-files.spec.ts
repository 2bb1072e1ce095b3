// The lab's client certificate, its key and the lab root are downloadable from the app, so a person can answer a
// certificate request with their own tools (openssl s_client -cert/-key) too.
import { expect, test } from '@playwright/test';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { expectAccessible, openApp } from './helpers.ts';

test('download the lab client certificate, its key and the lab root CA', async ({ page }) => {
  await openApp(page);
  await page.getByText('Handshake options').click();
  const save = async (testId: string) => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).click()]);
    return readFile((await download.path())!, 'utf8');
  };
  const certPem = await save('download-client-cert');
  const keyPem = await save('download-client-key');
  const caPem = await save('download-lab-ca');
  const leaf = new X509Certificate(certPem);
  // The key belongs to the certificate, and the certificate is for client authentication.
  expect(leaf.checkPrivateKey(createPrivateKey(keyPem))).toBe(true);
  expect(leaf.keyUsage ?? []).toContain('1.3.6.1.5.5.7.3.2');
  expect(new X509Certificate(caPem).ca).toBe(true);
  await expectAccessible(page, 'connect view with the lab files');
});
