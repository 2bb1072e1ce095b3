// SHA-256/384 and HMAC on @noble/hashes for the WebCrypto provider, without a new hash object per call.
//
// Why: every noble hash object makes a 64- or 128-byte Uint8Array and a DataView on it, and digestInto makes one
// more DataView on the output. V8 keeps typed arrays of up to 64 bytes inside its heap and gives one a backing
// store of its own the first time its buffer is viewed: an allocation in C++, 1-3 µs in a Chromium Worker, and an
// HMAC under a fresh key (nearly every HMAC of a handshake) made four of them. Here each hash keeps its working
// objects and off-heap scratch arrays, made once; results are copied out (a copy under 65 bytes stays on the heap,
// and nothing here views it).
import { sha256, sha384 } from '@noble/hashes/sha2.js';
import type { HashName } from '../tls/suites.ts';
import { equalBytes } from '../util/bytes.ts';

/** The part of a noble SHA-2 object used here (`_cloneInto` is noble's own way to copy a state into another). */
type NobleHash = {
  blockLen: number;
  outputLen: number;
  update(data: Uint8Array): NobleHash;
  digestInto(out: Uint8Array): void;
  _cloneInto(to?: NobleHash): NobleHash;
};

type Kit = {
  /** A fresh state (the hash's initial value), copied into a working object to start a hash. */
  readonly initial: NobleHash;
  readonly inner: NobleHash;
  readonly outer: NobleHash;
  /** Off-heap scratch: the key's pad (one block) and a digest. */
  readonly pad: Uint8Array;
  readonly out: Uint8Array;
  /** A state without its block buffer (see snapshot). */
  readonly proto: object;
};

const HASHES = { 'SHA-256': sha256, 'SHA-384': sha384 } as const;
const kits = new Map<HashName, Kit>();

function kitFor(hash: HashName): Kit {
  let kit = kits.get(hash);
  if (kit) return kit;
  const fn = HASHES[hash];
  if (!fn) throw new Error(`unsupported hash ${String(hash)}`);
  const make = () => fn.create() as unknown as NobleHash;
  const initial = make();
  kit = {
    initial,
    inner: make(),
    outer: make(),
    pad: new Uint8Array(new ArrayBuffer(initial.blockLen)),
    out: new Uint8Array(new ArrayBuffer(initial.outputLen)),
    proto: Object.getPrototypeOf(initial) as object,
  };
  kits.set(hash, kit);
  return kit;
}

/** The scratch digest copied out, and the scratch cleared (it may hold a secret). */
function takeOut(kit: Kit): Uint8Array {
  const result = kit.out.slice();
  kit.out.fill(0);
  return result;
}

/** Hash(data). */
export function digestOf(hash: HashName, data: Uint8Array): Uint8Array {
  const kit = kitFor(hash);
  kit.initial._cloneInto(kit.inner).update(data).digestInto(kit.out);
  return takeOut(kit);
}

/** A running hash: digest() gives the hash of everything so far and leaves the running state as it was. */
export function runningHash(hash: HashName): { update(data: Uint8Array): void; digest(): Uint8Array } {
  const kit = kitFor(hash);
  const state = kit.initial._cloneInto();
  return {
    update: (data) => void state.update(data),
    digest() {
      // Finished in the kit's working object, not in a clone of its own.
      state._cloneInto(kit.inner).digestInto(kit.out);
      return takeOut(kit);
    },
  };
}

// ---- HMAC with the keyed state kept per key ----
// The key schedule expands the same secret three to five times (key, iv, finished, the next stage), and hashing the
// key's inner and outer pads is two of an HMAC's four or five blocks. Found by the key's array and checked by
// content, so a caller that rewrites a key's bytes gets a fresh state; kept only while that array lives (a WeakMap).

type Keyed = { hash: HashName; key: Uint8Array; inner: NobleHash; outer: NobleHash };
const keyedStates = new WeakMap<Uint8Array, Keyed>();

/**
 * A copy of a state that has absorbed whole blocks only: its chaining value, length and flags, but no block buffer
 * (noble copies the buffer only while a partial block is pending, and a pad is exactly one block), so no typed
 * array is made for it. It is only ever copied back into a working object.
 */
function snapshot(kit: Kit, state: NobleHash): NobleHash {
  return state._cloneInto(Object.create(kit.proto) as NobleHash);
}

function keyedState(hash: HashName, key: Uint8Array): Keyed {
  const kit = kitFor(hash);
  const { pad, inner, outer, initial } = kit;
  pad.fill(0);
  if (key.length > pad.length) {
    initial._cloneInto(inner).update(key).digestInto(kit.out); // RFC 2104: a key longer than a block is hashed first
    pad.set(kit.out);
    kit.out.fill(0);
  } else pad.set(key);
  for (let i = 0; i < pad.length; i++) pad[i] ^= 0x36;
  initial._cloneInto(inner).update(pad);
  for (let i = 0; i < pad.length; i++) pad[i] ^= 0x36 ^ 0x5c;
  initial._cloneInto(outer).update(pad);
  pad.fill(0);
  return { hash, key: Uint8Array.from(key), inner: snapshot(kit, inner), outer: snapshot(kit, outer) };
}

/** HMAC-Hash(key, data). */
export function hmacOf(hash: HashName, key: Uint8Array, data: Uint8Array): Uint8Array {
  let keyed = keyedStates.get(key);
  if (!keyed || keyed.hash !== hash || !equalBytes(keyed.key, key)) {
    keyed = keyedState(hash, key);
    keyedStates.set(key, keyed);
  }
  const kit = kitFor(hash);
  keyed.inner._cloneInto(kit.inner).update(data).digestInto(kit.out);
  keyed.outer._cloneInto(kit.outer).update(kit.out).digestInto(kit.out);
  return takeOut(kit);
}

