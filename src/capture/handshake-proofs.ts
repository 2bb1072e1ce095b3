// A captured handshake's proofs, checked again as its peers would have: each Finished (from the key log's
// secrets, TLS 1.0 to 1.3), each CertificateVerify (its scheme against what the peer asked for, then its
// signature) and TLS 1.2's ServerKeyExchange signature. Each check is the event a live session shows; a capture is
// only read, so a proof that fails is reported (an 'error' event), never acted on.
import type { Emit } from '../trace/recorder.ts';
import type { Side } from '../trace/types.ts';
import { toHex } from '../util/bytes.ts';
import {
  ExtensionType,
  TrafficSecretUse13,
  certificateVerifyContent,
  checkPeerCertificateVerify,
  findExtension,
  leafKey,
  scheme12Algorithm,
  schemeName,
  tlsFailure,
  verifyPeerSignature,
} from './engine.ts';
import type { CapturedHandshake } from './captured-handshake.ts';
import { checkLegacyCertificateVerify, checkLegacyServerKeyExchange, isDsaScheme } from './legacy-signatures.ts';
import { serverKeyExchangeContent } from './signed-content.ts';

export interface SignedMessage {
  type: string;
  scheme: number;
  signature: Uint8Array;
}

/**
 * A CertificateVerify: its scheme among those the peer asked for (the server's: the ClientHello's
 * signature_algorithms in TLS 1.3; the client's: the CertificateRequest's list, both versions), then the signature
 * over the transcript so far (TLS 1.3) or the handshake messages themselves (TLS 1.2), with the sender's
 * certificate's key.
 */
export async function checkCertificateVerify(hs: CapturedHandshake, emit: Emit, signer: Side, m: SignedMessage): Promise<void> {
  const leaf = hs.leaf[signer];
  if (!leaf) return;
  const tls12 = m.type === 'certificate_verify12';
  if (!tls12 && !hs.suite13) return;
  const transcriptHash = tls12 ? new Uint8Array(0) : await hs.transcriptHash(hs.suite13!.hash);
  const content = tls12 ? hs.transcriptBytes() : certificateVerifyContent(signer, transcriptHash);
  const offered = offeredSchemes(hs, emit, signer, m.scheme, tls12);
  if (!offered.includes(m.scheme)) return schemeNotOffered(emit, signer, m, content, offered);
  // A DSA client certificate's pair (dsa_sha1, dsa_sha256, ...): the engine has no DSA; legacy-signatures.ts checks it.
  if (tls12 && isDsaScheme(m.scheme)) return checkLegacyCertificateVerify(hs, emit, signer, m);
  try {
    await checkPeerCertificateVerify(emit, {
      signer,
      leaf,
      scheme: m.scheme,
      signature: m.signature,
      offered,
      transcriptHash,
      ...(tls12 ? { tls12: { signedContent: content, algorithm: scheme12Algorithm } } : {}),
    });
  } catch (e) {
    emit({ kind: 'error', code: 'CERTIFICATE_VERIFY_FAILED', message: `the ${signer}'s CertificateVerify does not check out: ${(e as Error).message}` });
  }
}

/** The schemes the signer was allowed: what its peer listed; where the capture does not show the list, the one used. */
function offeredSchemes(hs: CapturedHandshake, emit: Emit, signer: Side, used: number, tls12: boolean): number[] {
  if (signer === 'client') {
    if (hs.requestedSchemes) return hs.requestedSchemes;
    emit({ kind: 'note', text: "the server's CertificateRequest is not in the capture: the client's signature scheme cannot be checked against its list" });
    return [used];
  }
  if (tls12) return [used];
  return findExtension(hs.clientHello?.extensions ?? [], ExtensionType.signature_algorithms)?.schemes ?? [used];
}

