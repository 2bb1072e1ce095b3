// Small byte helpers shared by every layer.

// For every byte value, its two ASCII hex digits as one 16-bit unit, laid out in memory in
// digit order (written through a byte view, so it holds on either endianness).
const HEX_DIGITS = '0123456789abcdef';
const HEX_PAIR_UNITS = new Uint16Array(256);
const hexPairBytes = new Uint8Array(HEX_PAIR_UNITS.buffer);
for (let i = 0; i < 256; i++) {
  hexPairBytes[2 * i] = HEX_DIGITS.charCodeAt(i >> 4);
  hexPairBytes[2 * i + 1] = HEX_DIGITS.charCodeAt(i & 15);
}
// Hex digit value for each char code ('0'-'9', 'a'-'f', 'A'-'F'); -1 for anything else.
const HEX_VALUES = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) {
  HEX_VALUES[HEX_DIGITS.charCodeAt(i)] = i;
  HEX_VALUES[HEX_DIGITS.toUpperCase().charCodeAt(i)] = i;
}
const asciiDecoder = new TextDecoder();
const HEX_SCRATCH_UNITS = 32 * 1024;
const hexScratch = new Uint16Array(HEX_SCRATCH_UNITS);

/**
 * Lower-case hex. Writes the ASCII digits into a buffer, two at a time, and decodes it in one
 * call: building the string byte by byte costs 10-20x more, and every record of a trace comes here.
 */
export function toHex(bytes: Uint8Array): string {
  const n = bytes.length;
  // Reuse one scratch buffer for inputs up to a record or so (decode copies out of it, and this
  // runs to completion), sparing the garbage collector a 32 KiB array per record.
  const out = n <= HEX_SCRATCH_UNITS ? hexScratch : new Uint16Array(n);
  for (let i = 0; i < n; i++) out[i] = HEX_PAIR_UNITS[bytes[i]];
  return asciiDecoder.decode(new Uint8Array(out.buffer, 0, 2 * n));
}

export function fromHex(hex: string): Uint8Array {
  const clean = /[\s:]/.test(hex) ? hex.replace(/[\s:]/g, '') : hex;
  if (clean.length % 2 !== 0) throw new Error(`invalid hex string`);
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = hexValue(clean.charCodeAt(2 * i));
    const lo = hexValue(clean.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) throw new Error(`invalid hex string`);
    out[i] = (hi << 4) | lo;
  }
  return out;
}

function hexValue(code: number): number {
  return code < 128 ? HEX_VALUES[code] : -1;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

export const utf8 = {
  encode: (s: string) => new TextEncoder().encode(s),
  decode: (b: Uint8Array) => new TextDecoder().decode(b),
};
