// Each side of a both-sides run, over its end of the channel (channel.ts): the server (a throwaway PKI or the
// person's certificate, an SMTP preamble for the STARTTLS attack, `acceptTls` with the teacher's options, then what
// it does after the handshake) and the client (told by the server which root to trust, then `connectTls` and reading
// until the server closes). Each records into its own trace; a worker runs one side, and Node runs both in one
// thread for the tests (run-both.ts).
import { connectTls, type TlsConnection, type BreakDecision as ClientDecision } from '../../tls/client.ts';
import { acceptTls, type ServerConnection, type ServerOptions } from '../../tls/server.ts';
import type { GroupName } from '../../tls/suites.ts';
import type { TraceRecorder } from '../../trace/recorder.ts';
import type { BreakpointName } from '../../trace/types.ts';
import { runStartTls } from '../../starttls/index.ts';
import { createVerifier } from '../../x509/verifier.ts';
import type { BothSidesDecision, BothSidesRequest, SideOutcome } from '../../worker/both-sides-messages.ts';
import { attackTap } from './attacks.ts';
import { channelEnd, type LamportClock, type PortLike } from './channel.ts';
import { BOTH_SIDES_HOST, makeThrowawayPki, type Leaf } from './pki.ts';
import { serveSmtpStartTls } from './starttls-server.ts';
import { readUploadedCertificate } from './uploaded.ts';

const TIMEOUT_MS = 15_000;
/** With breakpoints on, one side may wait for a person while the other waits for its bytes. */
const PAUSABLE_TIMEOUT_MS = 30 * 60_000;
/** The group the server insists on when a HelloRetryRequest is asked for: one our client sends no share for. */
const HRR_GROUP = 'secp384r1';
/** What our client offers: every group, a key share for the first two (as Chromium does). */
export const CLIENT_GROUPS: GroupName[] = ['X25519MLKEM768', 'x25519', 'secp256r1', 'secp384r1'];
export const CLIENT_KEY_SHARES: GroupName[] = ['X25519MLKEM768', 'x25519'];

/** What the server tells the client before the handshake: whom to trust and which name to ask for, or that it
 * could not start. */
export type Setup = { k: 'setup'; anchor: Uint8Array; serverName: string; client: Leaf } | { k: 'abort'; code: string; message: string };

export interface SideHooks {
  handshakeDone(outcome: SideOutcome): void;
  finished(detail: string): void;
  /** A breakpoint of this side was reached (its `pause` event is in the trace): what does the person decide? */
  onBreak(breakpoint: BreakpointName, detail: string): Promise<BothSidesDecision>;
}

export interface SideRun {
  port: PortLike;
  clock: LamportClock;
  recorder: TraceRecorder;
  request: BothSidesRequest;
  hooks: SideHooks;
}

/** The versions both sides use: some attacks need one. */
export function effectiveVersions(req: BothSidesRequest): BothSidesRequest['versions'] {
  if (req.attack === 'downgrade') return ['TLS1.3', 'TLS1.2'];
  if (req.attack === 'tampered-finished' || req.attack === 'hrr-loop') return ['TLS1.3'];
  return req.versions;
}

function hasBreakpoints(req: BothSidesRequest): boolean {
  const b = req.breakpoints;
  return !!b && [...Object.values(b.client), ...Object.values(b.server)].some(Boolean);
}

function failure(e: unknown): { code: string; message: string } {
  const err = e as Error & { code?: string };
  return { code: err?.code ?? 'ERROR', message: err?.message || String(e) };
}

function describe(e: unknown): string {
  const f = failure(e);
  return f.code === 'ERROR' ? f.message : `${f.code}: ${f.message}`;
}

function outcome(conn: TlsConnection | ServerConnection): SideOutcome {
  return { ok: true, version: conn.summary.version ?? 'unknown', cipherSuite: conn.summary.cipherSuite, group: conn.summary.group };
}

/** Asks the person at each breakpoint of one side, until they choose to run past the afterEachMessage ones. */
function breakGate(run: SideRun) {
  let stepping = true;
  return async (breakpoint: BreakpointName, eventIndex: number): Promise<BothSidesDecision> => {
    if (breakpoint === 'afterEachMessage' && !stepping) return 'continue';
    const event = run.recorder.events[eventIndex] as { detail?: string } | undefined;
    const decision = await run.hooks.onBreak(breakpoint, event?.detail ?? '');
    if (decision !== 'run-to-end') return decision;
    stepping = false;
    return 'continue';
  };
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
    clientAuth: req.clientAuth,
    clientTrustAnchors: [setup.anchor],
    numTickets: req.tickets,
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
    await server.write(new TextEncoder().encode('hello from the server in this page\n'));
    await server.close();
  } catch (e) {
    return fail(e, 'after');
  }
  await channel.close();
  hooks.finished('closed by the server');
}

export async function runClientSide(run: SideRun): Promise<void> {
  const { recorder, request: req, hooks } = run;
  const emit = recorder.emit;
  const channel = channelEnd<Setup>(run.port, run.clock, attackTap(req.attack, 'client', { note: (text) => emit({ kind: 'note', text }), events: () => recorder.events }));
  const fail = async (e: unknown) => {
    await channel.close();
    hooks.handshakeDone({ ok: false, ...failure(e) });
    hooks.finished(`client: ${describe(e)}`);
  };
  const setup = await channel.control();
  if (setup.k === 'abort') {
    await channel.close();
    hooks.handshakeDone({ ok: false, code: 'NO_SERVER', message: 'the server did not start, so the client never connected' });
    hooks.finished('client: no connection');
    return;
  }
  let transport: Parameters<typeof connectTls>[0] = channel;
  if (req.attack === 'starttls-injection') {
    try {
      transport = (await runStartTls('smtp', channel, emit, { hostname: setup.serverName })).transport;
    } catch (e) {
      return fail(e);
    }
  }
  const gate = breakGate(run);
  const b = req.breakpoints?.client;
  const clientCertificate = { chain: setup.client.chain, privateKey: setup.client.key };
  let conn: TlsConnection;
  try {
    conn = await connectTls(
      transport,
      {
        serverName: setup.serverName,
        versions: effectiveVersions(req),
        groups: CLIENT_GROUPS,
        keyShareGroups: CLIENT_KEY_SHARES,
        verifier: createVerifier({ anchors: [setup.anchor] }),
        clientCertificate: req.clientHasCertificate ? clientCertificate : undefined,
        breakpoints: b,
        onBreak: async (info): Promise<ClientDecision> => {
          const d = await gate(info.breakpoint, info.eventIndex);
          if (d === 'send-certificate') return { clientCertificate };
          return d === 'abort' || d === 'decline' ? d : 'continue';
        },
        timeoutMs: hasBreakpoints(req) ? PAUSABLE_TIMEOUT_MS : TIMEOUT_MS,
      },
      emit,
    );
  } catch (e) {
    return fail(e);
  }
  hooks.handshakeDone(outcome(conn));
  // One side may think it is done while the other refused (TLS 1.3: the server checks the client's certificate
  // after the client sent its Finished): the client's first read then brings the alert.
  const detail = await readAll(conn);
  await channel.close();
  hooks.finished(`client: ${detail}`);
}

/** The client reads until the server closes; answers KeyUpdate and HelloRequest on the way. */
async function readAll(conn: TlsConnection): Promise<string> {
  let bytes = 0;
  try {
    for (;;) {
      const data = await conn.read();
      if (data === null) return `read ${bytes} bytes, then the server's close_notify`;
      bytes += data.length;
    }
  } catch (e) {
    return describe(e);
  }
}

