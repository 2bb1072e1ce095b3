// What a server certificate's key can sign in TLS 1.2: everything it signs in TLS 1.3; for an ECDSA key also the
// ECDSA schemes with another hash than its curve's; and for an rsaEncryption key also RSASSA-PKCS1-v1_5
// (rsa_pkcs1_sha256/384/512, RFC 5246 §7.4.1.4.1), which TLS 1.3 forbids in CertificateVerify but TLS 1.2 clients
// may ask for alone (e.g. `openssl s_client -sigalgs RSA+SHA256`).
import { cryptoProvider } from '../../crypto/provider.ts';
import type { Signer } from '../handshake/signatures.ts';
import { PKCS1_SCHEMES, withTls12Schemes } from '../handshake12/signatures12.ts';
import { oncePerCertificate, signerFor } from './negotiate13.ts';
import type { ServerCertificate } from './options.ts';

type Hash = 'SHA-256' | 'SHA-384' | 'SHA-512';

/** One TLS 1.2 signer per configured certificate, reused by every handshake. */
export const signer12For = oncePerCertificate((c) => makeSigner12(c));

async function makeSigner12(c: ServerCertificate): Promise<Signer> {
  // A WebCrypto key imported for RSASSA-PKCS1-v1_5 is bound to it and to its hash: it signs that alone.
  const given = c.key instanceof Uint8Array ? null : (c.key.algorithm as RsaHashedKeyAlgorithm);
  if (given?.name === 'RSASSA-PKCS1-v1_5') {
    const hash = given.hash.name as Hash;
    const sign = cryptoProvider().signature.signer(c.key, { kind: 'rsa-pkcs1', hash });
    return { schemes: PKCS1_SCHEMES.filter(([, h]) => h === hash).map(([s]) => s), sign: async (_s, content) => (await sign)(content) };
  }
  return withTls12Schemes(await signerFor(c), c.chain[0], c.key);
}
