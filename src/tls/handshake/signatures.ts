// CertificateVerify (RFC 8446 §4.4.3): what is signed, which signature algorithm a SignatureScheme means,
// and signing with our own key when the server asks for a client certificate.
import { describePublicKey, type PublicKeyInfo, type SignatureAlgorithm } from '../../crypto/signature.ts';
import { cryptoProvider, type SigningAlgorithm } from '../../crypto/provider.ts';
import { children, readRoot, wholeOf } from '../../x509/der.ts';
import { concat, utf8 } from '../../util/bytes.ts';
import { SignatureScheme as S, schemeName } from '../messages/constants.ts';

/** 64 spaces || context string || 0x00 || transcript hash. */
export function certificateVerifyContent(side: 'server' | 'client', transcriptHash: Uint8Array): Uint8Array {
  return concat(new Uint8Array(64).fill(0x20), utf8.encode(`TLS 1.3, ${side} CertificateVerify`), Uint8Array.of(0), transcriptHash);
}

/**
 * The verification algorithm for a TLS 1.3 CertificateVerify scheme, checked against the certificate's key.
 * Returns a reason string when the scheme cannot be used with this key (or at all in TLS 1.3).
 */
export function schemeAlgorithm(scheme: number, key: PublicKeyInfo): SignatureAlgorithm | string {
  const needEc = (curve: string, hash: 'SHA-256' | 'SHA-384' | 'SHA-512'): SignatureAlgorithm | string =>
    key.type === 'ec' && key.curve === curve ? { kind: 'ecdsa', hash, encoding: 'der' } : `${schemeName(scheme)} needs a ${curve} key, the certificate has ${keyText(key)}`;
  const pss = (hash: 'SHA-256' | 'SHA-384' | 'SHA-512', pssKey: boolean): SignatureAlgorithm | string => {
    if (key.type !== 'rsa') return `${schemeName(scheme)} needs an RSA key, the certificate has ${keyText(key)}`;
    if (key.pssOnly !== pssKey) return `${schemeName(scheme)} needs an ${pssKey ? 'RSASSA-PSS' : 'rsaEncryption'} key, the certificate has ${keyText(key)}`;
    return { kind: 'rsa-pss', hash, saltLength: hash === 'SHA-256' ? 32 : hash === 'SHA-384' ? 48 : 64 };
  };
  switch (scheme) {
    case S.ecdsa_secp256r1_sha256:
      return needEc('P-256', 'SHA-256');
    case S.ecdsa_secp384r1_sha384:
      return needEc('P-384', 'SHA-384');
    case S.ecdsa_secp521r1_sha512:
      return needEc('P-521', 'SHA-512');
    case S.rsa_pss_rsae_sha256:
      return pss('SHA-256', false);
    case S.rsa_pss_rsae_sha384:
      return pss('SHA-384', false);
    case S.rsa_pss_rsae_sha512:
      return pss('SHA-512', false);
    case S.rsa_pss_pss_sha256:
      return pss('SHA-256', true);
    case S.rsa_pss_pss_sha384:
      return pss('SHA-384', true);
    case S.rsa_pss_pss_sha512:
      return pss('SHA-512', true);
    case S.ed25519:
      return key.type === 'ed25519' ? { kind: 'ed25519' } : `ed25519 needs an Ed25519 key, the certificate has ${keyText(key)}`;
    case S.ed448:
      return key.type === 'ed448' ? { kind: 'ed448' } : `ed448 needs an Ed448 key, the certificate has ${keyText(key)}`;
    default:
      return `${schemeName(scheme)} is not allowed in a TLS 1.3 CertificateVerify`;
  }
}

function keyText(key: PublicKeyInfo): string {
  switch (key.type) {
    case 'rsa':
      return `an RSA ${key.bits}-bit key${key.pssOnly ? ' (PSS only)' : ''}`;
    case 'ec':
      return `an EC ${key.curve} key`;
    case 'ed25519':
      return 'an Ed25519 key';
    case 'ed448':
      return 'an Ed448 key';
    default:
      return `a key of type ${key.oid}`;
  }
}

/**
 * SubjectPublicKeyInfo DER of a certificate, found by walking the DER (fast: no full decode, which the
 * verifier does anyway, and no ASN.1 schema library in the engine). Throws a plain-words error when the
 * certificate's outer structure cannot be read.
 */
