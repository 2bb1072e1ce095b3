// A 0-RTT 'early-data' event in plain words, the one wording the ladder, the inspector and the CLI share.
import type { EarlyDataEvent } from './types.ts';

const bytes = (n: number | undefined) => `${n ?? 0} bytes`;

export function earlyDataWords(e: Pick<EarlyDataEvent, 'side' | 'outcome' | 'bytes' | 'limit' | 'reason'>): string {
  if (e.side === 'server' || e.outcome === 'skipped') {
    switch (e.outcome) {
      case 'accepted':
        return `early data accepted: the client's first PSK is a fresh ticket of ours, first used for early data, with the same cipher suite and ALPN; up to ${bytes(e.limit)} are read with the client's early traffic keys until EndOfEarlyData (RFC 8446 §4.2.10)`;
      case 'skipped':
        return `early data record of ${bytes(e.bytes)} skipped unread: ${e.reason ?? 'the server refused the early data'}; a server that refused 0-RTT drops such records${e.limit !== undefined ? `, up to ${bytes(e.limit)} of early data in all` : ''} (RFC 8446 §4.2.10)`;
      default:
        return `early data refused: ${e.reason ?? 'no reason given'}`;
    }
  }
  switch (e.outcome) {
    case 'sent':
      return `0-RTT: ${bytes(e.bytes)} of early data sent before the server answered, under the client early traffic keys from the ticket's PSK${e.limit ? ` (the ticket allows ${bytes(e.limit)})` : ''}`;
    case 'not-sent':
      return `early data not sent as 0-RTT: ${e.reason ?? 'no reason given'}; its ${bytes(e.bytes)} go after the handshake`;
    case 'accepted':
      return `0-RTT accepted: the server read the ${bytes(e.bytes)} of early data (early_data in EncryptedExtensions); EndOfEarlyData will close them before the client's Finished`;
    case 'refused':
      return `0-RTT refused: ${e.reason ?? 'no reason given'}. The server did not read the ${bytes(e.bytes)} of early data; the client sends them again after the handshake (RFC 8446 §4.2.10)`;
  }
}
