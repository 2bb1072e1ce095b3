// Where the next record begins when a direction's bytes do not start at a record boundary: after a TCP gap, or in a
// stream whose capture began midway. Only framing: bytes are dropped up to a record header confirmed by the one
// after it (one plausible header alone is too easily found inside ciphertext); what the records found are worth
// under keys (their sequence numbers, a lost ChangeCipherSpec or IV) is gap-recovery.ts's.
import type { Side } from '../trace/types.ts';
import { RECORD_HEADER_LENGTH } from './engine.ts';
import { LARGEST_RECORD } from './record-header.ts';
import { toHex } from '../util/bytes.ts';
import { TAIL_LENGTH, lastBytes } from './captured-record.ts';
import type { Damage, Direction } from './stream-direction.ts';

/** Sides whose next bytes most likely begin a record, so a header there is taken without the next one confirming it. */
export interface LikelyStarts {
  /** Sides of a stream begun midway (beginMidway) whose first bytes were not looked at yet: a record header there is taken at once. */
  readonly firstBytes: Set<Side>;
  /** Sides whose bytes after a gap were not looked at yet: a record there that the data ends exactly is taken at once. */
  readonly afterGap: Set<Side>;
}

/**
 * After a gap: drop bytes up to the next place that looks like a record header followed by another (one
 * plausible header alone is too easily found inside ciphertext), or by the end of the data at the very end.
 * True once the direction's unframed bytes begin a record.
 */
export function resync(dir: Direction, final: boolean, starts: LikelyStarts): boolean {
  const b = dir.buffer;
  const byte = (i: number) => b.at(i) ?? -1;
  const headerAt = (i: number) => {
    const type = byte(i);
    const length = (byte(i + 3) << 8) | byte(i + 4);
    return type >= 20 && type <= 24 && byte(i + 1) === 3 && byte(i + 2) >= 0 && byte(i + 2) <= 4 && byte(i + 4) >= 0 && length <= (1 << 14) + 2048;
  };
  if (starts.firstBytes.has(dir.side)) {
    // The capture's first bytes of a direction most often begin a record (a packet's payload does): a header
    // there needs no confirmation, so its record is shown in its place among the other side's, not at the end.
    if (b.length < RECORD_HEADER_LENGTH && !final) return false;
    starts.firstBytes.delete(dir.side);
    if (headerAt(0)) {
      dir.resync = false;
      return true;
    }
  }
  if (starts.afterGap.has(dir.side)) {
    // After a gap the data picks up at a segment's start, where records most often begin too: a header there
    // whose record the data so far ends exactly is taken without waiting for the next one, so the record is
    // shown in its place (a Finished after a lost ChangeCipherSpec comes before the other side's, which checks it).
    if (b.length < RECORD_HEADER_LENGTH && !final) return false;
    const end = RECORD_HEADER_LENGTH + ((byte(3) << 8) | byte(4));
    if (headerAt(0) && end > b.length && !final) return false;
    starts.afterGap.delete(dir.side);
    if (headerAt(0) && end === b.length) {
      dir.resync = false;
      return true;
    }
  }
  for (let at = 0; at + RECORD_HEADER_LENGTH <= b.length; at++) {
    if (!headerAt(at)) continue;
    const next = at + RECORD_HEADER_LENGTH + ((byte(at + 3) << 8) | byte(at + 4));
    if (next + RECORD_HEADER_LENGTH > b.length) {
      if (!final && next <= b.length + LARGEST_RECORD) {
        // Wait for the bytes that confirm it (or not).
        drop(dir, at);
        return false;
      }
      if (!final || next !== b.length) continue;
    } else if (!headerAt(next)) continue;
    drop(dir, at);
    dir.resync = false;
    return true;
  }
  drop(dir, final ? b.length : Math.max(0, b.length - (RECORD_HEADER_LENGTH - 1)));
  return false;
}

/**
 * Drop the direction's first `n` unframed bytes (resynchronising), keeping their last ones: when they end the
 * record before the next one found, TLS 1.0's IV for it is there.
 */
function drop(dir: Direction, n: number): void {
  if (n === 0) return;
  const b = dir.buffer;
  const keep = Math.min(n, TAIL_LENGTH);
  const last = new Uint8Array(keep);
  for (let i = 0; i < keep; i++) last[i] = b.at(n - keep + i)!;
  dir.tail = lastBytes(dir.tail, last);
  dir.dropped += n;
  dir.position += n;
  b.skip(n);
}

/**
 * A record header no record can have, met where one was due (`header`: its 5 bytes, `at` bytes into the direction's
 * TLS data): what is wrong with it, in words. Framing then skips to the next record header found, as after a gap.
 */
export function damagedHeader(header: Uint8Array, at: number): Damage {
  const [type, major, minor] = header;
  const length = (header[3] << 8) | header[4];
  const problems: string[] = [];
  if (type < 20 || type > 24) problems.push(`its content type ${type} is none of TLS's (20 to 24)`);
  if (major !== 3 || minor > 4) problems.push(`its version ${toHex(header.subarray(1, 3))} is no TLS version (0300 to 0304)`);
  if (length > LARGEST_RECORD - RECORD_HEADER_LENGTH) problems.push(`its length ${length} is more than any record may have (${LARGEST_RECORD - RECORD_HEADER_LENGTH})`);
  return { at, header: toHex(header), why: problems.join(', ') };
}
