// The server's 0-RTT (RFC 8446 §4.2.10, §8): whether a ClientHello's early data is taken, in plain words when it is
// not, and reading it (under client_early_traffic_secret, up to the ticket's max_early_data_size) until EndOfEarlyData.
import type { Emit } from '../../trace/recorder.ts';
import { fail } from '../errors.ts';
import { appDataEvent } from '../handshake/app-data-event.ts';
import type { ReceivedRecord } from '../handshake/channel.ts';
import type { Tls13Suite } from '../suites.ts';
import type { ServerContext } from './context.ts';
import type { TicketState13 } from './tickets13.ts';
import { usedTicketsFor } from './used-tickets.ts';

/** How far the client's count of the ticket's age may be from ours (RFC 8446 §8.3; OpenSSL allows 10 s too). */
const TICKET_AGE_WINDOW_MS = 10_000;

/** The PSK the server took from this ClientHello (states13.ts acceptPsk), as far as 0-RTT needs it. */
export interface PskForEarlyData {
  identity: number;
  ticket: Uint8Array;
  state: TicketState13;
  /** The ticket's age as the client counts it (obfuscated_ticket_age - ticket_age_add), and as we do. */
  clientAgeMs: number;
  serverAgeMs: number;
}

export type EarlyDataVerdict = { accept: true; limit: number } | { accept: false; reason: string };

/**
 * RFC 8446 §4.2.10: early data is taken only with the first PSK identity, for the ticket's cipher suite and ALPN;
 * §8: only from a fresh ticket, and (§8.1) only once per ticket. The ticket's use is claimed last, so a refusal for
 * another reason leaves it unused.
 */
export function judgeEarlyData(ctx: ServerContext, psk: PskForEarlyData | null, suite: Tls13Suite, alpn: string | null): EarlyDataVerdict {
  const o = ctx.options;
  const refuse = (reason: string): EarlyDataVerdict => ({ accept: false, reason });
  if (!o.acceptEarlyData) return refuse('this server is not set up to accept early data');
  if (!psk) return refuse('the server did not accept the ticket it is keyed with, so it cannot read it');
  if (psk.identity !== 0) return refuse(`the ticket accepted is the client's PSK identity ${psk.identity}; early data is keyed with the first one`);
  const limit = psk.state.maxEarlyData ?? 0;
  if (!(limit > 0)) return refuse('the ticket was issued without early data (no max_early_data_size)');
  if (psk.state.suite !== suite.code) return refuse(`the ticket was for another cipher suite than ${suite.name}`);
  if ((psk.state.alpn ?? null) !== alpn) return refuse(`the ticket was for ALPN ${psk.state.alpn ? `"${psk.state.alpn}"` : 'none'}, this connection has ${alpn ? `"${alpn}"` : 'none'}`);
  const skew = psk.serverAgeMs - psk.clientAgeMs;
  if (Math.abs(skew) > TICKET_AGE_WINDOW_MS) return refuse(`the ticket's age as the client counts it is ${Math.round(Math.abs(skew) / 1000)} s off from the server's: the ClientHello may be an old one replayed (RFC 8446 §8.3)`);
  const used = o.usedTickets ?? usedTicketsFor(o.ticketKeys);
  if (!used.claim(psk.ticket, psk.state.issuedAt + psk.state.lifetimeSeconds * 1000, o.clock())) {
    return refuse('this ticket was already used for early data: a replayed ClientHello gets no 0-RTT (RFC 8446 §8.1)');
  }
  return { accept: true, limit };
}

/** Takes the early data records as the message reader meets them, up to the ticket's limit (more is unexpected_message). */
export class EarlyDataReceiver {
  readonly chunks: Uint8Array[] = [];
  bytes = 0;

  constructor(
    private readonly limit: number,
    private readonly emit: Emit,
  ) {}

  readonly take = (data: Uint8Array, record: ReceivedRecord): void => {
    if (this.bytes + data.length > this.limit) {
      throw fail.unexpected(`the client sent more early data than the ticket's max_early_data_size of ${this.limit} bytes (RFC 8446 §4.2.10)`);
    }
    this.bytes += data.length;
    if (data.length > 0) this.chunks.push(data);
    this.emit(appDataEvent('client', record.fragment, { dataHex: record.fragmentHex, record: record.eventIndex }));
  };
}
