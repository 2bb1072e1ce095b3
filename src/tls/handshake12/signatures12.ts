// Which WebCrypto check a TLS 1.2 SignatureAndHashAlgorithm means (RFC 5246 §7.4.1.4.1, RFC 8446 §4.2.3 for PSS).
// Unlike TLS 1.3, an ECDSA scheme names only the hash, not the curve.
import { describePublicKey, type PublicKeyInfo, type SignatureAlgorithm } from '../../crypto/signature.ts';
import { cryptoProvider, type SigningAlgorithm } from '../../crypto/provider.ts';
import { certificateSpki, createSigner, type Signer } from '../handshake/signatures.ts';
import { SignatureScheme as S, schemeName } from '../messages/constants.ts';

/** Added to signature_algorithms when TLS 1.2 is offered: PKCS#1 v1.5 signatures are still common there. */
export const TLS12_EXTRA_SCHEMES = [S.rsa_pkcs1_sha256, S.rsa_pkcs1_sha384, S.rsa_pkcs1_sha512];

export function scheme12Algorithm(scheme: number, key: PublicKeyInfo): SignatureAlgorithm | string {
  const hashOf: Record<number, 'SHA-256' | 'SHA-384' | 'SHA-512'> = {
    [S.rsa_pkcs1_sha256]: 'SHA-256', [S.rsa_pkcs1_sha384]: 'SHA-384', [S.rsa_pkcs1_sha512]: 'SHA-512',
    [S.ecdsa_secp256r1_sha256]: 'SHA-256', [S.ecdsa_secp384r1_sha384]: 'SHA-384', [S.ecdsa_secp521r1_sha512]: 'SHA-512',
    [S.rsa_pss_rsae_sha256]: 'SHA-256', [S.rsa_pss_rsae_sha384]: 'SHA-384', [S.rsa_pss_rsae_sha512]: 'SHA-512',
    [S.rsa_pss_pss_sha256]: 'SHA-256', [S.rsa_pss_pss_sha384]: 'SHA-384', [S.rsa_pss_pss_sha512]: 'SHA-512',
  };
  const hash = hashOf[scheme];
  const name = schemeName(scheme);
  switch (scheme) {
    case S.rsa_pkcs1_sha256:
    case S.rsa_pkcs1_sha384:
    case S.rsa_pkcs1_sha512:
      return key.type === 'rsa' && !key.pssOnly ? { kind: 'rsa-pkcs1', hash } : `${name} needs an rsaEncryption key`;
    case S.ecdsa_secp256r1_sha256:
    case S.ecdsa_secp384r1_sha384:
    case S.ecdsa_secp521r1_sha512:
      return key.type === 'ec' ? { kind: 'ecdsa', hash, encoding: 'der' } : `${name} needs an EC key`;
    case S.rsa_pss_rsae_sha256:
    case S.rsa_pss_rsae_sha384:
    case S.rsa_pss_rsae_sha512:
    case S.rsa_pss_pss_sha256:
    case S.rsa_pss_pss_sha384:
    case S.rsa_pss_pss_sha512:
      return key.type === 'rsa' ? { kind: 'rsa-pss', hash, saltLength: hash === 'SHA-256' ? 32 : hash === 'SHA-384' ? 48 : 64 } : `${name} needs an RSA key`;
    case S.ed25519:
      return key.type === 'ed25519' ? { kind: 'ed25519' } : 'ed25519 needs an Ed25519 key';
    case S.ed448:
      return key.type === 'ed448' ? { kind: 'ed448' } : 'ed448 needs an Ed448 key';
    default:
      return `${name} is not accepted by this client`;
  }
}

type Hash = 'SHA-256' | 'SHA-384' | 'SHA-512';
/** RSASSA-PKCS1-v1_5 schemes with their hashes: TLS 1.2 signs with them, TLS 1.3 never in a CertificateVerify. */
export const PKCS1_SCHEMES: readonly [number, Hash][] = [
  [S.rsa_pkcs1_sha256, 'SHA-256'],
  [S.rsa_pkcs1_sha384, 'SHA-384'],
  [S.rsa_pkcs1_sha512, 'SHA-512'],
];
const ECDSA: readonly [number, Hash][] = [
  [S.ecdsa_secp256r1_sha256, 'SHA-256'],
  [S.ecdsa_secp384r1_sha384, 'SHA-384'],
  [S.ecdsa_secp521r1_sha512, 'SHA-512'],
];

/**
 * A key's signer for TLS 1.2 (a client's CertificateVerify, a server's ServerKeyExchange): `own`, what it signs in
 * TLS 1.3 (preferred), then what only TLS 1.2 has (RFC 5246 §7.4.1.4.1): RSASSA-PKCS1-v1_5 for an rsaEncryption key,
 * and for an ECDSA key the other hashes (a TLS 1.2 scheme names the hash, not the curve: RFC 8422 §5.1.1). A peer that
 * accepts only those (`openssl s_server -client_sigalgs RSA+SHA256`, `s_client -sigalgs ECDSA+SHA384`, older peers)
 * then gets a signature, as from OpenSSL. A WebCrypto RSA key is bound to one algorithm: it signs only what `own` does.
 */
export function withTls12Schemes(own: Signer, certDer: Uint8Array, privateKey: CryptoKey | Uint8Array): Signer {
  const key = describePublicKey(certificateSpki(certDer));
  const extra = new Map<number, SigningAlgorithm>();
  if (key.type === 'rsa' && !key.pssOnly && privateKey instanceof Uint8Array) for (const [scheme, hash] of PKCS1_SCHEMES) extra.set(scheme, { kind: 'rsa-pkcs1', hash });
  if (key.type === 'ec' && (key.curve === 'P-256' || key.curve === 'P-384' || key.curve === 'P-521')) {
    for (const [scheme, hash] of ECDSA) if (!own.schemes.includes(scheme)) extra.set(scheme, { kind: 'ecdsa', curve: key.curve, hash });
  }
  if (extra.size === 0) return own;
  const signers = new Map<number, Promise<(data: Uint8Array) => Promise<Uint8Array>>>();
  return {
    schemes: [...own.schemes, ...extra.keys()],
    async sign(scheme, content) {
      const algorithm = extra.get(scheme);
      if (!algorithm) return own.sign(scheme, content);
      let sign = signers.get(scheme);
      if (!sign) signers.set(scheme, (sign = cryptoProvider().signature.signer(privateKey, algorithm)));
      return (await sign)(content);
    },
  };
}

/** Our client certificate's signer for a TLS 1.2 CertificateVerify. */
export async function createSigner12(certDer: Uint8Array, privateKey: CryptoKey | Uint8Array): Promise<Signer> {
  return withTls12Schemes(await createSigner(certDer, privateKey), certDer, privateKey);
}
