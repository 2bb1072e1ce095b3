// What a server certificate's key can sign in TLS 1.2: everything it signs in TLS 1.3; for an ECDSA key also the
// ECDSA schemes with another hash than its curve's; and for an rsaEncryption key also RSASSA-PKCS1-v1_5
// (rsa_pkcs1_sha256/384/512, RFC 5246 §7.4.1.4.1), which TLS 1.3 forbids in CertificateVerify but TLS 1.2 clients
// may ask for alone (e.g. `openssl s_client -sigalgs RSA+SHA256`).
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

const ECDSA: [number, Hash][] = [
  [S.ecdsa_secp256r1_sha256, 'SHA-256'],
  [S.ecdsa_secp384r1_sha384, 'SHA-384'],
  [S.ecdsa_secp521r1_sha512, 'SHA-512'],
];

/** One TLS 1.2 signer per configured certificate, reused by every handshake. */
export const signer12For = oncePerCertificate((c) => makeSigner12(c));

async function makeSigner12(c: ServerCertificate): Promise<Signer> {
  const key = describePublicKey(certificateSpki(c.chain[0]));
  if (key.type === 'ec' && (key.curve === 'P-256' || key.curve === 'P-384')) return ecdsaSigner12(c, key.curve);
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

/**
 * In TLS 1.2 an ECDSA scheme names only the hash (RFC 8422 §5.1.1; RFC 8446 §4.2.3 binds the curve in TLS 1.3
 * alone): the curve's own hash first, then the others, for a client that offers only, say, ECDSA with SHA-384
 * (`openssl s_client -tls1_2 -sigalgs ECDSA+SHA384`, which s_server serves with a P-256 key).
 */
async function ecdsaSigner12(c: ServerCertificate, curve: 'P-256' | 'P-384'): Promise<Signer> {
  const own = await signerFor(c);
  const signers = new Map<Hash, Promise<(data: Uint8Array) => Promise<Uint8Array>>>();
  const signerOf = (hash: Hash) => {
    let f = signers.get(hash);
    if (!f) signers.set(hash, (f = cryptoProvider().signature.signer(c.key, { kind: 'ecdsa', curve, hash })));
    return f;
  };
  return {
    schemes: [...own.schemes, ...ECDSA.map(([s]) => s).filter((s) => !own.schemes.includes(s))],
    async sign(scheme, content) {
      if (own.schemes.includes(scheme)) return own.sign(scheme, content);
      const hash = ECDSA.find(([s]) => s === scheme)?.[1];
      if (!hash) throw new Error(`an ECDSA key cannot sign with scheme 0x${scheme.toString(16)}`);
      return (await signerOf(hash))(content);
    },
  };
}

/** An RSASSA-PKCS1-v1_5 signing function from the active crypto provider. */
function pkcs1Signer(key: CryptoKey | Uint8Array, hash: Hash) {
  return cryptoProvider().signature.signer(key, { kind: 'rsa-pkcs1', hash });
}
