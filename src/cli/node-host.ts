// The Node host's start-up for the commands that run the engine (handshakes, decryption: connect, serve, pcap,
// decode): node:crypto (src/crypto/node-provider.ts) instead of WebCrypto, and Buffer's native hex for toHex. The
// certificate commands keep the defaults, whose results the browser shows too. Each such command calls this first
// thing in its own `run`: a command may run from its own bundle (bin/tls-lens.js's code cache), whose modules are
// not the ones main.ts would see.
import { setCryptoProvider } from '../crypto/provider.ts';
import { nodeCryptoProvider } from '../crypto/node-provider.ts';
import { setHostHex } from '../util/bytes.ts';

/** Buffer's hex of the same bytes (a view, no copy): the digits toHex gives, from native code. */
export const nodeHex = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');

/** Install the Node host's providers for this process, before the command makes its first key or hex. */
export function useNodeHost(): void {
  setCryptoProvider(nodeCryptoProvider);
  setHostHex(nodeHex);
}
