// The synchronous record path (node:crypto's sealSync/openSync, RecordProtector.encryptSync/decryptSync): the same
// records, byte for byte, as the asynchronous path gives with the same keys, the same trace, and the same alerts.
import { describe, expect, it } from 'vitest';
import { nodeCryptoProvider } from '../../src/crypto/node-provider.ts';
import { setCryptoProvider } from '../../src/crypto/provider.ts';
import { webCryptoProvider } from '../../src/crypto/webcrypto-provider.ts';
import { RecordLayer } from '../../src/tls/record/record-layer.ts';
import type { RecordProtector } from '../../src/tls/record/protector.ts';
import { Tls12AeadProtector } from '../../src/tls/record/tls12-aead-protector.ts';
import { Tls12CbcProtector } from '../../src/tls/record/tls12-cbc-protector.ts';
import { Tls13RecordProtector } from '../../src/tls/record/tls13-protector.ts';
import { TLS13_SUITES } from '../../src/tls/suites.ts';
import { suite12ByName } from '../../src/tls/suites12.ts';
import { TlsAlertError } from '../../src/tls/record/alerts.ts';
import { TraceRecorder } from '../../src/trace/recorder.ts';
import { cut, joined, scriptedTransport } from './transports.ts';

const KINDS: [string, () => Promise<RecordProtector>][] = [
  ['TLS 1.3 AES-128-GCM', () => Tls13RecordProtector.create(TLS13_SUITES[0x1301], new Uint8Array(16).fill(5), new Uint8Array(12).fill(6), 'application')],
  ['TLS 1.3 ChaCha20-Poly1305', () => Tls13RecordProtector.create(TLS13_SUITES[0x1303], new Uint8Array(32).fill(5), new Uint8Array(12).fill(6), 'application')],
  ['TLS 1.2 AES-128-GCM', () => Tls12AeadProtector.create(suite12ByName('TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256')!, new Uint8Array(16).fill(5), new Uint8Array(4).fill(6))],
  ['TLS 1.2 ChaCha20-Poly1305', () => Tls12AeadProtector.create(suite12ByName('TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256')!, new Uint8Array(32).fill(5), new Uint8Array(12).fill(6))],
  // CBC records carry a random IV: the same fixed "random" on both paths, so that their records can be compared.
  ['TLS 1.2 AES-128-CBC-SHA256, encrypt-then-MAC', () => Tls12CbcProtector.create(suite12ByName('TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256')!, new Uint8Array(32).fill(7), new Uint8Array(16).fill(5), true, 'application', fixedIv)],
  ['TLS 1.2 AES-256-CBC-SHA, MAC-then-encrypt', () => Tls12CbcProtector.create(suite12ByName('TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA')!, new Uint8Array(20).fill(7), new Uint8Array(32).fill(5), false, 'application', fixedIv)],
];

function fixedIv(n: number): Uint8Array {
  return new Uint8Array(n).fill(9);
}

const payloads = [Uint8Array.of(1, 2, 3), Uint8Array.from({ length: 40000 }, (_, i) => (i * 31) & 0xff), new Uint8Array(0), Uint8Array.from({ length: 700 }, (_, i) => i & 0xff)];

/** Write `payloads` (several at once, not awaited in between) under a fresh protector made while `provider` is active. */
async function writeAll(provider: typeof nodeCryptoProvider, make: () => Promise<RecordProtector>) {
  const before = setCryptoProvider(provider);
  try {
    const protector = await make();
    const out = scriptedTransport([]);
    const trace = new TraceRecorder();
    const layer = new RecordLayer(out, trace.emit, { side: 'client' });
    layer.setWriteProtector(protector);
    await Promise.all(payloads.map((p) => layer.writeRecord(23, p)));
    return { protector, wire: joined(out), trace };
  } finally {
    setCryptoProvider(before);
  }
}

describe.each(KINDS)('%s', (_name, make) => {
  it('node:crypto protectors have the synchronous methods, WebCrypto ones do not', async () => {
    expect((await writeAll(nodeCryptoProvider, make)).protector.encryptSync).toBeTypeOf('function');
    expect((await writeAll(nodeCryptoProvider, make)).protector.decryptSync).toBeTypeOf('function');
    expect((await writeAll(webCryptoProvider, make)).protector.encryptSync).toBeUndefined();
  });

  it('writes the same wire bytes and trace as the asynchronous path, and reads them back at any chunking', async () => {
    const sync = await writeAll(nodeCryptoProvider, make);
    const async = await writeAll(webCryptoProvider, make);
    expect(sync.wire).toEqual(async.wire);
    expect(JSON.parse(JSON.stringify(sync.trace.events.map(({ t: _t, ...e }) => e)))).toEqual(JSON.parse(JSON.stringify(async.trace.events.map(({ t: _t, ...e }) => e))));
    const before = setCryptoProvider(nodeCryptoProvider);
    try {
      const trace = new TraceRecorder();
      const reader = new RecordLayer(scriptedTransport(cut(sync.wire, [3, 9, 16000, 16500, 30000])), trace.emit, { side: 'server' });
      reader.setReadProtector(await make());
      const got: number[] = [];
      for (let r = await reader.readRecord(); r; r = await reader.readRecord()) got.push(...r.fragment);
      expect(Uint8Array.from(got)).toEqual(Uint8Array.from(payloads.flatMap((p) => [...p])));
    } finally {
      setCryptoProvider(before);
    }
  });

  it('an altered record fails with bad_record_mac, and is still in the trace', async () => {
    const { wire } = await writeAll(nodeCryptoProvider, make);
    const bad = wire.slice();
    bad[20] ^= 1;
    const before = setCryptoProvider(nodeCryptoProvider);
    try {
      const trace = new TraceRecorder();
      const reader = new RecordLayer(scriptedTransport([bad]), trace.emit, { side: 'server' });
      reader.setReadProtector(await make());
      const error = await reader.readRecord().catch((e) => e);
      expect(error).toBeInstanceOf(TlsAlertError);
      expect((error as TlsAlertError).alert).toBe(20);
      expect(trace.events.filter((e) => e.kind === 'record')).toHaveLength(1);
    } finally {
      setCryptoProvider(before);
    }
  });
});
