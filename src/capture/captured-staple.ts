// A stapled OCSP response in a capture (TLS 1.2's CertificateStatus; TLS 1.3's status_request in the leaf's
// CertificateEntry), checked as the live client checks it: the same verifier call, each step a 'cert-check', the
// verdict the same 'ocsp' event (src/tls/handshake/stapled-ocsp.ts). The verifier's clock is the one the capture
// checks the chain with: the capture's time, not today's. A verified "revoked" is reported as the live client
// reports it (a failed 'cert-result', REVOKED), and as an error; but a capture shows what the peers did, so the
// decoding goes on.
import type { Emit } from '../trace/recorder.ts';
import { defineLazy } from '../trace/lazy-hex.ts';
import { toHex } from '../util/bytes.ts';
import { revokedError, stapledVerdict, type CertificateVerifier, type VerifyOutcome } from './engine.ts';

export interface CapturedStaple {
  verifier: CertificateVerifier;
  emit: Emit;
  /** The server's chain as sent, leaf first, and the path its check built (empty: none). */
  chain: Uint8Array[];
  path: VerifyOutcome['path'];
  /** The leaf's stapled OCSPResponse (DER). */
  response: Uint8Array;
  /** The time the chain is checked at. */
  now: Date;
}

export async function checkCapturedStaple(s: CapturedStaple): Promise<void> {
  const verdict = await stapledVerdict(s.verifier, { chain: s.chain, path: s.path, certificate: 0, response: s.response, now: s.now, emit: (e) => void s.emit(e) });
  s.emit({ kind: 'ocsp', ...verdict });
  if (verdict.verdict !== 'revoked') return;
  const error = revokedError(verdict);
  const chain = s.chain;
  s.emit(defineLazy({ kind: 'cert-result' as const, ok: false, chain: [] as string[], path: s.path, error }, 'chain', () => chain.map(toHex)));
  s.emit({ kind: 'error', code: error.code, message: error.message });
  s.emit({
    kind: 'note',
    text: 'a client that checks the stapled response (TLS Lens, browsers) ends the handshake here with certificate_revoked; openssl s_client -status only prints the status and goes on. The capture shows what these peers did: decoding goes on',
  });
}
