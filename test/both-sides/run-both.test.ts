// The both-sides run (our client and our server in memory, a throwaway PKI made with WebCrypto + @peculiar/x509),
// as the page's worker runs it, here in Node: each side's trace, and the pairing the view shows.
import { describe, expect, it } from 'vitest';
import { TraceRecorder } from '../../src/trace/recorder.ts';
import type { TraceEvent } from '../../src/trace/types.ts';
import type { BothSidesBreakpoints, BothSidesRequest, Side, SideOutcome } from '../../src/worker/both-sides-messages.ts';
import { runBothSides, type BothSidesReport } from '../../src/ui/both-sides/run-both.ts';
import { mergeByStamp, pairMessages, pairSecrets } from '../../src/ui/both-sides/model.ts';
import { serverApiCalls } from '../../src/ui/both-sides/server-api.ts';
import { INJECTED_REPLY } from '../../src/ui/both-sides/attacks.ts';

const BASE: BothSidesRequest = { versions: ['TLS1.3', 'TLS1.2'], suites: [], groups: [], helloRetry: false, certificate: 'good', clientAuth: 'none', clientHasCertificate: true, refuseClientCertificate: false, tickets: 2, renegotiate: false, keyUpdate: false };

async function run(change: Partial<BothSidesRequest>, onBreak?: BothSidesReport['onBreak']) {
  const traces = { client: new TraceRecorder(() => 0), server: new TraceRecorder(() => 0) };
  const stamps: Record<Side, number[]> = { client: [], server: [] };
  let outcome: { client: SideOutcome; server: SideOutcome } | null = null;
  let detail = '';
  await runBothSides(traces, { ...BASE, ...change }, { handshakeDone: (client, server) => (outcome = { client, server }), finished: (d) => (detail = d), onBreak }, stamps);
  const events: Record<Side, TraceEvent[]> = { client: traces.client.events, server: traces.server.events };
  // The page's order: both sides' events merged by their causal stamps.
  const order = mergeByStamp(stamps);
  return { events, order, outcome: outcome!, detail, ladder: pairMessages(events, order), secrets: pairSecrets(events) };
}

const alerts = (events: TraceEvent[]) => events.filter((e) => e.kind === 'alert').map((e) => `${(e as { direction: string }).direction}:${(e as { name: string }).name}`);

