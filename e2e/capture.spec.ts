// Opening a real capture (tcpdump of two openssl s_client <-> s_server sessions, made here) and its key log in the
// page: the stream list, then the chosen stream decrypted in the ladder, inspector and certificates views; the
// pcapng download of what is shown.
import { expect, test } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import { makePki, spawnSServer } from '../test/tls/helpers.ts';
import { captureOpenssl, runSClient, startTcpdump, tempDir, typedLines } from '../test/capture/helpers.ts';
import { openApp, waitForStatus } from './helpers.ts';
import { scanCapture } from '../src/capture/streams.ts';
import { decodeStream } from '../src/capture/session.ts';

test('open a capture, pick a stream, add the key log: the session is shown decrypted', async ({ page }) => {
  const pki = makePki();
  const run = await captureOpenssl(pki, 'e2e', [], [{ args: [] }, { args: ['-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-GCM-SHA256'] }]);
  try {
    await openApp(page);
    await page.getByTestId('open-capture-input').setInputFiles(run.pcap);
    await expect(page.getByTestId('stream-list')).toBeVisible();
    await expect(page.getByTestId('stream-0')).toContainText('TLS 1.3');
    await expect(page.getByTestId('stream-1')).toContainText('TLS 1.2');
    // Said what the list is and what to do with it; the Connect form (open while nothing was shown) made way for it.
    await expect(page.getByTestId('stream-list')).toContainText('2 TCP streams in');
    await expect(page.getByTestId('connect-button')).toBeHidden();
    // Each stream opens from the keyboard too: its number is a button.
    await page.getByRole('button', { name: 'Open stream 0' }).focus();
    await page.keyboard.press('Enter');
    await waitForStatus(page, 'replay');
    // Without keys: the ClientHello and ServerHello are in clear, the rest is not.
    await expect(page.locator('.lrow[data-kind="handshake"]', { hasText: 'ServerHello' }).first()).toBeVisible();
    await expect(page.locator('.lrow[data-kind="handshake"]', { hasText: 'Certificate' })).toHaveCount(0);
    await page.getByTestId('add-keylog-input').setInputFiles(run.keyLog);
    await expect(page.locator('.lrow[data-kind="handshake"]', { hasText: 'CertificateVerify' }).first()).toBeVisible();
    await page.locator('.lrow[data-kind="handshake"]', { hasText: 'EncryptedExtensions' }).first().click();
    await expect(page.locator('.insp-title')).toContainText('EncryptedExtensions');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('save-pcapng').click()]);
    const bytes = fs.readFileSync((await download.path())!);
    expect(bytes.readUInt32LE(0)).toBe(0x0a0d0d0a);
    expect(bytes.includes(Buffer.from('CLIENT_HANDSHAKE_TRAFFIC_SECRET'))).toBe(true);
  } finally {
    fs.rmSync(run.dir, { recursive: true, force: true });
    fs.rmSync(pki.dir, { recursive: true, force: true });
  }
});

test('paste a ClientHello as an xxd-style dump: decoded with its fingerprints', async ({ page }) => {
  const pki = makePki();
  const run = await captureOpenssl(pki, 'e2e-hex', [], [{ args: [] }]);
  try {
    const scan = await scanCapture([fs.readFileSync(run.pcap)]);
    const d = await decodeStream(scan.streams[0]);
    const record = d.events.find((e) => e.kind === 'record' && e.direction === 'client');
    const bytes = Buffer.from(record && record.kind === 'record' ? record.bytes : '', 'hex');
    // The layout xxd writes: offset, eight groups of two bytes, the ASCII column.
    const dump = [];
    for (let o = 0; o < bytes.length; o += 16) {
      const row = bytes.subarray(o, o + 16);
      const groups = (row.toString('hex').match(/.{1,4}/g) ?? []).join(' ');
      dump.push(`${o.toString(16).padStart(8, '0')}: ${groups.padEnd(39)}  ${[...row].map((b) => (b >= 32 && b < 127 ? String.fromCharCode(b) : '.')).join('')}`);
    }
    await openApp(page);
    await page.getByTestId('paste-hex').click();
    await page.getByTestId('paste-hex-input').fill(dump.join('\n'));
    await page.getByTestId('paste-hex-decode').click();
    await waitForStatus(page, 'replay');
    await page.locator('.lrow[data-kind="handshake"]', { hasText: 'ClientHello' }).first().click();
    await expect(page.locator('.insp-title')).toContainText('ClientHello');
    await expect(page.locator('.lrow', { hasText: 'JA3' })).toHaveCount(1);
  } finally {
    fs.rmSync(run.dir, { recursive: true, force: true });
    fs.rmSync(pki.dir, { recursive: true, force: true });
  }
});

test('a capture cut to a small snapshot length (tcpdump -s 96): the page says why bytes are missing', async ({ page }) => {
  const pki = makePki();
  const dir = tempDir('e2e-snap');
  const pcap = path.join(dir, 'cut.pcap');
  const server = await spawnSServer(['-cert', pki.leafCert, '-key', pki.leafKey, '-CAfile', pki.rootPem, '-tls1_3']);
  const dump = await startTcpdump(pcap, server.port, ['-s', '96']);
  try {
    await runSClient(server.port, ['-CAfile', pki.rootPem], typedLines(2), server);
  } finally {
    await dump.stop();
    await server.stop();
  }
  try {
    await openApp(page);
    await page.getByTestId('open-capture-input').setInputFiles(pcap);
    // Said once for the capture, beside its stream list, in words: not left to the gaps to puzzle over.
    await expect(page.getByTestId('capture-truncated')).toContainText("cut to the capture's snapshot length (96 bytes; tcpdump -s)");
    await expect(page.getByTestId('capture-truncated')).toContainText('tcpdump -s 0 keeps whole packets');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(pki.dir, { recursive: true, force: true });
  }
});
