// The client's certificate when the server asks for one, the same in both versions: the configured one unless the
// caller, paused at the clientCertRequest breakpoint, supplies another or declines; then a key that can make a
// signature the server accepts, and our own signature with its trace event.
import { toHex } from '../../util/bytes.ts';
import { fail } from '../errors.ts';
import { schemeName } from '../messages/constants.ts';
import type { HandshakeContext } from './context.ts';
import type { ClientCertificate } from './options.ts';
import { createSigner, type Signer } from './signatures.ts';

export type AuthPhase = 'handshake' | 'post-handshake';

/** What the client sends: its chain and the key with the scheme that signs for it; null declines (empty Certificate). */
export interface ChosenCertificate {
  chain: Uint8Array[];
  signer: Signer;
  scheme: number;
}

/** The configured certificate, unless the caller, paused at the breakpoint, supplies another or declines. */
async function pickCertificate(ctx: HandshakeContext, phase: AuthPhase): Promise<ClientCertificate | undefined> {
  let cert = ctx.options.clientCertificate;
  if (!ctx.options.breakpoints?.clientCertRequest) return cert;
  const when = phase === 'post-handshake' ? 'post-handshake authentication: ' : '';
  const decision = await ctx.pause('clientCertRequest', `${when}${cert ? 'a client certificate is configured' : 'no client certificate configured'}`, phase);
  if (decision === 'abort') throw fail.canceled(`the user stopped ${phase === 'post-handshake' ? 'the connection' : 'the handshake'} at the client certificate request`);
  if (decision === 'decline') cert = undefined;
  else if (typeof decision === 'object') cert = decision.clientCertificate;
  return cert;
}

/** The certificate to send for a request accepting `acceptedSchemes`, or null to send an empty Certificate. */
export async function chooseClientCertificate(
  ctx: HandshakeContext,
  acceptedSchemes: readonly number[],
  phase: AuthPhase,
  /** The key's signer: TLS 1.3's schemes by default; TLS 1.2 passes its own, which adds the schemes only it has. */
  makeSigner: (certDer: Uint8Array, privateKey: CryptoKey | Uint8Array) => Promise<Signer> = createSigner,
): Promise<ChosenCertificate | null> {
  const cert = await pickCertificate(ctx, phase);
  if (!cert) return null;
  const signer = await makeSigner(cert.chain[0], cert.privateKey);
  const scheme = signer.schemes.find((s) => acceptedSchemes.includes(s));
  if (scheme === undefined) {
    ctx.emit({ kind: 'note', text: 'the client certificate\'s key cannot make any signature the server accepts: sending an empty Certificate instead' });
    return null;
  }
  return { chain: cert.chain, signer, scheme };
}

/** Sign `content` with our key and trace it (subject and detail say which message and what it covers). */
export async function signHandshake(ctx: Pick<HandshakeContext, 'emit'>, chosen: ChosenCertificate, content: Uint8Array, subject: string, detail: string): Promise<Uint8Array> {
  const signature = await chosen.signer.sign(chosen.scheme, content);
  ctx.emit({ kind: 'signature', subject, scheme: schemeName(chosen.scheme), signedContent: toHex(content), signature: toHex(signature), ok: true, detail });
  return signature;
}
