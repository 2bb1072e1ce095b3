// The server program's calls step by step (OpenSSL, Secure Transport's server side), from the server's trace of a
// real both-sides run, and where each side is at each ladder row (the API view's step beside the client's).
import { describe, expect, it } from 'vitest';
import { TraceRecorder } from '../../src/trace/recorder.ts';
import type { TraceEvent } from '../../src/trace/types.ts';
import type { BothSidesRequest, Side } from '../../src/worker/both-sides-messages.ts';
import { DEFAULT_MAX_EARLY_DATA } from '../../src/tls/server/options.ts';
import { runBothSides } from '../../src/ui/both-sides/run-both.ts';
import { ladderPositions, mergeByStamp, pairMessages } from '../../src/ui/both-sides/model.ts';
import { serverCallsAt, settingsFromTrace } from '../../src/ui/both-sides/server-api.ts';
import { apiCallsFor, apiStepForTrace, recordedByServer } from '../../src/ui/api-calls.ts';

const BASE: BothSidesRequest = { versions: ['TLS1.3', 'TLS1.2'], suites: [], groups: [], helloRetry: false, certificate: 'good', clientAuth: 'none', clientHasCertificate: true, refuseClientCertificate: false, tickets: 1, renegotiate: false, keyUpdate: false };

async function run(change: Partial<BothSidesRequest>) {
  const req = { ...BASE, ...change };
  const traces = { client: new TraceRecorder(() => 0), server: new TraceRecorder(() => 0) };
  const stamps: Record<Side, number[]> = { client: [], server: [] };
  await runBothSides(traces, req, { handshakeDone: () => {}, finished: () => {} }, stamps);
  const events: Record<Side, TraceEvent[]> = { client: traces.client.events, server: traces.server.events };
  return { req, events, order: mergeByStamp(stamps) };
}

