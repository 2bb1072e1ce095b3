// TLS read without its hellos: streams whose capture began after their TLS handshake (or lost or cut its first
// segments). No ClientHello opens them, but their bytes are TLS records: found by a record header followed by
// another (one plausible header alone is too easily found in other protocols' bytes), or by one record that ends
// exactly where the data does. Then what is encrypted is told by its looks, since no ServerHello said when keys began.
import { ContentType, RECORD_HEADER_LENGTH, decodeHandshake, decodeHandshake12 } from './engine.ts';
import { LARGEST_RECORD, looksLikeRecordHeader } from './record-header.ts';

/**
 * Whether these first bytes of a direction are TLS records: from their start, or (`anywhere`: the capture began
 * inside the connection, so inside a record perhaps) from a record boundary within the first record's length.
 */
export function holdsTlsRecords(b: Uint8Array, anywhere: boolean): boolean {
  const last = anywhere ? LARGEST_RECORD : 1;
  for (let at = 0; at < last && at + RECORD_HEADER_LENGTH <= b.length; at++) {
    if (!looksLikeRecordHeader(b, at)) continue;
    const next = at + RECORD_HEADER_LENGTH + ((b[at + 3] << 8) | b[at + 4]);
    if (next === b.length || looksLikeRecordHeader(b, next)) return true;
  }
  return false;
}

const HANDSHAKE_TYPES = new Set([0, 1, 2, 4, 5, 8, 11, 12, 13, 14, 15, 16, 20, 21, 22, 24]);

/**
 * Whether a handshake record's fragment reads as handshake messages in clear: known types whose lengths fit, the
 * last one perhaps going on in the next record. An encrypted one (its first bytes a nonce or ciphertext) hardly
 * does: used only where nothing else tells (a stream whose capture began after its hellos).
 */
export function readsAsHandshake(fragment: Uint8Array): boolean {
  let at = 0;
  while (at + 4 <= fragment.length) {
    if (!HANDSHAKE_TYPES.has(fragment[at])) return false;
    const length = (fragment[at + 1] << 16) | (fragment[at + 2] << 8) | fragment[at + 3];
    if (at + 4 + length > fragment.length) return length <= 1 << 16;
    at += 4 + length;
  }
  return at === fragment.length;
}

/**
 * A record that cannot be plaintext: application data (TLS never sends it in clear), or an alert record that is
 * not one 2-byte alert (an encrypted one is at least 2 bytes plus its tag).
 */
export function encryptedByItsLooks(record: Uint8Array): boolean {
  const length = record.length - RECORD_HEADER_LENGTH;
  return record[0] === ContentType.application_data || (record[0] === ContentType.alert && length !== 2);
}

/**
 * A handshake message before any ServerHello told the version: the hellos read the same in both, the messages
 * of a handshake whose hellos were not captured (a ClientKeyExchange, a TLS 1.2 NewSessionTicket) only as TLS 1.2
 * has them (the key exchange assumed ECDHE, the usual one, as the ServerKeyExchange that names it is not seen).
 */
export function decodeEitherVersion(bytes: Uint8Array): ReturnType<typeof decodeHandshake> | ReturnType<typeof decodeHandshake12> {
  try {
    return decodeHandshake(bytes);
  } catch (first) {
    try {
      return decodeHandshake12(bytes, 'ECDHE');
    } catch {
      throw first;
    }
  }
}
