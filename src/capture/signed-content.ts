// What a handshake signature covers, where both the engine's checks (handshake-proofs.ts) and the capture's own
// (legacy-signatures.ts) need it.

/** What a ServerKeyExchange signs in every version (RFC 5246 §7.4.3, RFC 4346 §7.4.3): client_random || server_random || params. */
export function serverKeyExchangeContent(clientRandom: Uint8Array, serverRandom: Uint8Array, params: Uint8Array): Uint8Array {
  const content = new Uint8Array(64 + params.length);
  content.set(clientRandom, 0);
  content.set(serverRandom, 32);
  content.set(params, 64);
  return content;
}
