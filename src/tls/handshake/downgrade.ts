// RFC 8446 §4.1.3: a TLS 1.3 server that answers with an older version to a client offering TLS 1.3 ends its
// ServerHello.random with a sentinel. A client that offered TLS 1.3 and sees it knows someone in the middle removed
// TLS 1.3 from its offer. Shared by both versions' ServerHello checks.
import { equalBytes } from '../../util/bytes.ts';
import { tlsFailure } from '../errors.ts';
import { DOWNGRADE_TLS11, DOWNGRADE_TLS12 } from '../messages/constants.ts';

/** Throws DOWNGRADE_DETECTED (illegal_parameter) when `serverRandom` carries either sentinel. */
export function checkDowngradeSentinel(serverRandom: Uint8Array): void {
  const tail = serverRandom.subarray(24);
  const marked = equalBytes(tail, DOWNGRADE_TLS12) ? 'TLS 1.2' : equalBytes(tail, DOWNGRADE_TLS11) ? 'TLS 1.1' : null;
  if (marked) {
    throw tlsFailure('DOWNGRADE_DETECTED', `the ServerHello.random ends with the ${marked} downgrade sentinel: the server speaks TLS 1.3, so someone in the middle forced this connection down to ${marked}`);
  }
}
