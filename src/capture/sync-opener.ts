// Opening a captured record before returning, where the crypto provider can (node:crypto's `Aead.openSync`; not
// WebCrypto): a capture's records are then decrypted in one plain loop, with no await per record. The protector
// does the work (`decryptAtSync`, the same code as its `decryptAt`); a record that does not open here is given to
// `decryptAt` again by the caller, whose error the trace shows.
import type { OpenedRecord, RawRecord, RecordProtector } from './engine.ts';

/** Whether `protector`'s records open without an await. */
export function canOpenNow(protector: RecordProtector): boolean {
  return protector.decryptAtSync !== undefined;
}

/** `protector`'s record opened now: the record, null when it does not open, undefined when only `decryptAt` can tell. */
export function openNow(protector: RecordProtector, record: RawRecord, seq: number): OpenedRecord | null | undefined {
  if (!protector.decryptAtSync) return undefined;
  try {
    return protector.decryptAtSync(record, BigInt(seq));
  } catch {
    return null;
  }
}
