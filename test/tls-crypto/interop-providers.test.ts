// Interop under each crypto provider: our client against `openssl s_server` and our server against
// `openssl s_client` (OpenSSL 3.0), TLS 1.3 and 1.2, every AEAD family and CBC, ECDSA and RSA certificates, client
// certificates both ways. Each provider is wrapped to count its calls, so a test proves that the provider under
// test did the record protection, the key exchange and the signatures (not a default left behind).
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { cryptoProvider, setCryptoProvider, type CryptoProvider } from '../../src/crypto/provider.ts';
import { connectTls, type TlsClientOptions } from '../../src/tls/client.ts';
import type { ServerOptions } from '../../src/tls/server.ts';
import { connectTcp } from '../../src/transport/tcp.ts';
import { utf8 } from '../../src/util/bytes.ts';
import { createVerifier } from '../../src/x509/verifier.ts';
import { PROVIDERS } from '../crypto/providers.ts';
import { usePki } from '../support/pki.ts';
import { spawnSServer } from '../tls/helpers.ts';
import { startListener, type TestListener } from '../server/support/listener.ts';
import { sClient } from '../server/support/s-client.ts';
import { serverCertificates } from '../server/support/server-pki.ts';

const pki = usePki();

interface Calls {
  aead: number;
  cbc: number;
  keyExchange: number;
  sign: number;
  verify: number;
}

/** `provider` with its record-cipher, key-exchange and verification entry points, and each signature made, counted. */
function counted(provider: CryptoProvider): { provider: CryptoProvider; calls: Calls } {
  const calls: Calls = { aead: 0, cbc: 0, keyExchange: 0, sign: 0, verify: 0 };
  return {
    calls,
    provider: {
      ...provider,
      aead: (...a) => (calls.aead++, provider.aead(...a)),
      cbc: { aesCbc: (k) => (calls.cbc++, provider.cbc.aesCbc(k)), hmac: provider.cbc.hmac },
      keyExchange: { generate: (g) => (calls.keyExchange++, provider.keyExchange.generate(g)), import: provider.keyExchange.import },
      signature: {
        verify: (...a) => (calls.verify++, provider.signature.verify(...a)),
        signer: async (...a) => {
          const sign = await provider.signature.signer(...a);
          return (data) => (calls.sign++, sign(data));
        },
      },
    },
  };
}

