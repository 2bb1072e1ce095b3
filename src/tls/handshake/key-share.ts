// Our ephemeral key share for a group, used by the TLS 1.3 ClientHello and the TLS 1.2 ClientKeyExchange alike.
import { importKeyShare, privateKeyLength, takeFreshKeyShare } from '../../crypto/key-exchange.ts';
import { GROUP_NAMES } from '../suites.ts';
import type { HandshakeContext } from './context.ts';

/**
 * A key share for a group: from the injected random source when there is one, so runs can be replayed; else a
 * fresh one, made ahead while the host was idle when it could be (takeFreshKeyShare: never two connections' alike).
 */
export async function makeKeyShare(ctx: HandshakeContext, groupCode: number) {
  const name = GROUP_NAMES[groupCode];
  const share = ctx.options.randomIsInjected ? await importKeyShare(name, ctx.options.random(privateKeyLength(name))) : await takeFreshKeyShare(name);
  ctx.keyShares.set(groupCode, share);
  return share;
}
