// What a server certificate's key can sign in TLS 1.2: everything it signs in TLS 1.3, and for an rsaEncryption
// key also RSASSA-PKCS1-v1_5 (rsa_pkcs1_sha256/384/512, RFC 5246 §7.4.1.4.1), which TLS 1.3 forbids in
// CertificateVerify but TLS 1.2 clients may ask for alone (e.g. `openssl s_client -sigalgs RSA+SHA256`).
import { describePublicKey } from '../../crypto/signature.ts';
import { bufferSource, subtle } from '../../crypto/webcrypto.ts';
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
    return { schemes: own.map(([s]) => s), sign: (_s, content) => pkcs1Sign(c.key as CryptoKey, content) };
  }
  const pss = await signerFor(c);
  if (given) return pss;
  const keys = new Map<Hash, Promise<CryptoKey>>();
  const keyFor = (hash: Hash) => {
    let k = keys.get(hash);
    if (!k) {
      k = subtle().importKey('pkcs8', bufferSource(c.key as Uint8Array), { name: 'RSASSA-PKCS1-v1_5', hash }, false, ['sign']);
      keys.set(hash, k);
    }
    return k;
  };
  // RSA-PSS first: PKCS#1 v1.5 only for a client that offers nothing better.
  return {
    schemes: [...pss.schemes, ...PKCS1.map(([s]) => s)],
    async sign(scheme, content) {
      const hash = PKCS1.find(([s]) => s === scheme)?.[1];
      return hash ? pkcs1Sign(await keyFor(hash), content) : pss.sign(scheme, content);
    },
  };
}

async function pkcs1Sign(key: CryptoKey, content: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await subtle().sign({ name: 'RSASSA-PKCS1-v1_5' }, key, bufferSource(content)));
}
