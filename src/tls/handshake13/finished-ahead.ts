// Our Finished sealed as soon as the server's Finished is verified. Between the two, the handshake derives and
// traces the application secrets, the server's application keys, the compatibility CCS and our handshake keys, and
// only then writes our Finished; its encryption (a WebCrypto round trip) would start last. Here its inputs are
// computed untraced and the record sealed on the protector that setWriteKeys then installs
// (RecordChannel.prepareWriteKeys), so the round trip runs while those steps run. What does not depend on the
// server's Finished (our finished_key, handshake write key and IV, the protector) is made while the crypto thread
// verifies the server's signatures (ExpectCertificate takes it then: in a Worker the idle task IdleWork posts did
// not run before the Finished, as measured); the rest (the transcript hash, verify_data, the sealing) once the
// server's Finished is verified.
// The steps themselves are unchanged: they derive, trace and write as always, and the record sealed ahead is used
// only if the write asks for exactly it (same keys, sequence number, type, padding and bytes:
// Tls13RecordProtector.sealAhead); otherwise it is sealed then, as before.
import { cryptoProvider } from '../../crypto/provider.ts';
import { hkdfLabel } from '../../crypto/hkdf.ts';
import { concat } from '../../util/bytes.ts';
import type { HandshakeContext } from '../handshake/context.ts';
import { IdleWork } from '../key-schedule/idle-work.ts';
import { encodeHandshake } from '../messages/handshake.ts';
import { ContentType } from '../record/content-types.ts';
import type { Tls13RecordProtector } from '../record/tls13-protector.ts';
import type { Tls13Suite } from '../suites.ts';

/** What our Finished needs before the server's Finished is known, made while the thread is idle. */
export type FinishedAhead = IdleWork<{ finishedKey: Uint8Array; protector: Tls13RecordProtector } | null>;

/**
 * Start making, when the thread is next idle, the parts of our Finished that the client handshake traffic secret
 * alone gives: finished_key and the protector for our handshake write key and IV. Null when the channel cannot
 * prepare write keys.
 */
export function prepareFinishedAhead(ctx: HandshakeContext, suite: Tls13Suite, clientSecret: Uint8Array): FinishedAhead | null {
  const prepare = ctx.channel.prepareWriteKeys;
  const hashLength = clientSecret.length;
  // Each output here fits in one HMAC block (HKDF-Expand's T(1)): a finished key, a write key, an IV.
  if (!prepare || suite.keyLength > hashLength || suite.ivLength > hashLength) return null;
  return new IdleWork(async () => {
    const { hmac } = cryptoProvider().hash;
    const expand = (label: string, length: number) => hmac(suite.hash, clientSecret, concat(hkdfLabel(label, new Uint8Array(0), length), Uint8Array.of(1))).subarray(0, length);
    const finishedKey = expand('finished', hashLength);
    const protector = await prepare.call(ctx.channel, suite, { key: expand('key', suite.keyLength), iv: expand('iv', suite.ivLength) }, 'handshake');
    return { finishedKey, protector };
  });
}

/**
 * Start sealing our Finished, when our next flight is that record alone (no client certificate asked for) under
 * client handshake keys not yet installed, and the transcript hash can be had untraced. Call it only once the
 * server's Finished is verified and added to the transcript; it resolves once the sealing has started (a few
 * microtasks), so that it is there before the steps that write the record. Never rejects: if anything fails, the
 * Finished is sealed when written, as before.
 */
export async function sealFinishedAhead(ctx: HandshakeContext, ahead: FinishedAhead | null | undefined, suite: Tls13Suite, clientAuth: boolean): Promise<void> {
  if (!ahead || clientAuth || !ctx.protectWrites) return;
  try {
    const transcriptHash = ctx.transcript.hashUntraced();
    const made = await ahead.take();
    if (!transcriptHash || !made) return;
    const verifyData = cryptoProvider().hash.hmac(suite.hash, made.finishedKey, transcriptHash);
    const { bytes } = encodeHandshake({ type: 'finished', verifyData }, true); // its bytes alone: no field tree
    made.protector.sealAhead(ContentType.handshake, bytes, ctx.options.padding ?? 0);
  } catch {
    // Sealed when written instead.
  }
}
