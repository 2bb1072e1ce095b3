// The browser's own hex encoder (Uint8Array.prototype.toHex, ES2026; Chromium 140+) behind toHex in the engine's
// worker, where a browser has it. A handshake's events carry some 150 hex parts made when first read, most of them
// 12-48 bytes (nonces, IVs, tags, key-schedule values): in Chromium 156's worker, toHex's JavaScript encoder spends
// most of each such call in TextDecoder's per-call cost, 150-270 µs a handshake against 17-100 µs natively
// (bench/browser/worker-encode.ts; docs/app-connect.md, session 11). Lower-case digits, as toHex gives.
import { setHostHex } from '../util/bytes.ts';

type WithToHex = Uint8Array & { toHex?: () => string };

/** The native encoder, if this host has one. */
export function nativeHex(): ((bytes: Uint8Array) => string) | null {
  const toHex = (Uint8Array.prototype as WithToHex).toHex;
  return typeof toHex === 'function' ? (bytes) => toHex.call(bytes) : null;
}

/** Install it for every later toHex (nothing changes where there is none). */
export function useNativeHex(): void {
  const encode = nativeHex();
  if (encode) setHostHex(encode);
}
