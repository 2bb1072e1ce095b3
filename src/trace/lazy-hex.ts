// Hex for trace events, encoded when first read. An event still carries its bytes as a plain string
// property (JSON.stringify, structured clone and object spread read it like any other), but bytes
// nobody looks at cost no encoding: a 16 KiB record is 32 KiB of hex, and every record has several
// such parts. The bytes given must never change afterwards: pass memory no one else writes.
import { toHex } from '../util/bytes.ts';

/** The hex of `bytes`, encoded on the first call and kept (the bytes are then let go). */
export function lazyHex(bytes: Uint8Array): () => string {
  let source: Uint8Array | undefined = bytes;
  let hex: string | undefined;
  return () => {
    if (hex === undefined) {
      hex = toHex(source!);
      source = undefined;
    }
    return hex;
  };
}

/**
 * The hex of `part`: when it is a view into the same memory as `whole`, a slice of `wholeHex()` (the
 * same bytes, so the same digits; one encoding serves both), otherwise its own lazy encoding.
 */
export function lazyHexOfPart(part: Uint8Array, whole: Uint8Array, wholeHex: () => string): () => string {
  const start = part.byteOffset - whole.byteOffset;
  if (part.buffer === whole.buffer && start >= 0 && start + part.length <= whole.length) {
    const end = start + part.length;
    let hex: string | undefined;
    return () => (hex ??= wholeHex().slice(2 * start, 2 * end));
  }
  return lazyHex(part);
}

/** Several parts' hex joined, lazily (the data of a write that went out as several records). */
export function lazyJoin(parts: (() => string)[]): () => string {
  if (parts.length === 1) return parts[0];
  let hex: string | undefined;
  return () => (hex ??= parts.map((p) => p()).join(''));
}

/**
 * Give `target[key]` the value `make()` returns, computed when first read and kept: an own enumerable accessor, so
 * JSON.stringify, structured clone and object spread read it like a plain property. It keeps the key's place when
 * `target` already has it. For a few properties per event (each costs a closure), not for every record.
 */
export function defineLazy<T extends object, K extends keyof T>(target: T, key: K, make: () => T[K]): T {
  let made = false;
  let value: T[K];
  return Object.defineProperty(target, key, {
    get: () => {
      if (!made) {
        value = make();
        made = true;
      }
      return value;
    },
    enumerable: true,
    configurable: true,
  });
}
