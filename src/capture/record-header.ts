// What a TLS record header found in captured bytes may look like: the decoder's resync after a gap, the midway
// start of a stream and the pasted-bytes guess all ask the same question.
import { RECORD_HEADER_LENGTH } from './engine.ts';

/** The largest record there is (TLS 1.2's ciphertext limit): a boundary is found within one such length. */
export const LARGEST_RECORD = RECORD_HEADER_LENGTH + (1 << 14) + 2048;

/** A plausible TLS record header at `at`: content type 20-24, version 3.x (x <= 4), a length within limits. */
export function looksLikeRecordHeader(b: Uint8Array, at = 0): boolean {
  if (b.length < at + RECORD_HEADER_LENGTH) return false;
  const type = b[at];
  const length = (b[at + 3] << 8) | b[at + 4];
  return type >= 20 && type <= 24 && b[at + 1] === 3 && b[at + 2] <= 4 && length <= LARGEST_RECORD - RECORD_HEADER_LENGTH;
}
