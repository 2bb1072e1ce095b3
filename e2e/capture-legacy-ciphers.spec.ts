// An old device's session opened in the page: a real capture of GnuTLS peers speaking TLS 1.0 with
// TLS_RSA_WITH_RC4_128_SHA (test/capture/gnutls-capture.ts), and its key log. RC4 comes from crypto-js, in a chunk the
// page loads only now (src/capture/legacy-cipher-loader.ts): the lines typed each way are shown decrypted.
import { expect, test } from '@playwright/test';
import fs from 'node:fs';
import { makePki } from '../test/tls/helpers.ts';
import { captureGnutls } from '../test/capture/gnutls-capture.ts';
import { openApp, openPanel, waitForStatus } from './helpers.ts';

test('an RC4 capture and its key log: the data both ways is shown decrypted', async ({ page }) => {
  const pki = makePki();
  const run = await captureGnutls('e2e-rc4', {
    priority: 'NORMAL:-VERS-ALL:+VERS-TLS1.0:-CIPHER-ALL:+ARCFOUR-128:-MAC-ALL:+SHA1:-KX-ALL:+RSA',
    cert: pki.rsaCert,
    key: pki.rsaKey,
    caFile: pki.rootPem,
    lines: ['hello from an old device'],
  });
  try {
    await openApp(page);
    await page.getByTestId('open-capture-input').setInputFiles(run.pcap);
    await expect(page.getByTestId('stream-0')).toContainText('TLS 1.0');
    await page.getByTestId('stream-0').click();
    await waitForStatus(page, 'replay');
    await page.getByTestId('add-keylog-input').setInputFiles(run.keyLog);
    // The echo coming back: gnutls-serv --echo sends the line to the client again.
    const reply = page.locator('.lrow.from-server[data-kind="app-data"]').first();
    await expect(reply).toBeVisible();
    await reply.click();
    await openPanel(page, 'Message');
    await expect(page.getByTestId('appdata-text')).toContainText('hello from an old device');
    await expect(page.locator('.lrow.from-client[data-kind="app-data"]').first()).toBeVisible();
  } finally {
    fs.rmSync(run.dir, { recursive: true, force: true });
    fs.rmSync(pki.dir, { recursive: true, force: true });
  }
});
