// What a server certificate's key can sign in TLS 1.2: everything it signs in TLS 1.3, and for an rsaEncryption
// key also RSASSA-PKCS1-v1_5 (rsa_pkcs1_sha256/384/512, RFC 5246 §7.4.1.4.1), which TLS 1.3 forbids in
// CertificateVerify but TLS 1.2 clients may ask for alone (e.g. `openssl s_client -sigalgs RSA+SHA256`).
import { describePublicKey } from '../../crypto/signature.ts';
import { cryptoProvider } from '../../crypto/provider.ts';
import { certificateSpki, type Signer } from '../handshake/signatures.ts';
import { SignatureScheme as S } from '../messages/constants.ts';
import { oncePerCertificate, signerFor } from './negotiate13.ts';
import type { ServerCertificate } from './options.ts';

type Hash = 'SHA-256' | 'SHA-384' | 'SHA-512';
const PKCS1: [number, Hash][] = [
  [S.rsa_pkcs1_sha256, 'SHA-256'],
  [S.rsa_pkcs1_sha384, 'SHA-384'],
  [S.rsa_pkcs1_sha512, 'SHA-512'],
];

/** One TLS 1.2 signer per configured certificate, reused by every handshake. */
export const signer12For = oncePerCertificate((c) => makeSigner12(c));

async function makeSigner12(c: ServerCertificate): Promise<Signer> {
  const key = describePublicKey(certificateSpki(c.chain[0]));
  if (key.type !== 'rsa' || key.pssOnly) return signerFor(c);
  // A WebCrypto key is bound to one algorithm and hash: a PKCS#1 key signs only that; a PSS key never PKCS#1.
  const given = c.key instanceof Uint8Array ? null : (c.key.algorithm as RsaHashedKeyAlgorithm);
  if (given?.name === 'RSASSA-PKCS1-v1_5') {
    const own = PKCS1.filter(([, hash]) => hash === given.hash.name);
    const sign = pkcs1Signer(c.key, given.hash.name as Hash);
    return { schemes: own.map(([s]) => s), sign: async (_s, content) => (await sign)(content) };
  }
  const pss = await signerFor(c);
  if (given) return pss;
  const signers = new Map<Hash, ReturnType<typeof pkcs1Signer>>();
  const signerOf = (hash: Hash) => {
    let f = signers.get(hash);
    if (!f) signers.set(hash, (f = pkcs1Signer(c.key, hash)));
    return f;
  };
  // RSA-PSS first: PKCS#1 v1.5 only for a client that offers nothing better.
  return {
    schemes: [...pss.schemes, ...PKCS1.map(([s]) => s)],
    async sign(scheme, content) {
      const hash = PKCS1.find(([s]) => s === scheme)?.[1];
      return hash ? (await signerOf(hash))(content) : pss.sign(scheme, content);
    },
  };
}

/** An RSASSA-PKCS1-v1_5 signing function from the active crypto provider. */
function pkcs1Signer(key: CryptoKey | Uint8Array, hash: Hash) {
  return cryptoProvider().signature.signer(key, { kind: 'rsa-pkcs1', hash });
}
