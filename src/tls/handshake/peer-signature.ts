// The peer's signature over the handshake, checked the same way by both versions and both sides: the leaf's key,
// the scheme the version allows with it, the check itself, and the 'signature' event that shows it.
import { describePublicKey, verifySignature, type PublicKeyInfo, type SignatureAlgorithm } from '../../crypto/signature.ts';
import type { Emit } from '../../trace/recorder.ts';
import type { Side } from '../../trace/types.ts';
import { equalBytes, toHex } from '../../util/bytes.ts';
import { fail, tlsFailure, type TlsAlertError, type TlsError } from '../errors.ts';
import { schemeName } from '../messages/constants.ts';
import type { HandshakeContext } from './context.ts';
import { HandshakeSignatureValid } from './proofs.ts';
import { certificateSpki, certificateVerifyContent, schemeAlgorithm } from './signatures.ts';

export interface LeafKey {
  spki: Uint8Array;
  info: PublicKeyInfo;
}

/** The leaf's public key and what kind it is; either failing to parse is the peer's bad_certificate. */
export function leafKey(der: Uint8Array, peer: Side): LeafKey {
  try {
    const spki = certificateSpki(der);
    // The DER walk finds the SubjectPublicKeyInfo's bytes; its contents can still be malformed.
    return { spki, info: describePublicKey(spki) };
  } catch (e) {
    throw tlsFailure('BAD_CERTIFICATE', `the ${peer}'s certificate or its public key cannot be parsed: ${(e as Error).message}`);
  }
}

/**
 * A signature check started before its message was handled (from bytes already received, e.g. the CertificateVerify
 * that arrived with the Certificate, so that it runs beside the chain's check). Only the check of exactly the same
 * key, algorithm, content and signature uses its result, once; its trace event comes when that check is made.
 */
export class EarlySignatureCheck {
  private used = false;
  private constructor(
    private readonly spki: Uint8Array,
    private readonly algorithm: SignatureAlgorithm,
    private readonly content: Uint8Array,
    private readonly signature: Uint8Array,
    private readonly result: Promise<boolean>,
  ) {}

  static start(spki: Uint8Array, algorithm: SignatureAlgorithm, content: Uint8Array, signature: Uint8Array): EarlySignatureCheck {
    const result = verifySignature(spki, algorithm, content, signature);
    result.catch(() => undefined); // reported by the check that takes it
    return new EarlySignatureCheck(Uint8Array.from(spki), algorithm, Uint8Array.from(content), Uint8Array.from(signature), result);
  }

  /** The result for these inputs, if they are the ones it was started with (once); else undefined. */
  take(spki: Uint8Array, algorithm: SignatureAlgorithm, content: Uint8Array, signature: Uint8Array): Promise<boolean> | undefined {
    if (this.used || !equalBytes(spki, this.spki) || !equalBytes(content, this.content) || !equalBytes(signature, this.signature)) return undefined;
    if (JSON.stringify(algorithm) !== JSON.stringify(this.algorithm)) return undefined;
    this.used = true;
    return this.result;
  }
}

export interface PeerSignature {
  /** Trace subject: 'CertificateVerify', 'ServerKeyExchange', ... */
  subject: string;
  scheme: number;
  /** The version's rule for which check a scheme means with this key; a string is why it cannot be used. */
  algorithmFor: (scheme: number, key: PublicKeyInfo) => SignatureAlgorithm | string;
  key: LeafKey;
  content: Uint8Array;
  signature: Uint8Array;
  /** Detail shown when the signature verifies (none by default). */
  okDetail?: string;
  /** The error when it does not verify (the reason from the crypto layer, if any, is passed in). */
  failure: (reason: string | undefined) => TlsError | TlsAlertError;
  /** The same check, started early (used only if its inputs are these). */
  early?: EarlySignatureCheck | null;
}

/**
 * Verify the peer's signature and emit its 'signature' event (ok or not); throws `failure` when it does not verify,
 * illegal_parameter when the scheme does not fit the key. Returns the proof the later states ask for.
 */
