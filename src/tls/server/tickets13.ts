// What a TLS 1.3 ticket carries (RFC 8446 §4.6.1): the resumption PSK and what the server must know to accept it
// later, sealed by TicketKeys so the server keeps nothing per session.
import { fromHex, toHex, utf8 } from '../../util/bytes.ts';
import type { HashName } from '../../crypto/hash.ts';
import type { TicketKeys } from './ticket-keys.ts';

export interface TicketState13 {
  suite: number;
  hash: HashName;
  psk: Uint8Array;
  ageAdd: number;
  /** Clock time (ms) when the ticket was issued. */
  issuedAt: number;
  lifetimeSeconds: number;
  alpn: string | null;
  sni: string | null;
  /** max_early_data_size announced with the ticket (0: no 0-RTT with it); absent in tickets sealed before. */
  maxEarlyData?: number;
}

export async function sealTicket13(keys: TicketKeys, state: TicketState13): Promise<Uint8Array> {
  const plain = JSON.stringify({ v: 13, ...state, psk: toHex(state.psk) });
  return keys.seal(utf8.encode(plain));
}

/** The state in a ticket, or null when it is not one of ours (or not a TLS 1.3 ticket). */
export async function openTicket13(keys: TicketKeys, ticket: Uint8Array): Promise<TicketState13 | null> {
  const plain = await keys.open(ticket);
  if (!plain) return null;
  try {
    const s = JSON.parse(utf8.decode(plain));
    if (s.v !== 13) return null;
    return { suite: s.suite, hash: s.hash, psk: fromHex(s.psk), ageAdd: s.ageAdd, issuedAt: s.issuedAt, lifetimeSeconds: s.lifetimeSeconds, alpn: s.alpn, sni: s.sni, maxEarlyData: s.maxEarlyData ?? 0 };
  } catch {
    return null;
  }
}
