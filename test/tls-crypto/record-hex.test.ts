// hexOfPart: the trace reuses a record's hex for parts that are views into the record, and
// falls back to encoding anything else (copies, other buffers, views outside the record).
import { describe, expect, it } from 'vitest';
import { hexOfPart } from '../../src/tls/record/record-layer.ts';
import { toHex } from '../../src/util/bytes.ts';

describe('hexOfPart', () => {
  const backing = Uint8Array.from({ length: 300 }, (_, i) => (i * 7) & 0xff);
  const record = backing.subarray(20, 280);
  const recordHex = toHex(record);

  it('gives the same digits as toHex for views inside the record, at any offset', () => {
    for (const [s, e] of [[0, 5], [5, 244], [244, 260], [0, 260], [100, 100]]) {
      const part = record.subarray(s, e);
      expect(hexOfPart(part, record, recordHex)).toBe(toHex(part));
    }
  });

  it('encodes copies and views that reach outside the record on their own', () => {
    const copy = record.slice(5, 50);
    expect(hexOfPart(copy, record, recordHex)).toBe(toHex(copy));
    const before = backing.subarray(10, 30); // starts before the record
    expect(hexOfPart(before, record, recordHex)).toBe(toHex(before));
    const after = backing.subarray(270, 290); // ends after it
    expect(hexOfPart(after, record, recordHex)).toBe(toHex(after));
  });
});
