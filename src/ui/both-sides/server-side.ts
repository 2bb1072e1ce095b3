// The server's side of a both-sides run, over its end of the channel: a throwaway PKI or the person's certificate,
// the control message telling the client whom to trust, an SMTP preamble for the STARTTLS attack, `acceptTls` with
// the teacher's options, then what the server does after the handshake (KeyUpdate, renegotiation, a line, close).
import { acceptTls, TicketKeys, type ServerConnection, type ServerOptions } from '../../tls/server.ts';
import type { GroupName } from '../../tls/suites.ts';
import { attackTap } from './attacks.ts';
import { channelEnd } from './channel.ts';
import { BOTH_SIDES_HOST, makeThrowawayPki } from './pki.ts';
import { breakGate, describe, effectiveVersions, failure, hasBreakpoints, outcome, PAUSABLE_TIMEOUT_MS, TIMEOUT_MS, type Setup, type SideRun } from './sides.ts';
import { serveSmtpStartTls } from './starttls-server.ts';
import { readUploadedCertificate } from './uploaded.ts';
import { DEFAULT_MAX_EARLY_DATA } from '../../tls/server/options.ts';

/** The group the server insists on when a HelloRetryRequest is asked for: one our client sends no share for. */
const HRR_GROUP = 'secp384r1';

/** One server across runs (the worker lives on): its ticket keys open the tickets it gave in earlier runs, so the
 * client can resume. */
const ticketKeys = new TicketKeys();

/** What the server says it read as 0-RTT, for its line to the client. */
function earlyDataWords(server: ServerConnection): string {
  const early = 'earlyData' in server ? server.earlyData : null;
  return early ? `; it read ${early.length} bytes of early data before the handshake ended: ${JSON.stringify(new TextDecoder().decode(early))}` : '';
}

export async function runServerSide(run: SideRun): Promise<void> {
  const { recorder, request: req, hooks } = run;
  const emit = recorder.emit;
  const channel = channelEnd<Setup>(run.port, run.clock, attackTap(req.attack, 'server', { note: (text) => emit({ kind: 'note', text }), events: () => recorder.events }));
  const fail = async (e: unknown, before: 'handshake' | 'after') => {
    const f = failure(e);
    if (!recorder.events.some((ev) => ev.kind === 'error')) emit({ kind: 'error', code: f.code, message: f.message });
    await channel.close();
    if (before === 'handshake') hooks.handshakeDone({ ok: false, ...f });
    hooks.finished(`server: ${describe(e)}`);
  };

  const choice = req.attack === 'wrong-certificate' ? 'wrong-host' : req.certificate;
  let setup: Extract<Setup, { k: 'setup' }>;
  let certificate: ServerOptions['certificates'][number];
  try {
    const pki = await makeThrowawayPki(choice === 'uploaded' ? 'good' : choice);
    setup = { k: 'setup', anchor: pki.rootDer, serverName: BOTH_SIDES_HOST, client: pki.client };
    certificate = { chain: pki.server.chain, key: pki.server.key, keyAlgorithm: 'ECDSA P-256' };
    if (choice === 'uploaded') {
      if (!req.uploaded) throw Object.assign(new Error('Choose a certificate file (and its key) first.'), { code: 'BAD_UPLOADED_CERTIFICATE' });
      const up = await readUploadedCertificate(req.uploaded.chainPem, req.uploaded.keyPem);
      setup = { ...setup, anchor: up.anchor, serverName: up.serverName ?? BOTH_SIDES_HOST };
      certificate = { chain: up.chain, key: up.key, keyAlgorithm: up.keyDescription };
      emit({ kind: 'note', text: `the server presents the uploaded certificate (${up.chain.length} in the chain, ${up.keyDescription} key); the client trusts the chain's last certificate for this run and asks for "${setup.serverName}"` });
    }
  } catch (e) {
    channel.sendControl({ k: 'abort', ...failure(e) });
    return fail(e, 'handshake');
  }
  channel.sendControl(setup);

  if (req.attack === 'starttls-injection') {
    try {
      await serveSmtpStartTls(channel, emit, setup.serverName);
    } catch (e) {
      return fail(e, 'handshake');
    }
  }

  const versions = effectiveVersions(req);
  const helloRetry = (req.helloRetry || req.attack === 'hrr-loop') && versions.includes('TLS1.3');
  const gate = breakGate(run);
  const b = req.breakpoints?.server;
  const options: ServerOptions = {
    certificates: [certificate],
    versions,
    suites: req.suites.length ? req.suites : undefined,
    groups: (helloRetry ? [HRR_GROUP] : req.groups.length ? req.groups : undefined) as GroupName[] | undefined,
    alpn: req.serverAlpn?.length ? req.serverAlpn : undefined,
    clientAuth: req.clientAuth,
    clientTrustAnchors: [setup.anchor],
    numTickets: req.tickets,
    ticketKeys,
    ...(req.acceptEarlyData ? { acceptEarlyData: true, maxEarlyData: DEFAULT_MAX_EARLY_DATA } : {}),
    hooks: req.refuseClientCertificate ? { onClientCertificate: () => 'refuse' } : undefined,
    breakpoints: b ? { afterClientHello: b.clientHello, onClientCertificate: b.clientCertificate, afterEachMessage: b.afterEachMessage } : undefined,
    onBreak: async (info) => ((await gate(info.breakpoint, info.eventIndex)) === 'abort' ? 'abort' : 'continue'),
    recorder: emit,
    timeoutMs: hasBreakpoints(req) ? PAUSABLE_TIMEOUT_MS : TIMEOUT_MS,
  };
  let server: ServerConnection;
  try {
    server = await acceptTls(channel, options);
  } catch (e) {
    return fail(e, 'handshake');
  }
  hooks.handshakeDone(outcome(server));
  // What the server does after the handshake, as the teacher asked: KeyUpdate, renegotiation, a line, close.
  try {
    if (req.keyUpdate && 'keyUpdate' in server) await server.keyUpdate(true);
    if (req.renegotiate && 'renegotiate' in server) await server.renegotiate();
    await server.write(new TextEncoder().encode(`hello from the server in this page${earlyDataWords(server)}\n`));
    await server.close();
  } catch (e) {
    return fail(e, 'after');
  }
  await channel.close();
  hooks.finished('closed by the server');
}