export function certificateSpki(certDer: Uint8Array): Uint8Array {
  try {
    const cert = readRoot(certDer);
    const [tbs] = children(certDer, cert);
    if (!tbs || tbs.tag !== 0x30) throw new Error('no tbsCertificate SEQUENCE');
    const fields = children(certDer, tbs);
    // tbsCertificate: [0] version (optional), serial, signature, issuer, validity, subject, subjectPublicKeyInfo
    const hasVersion = fields[0]?.cls === 2 && fields[0].tagNumber === 0;
    const spki = fields[hasVersion ? 6 : 5];
    if (!spki || spki.cls !== 0 || spki.tagNumber !== 16) throw new Error('no SubjectPublicKeyInfo');
    return wholeOf(certDer, spki);
  } catch (e) {
    throw new Error(`the certificate cannot be read as X.509 DER: ${(e as Error).message}`);
  }
}

/** A key that can sign CertificateVerify, with the schemes it can produce. */
export interface Signer {
  schemes: number[];
  sign(scheme: number, content: Uint8Array): Promise<Uint8Array>;
}

/** A signer for the private key of `certDer` (PKCS#8 DER or a WebCrypto key), through the active crypto provider. */
export async function createSigner(certDer: Uint8Array, privateKey: CryptoKey | Uint8Array): Promise<Signer> {
  const info = describePublicKey(certificateSpki(certDer));
  const signerFor = (algorithm: SigningAlgorithm) => cryptoProvider().signature.signer(privateKey, algorithm);
  // TLS 1.3 ties each ECDSA scheme to one curve and hash (RFC 8446 §4.2.3): the key's curve names its one scheme.
  const ecdsa = info.type === 'ec' ? ECDSA_SCHEMES[info.curve] : undefined;
  if (info.type === 'ec' && ecdsa) {
    const sign = await signerFor({ kind: 'ecdsa', curve: info.curve as 'P-256' | 'P-384' | 'P-521', hash: ecdsa.hash });
    return { schemes: [ecdsa.scheme], sign: (_s, content) => sign(content) };
  }
  if (info.type === 'ed25519' || info.type === 'ed448') {
    const sign = await signerFor({ kind: info.type });
    return { schemes: [info.type === 'ed25519' ? S.ed25519 : S.ed448], sign: (_s, content) => sign(content) };
  }
  if (info.type === 'rsa') {
    const signers = new Map<number, Promise<(data: Uint8Array) => Promise<Uint8Array>>>();
    // An rsaEncryption key signs rsa_pss_rsae_*; an RSASSA-PSS key (id-RSASSA-PSS) only rsa_pss_pss_* (RFC 8446 §4.2.3).
    const hashes: Record<number, 'SHA-256' | 'SHA-384' | 'SHA-512'> = info.pssOnly
      ? { [S.rsa_pss_pss_sha256]: 'SHA-256', [S.rsa_pss_pss_sha384]: 'SHA-384', [S.rsa_pss_pss_sha512]: 'SHA-512' }
      : { [S.rsa_pss_rsae_sha256]: 'SHA-256', [S.rsa_pss_rsae_sha384]: 'SHA-384', [S.rsa_pss_rsae_sha512]: 'SHA-512' };
    return {
      schemes: Object.keys(hashes).map(Number),
      async sign(scheme, content) {
        const hash = hashes[scheme];
        let signer = signers.get(scheme);
        if (!signer) {
          // One per hash: a WebCrypto key is bound to one.
          signer = signerFor({ kind: 'rsa-pss', hash, saltLength: hash === 'SHA-256' ? 32 : hash === 'SHA-384' ? 48 : 64 });
          signers.set(scheme, signer);
        }
        return (await signer)(content);
      },
    };
  }
  throw new Error(`${keyText(info)} cannot sign a CertificateVerify here: this engine signs with ECDSA P-256, P-384 or P-521, Ed25519, Ed448 and RSA keys`);
}

const ECDSA_SCHEMES: Record<string, { scheme: number; hash: 'SHA-256' | 'SHA-384' | 'SHA-512' }> = {
  'P-256': { scheme: S.ecdsa_secp256r1_sha256, hash: 'SHA-256' },
  'P-384': { scheme: S.ecdsa_secp384r1_sha384, hash: 'SHA-384' },
  'P-521': { scheme: S.ecdsa_secp521r1_sha512, hash: 'SHA-512' },
};

/** WebCrypto gives ECDSA signatures as r || s; TLS wants DER SEQUENCE { INTEGER r, INTEGER s }. */
export { ecdsaRawToDer } from '../../crypto/ecdsa-encoding.ts';
