// The peer's TLS 1.3 CertificateVerify (RFC 8446 §4.4.3), checked the same way by both sides: the scheme must be
// one we offered and fit the certificate's key, and the signature must verify over the context string and the
// transcript hash. Emits the 'signature' event either way; a failure carries its alert.
import { describePublicKey, verifySignature, type PublicKeyInfo, type SignatureAlgorithm } from '../../crypto/signature.ts';
import type { Emit } from '../../trace/recorder.ts';
import type { Side } from '../../trace/types.ts';
import { toHex } from '../../util/bytes.ts';
import { fail, tlsFailure } from '../errors.ts';
import { schemeName } from '../messages/constants.ts';
import { certificateSpki, certificateVerifyContent, schemeAlgorithm } from './signatures.ts';

export interface PeerCertificateVerify {
  /** Who signed: the server (checked by a client) or the client (checked by a server). */
  signer: Side;
  leaf: Uint8Array;
  scheme: number;
  signature: Uint8Array;
  /** The schemes we offered (signature_algorithms): anything else is illegal_parameter. */
  offered: number[];
  /** TLS 1.3: the transcript hash the signature covers (with its context string). */
  transcriptHash: Uint8Array;
  /** The trace's name for what was signed (default "CertificateVerify"). */
  subject?: string;
  /** TLS 1.2 (RFC 5246 §7.4.8): the handshake messages themselves are signed, and schemes read the TLS 1.2 way. */
  tls12?: { signedContent: Uint8Array; algorithm: (scheme: number, key: PublicKeyInfo) => SignatureAlgorithm | string };
}

/** Check a CertificateVerify; returns the scheme's name. Throws the failure with its alert. */
export async function checkPeerCertificateVerify(emit: Emit, cv: PeerCertificateVerify): Promise<string> {
  const who = `the ${cv.signer}`;
  if (!cv.offered.includes(cv.scheme)) throw fail.illegal(`${who} signed with ${schemeName(cv.scheme)}, which was not offered`);
  const content = cv.tls12?.signedContent ?? certificateVerifyContent(cv.signer, cv.transcriptHash);
  let spki: Uint8Array;
  let keyInfo: ReturnType<typeof describePublicKey>;
  try {
    spki = certificateSpki(cv.leaf);
    keyInfo = describePublicKey(spki);
  } catch (e) {
    throw tlsFailure('BAD_CERTIFICATE', `${who}'s certificate or its public key cannot be parsed: ${(e as Error).message}`);
  }
  const algorithm = (cv.tls12?.algorithm ?? schemeAlgorithm)(cv.scheme, keyInfo);
  if (typeof algorithm === 'string') throw fail.illegal(algorithm);
  let ok = false;
  let detail: string | undefined;
  try {
    ok = await verifySignature(spki, algorithm, content, cv.signature);
  } catch (e) {
    detail = (e as Error).message;
  }
  emit({ kind: 'signature', subject: cv.subject ?? 'CertificateVerify', scheme: schemeName(cv.scheme), signedContent: toHex(content), signature: toHex(cv.signature), ok, ...(detail ? { detail } : ok ? {} : { detail: 'the signature does not match the certificate\'s public key' }) });
  if (!ok) throw fail.badCertificateVerify(`${who}'s CertificateVerify signature (${schemeName(cv.scheme)}) does not verify with the certificate's key${detail ? `: ${detail}` : ''}`);
  return schemeName(cv.scheme);
}
