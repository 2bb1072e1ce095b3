// Real ClientHellos, recorded from the real clients installed here (OpenSSL's s_client, GnuTLS's gnutls-cli, and
// Debian's Chromium driven by Playwright): a raw listener on 127.0.0.1 keeps the first TLS record each client
// sends, then hangs up.
import { spawn } from 'node:child_process';
import net from 'node:net';
import { chromium } from 'playwright-core';

/** Start a client towards `port`; the returned function stops it. */
type StartClient = (port: number) => Promise<() => Promise<void> | void> | (() => Promise<void> | void);

export async function recordFirstRecord(name: string, start: StartClient): Promise<Uint8Array> {
  let got: (b: Uint8Array) => void = () => undefined;
  const hello = new Promise<Uint8Array>((resolve) => (got = resolve));
  const server = net.createServer((socket) => {
    let buf = Buffer.alloc(0);
    socket.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 5 && buf.length >= 5 + buf.readUInt16BE(3)) {
        got(new Uint8Array(buf.subarray(0, 5 + buf.readUInt16BE(3))));
        socket.destroy();
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  const timer = setTimeout(() => got(new Uint8Array(0)), 20_000);
  const stop = await start(port);
  try {
    const record = await hello;
    if (record.length === 0) throw new Error(`${name} sent no ClientHello`);
    return record;
  } finally {
    clearTimeout(timer);
    await stop();
    await new Promise<void>((r) => server.close(() => r()));
  }
}

export function recordClientHello(command: string, args: (port: number) => string[]): Promise<Uint8Array> {
  return recordFirstRecord(command, (port) => {
    const child = spawn(command, args(port), { stdio: ['pipe', 'ignore', 'ignore'] });
    return () => void child.kill('SIGKILL');
  });
}

export const openSslHello = () => recordClientHello('openssl', (port) => ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost']);
export const gnutlsHello = () => recordClientHello('gnutls-cli', (port) => ['--insecure', '-p', String(port), '127.0.0.1']);

const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Chromium's ClientHello (GREASE, X25519MLKEM768, ECH GREASE, compressed certificates...) loading https://localhost:PORT/. */
export const chromiumHello = () =>
  recordFirstRecord('chromium', async (port) => {
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_FLAGS });
    const page = await browser.newPage({ ignoreHTTPSErrors: true });
    // The listener hangs up after the hello: the navigation fails, which is expected.
    void page.goto(`https://localhost:${port}/`, { timeout: 15_000 }).catch(() => undefined);
    return () => browser.close();
  });
