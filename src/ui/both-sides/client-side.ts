// The client's side of a both-sides run, over its end of the channel: told by the server whom to trust and which
// name to ask for, the SMTP preamble for the STARTTLS attack, `connectTls`, then reading until the server closes.
import { connectTls, type TlsConnection, type BreakDecision as ClientDecision } from '../../tls/client.ts';
import type { GroupName } from '../../tls/suites.ts';
import { runStartTls } from '../../starttls/index.ts';
import { createVerifier } from '../../x509/verifier.ts';
import { typedTextBytes } from '../../worker/typed-text.ts';
import { attackTap } from './attacks.ts';
import { channelEnd } from './channel.ts';
import { breakGate, clientVersions, describe, failure, hasBreakpoints, outcome, PAUSABLE_TIMEOUT_MS, TIMEOUT_MS, type Setup, type SideRun } from './sides.ts';

/** What our client offers: every group, a key share for the first two (as Chromium does). */
export const CLIENT_GROUPS: GroupName[] = ['X25519MLKEM768', 'x25519', 'secp256r1', 'secp384r1', 'secp521r1'];
export const CLIENT_KEY_SHARES: GroupName[] = ['X25519MLKEM768', 'x25519'];

/** The newest session the server gave our client, kept across runs (the worker lives on) for a run that resumes. */
let lastSession: TlsConnection['session'];

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
  const session = req.client?.resume ? lastSession : undefined;
  if (req.client?.resume) emit({ kind: 'note', text: session ? `the client offers the session from an earlier run (its ticket, for ${session.serverName ?? 'this server'}) to resume it` : 'no session kept from an earlier run (none yet, or the server sent no ticket): a full handshake' });
  let conn: TlsConnection;
  try {
    conn = await connectTls(
      transport,
      {
        serverName: req.client?.serverName || setup.serverName,
        versions: clientVersions(req),
        suites: req.client?.suites.length ? req.client.suites : undefined,
        groups: (req.client?.groups ?? CLIENT_GROUPS) as GroupName[],
        keyShareGroups: (req.client ? req.client.keyShareGroups.filter((g) => req.client!.groups.includes(g)) : CLIENT_KEY_SHARES) as GroupName[],
        alpn: req.client?.alpn.length ? req.client.alpn : undefined,
        session,
        earlyData: req.client?.earlyData ? typedTextBytes(req.client.earlyData) : undefined,
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
  // TLS 1.3 tickets come after the handshake: read by now.
  if (conn.session) lastSession = conn.session;
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

