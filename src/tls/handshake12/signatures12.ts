// Which WebCrypto check a TLS 1.2 SignatureAndHashAlgorithm means (RFC 5246 §7.4.1.4.1, RFC 8446 §4.2.3 for PSS).
// Unlike TLS 1.3, an ECDSA scheme names only the hash, not the curve.
import type { PublicKeyInfo, SignatureAlgorithm } from '../../crypto/signature.ts';
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
    default:
      return `${name} is not accepted by this client`;
  }
}
