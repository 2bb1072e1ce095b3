// TLS 1.2 Finished (RFC 5246 §7.4.9) for either side: our verify_data, and the peer's checked against the
// transcript so far, each with its 'finished' event. The client's and the server's states both use these.
import type { Emit } from '../../trace/recorder.ts';
import { equalBytes, toHex } from '../../util/bytes.ts';
import { fail } from '../errors.ts';
import { FinishedMessageVerified } from '../handshake/proofs.ts';
import type { MasterStage12 } from '../key-schedule/key-schedule12.ts';

type Side = 'client' | 'server';

/** Our verify_data over the transcript hash so far. */
export async function ourFinished12(emit: Emit, master: MasterStage12, side: Side, transcriptHash: Uint8Array): Promise<Uint8Array> {
  const verifyData = await master.verifyData(side, transcriptHash);
  emit({ kind: 'finished', direction: side, expected: toHex(verifyData), received: toHex(verifyData), ok: true });
  return verifyData;
}

/** The peer's verify_data must be what we compute over the same transcript (else decrypt_error). */
export async function checkPeerFinished12(emit: Emit, master: MasterStage12, peer: Side, transcriptHash: Uint8Array, received: Uint8Array): Promise<FinishedMessageVerified> {
  const expected = await master.verifyData(peer, transcriptHash);
  const ok = equalBytes(expected, received);
  emit({ kind: 'finished', direction: peer, expected: toHex(expected), received: toHex(received), ok });
  if (!ok) throw fail.badFinished(`the ${peer}'s Finished does not match: the two sides do not share the same handshake transcript or master secret`);
  return FinishedMessageVerified.assertion();
}
