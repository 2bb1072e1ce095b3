// GREASE code points (RFC 8701) are named as such wherever code points are shown: the field trees of every view,
// the Clients view's lists. Other unknown values keep saying "unknown".
import { describe, expect, it } from 'vitest';
import { isGrease } from '../../src/tls/grease.ts';
import { extensionName, groupName, schemeName } from '../../src/tls/messages/constants.ts';
import { describeSuite } from '../../src/tls/suites.ts';

describe('GREASE names', () => {
  it('names each of the 16 GREASE values in every list, and nothing else', () => {
    for (let i = 0; i < 16; i++) {
      const v = i * 0x1010 + 0x0a0a;
      const name = `GREASE (0x${v.toString(16).padStart(4, '0')})`;
      expect(isGrease(v)).toBe(true);
      expect([extensionName(v), groupName(v), schemeName(v), describeSuite(v)]).toEqual([name, name, name, name]);
    }
    // Close but not GREASE: both bytes must be equal and end in 0xa.
    for (const v of [0x0a1a, 0x1a0a, 0x0b0b, 0x1234]) expect(isGrease(v)).toBe(false);
    expect(extensionName(0x1a0a)).toBe('unknown extension (0x1a0a)');
    expect(describeSuite(0x0a1a)).toBe('unknown (0x0a1a)');
  });
});