async function waitFor(cond: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

let listener: TestListener | null = null;
const original = cryptoProvider();

afterAll(async () => {
  setCryptoProvider(original);
  await listener?.stop();
});

for (const base of PROVIDERS) {
  describe(`[${base.name} provider]`, () => {
    let calls: Calls;
    beforeEach(() => {
      const c = counted(base);
      calls = c.calls;
      setCryptoProvider(c.provider);
    });

    describe('our client against openssl s_server', () => {
      async function exchange(args: string[], options: Partial<TlsClientOptions> = {}) {
        const s = await spawnSServer(['-CAfile', pki.rootPem, ...args]);
        try {
          const conn = await connectTls(await connectTcp('127.0.0.1', s.port), { serverName: 'localhost', verifier: createVerifier({ anchors: [pki.rootDer] }), timeoutMs: 10_000, ...options }, () => 0);
          await conn.write(utf8.encode(`hello from ${base.name}\n`));
          await waitFor(() => s.output().includes(`hello from ${base.name}`));
          s.type('hello from openssl\n');
          expect(utf8.decode((await conn.read())!)).toBe('hello from openssl\n');
          await conn.close();
          return conn.summary;
        } finally {
          await s.stop();
        }
      }

      it.each([
        ['TLS_AES_128_GCM_SHA256', 'x25519', 'P-256 leaf'],
        ['TLS_AES_256_GCM_SHA384', 'secp384r1', 'RSA leaf'],
        ['TLS_CHACHA20_POLY1305_SHA256', 'secp256r1', 'P-256 leaf'],
      ] as const)('TLS 1.3 %s over %s, %s: verified, data both ways', async (suite, group, leaf) => {
        const [cert, key] = leaf === 'RSA leaf' ? [pki.rsaCert, pki.rsaKey] : [pki.leafCert, pki.leafKey];
        const summary = await exchange(['-tls1_3', '-cert', cert, '-key', key, '-ciphersuites', suite], { groups: [group], versions: ['TLS1.3'] });
        expect(summary).toMatchObject({ version: 'TLSv1.3', cipherSuite: suite, group });
        expect(summary.certificate.verified).toBe(true);
        expect(calls.aead).toBeGreaterThanOrEqual(4); // handshake and application keys, both directions
        expect(calls.keyExchange).toBe(1);
        expect(calls.verify).toBeGreaterThanOrEqual(2); // the chain and CertificateVerify
      });

      it('TLS 1.3 with a client certificate the server requires: our CertificateVerify signed by the provider', async () => {
        const summary = await exchange(['-tls1_3', '-cert', pki.leafCert, '-key', pki.leafKey, '-Verify', '1'], {
          versions: ['TLS1.3'],
          clientCertificate: { chain: [pki.clientCertDer], privateKey: pki.clientKeyPkcs8 },
        });
        expect(summary.version).toBe('TLSv1.3');
        expect(calls.sign).toBe(1);
      });

      it.each([
        ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'ECDHE-ECDSA-AES128-GCM-SHA256', 'aead'],
        ['TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', 'ECDHE-ECDSA-CHACHA20-POLY1305', 'aead'],
        ['TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256', 'ECDHE-ECDSA-AES128-SHA256', 'cbc'],
        ['TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'ECDHE-RSA-AES256-GCM-SHA384', 'aead'],
      ] as const)('TLS 1.2 %s: verified, data both ways', async (suite, openssl, cipher) => {
        const [cert, key] = openssl.includes('RSA') ? [pki.rsaCert, pki.rsaKey] : [pki.leafCert, pki.leafKey];
        const summary = await exchange(['-tls1_2', '-cert', cert, '-key', key, '-cipher', openssl], { versions: ['TLS1.2'], suites: [suite] });
        expect(summary).toMatchObject({ version: 'TLSv1.2', cipherSuite: suite });
        expect(calls[cipher]).toBeGreaterThanOrEqual(2);
        expect(calls.keyExchange).toBe(1);
        expect(calls.verify).toBeGreaterThanOrEqual(2); // the chain and ServerKeyExchange
      });
    });

    describe('our server against openssl s_client', () => {
      async function serve(options: Partial<ServerOptions>) {
        await listener?.stop();
        const certs = serverCertificates(pki);
        listener = await startListener(() => ({ certificates: [certs.p256, certs.rsa], timeoutMs: 10_000, numTickets: 0, ...options }));
        return listener;
      }
      const ca = () => ['-CAfile', pki.rootPem, '-verify_return_error'];

      it.each([
        ['TLS_AES_128_GCM_SHA256', 'X25519', 'ECDSA'],
        ['TLS_AES_256_GCM_SHA384', 'P-384', 'RSA-PSS'],
        ['TLS_CHACHA20_POLY1305_SHA256', 'P-256', 'ECDSA'],
      ])('TLS 1.3 %s over %s, signed with %s: OpenSSL verifies, data both ways', async (suite, group, sigalg) => {
        const l = await serve({});
        const sigalgs = sigalg === 'ECDSA' ? 'ECDSA+SHA256' : 'rsa_pss_rsae_sha256';
        const run = await sClient(l.port, ['-tls1_3', '-ciphersuites', suite, '-groups', group, '-sigalgs', sigalgs, ...ca()], [`hello ${base.name}`]);
        expect(run.output).toContain(`Cipher is ${suite}`);
        expect(run.output).toContain('Verify return code: 0 (ok)');
        expect(run.output).toContain(`HELLO ${base.name.toUpperCase()}`);
        const [a] = await l.settled(1);
        expect(a.error).toBeUndefined();
        expect(calls.sign).toBe(1);
        expect(calls.aead).toBeGreaterThanOrEqual(4);
        expect(calls.keyExchange).toBe(1);
      });

      it('TLS 1.3 client certificate required: OpenSSL\'s CertificateVerify checked by the provider', async () => {
        const l = await serve({ clientAuth: 'require', clientTrustAnchors: [pki.rootDer] });
        const run = await sClient(l.port, ['-tls1_3', '-cert', pki.clientCert, '-key', pki.clientKey, ...ca()], ['with cert']);
        expect(run.output).toContain('WITH CERT');
        const [a] = await l.settled(1);
        expect(a.error).toBeUndefined();
        expect(calls.verify).toBeGreaterThanOrEqual(2); // the client's chain and its CertificateVerify
      });

      it.each([
        ['ECDHE-ECDSA-AES128-GCM-SHA256', 'aead'],
        ['ECDHE-ECDSA-CHACHA20-POLY1305', 'aead'],
        ['ECDHE-ECDSA-AES128-SHA256', 'cbc'],
        ['ECDHE-RSA-AES256-GCM-SHA384', 'aead'],
      ] as const)('TLS 1.2 %s: OpenSSL verifies, data both ways', async (openssl, cipher) => {
        const l = await serve({});
        const run = await sClient(l.port, ['-tls1_2', '-cipher', openssl, ...ca()], [`hello ${base.name}`]);
        expect(run.output).toContain(`Cipher is ${openssl}`);
        expect(run.output).toContain('Verify return code: 0 (ok)');
        expect(run.output).toContain(`HELLO ${base.name.toUpperCase()}`);
        const [a] = await l.settled(1);
        expect(a.error).toBeUndefined();
        expect(calls[cipher]).toBeGreaterThanOrEqual(2);
        expect(calls.sign).toBe(1);
      });
    });
  });
}
