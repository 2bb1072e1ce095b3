// Our ephemeral key share for a group, used by the TLS 1.3 ClientHello and the TLS 1.2 ClientKeyExchange alike.
import { generateKeyShare, importKeyShare, privateKeyLength } from '../../crypto/key-exchange.ts';
import { GROUP_NAMES } from '../suites.ts';
import type { HandshakeContext } from './context.ts';

/**
 * A key share for a group: from the injected random source when there is one, so runs can be replayed; else a fresh
 * key pair, made here, when the message that carries it is made. (Until session 16 a browser Worker kept one made
 * ahead, and TLS 1.2 made its own while the server's flight was on its way: that work fell while the bridge and a
 * local server were busy on the machine's cores, and the handshake measured no faster for it, 0.98-1.03 paired,
 * docs/engine-browser.md.)
 */
export async function makeKeyShare(ctx: HandshakeContext, groupCode: number) {
  const name = GROUP_NAMES[groupCode];
  const share = ctx.options.randomIsInjected ? await importKeyShare(name, ctx.options.random(privateKeyLength(name))) : await generateKeyShare(name);
  ctx.keyShares.set(groupCode, share);
  return share;
}