/** A scheme the peer did not ask for: shown as a failed check (a live peer ends the handshake with illegal_parameter). */
function schemeNotOffered(emit: Emit, signer: Side, m: SignedMessage, content: Uint8Array, offered: number[]): void {
  const list = signer === 'client' ? "the server's CertificateRequest" : "the client's signature_algorithms";
  const detail = `${schemeName(m.scheme)} is not among the schemes ${list} listed (${offered.map(schemeName).join(', ') || 'none'}): the ${signer === 'client' ? 'server' : 'client'} would end the handshake with an illegal_parameter alert`;
  emit({ kind: 'signature', subject: 'CertificateVerify', scheme: schemeName(m.scheme), signedContent: toHex(content), signature: toHex(m.signature), ok: false, detail });
  emit({ kind: 'error', code: 'CERTIFICATE_VERIFY_FAILED', message: `the ${signer}'s CertificateVerify does not check out: ${detail}` });
}

/** TLS 1.2 ServerKeyExchange (RFC 5246 §7.4.3): signed over client_random || server_random || params with the server's key. */
export async function checkServerKeyExchange(hs: CapturedHandshake, emit: Emit, m: { params: Uint8Array; scheme: number; signature: Uint8Array }): Promise<void> {
  const leaf = hs.leaf.server;
  if (!leaf || !hs.clientRandom || !hs.serverRandom || m.signature.length === 0) return;
  // DHE_DSS: a DSA pair, which the engine does not check (legacy-signatures.ts does).
  if (isDsaScheme(m.scheme)) return checkLegacyServerKeyExchange(hs, emit, m);
  const content = serverKeyExchangeContent(hs.clientRandom, hs.serverRandom, m.params);
  try {
    await verifyPeerSignature({ emit }, {
      subject: 'ServerKeyExchange',
      scheme: m.scheme,
      algorithmFor: scheme12Algorithm,
      key: leafKey(leaf, 'server'),
      content,
      signature: m.signature,
      okDetail: "signed with the server certificate's key over client_random || server_random || params",
      failure: (reason) => tlsFailure('BAD_SERVER_KEY_EXCHANGE_SIGNATURE', `the signature does not verify with the certificate's key${reason ? `: ${reason}` : ''}`),
    });
  } catch (e) {
    emit({ kind: 'error', code: 'SERVER_KEY_EXCHANGE_SIGNATURE_FAILED', message: `the server's ServerKeyExchange signature does not check out: ${(e as Error).message}` });
  }
}

/** TLS 1.3 Finished: HMAC(finished_key of the sender's handshake traffic secret, transcript hash), when the key log gave the secret. */
export async function checkFinished13(hs: CapturedHandshake, emit: Emit, side: Side, received: Uint8Array): Promise<void> {
  const secret = hs.handshakeSecrets[side];
  if (!secret || !hs.suite13) return;
  const schedule = TrafficSecretUse13.forSecrets(hs.suite13.hash, emit);
  const expected = await schedule.finishedVerifyData(secret, await hs.transcriptHash(hs.suite13.hash), side);
  finishedEvent(emit, side, expected, received);
}

/**
 * TLS 1.2 Finished: PRF(master_secret, "<side> finished", Hash(handshake messages)), when the key log gave the master
 * secret; TLS 1.0 and 1.1 the same with their PRF and MD5(messages) || SHA-1(messages) (legacy-schedule.ts).
 */
export async function checkFinished12(hs: CapturedHandshake, emit: Emit, side: Side, received: Uint8Array): Promise<void> {
  if (hs.master10) return finishedEvent(emit, side, hs.master10.verifyData(side, hs.transcriptBytes()), received);
  if (!hs.master12) return;
  finishedEvent(emit, side, await hs.master12.verifyData(side, await hs.transcriptHash(hs.master12.hash)), received);
}

function finishedEvent(emit: Emit, side: Side, expected: Uint8Array, received: Uint8Array): void {
  const ok = toHex(expected) === toHex(received);
  emit({ kind: 'finished', direction: side, expected: toHex(expected), received: toHex(received), ok });
  if (!ok) emit({ kind: 'error', code: 'FINISHED_MISMATCH', message: `the ${side}'s Finished does not match the handshake the capture shows (expected ${toHex(expected)}, sent ${toHex(received)}): messages are missing or altered, or the key log's secret is not this session's` });
}
