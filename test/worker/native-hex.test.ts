// The engine worker's hex (src/worker/native-hex.ts): where the host has Uint8Array.prototype.toHex, toHex goes
// through it; where it has none (Node 20, this test's host, before the stand-in), toHex keeps its own encoder.
import { afterEach, describe, expect, it } from 'vitest';
import { nativeHex, useNativeHex } from '../../src/worker/native-hex.ts';
import { setHostHex, toHex } from '../../src/util/bytes.ts';

type Proto = { toHex?: (this: Uint8Array) => string };
const proto = Uint8Array.prototype as unknown as Proto;
const hostHad = Object.getOwnPropertyDescriptor(Uint8Array.prototype, 'toHex');

afterEach(() => {
  setHostHex(null);
  if (hostHad) Object.defineProperty(Uint8Array.prototype, 'toHex', hostHad);
  else delete proto.toHex;
});

describe('useNativeHex', () => {
  it('leaves toHex as it is where the host has no native encoder', () => {
    delete proto.toHex;
    expect(nativeHex()).toBeNull();
    useNativeHex();
    expect(toHex(new Uint8Array([0, 0xab, 0xff]))).toBe('00abff');
  });

  it("sends toHex through the host's Uint8Array.prototype.toHex, with the bytes it was given", () => {
    const seen: Uint8Array[] = [];
    // A stand-in that marks its output, so the test tells which encoder answered.
    proto.toHex = function (this: Uint8Array) {
      seen.push(this);
      return `native:${Array.from(this, (b) => b.toString(16).padStart(2, '0')).join('')}`;
    };
    useNativeHex();
    const whole = new Uint8Array([1, 2, 0xfe, 0xff]);
    expect(toHex(whole.subarray(1, 3))).toBe('native:02fe');
    expect(seen).toHaveLength(1);
    expect(seen[0].byteOffset).toBe(1);
  });
});
