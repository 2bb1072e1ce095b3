// Our Finished sealed as soon as the server's Finished is verified. Between the two, the handshake derives and
// traces the application secrets, the server's application keys, the compatibility CCS and our handshake keys, and
// only then writes our Finished; its encryption (a WebCrypto round trip) would start last. Here its inputs are
// computed untraced (the transcript hash so far, finished_key, verify_data, the client handshake write key and IV)
// and the record sealed on the protector that setWriteKeys then installs (RecordChannel.prepareWriteKeys), so the
// round trip runs while those steps run. The steps themselves are unchanged: they derive, trace and write as
// always, and the record sealed ahead is used only if the write asks for exactly it (same keys, sequence number,
// type, padding and bytes: Tls13RecordProtector.sealAhead); otherwise it is sealed then, as before.
import { cryptoProvider } from '../../crypto/provider.ts';
import { hkdfLabel } from '../../crypto/hkdf.ts';
import { concat } from '../../util/bytes.ts';
import type { HandshakeContext } from '../handshake/context.ts';
import type { TrafficSecrets } from '../key-schedule/key-schedule13.ts';
import { encodeHandshake } from '../messages/handshake.ts';
import { ContentType } from '../record/content-types.ts';
import type { Tls13Suite } from '../suites.ts';

/**
 * Start sealing our Finished, when our next flight is that record alone under client handshake keys not yet
 * installed (no client certificate asked for) and the transcript hash can be had untraced. Call it only once the
 * server's Finished is verified and added to the transcript; it resolves once the sealing has started (a few
 * microtasks: the provider's hashes are synchronous), so that it is there before the steps that write the record.
 * Never rejects: if anything fails, the Finished is sealed when written, as before.
 */
export async function sealFinishedAhead(ctx: HandshakeContext, keys: { suite: Tls13Suite; secrets: TrafficSecrets }, clientAuth: boolean): Promise<void> {
  const prepare = ctx.channel.prepareWriteKeys;
  if (clientAuth || !ctx.protectWrites || !prepare) return;
  const { suite, secrets } = keys;
  const hash = suite.hash;
  const hashLength = secrets.client.length;
  // Each output here fits in one HMAC block (HKDF-Expand's T(1)): a finished key, a write key, an IV.
  if (suite.keyLength > hashLength || suite.ivLength > hashLength) return;
  try {
    const transcriptHash = ctx.transcript.hashUntraced();
    if (!transcriptHash) return;
    const { hmac } = cryptoProvider().hash;
    const expand = (label: string, length: number) => hmac(hash, secrets.client, concat(hkdfLabel(label, new Uint8Array(0), length), Uint8Array.of(1))).subarray(0, length);
    const verifyData = hmac(hash, expand('finished', hashLength), transcriptHash);
    const { bytes } = encodeHandshake({ type: 'finished', verifyData }, true); // its bytes alone: no field tree
    const protector = await prepare.call(ctx.channel, suite, { key: expand('key', suite.keyLength), iv: expand('iv', suite.ivLength) }, 'handshake');
    protector.sealAhead(ContentType.handshake, bytes, ctx.options.padding ?? 0);
  } catch {
    // Sealed when written instead.
  }
}
