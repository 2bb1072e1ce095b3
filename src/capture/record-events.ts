// The trace events of captured records, in one place for every way a record ends up shown (in clear, opened,
// encrypted). In full, a record keeps its own copy of its bytes and makes its hex only when read; beyond the
// application data window per direction it is summarised (header, sizes, nonce, tag), so a long transfer costs
// memory per record, not per byte. Plain functions over `emit`: records opened at once come through here, with no
// await and nothing made per record but the event.
import type { Emit } from '../trace/recorder.ts';
import { lazyHex, lazyHexOfPart } from '../trace/lazy-hex.ts';
import type { Epoch, RecordEvent, Side } from '../trace/types.ts';
import { toHex } from '../util/bytes.ts';
import { ContentType, RECORD_HEADER_LENGTH, protectionJson, type ProtectionDetails } from './engine.ts';
import type { Direction } from './stream-direction.ts';

/** Counts application data against the direction's window: true while it is still shown in full. */
export function inWindow(dir: Direction, length: number, window: number): boolean {
  if (dir.shown >= window) return false;
  dir.shown += length;
  return true;
}

export function recordEvent(emit: Emit, direction: Side, epoch: Epoch, seq: number, bytes: Uint8Array, fields: RecordEvent['fields'], details?: ProtectionDetails): number {
  const hex = lazyHex(bytes);
  const event: Omit<RecordEvent, 'index' | 't' | 'conn'> = {
    kind: 'record',
    direction,
    epoch,
    seq,
    contentType: bytes[0],
    get bytes() {
      return hex();
    },
    fields,
  };
  if (details) {
    const ciphertext = lazyHexOfPart(details.ciphertext, bytes, hex);
    const plaintext = lazyHexOfPart(details.plaintext, bytes, hex);
    event.protection = protectionJson(details, ciphertext, plaintext);
  }
  return emit(event);
}

/** An application data record beyond the window: header (and a TLS 1.2 GCM explicit nonce), sizes, nonce, tag. */
export function summarisedRecord(emit: Emit, direction: Side, epoch: Epoch, seq: number, bytes: Uint8Array, fields: RecordEvent['fields'], length: number, details?: ProtectionDetails): number {
  const kept = details && details.iv.length === 4 ? RECORD_HEADER_LENGTH + 8 : RECORD_HEADER_LENGTH;
  const event: Omit<RecordEvent, 'index' | 't' | 'conn'> = { kind: 'record', direction, epoch, seq, contentType: bytes[0], bytes: toHex(bytes.subarray(0, kept)), fields, summarised: { length } };
  if (details) {
    // protectionJson's fields, made at once (one per record beyond the window: no lazy getters to build).
    const d = details;
    event.protection = { cipherSuite: d.cipherSuite, nonce: toHex(d.nonce), iv: toHex(d.iv), aad: toHex(d.aad), ciphertext: '', tag: toHex(d.tag), plaintext: '', innerContentType: d.innerContentType, paddingLength: d.paddingLength };
  }
  return emit(event);
}

export function summarisedAppData(emit: Emit, direction: Side, length: number, record: number): void {
  emit({ kind: 'app-data', direction, bytes: '', record, summarised: { length } });
}

/**
 * A record shown still encrypted, under the direction's epoch at `seq`: summarised when it is application data beyond
 * the window, else in full (a copy: a view would keep the capture's read buffer alive as long as the event).
 */
export function encryptedRecordEvent(emit: Emit, window: number, dir: Direction, seq: number, bytes: Uint8Array, fields: RecordEvent['fields']): number {
  return bytes[0] === ContentType.application_data && !inWindow(dir, bytes.length - RECORD_HEADER_LENGTH, window)
    ? summarisedRecord(emit, dir.side, dir.epoch, seq, bytes, fields, bytes.length - RECORD_HEADER_LENGTH)
    : recordEvent(emit, dir.side, dir.epoch, seq, bytes.slice(), fields);
}

/** An opened record's details with their parts moved from `bytes` (the reader's) to the same places in `own`, its copy. */
export function detailsIn(d: ProtectionDetails, bytes: Uint8Array, own: Uint8Array): ProtectionDetails {
  return { ...d, aad: rebase(d.aad, bytes, own), ciphertext: rebase(d.ciphertext, bytes, own), tag: rebase(d.tag, bytes, own), nonce: rebase(d.nonce, bytes, own), iv: rebase(d.iv, bytes, own) };
}

/** `part` moved from `from` to the same place in `to`, when it is a view into `from`. */
function rebase(part: Uint8Array, from: Uint8Array, to: Uint8Array): Uint8Array {
  const at = part.byteOffset - from.byteOffset;
  return part.buffer === from.buffer && at >= 0 && at + part.length <= from.length ? to.subarray(at, at + part.length) : part;
}