export async function verifyPeerSignature(ctx: Pick<HandshakeContext, 'emit'>, s: PeerSignature): Promise<HandshakeSignatureValid> {
  const algorithm = s.algorithmFor(s.scheme, s.key.info);
  if (typeof algorithm === 'string') throw fail.illegal(algorithm);
  let ok = false;
  let reason: string | undefined;
  try {
    ok = await (s.early?.take(s.key.spki, algorithm, s.content, s.signature) ?? verifySignature(s.key.spki, algorithm, s.content, s.signature));
  } catch (e) {
    reason = (e as Error).message;
  }
  const detail = reason ?? (ok ? s.okDetail : 'the signature does not match the certificate\'s public key');
  ctx.emit({ kind: 'signature', subject: s.subject, scheme: schemeName(s.scheme), signedContent: toHex(s.content), signature: toHex(s.signature), ok, ...(detail ? { detail } : {}) });
  if (!ok) throw s.failure(reason);
  return HandshakeSignatureValid.assertion();
}

export interface PeerCertificateVerify {
  /** Who signed: the server (checked by a client) or the client (checked by a server). */
  signer: Side;
  leaf: Uint8Array;
  scheme: number;
  signature: Uint8Array;
  /** The schemes we offered (signature_algorithms): anything else is illegal_parameter. */
  offered: readonly number[];
  /** TLS 1.3: the transcript hash the signature covers (with its context string). */
  transcriptHash: Uint8Array;
  /** The trace's name for what was signed (default "CertificateVerify"). */
  subject?: string;
  /** TLS 1.2 (RFC 5246 §7.4.8): the handshake messages themselves are signed, and schemes read the TLS 1.2 way. */
  tls12?: { signedContent: Uint8Array; algorithm: (scheme: number, key: PublicKeyInfo) => SignatureAlgorithm | string };
  /** The same check started early (startCertificateVerifyCheck), used only if its inputs match. */
  early?: EarlySignatureCheck | null;
}

/** A CertificateVerify from either side (RFC 8446 §4.4.3; RFC 5246 §7.4.8 with `tls12`): offered scheme, fitting key, valid signature. */
export async function checkPeerCertificateVerify(emit: Emit, cv: PeerCertificateVerify): Promise<HandshakeSignatureValid> {
  const who = `the ${cv.signer}`;
  if (!cv.offered.includes(cv.scheme)) throw fail.illegal(`${who} signed with ${schemeName(cv.scheme)}, which was not offered`);
  return verifyPeerSignature({ emit }, {
    subject: cv.subject ?? 'CertificateVerify',
    scheme: cv.scheme,
    algorithmFor: cv.tls12?.algorithm ?? schemeAlgorithm,
    key: leafKey(cv.leaf, cv.signer),
    content: cv.tls12?.signedContent ?? certificateVerifyContent(cv.signer, cv.transcriptHash),
    signature: cv.signature,
    early: cv.early,
    failure: (reason) => fail.badCertificateVerify(`${who}'s CertificateVerify signature (${schemeName(cv.scheme)}) does not verify with the certificate's key${reason ? `: ${reason}` : ''}`),
  });
}

/**
 * TLS 1.3: when the CertificateVerify after a Certificate is already at hand (it arrived in the same flight), start
 * its signature check now, beside the chain's, with the inputs the CertificateVerify step will use (the transcript
 * up to the Certificate, the leaf's key, the offered scheme). Nothing is traced or decided here: the step checks
 * the message as always and takes this result only for identical inputs. Null when it cannot start early.
 */
export async function startCertificateVerifyCheck(ctx: Pick<HandshakeContext, 'reader' | 'transcript'>, signer: Side, leaf: Uint8Array, offered: readonly number[]): Promise<EarlySignatureCheck | null> {
  try {
    const transcriptHash = ctx.transcript.hashUntraced();
    if (!transcriptHash) return null;
    const bytes = await ctx.reader.peekNextHandshake();
    // certificate_verify (15): uint16 scheme, opaque signature<0..2^16-1>, and nothing after.
    if (!bytes || bytes[0] !== 15 || bytes.length < 8) return null;
    const scheme = (bytes[4] << 8) | bytes[5];
    const length = (bytes[6] << 8) | bytes[7];
    if (bytes.length !== 8 + length || !offered.includes(scheme)) return null;
    const key = leafKey(leaf, signer);
    const algorithm = schemeAlgorithm(scheme, key.info);
    if (typeof algorithm === 'string') return null;
    return EarlySignatureCheck.start(key.spki, algorithm, certificateVerifyContent(signer, transcriptHash), bytes.subarray(8));
  } catch {
    return null; // whatever is wrong is found and reported by the CertificateVerify step itself
  }
}
