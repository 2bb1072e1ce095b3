// Ed448 certificates (RFC 8410), made by openssl: path validation checks their Ed448 signatures under each crypto
// provider (WebCrypto has no Ed448 in Chromium: @noble/curves does the arithmetic there), a signature changed by
// one bit fails, and an Ed448 private key is read and matched against its certificate (`serve --cert --key`).
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createVerifier } from '../../src/x509/verifier.ts';
import { checkKeyMatchesCertificate, PrivateKeyError, readPrivateKeyPem } from '../../src/x509/private-key.ts';
import type { NewTraceEvent } from '../../src/trace/types.ts';
import { describeEachProvider } from '../crypto/providers.ts';
import { useCurvePki } from '../support/curve-pki.ts';

const pki = useCurvePki();

async function verify(leaf: Uint8Array, root: Uint8Array) {
  const events: NewTraceEvent[] = [];
  const out = await createVerifier({ anchors: [root] }).verify({ chain: [leaf], serverName: 'localhost', purpose: 'server', now: new Date(), emit: (e) => events.push(e) });
  const signature = events.find((e) => e.kind === 'cert-check' && e.check === 'signature' && e.certificate === 0);
  return { out, signature };
}

describeEachProvider(() => {
  it('an Ed448-signed leaf chains to its Ed448 root', async () => {
    const { out, signature } = await verify(pki.ed448.server.der, pki.ed448.rootDer);
    expect(out.ok).toBe(true);
    expect(signature).toMatchObject({ ok: true, detail: expect.stringMatching(/^Ed448 signature verified with the key of "CN=TLS Lens ed448 test root"/) });
  });

  it('an Ed448 signature with one bit changed does not verify', async () => {
    const leaf = Uint8Array.from(pki.ed448.server.der);
    leaf[leaf.length - 10] ^= 0x01; // inside the signature BIT STRING, the certificate's last field
    const { out } = await verify(leaf, pki.ed448.rootDer);
    expect(out.ok).toBe(false);
    // Found while building the path: the root has the leaf's issuer name but did not sign this.
    expect(out.error).toMatchObject({ code: 'BAD_SIGNATURE', message: expect.stringContaining('its key did not sign "CN=localhost"') });
  });
});

describe('Ed448 private keys', () => {
  it('reads a PKCS#8 Ed448 key and matches it against its certificate, and refuses another certificate', async () => {
    const key = readPrivateKeyPem(fs.readFileSync(pki.ed448.server.key, 'utf8'));
    expect(key.description).toBe('Ed448');
    await expect(checkKeyMatchesCertificate(key, pki.ed448.server.der)).resolves.toBeUndefined();
    await expect(checkKeyMatchesCertificate(key, pki.ed448.client.der)).rejects.toThrow(PrivateKeyError);
    await expect(checkKeyMatchesCertificate(key, pki.ed448.client.der)).rejects.toThrow(/not the key of this certificate/);
    await expect(checkKeyMatchesCertificate(key, pki.p521.server.der)).rejects.toThrow(/does not match the certificate's ec public key/);
  });
});
