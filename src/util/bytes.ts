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

// For every pair of bytes as read through a Uint16Array (native byte order), their four ASCII hex
// digits as one 32-bit unit in digit order: long inputs take one lookup and one store per two
// bytes. Both sides go through byte views, so it holds on either endianness. 256 KiB, built once
// this process has converted QUAD_TABLE_AFTER bytes of mid-sized inputs: its 65536 entries cost a
// cold process milliseconds, which a short run (a CLI command, a first handshake) never wins back.
let quadUnits: Uint32Array | null = null;
const QUAD_TABLE_AFTER = 256 * 1024;
let hexedBytes = 0;
function hexQuadTable(): Uint32Array {
  if (quadUnits) return quadUnits;
  const table = new Uint32Array(65536);
  const tableBytes = new Uint8Array(table.buffer);
  const index = new Uint16Array(1);
  const indexBytes = new Uint8Array(index.buffer);
  for (let hi = 0; hi < 256; hi++) {
    for (let lo = 0; lo < 256; lo++) {
      indexBytes[0] = hi;
      indexBytes[1] = lo;
      const at = 4 * index[0];
      tableBytes[at] = hexPairBytes[2 * hi];
      tableBytes[at + 1] = hexPairBytes[2 * hi + 1];
      tableBytes[at + 2] = hexPairBytes[2 * lo];
      tableBytes[at + 3] = hexPairBytes[2 * lo + 1];
    }
  }
  return (quadUnits = table);
}

// Scratch output reused across calls (decode copies out of it, and toHex runs to completion),
// sparing the garbage collector a 32 KiB array per 16 KiB record.
const HEX_SCRATCH_BYTES = 32 * 1024;
const hexScratch = new Uint32Array(HEX_SCRATCH_BYTES / 2 + 2);
const hexScratchBytes = new Uint8Array(hexScratch.buffer);
const hexScratchPairs = new Uint16Array(hexScratch.buffer);

/**
 * A native encoder the host installs, if it has one (the Node commands install Buffer's: src/cli/node-host.ts).
 * A short run hexes some 10 KB in ~150 calls, enough for V8 to optimise hexByPairs's loop on a background thread
 * (6-25 ms of CPU, docs/cli-startup.md) just before the process ends. It must give the same digits as toHex.
 */
let hostHex: ((bytes: Uint8Array) => string) | null = null;

/** Install (or, with null, remove) the host's hex encoder for every later toHex. */
export function setHostHex(encode: ((bytes: Uint8Array) => string) | null): void {
  hostHex = encode;
}

/** Lower-case hex. Every record of a trace comes through here, so it is built for speed. */
export function toHex(bytes: Uint8Array): string {
  if (hostHex !== null) return hostHex(bytes);
  const n = bytes.length;
  if (n > HEX_SCRATCH_BYTES) return hexByPairs(bytes, new Uint16Array(n));
  if (n < 64 || (quadUnits === null && (hexedBytes += n) < QUAD_TABLE_AFTER)) return hexByPairs(bytes, hexScratchPairs);
  const quads = hexQuadTable();
  // The Uint16Array view of the input must be 2-byte aligned: a byte at an odd offset goes first,
  // alone, into the two output bytes just before the first 32-bit unit.
  const lead = bytes.byteOffset & 1;
  const start = lead ? 2 : 4;
  if (lead) {
    hexScratchBytes[2] = hexPairBytes[2 * bytes[0]];
    hexScratchBytes[3] = hexPairBytes[2 * bytes[0] + 1];
  }
  const pairs = (n - lead) >> 1;
  const input = new Uint16Array(bytes.buffer, bytes.byteOffset + lead, pairs);
  for (let i = 0; i < pairs; i++) hexScratch[i + 1] = quads[input[i]];
  let end = 4 + 4 * pairs;
  if ((n - lead) & 1) {
    const last = bytes[n - 1];
    hexScratchBytes[end] = hexPairBytes[2 * last];
    hexScratchBytes[end + 1] = hexPairBytes[2 * last + 1];
    end += 2;
  }
  return asciiDecoder.decode(hexScratchBytes.subarray(start, end));
}

/** Two digits per 16-bit store into `out` (at least bytes.length long). */
function hexByPairs(bytes: Uint8Array, out: Uint16Array): string {
  const n = bytes.length;
  for (let i = 0; i < n; i++) out[i] = HEX_PAIR_UNITS[bytes[i]];
  return asciiDecoder.decode(new Uint8Array(out.buffer, out.byteOffset, 2 * n));
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
  return concatAll(parts);
}

/** The parts one after another, from an array (a capture's blocks may be too many to spread as arguments). */
export function concatAll(parts: readonly Uint8Array[]): Uint8Array {
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

/** `a` followed by `b`, for a buffer that grows as bytes arrive: `b` itself when nothing is held yet (no copy). */
export function append(a: Uint8Array, b: Uint8Array): Uint8Array {
  return a.length === 0 ? b : concatAll([a, b]);
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
