// The inspector's nonce / IV line for every protection our engine speaks, on the records of real handshakes (our
// client and our server in memory): TLS 1.3 and TLS 1.2 ChaCha20 (IV xor seq), TLS 1.2 GCM (salt ‖ explicit nonce),
// TLS 1.2 CBC (the record's first block, which was marked "✗ recomputed" from the second record on as if it were
// IV xor seq). TLS 1.0's chained IV, which our engine does not speak, from a record of that shape.
import { describe, expect, it } from 'vitest';
import { connectTls, type TlsClientOptions } from '../../src/tls/client.ts';
import { acceptTls } from '../../src/tls/server.ts';
import { TraceRecorder } from '../../src/trace/recorder.ts';
import type { RecordEvent } from '../../src/trace/types.ts';
import { memoryPair } from '../../src/transport/memory.ts';
import { utf8 } from '../../src/util/bytes.ts';
import { createVerifier } from '../../src/x509/verifier.ts';
import { nonceLine } from '../../src/ui/record-nonce.ts';
import { usePki } from '../support/pki.ts';
import { serverCertificates } from '../server/support/server-pki.ts';

const pki = usePki();

/** The protected records of a handshake and two round trips, as the client's trace has them. */
async function protectedRecords(options: Partial<TlsClientOptions>): Promise<RecordEvent[]> {
  const [c, s] = memoryPair();
  const trace = new TraceRecorder(() => 0);
  const accepting = acceptTls(s, { certificates: [serverCertificates(pki).p256], timeoutMs: 10_000 });
  const client = await connectTls(c, { serverName: 'localhost', verifier: createVerifier({ anchors: [pki.rootDer] }), timeoutMs: 10_000, ...options }, trace.emit);
  const server = await accepting;
  for (const word of ['one', 'two']) {
    await client.write(utf8.encode(word));
    await server.write((await server.read())!);
    await client.read();
  }
  await client.close();
  return trace.events.filter((e): e is RecordEvent => e.kind === 'record' && !!e.protection?.nonce);
}

describe('the nonce line of each protection, on real records', () => {
  const cases: [string, Partial<TlsClientOptions>, string][] = [
    ['TLS 1.3', { versions: ['TLS1.3'] }, 'Nonce = IV xor seq'],
    ['TLS 1.2 GCM', { versions: ['TLS1.2'], suites: ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'] }, 'Nonce = salt ‖ explicit nonce'],
    ['TLS 1.2 ChaCha20', { versions: ['TLS1.2'], suites: ['TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256'] }, 'Nonce = IV xor seq'],
    ['TLS 1.2 CBC', { versions: ['TLS1.2'], suites: ['TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA'] }, 'IV (CBC, explicit'],
  ];
  it.each(cases)('%s: every record in both directions is recomputed', async (_name, options, label) => {
    const records = await protectedRecords(options);
    // Several records each way, so a rule that holds only at sequence number 0 would show.
    expect(records.filter((r) => r.direction === 'client' && r.seq > 0).length).toBeGreaterThan(1);
    expect(records.filter((r) => r.direction === 'server' && r.seq > 0).length).toBeGreaterThan(1);
    for (const r of records) {
      const line = nonceLine(r)!;
      expect(line.label).toContain(label);
      expect([r.direction, r.seq, line.matches, line.expected]).toEqual([r.direction, r.seq, true, line.value]);
    }
  });
});

describe('what cannot be recomputed from the record, and what is wrong', () => {
  const cbcRecord = (version: string, iv: string, fragmentHex: string): RecordEvent =>
    ({ kind: 'record', direction: 'server', seq: 3, epoch: 'application', contentType: 23, bytes: `17${version}0040${fragmentHex}`, fields: [], protection: { cipherSuite: 'TLS_RSA_WITH_AES_128_CBC_SHA', nonce: iv, iv, aad: '', ciphertext: '', tag: '', plaintext: '', innerContentType: 23, paddingLength: 0 } }) as unknown as RecordEvent;

  it('TLS 1.0 CBC: the chained IV is not in the record, and is said so rather than marked wrong', () => {
    const line = nonceLine(cbcRecord('0301', 'aa'.repeat(16), 'bb'.repeat(64)))!;
    expect(line.matches).toBeNull();
    expect(line.note).toMatch(/TLS 1\.0 sends no IV/);
  });

  it('TLS 1.2 CBC: an IV that is not the record\'s first block is marked wrong', () => {
    const line = nonceLine(cbcRecord('0303', 'aa'.repeat(16), 'bb'.repeat(64)))!;
    expect([line.matches, line.expected]).toEqual([false, 'bb'.repeat(16)]);
  });

  it('an RC4 record (no nonce) and a plaintext record have no line', () => {
    const rc4 = cbcRecord('0301', '', 'cc'.repeat(20));
    expect(nonceLine(rc4)).toBeNull();
    expect(nonceLine({ ...rc4, protection: undefined } as RecordEvent)).toBeNull();
  });
});
