// What every server handshake state shares, in TLS 1.3 (states13.ts) and TLS 1.2 (states12.ts): the state's shape,
// the check that the message read is the one it expects, and the ClientHello hook and breakpoint.
import type { ClientHello } from '../messages/handshake.ts';
import { fail } from '../errors.ts';
import { ExtensionType as X } from '../messages/constants.ts';
import { STATUS_TYPE_OCSP, findExtension } from '../messages/extensions.ts';
import type { ServerCertificate } from './options.ts';
import type { ReceivedMessage } from '../handshake/message-reader.ts';
import type { ServerContext } from './context.ts';

export interface ServerState {
  readonly name: string;
  /** The handshake type this state reads (the message reader refuses another that does not decode as unexpected_message). */
  readonly expects: number;
  /** Handle the next message; the next state, or null when the handshake is complete. */
  handle(ctx: ServerContext, m: ReceivedMessage): Promise<ServerState | null>;
}

type MessageType = ReceivedMessage['message']['type'];

/**
 * The message, typed, when it is the one `state` expects; else unexpected_message naming both as the trace does
 * ("certificate_verify12" is CertificateVerify), in the words the message reader uses for one that does not decode.
 */
export function expectMessage<T extends MessageType>(m: ReceivedMessage, type: T, state: string): Extract<ReceivedMessage['message'], { type: T }> {
  const name = type.replace(/12$/, '').replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase());
  if (m.message.type !== type) throw fail.unexpected(`${state}: expected ${name}, got ${m.name} (type ${m.msgType})`);
  return m.message as Extract<ReceivedMessage['message'], { type: T }>;
}

/**
 * The client-hello hook and breakpoint: inspect the ClientHello, maybe pick the certificate (OpenSSL's SNI
 * callback). `pauseText` is what the breakpoint shows.
 */
export async function clientHelloBreakpoint(ctx: ServerContext, ch: ClientHello, sni: string | undefined, pauseText: string): Promise<void> {
  const picked = await ctx.options.hooks?.onClientHello?.(ch, sni);
  if (picked) ctx.certificate = picked;
  if (!ctx.options.breakpoints?.afterClientHello) return;
  if ((await ctx.pause('clientHello', pauseText)) === 'abort') throw fail.canceled('the user stopped the handshake after the ClientHello');
}

/**
 * The OCSP response to staple for `certificate`, when the client asked for an OCSP one (status_request with
 * status_type ocsp, RFC 6066 §8) and the certificate has one; else undefined. A client asking of a server with
 * nothing to staple is the common case (browsers always ask), and goes unremarked.
 */
export function stapleFor(ctx: ServerContext, ch: ClientHello, certificate: ServerCertificate): Uint8Array | undefined {
  const asked = findExtension(ch.extensions, X.status_request)?.statusType === STATUS_TYPE_OCSP;
  if (!asked || !certificate.ocspResponse) return undefined;
  ctx.emit({ kind: 'note', text: `the client asked for certificate status (status_request): stapling the configured OCSP response (${certificate.ocspResponse.length} bytes)` });
  return certificate.ocspResponse;
}
