// JA3 and JA4 over parsed ClientHellos. JA4 against the worked example of FoxIO's JA4 description; JA3 against
// Debian's tshark, which computes JA3 itself, over ClientHellos sent by real clients (OpenSSL, GnuTLS, Node, curl).
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { clientHelloFingerprints, explainFingerprints, isGrease } from '../../src/tls/fingerprint.ts';
import { decodeHandshake, type ClientHello } from '../../src/tls/messages/handshake.ts';
import type { Extension } from '../../src/tls/messages/extensions.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tls-lens-fp-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('JA4', () => {
  it("gives the worked example's fingerprint for its suites, extensions and schemes, whatever the extension order", () => {
    const suites = [0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035];
    const extCodes = [0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d, 0x0005, 0x0023, 0x0012, 0x002b, 0xff01, 0x000b, 0x000a, 0x0015];
    const ext = (code: number): Extension => {
      if (code === 0x0010) return { code, protocols: ['h2', 'http/1.1'] };
      if (code === 0x000d) return { code, schemes: [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601] };
      if (code === 0x002b) return { code, versions: [0x3a3a, 0x0304, 0x0303] };
      return { code };
    };
    const hello = (codes: number[]): ClientHello => ({ type: 'client_hello', legacyVersion: 0x0303, random: new Uint8Array(32), sessionId: new Uint8Array(0), cipherSuites: [0x2a2a, ...suites], compressionMethods: [0], extensions: [{ code: 0x8a8a }, ...codes.map(ext)] });
    const a = clientHelloFingerprints(hello(extCodes));
    expect(a.ja4).toBe('t13d1516h2_8daaf6152771_e5627efa2ab1');
    expect(a.ja4Raw.startsWith('t13d1516h2_002f,0035,009c,')).toBe(true);
    const shuffled = clientHelloFingerprints(hello([...extCodes].reverse()));
    expect(shuffled.ja4).toBe(a.ja4);
    expect(shuffled.ja3).not.toBe(a.ja3); // JA3 keeps the client's order
    expect(explainFingerprints(a).join('\n')).toMatch(/TLS 1\.3 over TCP, a server name \(SNI\) sent, 15 suites, 16 extensions, ALPN "h2"/);
  });

  it('knows GREASE values and writes empty parts as zeros', () => {
    expect([0x0a0a, 0x1a1a, 0xfafa].every(isGrease)).toBe(true);
    expect([0x0a1a, 0x1301, 0x000a].some(isGrease)).toBe(false);
    const bare: ClientHello = { type: 'client_hello', legacyVersion: 0x0303, random: new Uint8Array(32), sessionId: new Uint8Array(0), cipherSuites: [], compressionMethods: [0], extensions: [] };
    const f = clientHelloFingerprints(bare);
    expect(f.ja4).toBe('t12i000000_000000000000_000000000000');
    expect(f.ja3Text).toBe('771,,,,');
  });
});

/** The first TLS record a real client sends to a plain TCP listener: its ClientHello. */
async function firstRecordFrom(startClient: (port: number) => () => void): Promise<Buffer> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  let stop = () => {};
  try {
    return await new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no ClientHello within 20 s')), 20_000);
      server.on('connection', (sock) => {
        let buf = Buffer.alloc(0);
        sock.on('error', () => {});
        sock.on('data', (d) => {
          buf = Buffer.concat([buf, d]);
          if (buf.length >= 5 && buf.length >= 5 + buf.readUInt16BE(3)) {
            clearTimeout(timer);
            sock.destroy();
            resolve(buf.subarray(0, 5 + buf.readUInt16BE(3)));
          }
        });
      });
      stop = startClient(port);
    });
  } finally {
    stop();
    server.close();
  }
}

/** tshark's JA3 string and hash for a record, via a pcap made by text2pcap with made-up TCP headers. */
function tsharkJa3(record: Buffer, name: string): [string, string] {
  const lines: string[] = [];
  for (let i = 0; i < record.length; i += 16) lines.push(`${i.toString(16).padStart(6, '0')} ${[...record.subarray(i, i + 16)].map((b) => b.toString(16).padStart(2, '0')).join(' ')}`);
  fs.writeFileSync(path.join(dir, `${name}.txt`), lines.join('\n') + '\n');
  execFileSync('text2pcap', ['-q', '-T', '40000,443', path.join(dir, `${name}.txt`), path.join(dir, `${name}.pcap`)], { stdio: 'pipe' });
  const out = execFileSync('tshark', ['-r', path.join(dir, `${name}.pcap`), '-T', 'fields', '-e', 'tls.handshake.ja3_full', '-e', 'tls.handshake.ja3'], { stdio: 'pipe' }).toString().trim();
  const [full, hash] = out.split('\t');
  return [full, hash];
}

const CLIENTS: [string, (port: number) => () => void][] = [
  ['openssl s_client', (port) => {
    const p = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', '-alpn', 'h2,http/1.1'], { stdio: ['pipe', 'ignore', 'ignore'] });
    return () => p.kill();
  }],
  ['openssl s_client -tls1_2', (port) => {
    const p = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-tls1_2'], { stdio: ['pipe', 'ignore', 'ignore'] });
    return () => p.kill();
  }],
  ['gnutls-cli', (port) => {
    const p = spawn('gnutls-cli', ['--insecure', '-p', String(port), '127.0.0.1'], { stdio: ['pipe', 'ignore', 'ignore'] });
    return () => p.kill();
  }],
  ['curl', (port) => {
    const p = spawn('curl', ['-sk', '--max-time', '10', `https://localhost:${port}/`], { stdio: 'ignore' });
    return () => p.kill();
  }],
  ['Node tls', (port) => {
    const s = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ALPNProtocols: ['http/1.1'] });
    s.on('error', () => {});
    return () => s.destroy();
  }],
];

describe.each(CLIENTS)('JA3 of %s matches tshark', (name, start) => {
  it('computes the same JA3 string and hash as tshark from the same ClientHello', async () => {
    const record = await firstRecordFrom(start);
    const hello = decodeHandshake(new Uint8Array(record.subarray(5))).message as ClientHello;
    const ours = clientHelloFingerprints(hello);
    const [full, hash] = tsharkJa3(record, name.replace(/\W+/g, '-'));
    expect(ours.ja3Text).toBe(full);
    expect(ours.ja3).toBe(hash);
    expect(ours.ja4).toMatch(/^t1[23][di]\d{4}[0-9a-z]{2}_[0-9a-f]{12}_[0-9a-f]{12}$/);
  });
});
