// The client's 0-RTT (RFC 8446 §2.3, §4.2.10): whether a ticket lets the first ClientHello carry early data, the
// early data itself in records under client_early_traffic_secret right after the ClientHello, what the server's
// answer means (early_data in EncryptedExtensions: accepted; none, or a HelloRetryRequest: lost), EndOfEarlyData
// before our Finished, and whatever did not go as 0-RTT sent again after the handshake.
import { ContentType } from '../record/content-types.ts';
import { appDataEvent } from '../handshake/app-data-event.ts';
import type { HandshakeContext } from '../handshake/context.ts';
import type { Tls13Session } from '../handshake/options.ts';
import { fail } from '../errors.ts';
import { suiteByCode } from '../suites.ts';
import { sendCcsOnce } from './compatibility-ccs.ts';

export interface EarlyDataOffer {
  /** The bytes sent as 0-RTT: the start of `earlyData`, at most the ticket's max_early_data_size. */
  data: Uint8Array;
  /** The ticket the early data is bound to: the server may take it only with this ticket's suite and ALPN. */
  session: Tls13Session;
  outcome: 'offered' | 'accepted' | 'refused';
}

/**
 * RFC 8446 §4.2.10: early data rides on the first PSK, with that ticket's cipher suite and ALPN, and only as much as
 * the ticket's max_early_data_size. Null (with a note) when this connection cannot send any.
 */
export function planEarlyData(ctx: HandshakeContext, session: Tls13Session | null): EarlyDataOffer | null {
  const data = ctx.options.earlyData;
  if (!data?.length) return null;
  const max = session?.maxEarlyData ?? 0;
  const why = !session
    ? 'no TLS 1.3 ticket to resume with'
    : max === 0
      ? 'the ticket does not allow early data (its NewSessionTicket had no max_early_data_size)'
      : !ctx.options.suites.some((s) => s.code === session.cipherSuite)
        ? `the ticket's cipher suite (${suiteByCode(session.cipherSuite)?.name ?? session.cipherSuite}) is not offered`
        : session.alpn && !ctx.options.alpn?.includes(session.alpn)
          ? `the ticket's ALPN protocol "${session.alpn}" is not offered`
          : null;
  if (why) {
    if (ctx.summary.earlyData) ctx.summary.earlyData.reason = why;
    ctx.emit({ kind: 'early-data', side: 'client', outcome: 'not-sent', bytes: data.length, reason: why });
    return null;
  }
  return { data: data.subarray(0, Math.min(data.length, max)), session: session!, outcome: 'offered' };
}

/**
 * Right after the first ClientHello: the compatibility ChangeCipherSpec (RFC 8446 §D.4 puts it here when early data
 * follows), then the early data under client_early_traffic_secret = Derive-Secret(early secret, "c e traffic",
 * ClientHello) (§7.1).
 */
export async function sendEarlyData(ctx: HandshakeContext, offer: EarlyDataOffer): Promise<void> {
  const schedule = ctx.pskSchedule;
  const suite = suiteByCode(offer.session.cipherSuite);
  if (!schedule || !suite) throw fail.internal('early data without the ticket\'s key schedule');
  const helloHash = await ctx.transcript.hashWith(new Uint8Array(0), { name: '', hash: schedule.hash });
  const secret = await schedule.clientEarlyTrafficSecret(helloHash);
  await sendCcsOnce(ctx);
  await ctx.channel.setWriteKeys(suite, await schedule.trafficKeys(secret, suite.keyLength, 'client_early'), 'early');
  ctx.currentWriteEpoch = 'early';
  const written = ctx.channel.writeTraced ? await ctx.channel.writeTraced(ContentType.application_data, offer.data) : { records: await ctx.channel.write(ContentType.application_data, offer.data), dataHex: undefined };
  ctx.emit(appDataEvent('client', offer.data, { dataHex: written.dataHex, record: written.records[0] }));
  ctx.summary.earlyData = { offered: true, accepted: false, bytes: offer.data.length, resent: 0 };
  ctx.emit({ kind: 'early-data', side: 'client', outcome: 'sent', bytes: offer.data.length, limit: offer.session.maxEarlyData });
}

/**
 * The server did not take the early data (a HelloRetryRequest, no PSK accepted, no early_data in
 * EncryptedExtensions, or TLS 1.2): it was lost, and goes again after the handshake. Our writes leave the early keys.
 */
export function refuseEarlyData(ctx: HandshakeContext, why: string, nextWrites: 'plaintext' | 'unchanged'): void {
  const offer = ctx.earlyData;
  if (!offer || offer.outcome !== 'offered') return;
  offer.outcome = 'refused';
  if (ctx.summary.earlyData) ctx.summary.earlyData.reason = why;
  if (nextWrites === 'plaintext') {
    ctx.channel.setWriteProtector(null);
    ctx.currentWriteEpoch = 'plaintext';
  }
  ctx.emit({ kind: 'early-data', side: 'client', outcome: 'refused', bytes: offer.data.length, reason: why });
}

/**
 * EncryptedExtensions read: early_data there means the server accepted (RFC 8446 §4.2.10) — only for the ticket's
 * suite and ALPN, which the client checks too (illegal_parameter otherwise, as OpenSSL does).
 */
export function earlyDataAnswered(ctx: HandshakeContext, acceptedByServer: boolean): void {
  const offer = ctx.earlyData;
  if (acceptedByServer && offer?.outcome !== 'offered') throw fail.unsupportedExtension('the server accepted early data the client did not send');
  if (!offer || offer.outcome !== 'offered') return;
  if (!acceptedByServer) return refuseEarlyData(ctx, 'the server\'s EncryptedExtensions has no early_data', 'unchanged');
  if (ctx.suite?.code !== offer.session.cipherSuite) throw fail.illegal('the server accepted early data with a cipher suite other than the ticket\'s (RFC 8446 §4.2.10)');
  if ((ctx.summary.alpn ?? null) !== (offer.session.alpn ?? null)) throw fail.illegal('the server accepted early data with an ALPN protocol other than the ticket\'s (RFC 8446 §4.2.10)');
  offer.outcome = 'accepted';
  if (ctx.summary.earlyData) ctx.summary.earlyData.accepted = true;
  ctx.emit({ kind: 'early-data', side: 'client', outcome: 'accepted', bytes: offer.data.length });
}

/** RFC 8446 §4.5: accepted early data ends with EndOfEarlyData, under the early keys, before the handshake keys. */
export async function sendEndOfEarlyData(ctx: HandshakeContext): Promise<void> {
  if (ctx.earlyData?.outcome !== 'accepted') return;
  await ctx.send({ type: 'end_of_early_data' });
}

/** What of `earlyData` the server has not read: all of it unless accepted, else what went beyond the ticket's limit. */
export function earlyDataLeft(ctx: HandshakeContext): Uint8Array | null {
  const data = ctx.options.earlyData;
  if (!data?.length) return null;
  const sent = ctx.earlyData?.outcome === 'accepted' ? ctx.earlyData.data.length : 0;
  return sent < data.length ? data.subarray(sent) : null;
}
