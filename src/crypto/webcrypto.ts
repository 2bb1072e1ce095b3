// Access to WebCrypto that works the same in a browser Worker and in Node 20.

export function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle;
  if (!s) throw new Error('WebCrypto (crypto.subtle) is not available: a secure context (https or localhost) is required');
  return s;
}

/**
 * WebCrypto wants an ArrayBuffer-backed view. Our Uint8Arrays may be views into a
 * SharedArrayBuffer or a larger buffer typed loosely; this gives a plain ArrayBuffer view.
 */
export function bufferSource(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
}

export function randomBytes(length: number): Uint8Array {
  const out = new Uint8Array(length);
  globalThis.crypto.getRandomValues(out);
  return out;
}
