// The client's middlebox-compatibility ChangeCipherSpec (RFC 8446 §D.4): sent once per handshake, right after the
// first ClientHello when early data follows it, else before the second ClientHello or the encrypted flight.
import type { HandshakeContext } from '../handshake/context.ts';

export async function sendCcsOnce(ctx: HandshakeContext): Promise<void> {
  if (ctx.ccsSent) return;
  ctx.ccsSent = true;
  await ctx.channel.writeCompatibilityCcs();
}
