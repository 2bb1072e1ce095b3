// The import's fast way (node:crypto, as `tls-lens pcap` runs): records opened synchronously, straight from the
// reader's buffer, which the source reads into again. Checked against the slow way (WebCrypto, every piece
// copied, records decrypted ahead) on a real capture: Node's tls clients and server, TLS 1.3 and 1.2, AES-GCM and
// ChaCha20-Poly1305, records cut by packet and block boundaries. A source that scribbles over each block once
// the next is asked for shows any view kept too long.
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ByteQueue } from '../../src/capture/byte-queue.ts';
import { Tls12AeadProtector, Tls13RecordProtector, suite12ByCode, suiteByCode, type RawRecord } from '../../src/capture/engine.ts';
import { fileChunks } from '../../src/capture/file-chunks.ts';
import { importCapture, type CaptureImport } from '../../src/capture/import.ts';
import { parseKeyLog } from '../../src/capture/keylog.ts';
import { openNow } from '../../src/capture/sync-opener.ts';
import { cryptoProvider } from '../../src/crypto/provider.ts';
import { toHex } from '../../src/util/bytes.ts';
import { usePki } from '../support/pki.ts';
import { scribbled, startTcpdump, tempDir, traces, withNodeCrypto } from './helpers.ts';

const pki = usePki();
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

const rawRecord = (bytes: Uint8Array): RawRecord => ({ contentType: bytes[0], version: (bytes[1] << 8) | bytes[2], bytes, fragment: bytes.subarray(5) });

describe('records opened synchronously', () => {
  const key = (n: number) => Uint8Array.from({ length: n }, (_, i) => i * 7 + 1);
  const cases = [
    ['TLS 1.3 AES-128-GCM', () => suiteByCode(0x1301)!, 13],
    ['TLS 1.3 ChaCha20-Poly1305', () => suiteByCode(0x1303)!, 13],
    ['TLS 1.2 AES-128-GCM', () => suite12ByCode(0xc02b)!, 12],
    ['TLS 1.2 ChaCha20-Poly1305', () => suite12ByCode(0xcca9)!, 12],
  ] as const;
  for (const [name, suiteOf, version] of cases) {
    it(`${name}: the same record, content and details as the engine's protector; a record that does not open is null`, async () => {
      await withNodeCrypto(async () => {
        const suite = suiteOf();
        const k = key(suite.keyLength);
        const iv = key(version === 13 ? 12 : (suite as { fixedIvLength: number }).fixedIvLength);
        const make = async () => (version === 13 ? Tls13RecordProtector.create(suite as never, k, iv, 'application') : Tls12AeadProtector.create(suite as never, k, iv));
        const writer = await make();
        const reader = await make();
        for (let seq = 0; seq < 3; seq++) {
          const sealed = await writer.encrypt(seq === 1 ? 21 : 23, Uint8Array.from({ length: 100 + seq * 5000 }, (_, i) => i & 0xff));
          const raw = rawRecord(sealed.bytes);
          const now = openNow(reader, raw, seq)!;
          const reference = await reader.decryptAt(raw, BigInt(seq));
          expect(now.contentType).toBe(reference.contentType);
          expect(toHex(now.fragment)).toBe(toHex(reference.fragment));
          const hex = (d: typeof now.details) => Object.fromEntries(Object.entries(d).map(([name, v]) => [name, v instanceof Uint8Array ? toHex(v) : v]));
          expect(hex(now.details)).toEqual(hex(reference.details));
          expect(openNow(reader, raw, seq + 1)).toBeNull();
          const tampered = sealed.bytes.slice();
          tampered[tampered.length - 1] ^= 1;
          expect(openNow(reader, rawRecord(tampered), seq)).toBeNull();
        }
      });
    });
  }

  it('WebCrypto has no synchronous opener: its protectors are opened the usual way', async () => {
    expect(cryptoProvider().name).toBe('webcrypto');
    const suite = suiteByCode(0x1301)!;
    const protector = await Tls13RecordProtector.create(suite, key(16), key(12), 'application');
    const sealed = await (await Tls13RecordProtector.create(suite, key(16), key(12), 'application')).encrypt(23, new Uint8Array(10));
    expect(openNow(protector, rawRecord(sealed.bytes), 0)).toBeUndefined();
  });
});

