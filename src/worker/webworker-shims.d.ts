// TypeScript's WebWorker library lacks RsaHashedKeyAlgorithm (the DOM library has it); the server engine
// (src/tls/server/negotiate13.ts), which the both-sides worker loads, names it. Same shape as the DOM's, so the two
// declarations merge where both libraries are loaded.
interface RsaHashedKeyAlgorithm extends KeyAlgorithm {
  hash: KeyAlgorithm;
  modulusLength: number;
  publicExponent: Uint8Array;
}
