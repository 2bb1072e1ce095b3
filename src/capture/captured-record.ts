// A framed record in the form the record protectors take, and one try at opening it. Shared by the decoder (records
// opened in stream order, or ahead) and the recovery after a gap (one record tried at several sequence numbers):
// a try settles to a result and never throws, because only the authentication tag decides. Each record carries the
// bytes that came before it in its direction, since TLS 1.0's IV is there (legacy-cbc-protector.ts).
import { RECORD_HEADER_LENGTH, type OpenedRecord, type RawRecord, type RecordProtector } from './engine.ts';
import type { CapturedRecord } from './legacy-cbc-protector.ts';

/**
 * Bytes kept from before each record for TLS 1.0's implicit IV, the last cipher block of the record before it: the
 * record's last 16 bytes, or with encrypt-then-MAC the 16 in front of its MAC (of up to 48 bytes).
 */
export const TAIL_LENGTH = 16 + 48;

export type Attempt = { ok: true; opened: OpenedRecord } | { ok: false; error: Error };

/** A record's decryption started ahead (WebCrypto); `result` once it settled. */
export interface Ahead {
  protector: RecordProtector;
  seq: number;
  attempt: Promise<Attempt>;
  result?: Attempt;
}

export function attempt(protector: RecordProtector, raw: RawRecord, seq: number): Promise<Attempt> {
  return protector.decryptAt(raw, BigInt(seq)).then(
    (opened): Attempt => ({ ok: true, opened }),
    (error): Attempt => ({ ok: false, error: error as Error }),
  );
}

/** A record to open; `before`: the bytes before it in its direction, where TLS 1.0's IV is (legacy-cbc-protector.ts). */
export function rawRecord(bytes: Uint8Array, before: Uint8Array | null): CapturedRecord {
  return { contentType: bytes[0], version: (bytes[1] << 8) | bytes[2], bytes, fragment: bytes.subarray(RECORD_HEADER_LENGTH), before };
}

/** The last TAIL_LENGTH bytes of `front` followed by `bytes` (a copy: the bytes may be the reader's). */
export function lastBytes(front: Uint8Array, bytes: Uint8Array): Uint8Array {
  if (bytes.length >= TAIL_LENGTH) return bytes.slice(bytes.length - TAIL_LENGTH);
  const keep = Math.min(front.length, TAIL_LENGTH - bytes.length);
  const out = new Uint8Array(keep + bytes.length);
  out.set(front.subarray(front.length - keep), 0);
  out.set(bytes, keep);
  return out;
}
