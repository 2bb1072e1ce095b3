// The Node host's start-up (src/cli/node-host.ts): node:crypto as the provider and Buffer's hex behind toHex. The
// hex must be digit for digit what toHex's own code gives, at every alignment and length its paths split on.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cryptoProvider, setCryptoProvider } from '../../src/crypto/provider.ts';
import { nodeHex, useNodeHost } from '../../src/cli/node-host.ts';
import { setHostHex, toHex } from '../../src/util/bytes.ts';

const defaultProvider = cryptoProvider();
afterEach(() => {
  setHostHex(null);
  setCryptoProvider(defaultProvider);
});

/** toHex through its own code, then through the host's encoder. */
function bothWays(bytes: Uint8Array): [string, string] {
  setHostHex(null);
  const own = toHex(bytes);
  setHostHex(nodeHex);
  return [own, toHex(bytes)];
}

describe('the Node host start-up', () => {
  it("installs node:crypto and Buffer's hex", () => {
    setHostHex(null);
    useNodeHost();
    expect(cryptoProvider().name).toBe('node');
    const toString = vi.spyOn(Buffer.prototype, 'toString');
    try {
      expect(toHex(Uint8Array.of(0xde, 0xad))).toBe('dead');
      expect(toString).toHaveBeenCalledWith('hex');
    } finally {
      toString.mockRestore();
    }
  });

  it('gives the digits of toHex for every byte value, views at every alignment, and large inputs', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const [own, host] = bothWays(all);
    expect(host).toBe(own);
    const backing = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 197 + (i >> 7)) & 0xff);
    for (const offset of [0, 1, 2, 3, 5]) {
      for (const n of [0, 1, 2, 3, 63, 64, 65, 1001, 16405, 32768, 32769, 65_000]) {
        const [o, h] = bothWays(backing.subarray(offset, offset + n));
        expect(h, `offset ${offset}, length ${n}`).toBe(o);
      }
    }
    // A Buffer (a Uint8Array over Node's pool) and a view into a shared pool slice.
    const buffer = Buffer.from('hello, world');
    expect(bothWays(buffer.subarray(3, 9))[1]).toBe(bothWays(buffer.subarray(3, 9))[0]);
  });

  it('removes the host encoder with null: toHex runs its own code again', () => {
    let calls = 0;
    setHostHex(() => (calls++, 'host'));
    expect(toHex(Uint8Array.of(1))).toBe('host');
    setHostHex(null);
    expect(toHex(Uint8Array.of(1))).toBe('01');
    expect(calls).toBe(1);
  });
});
