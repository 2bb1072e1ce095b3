// The server's CertificateVerify signature checked beside the chain's (handshake/peer-signature.ts
// startCertificateVerifyCheck): started from the message that arrived with the Certificate, taken only by the
// check of identical inputs, and the trace in the same order as before (the chain's result, then the
// CertificateVerify message, then its signature).
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { EarlySignatureCheck } from '../../src/tls/handshake/peer-signature.ts';
import { connectTls } from '../../src/tls/client.ts';
import { cryptoProvider, setCryptoProvider, type CryptoProvider } from '../../src/crypto/provider.ts';
import { connectTcp } from '../../src/transport/tcp.ts';
import { utf8 } from '../../src/util/bytes.ts';
import { createVerifier } from '../../src/x509/verifier.ts';
import type { TraceEvent } from '../../src/trace/types.ts';
import { recorder, startSServer } from './helpers.ts';
import { usePki } from '../support/pki.ts';

const pki = usePki();
const original = cryptoProvider();
const HOLD_MS = 10_000;
afterEach(() => void setCryptoProvider(original));

/**
 * The active provider, noting when each signature verification starts and ends. A certificate's verification
 * holds its answer until a CertificateVerify's has started (or HOLD_MS passed): if that check were only started
 * after the chain's result, the log would show the chain's end first. HOLD_MS only bounds how long such a broken
 * client makes the test wait: a busy machine may take a while to reach the CertificateVerify, so it is generous
 * (and the handshake's timeout above it).
 */
function notingVerifications(): string[] {
  const log: string[] = [];
  const inner: CryptoProvider = cryptoProvider();
  let cvStarted!: () => void;
  const cvStart = new Promise<void>((resolve) => (cvStarted = resolve));
  setCryptoProvider({
    ...inner,
    signature: {
      ...inner.signature,
      verify: async (spki, info, algorithm, data, signature) => {
        // TLS 1.3 signs 64 spaces and a context string (RFC 8446 §4.4.3); a certificate's signature covers its TBS.
        if (utf8.decode(data.subarray(64, 97)) === 'TLS 1.3, server CertificateVerify') {
          log.push('start CertificateVerify');
          cvStarted();
          return inner.signature.verify(spki, info, algorithm, data, signature);
        }
        log.push('start certificate');
        const ok = await inner.signature.verify(spki, info, algorithm, data, signature);
        await Promise.race([cvStart, new Promise((r) => setTimeout(r, HOLD_MS))]);
        log.push('end certificate');
        return ok;
      },
    },
  });
  return log;
}

describe('CertificateVerify checked beside the chain', () => {
  let stop: (() => Promise<void>) | undefined;
  afterAll(async () => stop?.());

  it('against openssl s_server: started while the chain is checked, verified once, traced in the usual order', async () => {
    const s = await startSServer(pki);
    stop = s.stop;
    const log = notingVerifications();
    const rec = recorder();
    const conn = await connectTls(await connectTcp('127.0.0.1', s.port), { serverName: 'localhost', verifier: createVerifier({ anchors: [pki.rootDer] }), timeoutMs: HOLD_MS + 10_000 }, rec.emit);
    expect(conn.summary.certificate.verified).toBe(true);
    // One verification each (the early one was taken, not made again), the CertificateVerify's started while the
    // chain's was still running.
    expect(log.filter((l) => l.startsWith('start')).sort()).toEqual(['start CertificateVerify', 'start certificate']);
    expect(log.indexOf('start CertificateVerify')).toBeLessThan(log.indexOf('end certificate'));
    const events = rec.events as TraceEvent[];
    const at = (test: (e: TraceEvent) => boolean) => events.findIndex(test);
    const certResult = at((e) => e.kind === 'cert-result');
    const cvMessage = at((e) => e.kind === 'handshake' && e.name === 'CertificateVerify');
    const signature = at((e) => e.kind === 'signature');
    expect(certResult).toBeGreaterThan(at((e) => e.kind === 'handshake' && e.name === 'Certificate'));
    expect(cvMessage).toBeGreaterThan(certResult);
    expect(signature).toBeGreaterThan(cvMessage);
    expect(events[signature]).toMatchObject({ kind: 'signature', subject: 'CertificateVerify', ok: true });
    await conn.close();
  });

  it('an early check is taken once, and only by a check of the very same inputs', async () => {
    const key = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
    const spki = new Uint8Array(await crypto.subtle.exportKey('spki', key.publicKey));
    const content = utf8.encode('content');
    const raw = new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key.privateKey, content));
    const algorithm = { kind: 'ecdsa', hash: 'SHA-256', encoding: 'raw' } as const;
    const early = EarlySignatureCheck.start(spki, algorithm, content, raw);
    const otherSignature = Uint8Array.from(raw);
    otherSignature[5] ^= 1;
    expect(early.take(spki, algorithm, content, otherSignature)).toBeUndefined();
    expect(early.take(spki, algorithm, utf8.encode('other'), raw)).toBeUndefined();
    expect(early.take(spki, { ...algorithm, hash: 'SHA-384' }, content, raw)).toBeUndefined();
    const taken = early.take(spki, algorithm, content, raw);
    expect(await taken).toBe(true);
    expect(early.take(spki, algorithm, content, raw)).toBeUndefined();
  });
});