/** The calls (names only) a server program makes through the run, one step after another, repeats folded. */
function sequence(req: BothSidesRequest, events: TraceEvent[], api: 'openssl' | 'secureTransport'): string[] {
  const out: string[] = [];
  events.forEach((_, i) => {
    for (const c of serverCallsAt(req, events, i)[api]) {
      const name = c.call.replace(/\(.*/s, '').trim();
      if (out[out.length - 1] !== name) out.push(name);
    }
  });
  return out;
}

/** `want` appears in `seq` in this order (other calls may come between). */
function inOrder(seq: string[], want: string[]): string[] {
  let at = 0;
  const found: string[] = [];
  for (const w of want) {
    const i = seq.indexOf(w, at);
    if (i < 0) break;
    found.push(w);
    at = i + 1;
  }
  return found;
}

describe('the server’s calls step by step', () => {
  it('TLS 1.2, client certificate required, renegotiation by the server: OpenSSL and Secure Transport in order', async () => {
    const r = await run({ versions: ['TLS1.2'], clientAuth: 'require', renegotiate: true });
    const openssl = sequence(r.req, r.events.server, 'openssl');
    const want = ['SSL_CTX_new', 'SSL_CTX_set_min_proto_version', 'SSL_CTX_use_certificate_file', 'SSL_CTX_use_PrivateKey_file', 'SSL_CTX_check_private_key', 'SSL_CTX_load_verify_locations', 'SSL_CTX_set_verify', 'SSL_new', 'SSL_accept', 'SSL_renegotiate', 'SSL_do_handshake', 'SSL_write', 'SSL_shutdown', 'SSL_free'];
    expect(inOrder(openssl, want)).toEqual(want);
    // No SSL_accept once the renegotiation has started: its messages go through SSL_do_handshake.
    expect(openssl.lastIndexOf('SSL_accept')).toBeLessThan(openssl.indexOf('SSL_renegotiate'));
    const verify = serverCallsAt(r.req, r.events.server, 0).openssl.find((c) => c.call.startsWith('SSL_CTX_set_verify'));
    expect(verify?.call).toContain('SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT');
    const st = sequence(r.req, r.events.server, 'secureTransport');
    const wantSt = ['SSLCreateContext', 'SSLSetCertificate', 'SSLSetClientSideAuthenticate', 'SSLSetIOFuncs', 'SSLHandshake', 'SSLReHandshake', 'SSLWrite', 'SSLClose', 'CFRelease'];
    expect(inOrder(st, wantSt)).toEqual(wantSt);
    // SSL_accept returns 1 at the server's Finished (the handshake's last message in a full TLS 1.2 handshake).
    const finished = r.events.server.findIndex((e) => e.kind === 'handshake' && e.name === 'Finished' && e.direction === 'server');
    expect(serverCallsAt(r.req, r.events.server, finished).openssl[0]).toMatchObject({ call: 'SSL_accept(ssl)', result: '1' });
  });

  it('TLS 1.3 with a KeyUpdate: SSL_accept returns 1 with the tickets, then SSL_key_update, SSL_write, SSL_shutdown', async () => {
    const r = await run({ versions: ['TLS1.3'], keyUpdate: true });
    const openssl = sequence(r.req, r.events.server, 'openssl');
    const want = ['SSL_CTX_set_num_tickets', 'SSL_new', 'SSL_accept', 'SSL_key_update', 'SSL_write', 'SSL_shutdown'];
    expect(inOrder(openssl, want)).toEqual(want);
    const ticket = r.events.server.findIndex((e) => e.kind === 'handshake' && e.name === 'NewSessionTicket');
    expect(serverCallsAt(r.req, r.events.server, ticket).openssl[0]).toMatchObject({ call: 'SSL_accept(ssl)', result: '1' });
    expect(openssl).not.toContain('SSL_renegotiate');
  });

  it('no suite in common: SSL_accept fails with SSL_ERROR_SSL at the server’s alert', async () => {
    const r = await run({ versions: ['TLS1.3'], suites: ['TLS_AES_256_GCM_SHA384'], client: { versions: ['TLS1.3'], suites: ['TLS_AES_128_GCM_SHA256'], groups: ['x25519'], keyShareGroups: ['x25519'], serverName: '', alpn: [] } });
    const alert = r.events.server.findIndex((e) => e.kind === 'alert');
    expect(serverCallsAt(r.req, r.events.server, alert).openssl[0]).toMatchObject({ call: 'SSL_accept(ssl)', result: '-1, SSL_get_error → SSL_ERROR_SSL' });
    expect(sequence(r.req, r.events.server, 'openssl')).not.toContain('SSL_write');
  });

  it('each ladder row has both sides at that row: the client’s Finished row shows SSL_connect → 1 beside the server reading it', async () => {
    const r = await run({ versions: ['TLS1.3'] });
    const pairs = pairMessages(r.events, r.order);
    const positions = ladderPositions(pairs, r.events, r.order);
    expect(positions).toHaveLength(pairs.length);
    // Positions never go back.
    for (let i = 1; i < positions.length; i++) {
      expect(positions[i].client).toBeGreaterThanOrEqual(positions[i - 1].client);
      expect(positions[i].server).toBeGreaterThanOrEqual(positions[i - 1].server);
    }
    const row = pairs.findIndex((p) => p.from === 'client' && p.name === 'Finished');
    const { client, server } = positions[row];
    expect(r.events.client[client]).toMatchObject({ kind: 'handshake', name: 'Finished', direction: 'client' });
    expect(r.events.server[server]).toMatchObject({ kind: 'handshake', name: 'Finished', direction: 'client' });
    expect(apiCallsFor(r.events.client, client).openssl[0]).toMatchObject({ call: 'SSL_connect(ssl)', result: '1' });
    expect(serverCallsAt(r.req, r.events.server, server).openssl[0].call).toBe('SSL_accept(ssl)');
    // The first row: the ClientHello, the server still in its setup or reading it.
    expect(r.events.client[positions[0].client]).toMatchObject({ kind: 'handshake', name: 'ClientHello' });
    expect(serverCallsAt(r.req, r.events.server, positions[0].server).openssl[0].call).toMatch(/^SSL_accept\(ssl\)$/);
  });

  it('0-RTT in both sides: SSL_CTX_set_max_early_data(ctx, 16384) in the setup; the ClientHello row shows SSL_write_early_data beside SSL_read_early_data, EndOfEarlyData its FINISH', async () => {
    // A first run gives the client a ticket allowing early data; the second resumes it with early data.
    await run({ versions: ['TLS1.3'], acceptEarlyData: true });
    const client = { versions: ['TLS1.3' as const], suites: [], groups: ['x25519'], keyShareGroups: ['x25519'], serverName: '', alpn: [], resume: true, earlyData: 'GET / HTTP/1.0\\r\\n\\r\\n' };
    const r = await run({ versions: ['TLS1.3'], acceptEarlyData: true, client });
    expect(serverCallsAt(r.req, r.events.server, 0).openssl.map((c) => c.call)).toContain(`SSL_CTX_set_max_early_data(ctx, ${DEFAULT_MAX_EARLY_DATA})`);
    const pairs = pairMessages(r.events, r.order);
    const positions = ladderPositions(pairs, r.events, r.order);
    const row = (name: string) => positions[pairs.findIndex((p) => p.from === 'client' && p.name === name)];
    const hello = row('ClientHello');
    expect(apiCallsFor(r.events.client, hello.client).openssl.find((c) => c.call.startsWith('SSL_write_early_data'))?.result).toBe('1, written = 18');
    expect(serverCallsAt(r.req, r.events.server, hello.server).openssl[0].call).toBe('SSL_read_early_data(ssl, buf, n, &readbytes)');
    const end = row('EndOfEarlyData');
    expect(serverCallsAt(r.req, r.events.server, end.server).openssl[0].result).toBe('SSL_READ_EARLY_DATA_FINISH, readbytes = 0');
    expect(sequence(r.req, r.events.server, 'openssl')).toContain('SSL_read_early_data');

    // The server no longer set up for it: refused, no SSL_read_early_data, the client writes the data again itself.
    const refused = await run({ versions: ['TLS1.3'], acceptEarlyData: false, client });
    expect(sequence(refused.req, refused.events.server, 'openssl')).not.toContain('SSL_read_early_data');
    const calls = refused.events.client.flatMap((_, i) => apiCallsFor(refused.events.client, i).openssl.map((c) => `${c.call} → ${c.result ?? ''}`));
    expect(calls).toContain('SSL_get_early_data_status(ssl) → SSL_EARLY_DATA_REJECTED');
    expect(calls).toContain('SSL_write(ssl, buf, n) → ');
  });

  it('the main API view, given the server’s trace alone (serve, the Clients view), shows the server program’s calls', async () => {
    const r = await run({ versions: ['TLS1.2'], clientAuth: 'require', tickets: 0 });
    expect(recordedByServer(r.events.server)).toBe(true);
    expect(recordedByServer(r.events.client)).toBe(false);
    // What the trace alone says of the settings: the version chosen, a certificate asked for, the tickets sent.
    expect(settingsFromTrace(r.events.server)).toMatchObject({ versions: ['TLS1.2'], clientAuth: 'request', tickets: 0 });
    const start = apiStepForTrace(r.events.server, 0);
    expect(start.side).toBe('server');
    expect(start.openssl.map((c) => c.call)).toContain('SSL_CTX_new(TLS_server_method())');
    expect(start.openssl.some((c) => c.call.startsWith('SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER'))).toBe(true);
    const finished = r.events.server.findIndex((e) => e.kind === 'handshake' && e.name === 'Finished' && e.direction === 'server');
    expect(apiStepForTrace(r.events.server, finished).openssl[0]).toMatchObject({ call: 'SSL_accept(ssl)', result: '1' });
    // The client's trace keeps the client's calls.
    const clientStep = apiStepForTrace(r.events.client, 0);
    expect(clientStep.side).toBe('client');
    expect(clientStep.openssl[0].call).toBe('SSL_CTX_new(TLS_client_method())');
  });
});
