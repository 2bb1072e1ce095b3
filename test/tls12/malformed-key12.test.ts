// Regression (found by fuzzing the TLS 1.2 client with mutated flights): a certificate whose outer DER is fine
// but whose SubjectPublicKeyInfo contents are malformed ended in INTERNAL_ERROR. It is the server's bad_certificate,
// in TLS 1.2 as in TLS 1.3.
import { describe, expect, it } from 'vitest';
import { connectTls } from '../../src/tls/client.ts';
import { certificateSpki } from '../../src/tls/handshake/signatures.ts';
import { memoryPair } from '../../src/transport/memory.ts';
import type { Transport } from '../../src/transport/types.ts';
import type { TraceEvent } from '../../src/trace/types.ts';
import { runHostileServer } from '../tls/hostile-server.ts';
import { recorder } from '../tls/helpers.ts';
import { runHostileServer12 } from './hostile-server12.ts';
import { usePki } from '../support/pki.ts';

const pki = usePki();

/**
 * Where the certificate's SubjectPublicKeyInfo starts, and the byte that breaks it: the length of its inner
 * AlgorithmIdentifier SEQUENCE (30 59 30 13 ...: the byte after the second 0x30) plus one. The outer DER walk
 * still finds the SubjectPublicKeyInfo; parsing what is inside it fails.
 */
function brokenKeyOffset(certDer: Uint8Array): number {
  const spki = certificateSpki(certDer);
  const at = Buffer.from(certDer).indexOf(Buffer.from(spki));
  expect(spki[0]).toBe(0x30);
  expect(spki[2]).toBe(0x30);
  return at + 3;
}

/** The server side of the pair, with the certificate's key broken in whatever it writes. */
function breakingKey(t: Transport, certDer: Uint8Array): Transport {
  const offset = brokenKeyOffset(certDer);
  const cert = Buffer.from(certDer);
  return {
    read: () => t.read(),
    close: () => t.close(),
    write: (data: Uint8Array) => {
      const at = Buffer.from(data).indexOf(cert);
      if (at < 0) return t.write(data);
      const bent = Uint8Array.from(data);
      bent[at + offset] += 1;
      return t.write(bent);
    },
  };
}

function expectBadCertificate(error: { code: string } | null, events: TraceEvent[]) {
  expect(error?.code).toBe('BAD_CERTIFICATE');
  const alerts = events.filter((e) => e.kind === 'alert' && e.direction === 'client').map((e) => (e as { name: string }).name);
  expect(alerts).toEqual(['bad_certificate']);
  expect(events.filter((e) => e.kind === 'error').map((e) => (e as { code: string }).code)).toEqual(['BAD_CERTIFICATE']);
}

describe('a certificate whose public key cannot be parsed', () => {
  it('TLS 1.2: bad_certificate alert, BAD_CERTIFICATE (was INTERNAL_ERROR)', async () => {
    const [client, server] = memoryPair();
    const rec = recorder();
    void runHostileServer12(breakingKey(server, pki.leafDer), { certDer: pki.leafDer, keyPkcs8: pki.leafKeyPkcs8 });
    const error = await connectTls(client, { serverName: 'localhost', insecure: true, timeoutMs: 15_000, versions: ['TLS1.2'] }, rec.emit).then(
      () => null,
      (e: { code: string }) => e,
    );
    await server.close();
    expectBadCertificate(error, rec.events as TraceEvent[]);
  });

  it('TLS 1.3: the same certificate, the same answer', async () => {
    const [client, server] = memoryPair();
    const rec = recorder();
    // TLS 1.3 encrypts the Certificate: bend it with the server's own hook (message 2) instead of on the wire.
    const offset = brokenKeyOffset(pki.leafDer);
    const bend = (index: number, bytes: Uint8Array) => {
      if (index === 2) bytes[Buffer.from(bytes).indexOf(Buffer.from(pki.leafDer)) + offset] += 1;
      return bytes;
    };
    void runHostileServer(server, { certDer: pki.leafDer, keyPkcs8: pki.leafKeyPkcs8, mutate: bend });
    const error = await connectTls(client, { serverName: 'localhost', insecure: true, timeoutMs: 15_000 }, rec.emit).then(
      () => null,
      (e: { code: string }) => e,
    );
    await server.close();
    expectBadCertificate(error, rec.events as TraceEvent[]);
  });
});
