// The server's 0-RTT (RFC 8446 §4.2.10, §8): whether a ClientHello's early data is taken, in plain words when it is
// not; reading it (under client_early_traffic_secret, up to the ticket's max_early_data_size) until EndOfEarlyData;
// or, refused, skipping it unread.
import type { Emit } from '../../trace/recorder.ts';
import { fail } from '../errors.ts';
import { appDataEvent } from '../handshake/app-data-event.ts';
import type { ReceivedRecord, RecordChannel } from '../handshake/channel.ts';
import type { RecordSkipper } from '../handshake/message-reader.ts';
import { ContentType } from '../messages/constants.ts';
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

/** The tag of every TLS 1.3 AEAD this engine speaks (AES-GCM, ChaCha20-Poly1305). */
const TAG_LENGTH = 16;
/**
 * What OpenSSL allows beyond max_early_data_size when it counts early data it cannot read (EARLY_DATA_CIPHERTEXT_OVERHEAD
 * in ssl_local.h): the inner content type and tag of six records, and two bytes.
 */
const SKIP_ALLOWANCE = 6 * (TAG_LENGTH + 1) + 2;

/**
 * A server that refused 0-RTT skips the client's early data unread (RFC 8446 §4.2.10), up to `limit` bytes:
 * - 'trial-decryption' (no HelloRetryRequest): records that do not open under the client's handshake keys (the record
 *   layer hands them over unopened); the first that opens is the start of the client's second flight and ends it.
 * - 'after-hello-retry': application_data records in the clear before the second ClientHello, which ends it.
 * Each record skipped is an 'early-data' event (outcome 'skipped'); a note gives the count at the end. More than the
 * limit is unexpected_message, as OpenSSL ends it (SSL_R_TOO_MUCH_EARLY_DATA) and RFC 8446 §4.6.1 asks.
 */
export class EarlyDataSkipper implements RecordSkipper {
  private records = 0;
  /** The skipped records' ciphertext (tags included), and what of it counts against the limit. */
  private bytes = 0;
  private counted = 0;

  constructor(
    private readonly how: 'trial-decryption' | 'after-hello-retry',
    private readonly limit: number,
    private readonly emit: Emit,
    private readonly channel: RecordChannel,
  ) {
    if (how === 'trial-decryption') channel.setTrialDecryption('early');
  }

  consider(record: ReceivedRecord): 'skip' | 'keep' | 'done' {
    if (this.how === 'after-hello-retry') {
      if (record.epoch === 'plaintext' && record.contentType === ContentType.application_data) {
        return this.skip(record, 'it came in the clear as application_data after the HelloRetryRequest, before the second ClientHello');
      }
      return record.contentType === ContentType.handshake ? this.end('the second ClientHello') : 'keep';
    }
    if (record.unopened) return this.skip(record, 'it does not open under the client\'s handshake key');
    // A record let through in the clear (a compatibility ChangeCipherSpec, an alert) says nothing yet.
    return record.epoch === 'plaintext' ? 'keep' : this.end('a record that opened under the client\'s handshake key, the start of its second flight');
  }

  private skip(record: ReceivedRecord, why: string): 'skip' {
    // Counted as OpenSSL counts early data it cannot read (ssl3_record.c, early_data_count_ok): the record's
    // ciphertext without its tag (the content, inner type and padding), against the limit plus SKIP_ALLOWANCE.
    const length = record.fragment.length;
    const counted = length > TAG_LENGTH ? length - TAG_LENGTH : length;
    if (this.counted + counted > this.limit + SKIP_ALLOWANCE) {
      throw fail.unexpected(`more early data than this server skips: after ${this.skippedWords()}, a record of ${length} bytes would pass the ${this.limit}-byte max_early_data_size (and OpenSSL's ${SKIP_ALLOWANCE} bytes for record overhead; RFC 8446 §4.2.10, §4.6.1)`);
    }
    this.records++;
    this.bytes += length;
    this.counted += counted;
    this.emit({ kind: 'early-data', side: 'server', outcome: 'skipped', bytes: length, limit: this.limit, record: record.eventIndex, reason: why });
    return 'skip';
  }

  private end(by: string): 'done' {
    this.channel.setTrialDecryption(null);
    this.emit({ kind: 'note', text: `early data skipping over at ${by}: ${this.skippedWords()} (RFC 8446 §4.2.10)` });
    return 'done';
  }

  private skippedWords(): string {
    const records = `${this.records} record${this.records === 1 ? '' : 's'} of 0-RTT data skipped unread`;
    return this.records === 0 ? records : `${records}, ${this.bytes} bytes (${this.counted} counted against the limit: the tags aside, as OpenSSL counts)`;
  }
}
