// The commands that run the engine (handshakes, decryption: connect, serve, pcap, decode) use node:crypto
// (src/crypto/node-provider.ts) instead of WebCrypto; the certificate commands keep the default provider, whose
// results the browser shows too. Each such command calls this first thing in its own `run`: a command may run from
// its own bundle (bin/tls-lens.js's code cache), whose provider module is not the one main.ts would see.
import { setCryptoProvider } from '../crypto/provider.ts';
import { nodeCryptoProvider } from '../crypto/node-provider.ts';

/** Install the node:crypto provider for this process, before the command makes its first key. */
export function useNodeCrypto(): void {
  setCryptoProvider(nodeCryptoProvider);
}