describe('both sides joined by a MessageChannel', () => {
  it('TLS 1.3 with a KeyUpdate from the server: every message read with the same bytes, every secret equal', async () => {
    const r = await run({ keyUpdate: true });
    expect(r.outcome.client).toMatchObject({ ok: true, version: 'TLSv1.3' });
    expect(r.outcome.server).toMatchObject({ ok: true, version: 'TLSv1.3' });
    expect(r.detail).toMatch(/^closed by the server; client: read \d+ bytes/);
    expect(r.ladder.slice(0, 7).map((p) => `${p.from}:${p.name}`)).toEqual(['client:ClientHello', 'server:ServerHello', 'server:EncryptedExtensions', 'server:Certificate', 'server:CertificateVerify', 'server:Finished', 'client:Finished']);
    expect(r.ladder.filter((p) => p.kind === 'handshake').every((p) => p.same === true)).toBe(true);
    expect(r.ladder.filter((p) => p.name === 'KeyUpdate').map((p) => p.from)).toEqual(['server', 'client']);
    expect(r.secrets.find((s) => s.name === 'client_application_traffic_secret_0')?.verdict).toBe('equal');
    expect(r.secrets.filter((s) => s.verdict === 'different')).toEqual([]);
  });

  it('a HelloRetryRequest on purpose: the server asks for secp384r1', async () => {
    const r = await run({ helloRetry: true });
    expect(r.outcome.server).toMatchObject({ ok: true, group: 'secp384r1' });
    expect(r.ladder.filter((p) => p.name === 'ClientHello')).toHaveLength(2);
  });

  it('TLS 1.2 with a renegotiation the server starts', async () => {
    const r = await run({ versions: ['TLS1.2'], renegotiate: true });
    expect(r.outcome.server).toMatchObject({ ok: true, version: 'TLSv1.2' });
    expect(r.detail).toMatch(/^closed by the server/);
    expect(r.ladder.filter((p) => p.name === 'HelloRequest' && p.reader)).toHaveLength(1);
    const masters = r.secrets.filter((s) => s.name === 'master_secret');
    expect(masters.map((m) => m.verdict)).toEqual(['equal', 'equal']);
    const api = serverApiCalls({ ...BASE, versions: ['TLS1.2'], renegotiate: true }, r.events.server);
    expect(api.openssl.map((c) => c.call.replace(/\(.*/, ''))).toEqual(expect.arrayContaining(['SSL_accept', 'SSL_renegotiate', 'SSL_do_handshake', 'SSL_shutdown']));
    expect(api.secureTransport.map((c) => c.call.replace(/\(.*/, ''))).toContain('SSLReHandshake');
  });

  it('an expired certificate: the client sends certificate_expired, the server fails on it', async () => {
    const r = await run({ certificate: 'expired' });
    expect(r.outcome.client).toMatchObject({ ok: false });
    expect(r.outcome.server).toMatchObject({ ok: false });
    const alert = r.ladder.find((p) => p.kind === 'alert' && p.from === 'client');
    expect(alert?.name).toBe('Alert fatal certificate_expired');
    // Past the ServerHello the client's alert goes under its handshake keys (RFC 8446 §6), so the server opens it
    // and records the alert itself, not an unexpected plaintext record.
    const sent = r.events.client.find((e) => e.kind === 'alert' && e.direction === 'client') as { record?: { contentType?: number; protected?: boolean } } | undefined;
    expect(JSON.stringify(sent?.record)).not.toMatch(/"contentType":21\b/);
    expect(alerts(r.events.server)).toContain('client:certificate_expired');
    const serverError = r.events.server.find((e) => e.kind === 'error') as { message: string } | undefined;
    expect(serverError?.message).toContain('certificate_expired');
  });

  it('a certificate for another host: the client refuses it, the server fails on the client\'s alert', async () => {
    const r = await run({ certificate: 'wrong-host' });
    expect(r.outcome.client).toMatchObject({ ok: false });
    expect(r.outcome.server).toMatchObject({ ok: false });
    const alert = r.ladder.find((p) => p.kind === 'alert' && p.from === 'client');
    expect(alert?.name).toMatch(/^Alert fatal (bad_certificate|certificate_unknown)$/);
  });

  it('a tampered record: the client fails the AEAD check and sends bad_record_mac', async () => {
    const r = await run({ attack: 'tampered-record' });
    expect(r.events.server.some((e) => e.kind === 'note' && e.text.startsWith('staged attack'))).toBe(true);
    expect(alerts(r.events.client)).toContain('client:bad_record_mac');
    expect(r.detail).toMatch(/BAD_RECORD_MAC|bad_record_mac/i);
  });

  it('a downgrade on the wire: the server answers TLS 1.2 with the sentinel, the client catches it', async () => {
    const r = await run({ attack: 'downgrade' });
    expect(r.events.client.some((e) => e.kind === 'note' && e.text.startsWith('staged attack'))).toBe(true);
    expect(r.outcome.client).toMatchObject({ ok: false });
    expect(alerts(r.events.client)).toContain('client:illegal_parameter');
    // The ClientHello differs between writer and reader: the ladder says so.
    expect(r.ladder[0]).toMatchObject({ name: 'ClientHello', same: false });
    expect(r.ladder.find((p) => p.name === 'ServerHello')?.same).toBe(true);
  });

  it('a client certificate required and not sent: certificate_required on both sides', async () => {
    const r = await run({ clientAuth: 'require', clientHasCertificate: false });
    expect(r.outcome.server).toMatchObject({ ok: false });
    expect(alerts(r.events.server)).toContain('server:certificate_required');
    expect(alerts(r.events.client)).toContain('server:certificate_required');
    const api = serverApiCalls({ ...BASE, clientAuth: 'require', clientHasCertificate: false }, r.events.server);
    expect(api.openssl.map((c) => c.call)).toContain('SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL)');
    expect(api.openssl.find((c) => c.call === 'SSL_accept(ssl)')?.result).toMatch(/^-1, SSL_get_error = SSL_ERROR_SSL/);
    expect(api.openssl.some((c) => c.call.startsWith('SSL_shutdown'))).toBe(false);
    expect(api.secureTransport.map((c) => c.call)).toContain('SSLSetClientSideAuthenticate(ctx, kAlwaysAuthenticate)');
  });

  it('staged attack, a tampered Finished: the record authenticates, the Finished check fails, decrypt_error on both sides', async () => {
    const r = await run({ attack: 'tampered-finished' });
    expect(r.events.server.some((e) => e.kind === 'note' && e.text.startsWith('staged attack'))).toBe(true);
    expect(r.outcome.client).toMatchObject({ ok: false, code: 'BAD_FINISHED' });
    expect(alerts(r.events.client)).toContain('client:decrypt_error');
    expect(alerts(r.events.server)).toContain('client:decrypt_error');
    // No record failed its AEAD check: the wire sealed the changed Finished again.
    expect(alerts(r.events.client)).not.toContain('client:bad_record_mac');
    const finished = r.ladder.find((p) => p.from === 'server' && p.name === 'Finished');
    expect(finished).toMatchObject({ same: false });
    expect(r.ladder.find((p) => p.name === 'CertificateVerify')?.same).toBe(true);
    expect(r.ladder.find((p) => p.name === 'Alert fatal decrypt_error')).toMatchObject({ from: 'client', same: true });
  });

  it('staged attack, an HRR loop: the client refuses a second HelloRetryRequest with unexpected_message (RFC 8446 §4.1.4)', async () => {
    const r = await run({ attack: 'hrr-loop' });
    expect(r.outcome.client).toMatchObject({ ok: false, code: 'UNEXPECTED_MESSAGE' });
    expect(alerts(r.events.client)).toContain('client:unexpected_message');
    // The server wrote one HelloRetryRequest; the client read two: the ladder shows the second as made by the wire.
    const retries = r.ladder.filter((p) => p.name === 'HelloRetryRequest');
    expect(retries.map((p) => [p.writer !== null, p.reader !== null])).toEqual([
      [true, true],
      [false, true],
    ]);
    expect(r.ladder.find((p) => p.name === 'ServerHello')?.reader).toBeNull();
    // The server reads with handshake keys, but the client never had them: its alert comes in the clear and the
    // server takes it as the client's alert (nothing had arrived under those keys yet).
    expect(r.outcome.server).toMatchObject({ ok: false, code: 'UNEXPECTED_MESSAGE' });
    expect(alerts(r.events.server)).toContain('client:unexpected_message');
  });

  it('staged attack, STARTTLS injection: the SMTP preamble on both sides, the injected reply refused by the client', async () => {
    const r = await run({ attack: 'starttls-injection' });
    expect(r.outcome.client).toMatchObject({ ok: false, code: 'STARTTLS_INJECTION' });
    const preamble = r.ladder.filter((p) => p.kind === 'preamble');
    expect(preamble.map((p) => `${p.from}:${p.name.split(' ')[0]}`)).toEqual(['server:220', 'client:EHLO', 'server:250-both-sides.tls-lens.test', 'server:250', 'client:STARTTLS', 'server:220', 'server:250']);
    // Every line both wrote and read the same, but the last: only the client read it (the wire added it).
    expect(preamble.slice(0, -1).every((p) => p.writer && p.reader && p.same)).toBe(true);
    expect(preamble.at(-1)).toMatchObject({ writer: null, same: false, name: INJECTED_REPLY.trimEnd() });
    const injected = r.events.client.find((e) => e.kind === 'preamble' && e.note?.startsWith('INJECTED'));
    expect(injected).toBeDefined();
    // No TLS byte was ever written by either side.
    expect(r.ladder.some((p) => p.kind === 'handshake')).toBe(false);
    expect(r.outcome.server).toMatchObject({ ok: false, code: 'CLOSED' });
  });

  it('staged attack, a wrong certificate: HOSTNAME_MISMATCH, bad_certificate sent by the client and read by the server', async () => {
    const r = await run({ attack: 'wrong-certificate' });
    expect(r.outcome.client).toMatchObject({ ok: false, code: 'HOSTNAME_MISMATCH' });
    expect(alerts(r.events.client)).toContain('client:bad_certificate');
    expect(alerts(r.events.server)).toContain('client:bad_certificate');
    expect(r.outcome.server).toMatchObject({ ok: false, code: 'BAD_CERTIFICATE' });
  });

  it('X25519MLKEM768: the server takes the hybrid share the client sent, both sides derive the same secrets', async () => {
    const r = await run({ groups: ['X25519MLKEM768', 'x25519'], versions: ['TLS1.3'] });
    expect(r.outcome.client).toMatchObject({ ok: true, group: 'X25519MLKEM768' });
    expect(r.outcome.server).toMatchObject({ ok: true, group: 'X25519MLKEM768' });
    expect(r.ladder.filter((p) => p.name === 'ClientHello')).toHaveLength(1);
    expect(r.secrets.find((s) => s.name === 'handshake_secret')?.verdict).toBe('equal');
    expect(r.secrets.filter((s) => s.verdict !== 'equal')).toEqual([]);
    // A server that does not take the hybrid picks x25519 from the same ClientHello, no HelloRetryRequest.
    const classic = await run({ groups: ['x25519', 'secp256r1'] });
    expect(classic.outcome.server).toMatchObject({ ok: true, group: 'x25519' });
    expect(classic.ladder.filter((p) => p.name === 'ClientHello')).toHaveLength(1);
  });
});

const NO_BREAKS: BothSidesBreakpoints = { client: { afterEachMessage: false, serverAuth: false, clientCertRequest: false }, server: { clientHello: false, clientCertificate: false, afterEachMessage: false } };
const breaks = (client: Partial<BothSidesBreakpoints['client']>, server: Partial<BothSidesBreakpoints['server']>): BothSidesBreakpoints => ({ client: { ...NO_BREAKS.client, ...client }, server: { ...NO_BREAKS.server, ...server } });

describe('breakpoints on either side', () => {
  it('the server stops at the client\'s certificate and the person refuses it: the server sends the alert, the client reads it', async () => {
    const asked: string[] = [];
    const r = await run({ clientAuth: 'require', versions: ['TLS1.3'], breakpoints: breaks({}, { clientCertificate: true }) }, async (side, breakpoint) => {
      asked.push(`${side}:${breakpoint}`);
      return 'abort';
    });
    expect(asked).toEqual(['server:clientCertificate']);
    const api = serverApiCalls({ ...BASE, clientAuth: 'require', breakpoints: breaks({}, { clientCertificate: true }) }, r.events.server);
    expect(api.openssl.map((c) => c.call)).toContain('SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verify_callback)');
    expect(r.events.server.filter((e) => e.kind === 'pause').map((e) => (e as { phase?: string }).phase)).toEqual(['paused', 'resumed']);
    expect(r.outcome.server).toMatchObject({ ok: false, code: 'CLIENT_CERTIFICATE_REFUSED' });
    const sent = alerts(r.events.server).filter((a) => a.startsWith('server:'));
    expect(sent).toHaveLength(1);
    expect(alerts(r.events.client)).toContain(sent[0]);
  });

  it('the server stops after the ClientHello and goes on: the handshake completes', async () => {
    const asked: string[] = [];
    const r = await run({ breakpoints: breaks({}, { clientHello: true }) }, async (side, breakpoint, detail) => {
      asked.push(`${side}:${breakpoint}:${detail}`);
      return 'continue';
    });
    expect(asked).toEqual([expect.stringMatching(/^server:clientHello:ClientHello read.*both-sides\.tls-lens\.test/)]);
    expect(r.outcome.client).toMatchObject({ ok: true });
    const api = serverApiCalls({ ...BASE, breakpoints: breaks({}, { clientHello: true }) }, r.events.server);
    expect(api.openssl.map((c) => c.call)).toContain('SSL_CTX_set_client_hello_cb(ctx, on_client_hello, arg)');
  });

  it('the client stops once the server is authenticated and refuses: it ends the handshake, the server reads why', async () => {
    const r = await run({ breakpoints: breaks({ serverAuth: true }, {}) }, async (side, breakpoint) => (side === 'client' && breakpoint === 'serverAuth' ? 'abort' : 'continue'));
    expect(r.outcome.client).toMatchObject({ ok: false, code: 'USER_CANCELED' });
    expect(r.outcome.server).toMatchObject({ ok: false });
    const sent = alerts(r.events.client).filter((a) => a.startsWith('client:'));
    expect(sent.length).toBeGreaterThan(0);
    expect(alerts(r.events.server)).toContain(sent[0]);
  });

  it('the client is asked for a certificate it was not given and the person sends one: the server accepts it', async () => {
    const asked: string[] = [];
    const r = await run({ clientAuth: 'require', clientHasCertificate: false, breakpoints: breaks({ clientCertRequest: true }, {}) }, async (side, breakpoint) => {
      asked.push(`${side}:${breakpoint}`);
      return 'send-certificate';
    });
    expect(asked).toEqual(['client:clientCertRequest']);
    expect(r.outcome.server).toMatchObject({ ok: true });
    expect(r.detail).toMatch(/^closed by the server; client: read \d+ bytes/);
    expect(r.ladder.find((p) => p.from === 'client' && p.name === 'Certificate')).toMatchObject({ same: true });
  });

  it('both sides step message by message; "run to the end" on one side stops its pauses, not the other\'s', async () => {
    const asked: Record<Side, number> = { client: 0, server: 0 };
    const r = await run({ versions: ['TLS1.3'], breakpoints: breaks({ afterEachMessage: true }, { afterEachMessage: true }) }, async (side) => {
      asked[side]++;
      return side === 'client' && asked.client === 2 ? 'run-to-end' : 'continue';
    });
    expect(r.outcome.client).toMatchObject({ ok: true });
    expect(r.outcome.server).toMatchObject({ ok: true });
    expect(asked.client).toBe(2);
    // The server stops after each of the handshake's 7 messages (its own and the client's), at least.
    expect(asked.server).toBeGreaterThanOrEqual(7);
    const pauses = (side: Side) => r.events[side].filter((e) => e.kind === 'pause' && (e as { phase?: string }).phase === 'paused').length;
    expect(pauses('server')).toBe(asked.server);
    expect(pauses('client')).toBeGreaterThan(asked.client);
  });
});
