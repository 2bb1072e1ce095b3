// The serial as the structure step shows it: hex pairs joined by ':' (profile.ts serialHex), the same text as the
// regular expression it replaced gave, for every length a serial can have.
import { describe, expect, it } from 'vitest';
import { serialHex } from '../../src/x509/profile.ts';
import { toHex } from '../../src/util/bytes.ts';

describe('serialHex', () => {
  it('joins hex pairs with colons, for 0 to 21 bytes', () => {
    for (let n = 0; n <= 21; n++) {
      const serial = Uint8Array.from({ length: n }, (_, i) => (i * 37 + 5) & 0xff);
      expect(serialHex(serial)).toBe(toHex(serial).replace(/(..)(?!$)/g, '$1:'));
    }
    expect(serialHex(Uint8Array.of(0x00, 0xab, 0x0c))).toBe('00:ab:0c');
    expect(serialHex(Uint8Array.of(0x7f))).toBe('7f');
    expect(serialHex(new Uint8Array(0))).toBe('');
  });
});