describe('ByteQueue over a buffer read into again', () => {
  it('keeps a record cut by a chunk end intact once the buffer is overwritten, copying it once', () => {
    const queue = new ByteQueue();
    const buffer = new Uint8Array(8);
    buffer.set([1, 2, 3, 4, 5, 6, 7, 8]);
    queue.push(buffer.subarray(0, 8));
    expect(Array.from(queue.take(3))).toEqual([1, 2, 3]);
    queue.own(9); // 5 left, room for 9
    buffer.fill(0xee);
    buffer.set([9, 10, 11, 12, 13, 14]);
    queue.push(buffer.subarray(0, 6)); // 4 fill the room, 2 stay views
    const record = queue.take(9);
    expect(Array.from(record)).toEqual([4, 5, 6, 7, 8, 9, 10, 11, 12]);
    queue.own(); // 13, 14 copied: the room is reused
    buffer.fill(0xee);
    expect(Array.from(queue.take(2))).toEqual([13, 14]);
    expect(queue.length).toBe(0);
  });

  it('moves a partly taken room to its start and grows it when a larger record needs it', () => {
    const queue = new ByteQueue();
    queue.push(Uint8Array.of(1, 2, 3, 4, 5, 6));
    queue.own(6);
    queue.take(2);
    const input = Uint8Array.of(7, 8);
    queue.push(input);
    queue.own(40);
    input.fill(0);
    queue.push(Uint8Array.from({ length: 34 }, (_, i) => 100 + i));
    const all = queue.take(40);
    expect(Array.from(all)).toEqual([3, 4, 5, 6, 7, 8, ...Array.from({ length: 34 }, (_, i) => 100 + i)]);
  });
});

// ---------- a real capture, both ways ----------

const PAYLOAD = 200 * 1024;
let pcap = '';
let keyLogText = '';
let slow: CaptureImport;

/** Application data decrypted each way of every stream. */
const appDataBytes = (r: CaptureImport) =>
  r.streams.map((s) => {
    const sums = { client: 0, server: 0 };
    for (const e of s.decoded!.events) if (e.kind === 'app-data') sums[e.direction] += e.summarised?.length ?? e.bytes.length / 2;
    return sums;
  });

/** Four sessions echoing PAYLOAD bytes: TLS 1.3 and 1.2, AES-GCM and ChaCha20-Poly1305, captured by tcpdump. */
async function capture(dir: string): Promise<{ pcap: string; keyLog: string }> {
  const server = tls.createServer({ key: fs.readFileSync(pki.leafKey), cert: fs.readFileSync(pki.leafCert), minVersion: 'TLSv1.2' }, (s) => {
    s.on('error', () => undefined);
    s.pipe(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  const file = path.join(dir, `sync-${port}.pcap`);
  const lines: string[] = [];
  const dump = await startTcpdump(file, port, ['-B', '131072']);
  const variants: tls.ConnectionOptions[] = [
    {},
    { ciphers: 'TLS_CHACHA20_POLY1305_SHA256' },
    { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' },
    { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-CHACHA20-POLY1305' },
  ];
  try {
    for (const options of variants) {
      await new Promise<void>((resolve, reject) => {
        const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: fs.readFileSync(pki.rootPem), ...options });
        socket.on('keylog', (line) => lines.push(line.toString().trim()));
        let got = 0;
        socket.on('secureConnect', () => socket.write(Buffer.alloc(PAYLOAD, 0x61)));
        socket.on('data', (d) => {
          got += d.length;
          if (got >= PAYLOAD) socket.end();
        });
        socket.on('close', () => resolve());
        socket.on('error', reject);
      });
    }
  } finally {
    await dump.stop();
    server.close();
  }
  return { pcap: file, keyLog: lines.join('\n') + '\n' };
}

beforeAll(async () => {
  const dir = tempDir('sync-path');
  dirs.push(dir);
  // A loaded machine can make tcpdump drop packets: captured again (up to 3 times) until every byte is there.
  for (let attempt = 1; attempt <= 3; attempt++) {
    ({ pcap, keyLog: keyLogText } = await capture(dir));
    // The slow way: WebCrypto (the default here), every piece copied, records decrypted ahead.
    slow = await importCapture([new Uint8Array(fs.readFileSync(pcap))], { keyLog: parseKeyLog(keyLogText) });
    if (appDataBytes(slow).every((s) => s.client === PAYLOAD && s.server === PAYLOAD)) break;
  }
}, 120_000);

describe('a capture imported the fast way', () => {
  it('decodes every stream exactly as the slow way, from a buffer read into again', async () => {
    expect(slow.streams.length).toBe(4);
    expect(slow.streams.every((s) => s.decoded!.session.undecrypted.length === 0)).toBe(true);
    expect(appDataBytes(slow)).toEqual(Array(4).fill({ client: PAYLOAD, server: PAYLOAD }));
    for (const size of [4096, 65536]) {
      const fast = await withNodeCrypto(() => importCapture(scribbled(pcap, size), { keyLog: parseKeyLog(keyLogText) }));
      expect(fast.packets).toBe(slow.packets);
      expect(traces(fast)).toEqual(traces(slow));
    }
    const cli = await withNodeCrypto(() => importCapture(fileChunks(pcap, 8192), { keyLog: parseKeyLog(keyLogText) }));
    expect(traces(cli)).toEqual(traces(slow));
  });
});
