// What the inspector says about a protected record's nonce or IV, and whether it can be made again from what the
// trace holds. Each protection builds it its own way: TLS 1.3 and TLS 1.2 ChaCha20 XOR the direction's IV with the
// sequence number (RFC 8446 §5.3, RFC 7905 §2); TLS 1.2 GCM puts a 4-byte salt from the key block before the 8-byte
// explicit nonce the record carries (RFC 5288 §3); CBC uses an IV, sent as the record's first block from TLS 1.1 on
// (RFC 4346 §6.2.3.2), and in TLS 1.0 the last ciphertext block of the direction's record before (RFC 2246 §6.2.3.2);
// RC4 has none.
import type { RecordEvent } from '../trace/types.ts';
import { nonceFromIv } from './format.ts';

export interface NonceLine {
  label: string;
  value: string;
  /** Made again from the trace: equal (true), different (false, with `expected`), or not made from this record alone (null). */
  matches: boolean | null;
  expected?: string;
  /** Why it cannot be made again from this record, when it cannot. */
  note?: string;
}

/** TLS 1.0's record version: its CBC IVs are chained, not sent. */
const TLS10 = '0301';

export function nonceLine(record: RecordEvent): NonceLine | null {
  const p = record.protection;
  if (!p || !p.nonce) return null;
  const fragmentHex = record.bytes.slice(10);
  if (/_CBC_/.test(p.cipherSuite)) {
    if (record.bytes.slice(2, 6) === TLS10) {
      return { label: 'IV (CBC, chained)', value: p.nonce, matches: null, note: 'TLS 1.0 sends no IV: it is the last ciphertext block of this direction\'s record before' };
    }
    if (fragmentHex.length < p.iv.length) return { label: 'IV (CBC, explicit)', value: p.nonce, matches: null, note: 'the record\'s bytes are not kept' };
    const sent = fragmentHex.slice(0, p.iv.length);
    return { label: 'IV (CBC, explicit: the record\'s first block)', value: p.nonce, matches: sent === p.nonce, expected: sent };
  }
  // 4 bytes of IV: TLS 1.2 GCM's salt, followed by the explicit nonce (kept even when the record is summarised).
  if (p.iv.length === 8) {
    const expected = p.iv + fragmentHex.slice(0, 16);
    return { label: 'Nonce = salt ‖ explicit nonce', value: p.nonce, matches: expected === p.nonce, expected };
  }
  const expected = nonceFromIv(p.iv, record.seq);
  return { label: 'Nonce = IV xor seq', value: p.nonce, matches: expected === p.nonce, expected };
}
