// Our ephemeral key share for a group, used by the TLS 1.3 ClientHello and the TLS 1.2 ClientKeyExchange alike.
import { importKeyShare, prepareKeyShare, privateKeyLength, takeFreshKeyShare } from '../../crypto/key-exchange.ts';
import { runWhenFree } from '../../util/macrotask.ts';
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

/**
 * TLS 1.2: start our ECDHE key pair while the server's flight is on its way, once the ClientHello has left, for
 * the group we list first (the one servers usually pick). It waits as a spare that the ClientKeyExchange takes if
 * the server chose that group (takeFreshKeyShare hands each key pair out once, to one connection). Not when
 * replaying from an injected random source, whose shares come from it.
 */
export function prepareKeyShareWhileWaiting(ctx: HandshakeContext): void {
  if (ctx.options.randomIsInjected) return;
  const group = GROUP_NAMES[ctx.options.groupCodes[0]];
  if (group === 'x25519' || group === 'secp256r1' || group === 'secp384r1') runWhenFree(() => prepareKeyShare(group));
}
