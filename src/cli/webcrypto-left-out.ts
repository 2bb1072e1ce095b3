// What the bundles of the engine commands (connect, serve, pcap, decode; scripts/build-cli.mjs) get in place of
// src/crypto/webcrypto-provider.ts. Those commands install node:crypto first thing (node-host.ts), so WebCrypto
// would only be loaded to be replaced: leaving it out (with the @noble ciphers it brings) makes them smaller and
// quicker to start. Its stand-in says plainly what happened if anything ever reached it.
import type { CryptoProvider } from '../crypto/provider.ts';

function leftOut(): never {
  throw new Error('the WebCrypto provider is not in this command-line bundle: the command must install node:crypto (useNodeHost) before any crypto');
}

export const webCryptoProvider: CryptoProvider = {
  name: 'webcrypto (left out of this bundle)',
  randomFill: leftOut,
  hash: { digest: leftOut, hmac: leftOut },
  aead: leftOut,
  cbc: { aesCbc: leftOut, hmac: leftOut },
  keyExchange: { generate: leftOut, import: leftOut },
  signature: { verify: leftOut, signer: leftOut },
};

/** Node 20's WebCrypto has no ChaCha20-Poly1305, and this bundle no WebCrypto provider. */
export function webCryptoHasChaCha(): Promise<boolean> {
  return Promise.resolve(false);
}
