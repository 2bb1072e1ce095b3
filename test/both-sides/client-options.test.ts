// The client's own options in a both-sides run (versions, suites, groups and key shares, SNI, ALPN), and the
// mismatches that end with the alert RFC 8446 names, seen on both sides.
import { describe, expect, it } from 'vitest';
import { TraceRecorder } from '../../src/trace/recorder.ts';
import type { HandshakeMessageEvent, TraceEvent } from '../../src/trace/types.ts';
import type { BothSidesClientOptions, BothSidesRequest, Side, SideOutcome } from '../../src/worker/both-sides-messages.ts';
import { runBothSides } from '../../src/ui/both-sides/run-both.ts';

const BASE: BothSidesRequest = { versions: ['TLS1.3', 'TLS1.2'], suites: [], groups: [], helloRetry: false, certificate: 'good', clientAuth: 'none', clientHasCertificate: true, refuseClientCertificate: false, tickets: 0, renegotiate: false, keyUpdate: false };
const CLIENT: BothSidesClientOptions = { versions: ['TLS1.3', 'TLS1.2'], suites: [], groups: ['x25519', 'secp256r1'], keyShareGroups: ['x25519'], serverName: '', alpn: [] };

async function run(change: Partial<BothSidesRequest>, client: Partial<BothSidesClientOptions>) {
  const traces = { client: new TraceRecorder(() => 0), server: new TraceRecorder(() => 0) };
  let outcome: { client: SideOutcome; server: SideOutcome } | null = null;
  await runBothSides(traces, { ...BASE, ...change, client: { ...CLIENT, ...client } }, { handshakeDone: (c, s) => (outcome = { client: c, server: s }), finished: () => {} });
  const events: Record<Side, TraceEvent[]> = { client: traces.client.events, server: traces.server.events };
  return { events, outcome: outcome! };
}

/** Alerts as each side recorded them: who sent it, and its name. */
const alerts = (events: TraceEvent[]) => events.filter((e) => e.kind === 'alert').map((e) => `${(e as { direction: string }).direction}:${(e as { name: string }).name}`);
const clientHello = (events: TraceEvent[]) => events.find((e): e is HandshakeMessageEvent => e.kind === 'handshake' && e.name === 'ClientHello')!;

describe('the client’s own options in both-sides mode', () => {
  it('client offers only TLS 1.2, server only TLS 1.3: the server sends protocol_version, the client reads it', async () => {
    const r = await run({ versions: ['TLS1.3'] }, { versions: ['TLS1.2'] });
    expect(r.outcome.client.ok).toBe(false);
    expect(r.outcome.server.ok).toBe(false);
    expect(alerts(r.events.server)).toEqual(['server:protocol_version']);
    expect(alerts(r.events.client)).toEqual(['server:protocol_version']);
  });

  it('no suite in common: the server sends handshake_failure, the client reads it', async () => {
    const r = await run({ suites: ['TLS_AES_256_GCM_SHA384'] }, { versions: ['TLS1.3'], suites: ['TLS_AES_128_GCM_SHA256'] });
    expect(r.outcome.server).toMatchObject({ ok: false });
    expect(alerts(r.events.server)).toEqual(['server:handshake_failure']);
    expect(alerts(r.events.client)).toEqual(['server:handshake_failure']);
  });

  it('no group in common: handshake_failure on both sides', async () => {
    const r = await run({ groups: ['secp384r1'], versions: ['TLS1.3'] }, { groups: ['x25519'], keyShareGroups: ['x25519'] });
    expect(alerts(r.events.server)).toEqual(['server:handshake_failure']);
    expect(alerts(r.events.client)).toEqual(['server:handshake_failure']);
  });

  it('the client’s versions, suites, groups, key shares and ALPN are what its ClientHello carries, and the server picks from them', async () => {
    const r = await run({ serverAlpn: ['h2', 'http/1.1'], groups: ['X25519MLKEM768', 'x25519', 'secp256r1'] }, { versions: ['TLS1.3'], suites: ['TLS_CHACHA20_POLY1305_SHA256'], groups: ['X25519MLKEM768', 'secp256r1'], keyShareGroups: ['X25519MLKEM768'], alpn: ['http/1.1'] });
    expect(r.outcome.client).toMatchObject({ ok: true, version: 'TLSv1.3', cipherSuite: 'TLS_CHACHA20_POLY1305_SHA256', group: 'X25519MLKEM768' });
    expect(r.outcome.server).toMatchObject({ ok: true, cipherSuite: 'TLS_CHACHA20_POLY1305_SHA256', group: 'X25519MLKEM768' });
    const ch = JSON.stringify(clientHello(r.events.server));
    expect(ch).toContain('http/1.1');
    expect(ch).not.toContain('TLS_AES_128_GCM_SHA256');
    const ee = r.events.client.find((e) => e.kind === 'handshake' && e.name === 'EncryptedExtensions');
    expect(JSON.stringify(ee)).toContain('http/1.1');
  });

  it('a TLS 1.2 client against a server that accepts both: TLS 1.2 with the client’s suite', async () => {
    const r = await run({}, { versions: ['TLS1.2'], suites: ['TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384'] });
    expect(r.outcome.client).toMatchObject({ ok: true, version: 'TLSv1.2', cipherSuite: 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384' });
    expect(r.outcome.server).toMatchObject({ ok: true, version: 'TLSv1.2' });
  });

  it('a name other than the certificate’s: the client sends that SNI and refuses the certificate (bad_certificate)', async () => {
    const r = await run({}, { serverName: 'elsewhere.example' });
    expect(JSON.stringify(clientHello(r.events.server))).toContain('elsewhere.example');
    expect(r.outcome.client).toMatchObject({ ok: false, code: 'HOSTNAME_MISMATCH' });
    expect(alerts(r.events.client)).toContain('client:bad_certificate');
    expect(alerts(r.events.server)).toContain('client:bad_certificate');
  });

  for (const version of ['TLS1.3', 'TLS1.2'] as const) {
    it(`${version}: a second run resumes the session from the first (the ticket the server gave), on both sides`, async () => {
      const first = await run({ versions: [version], tickets: 1 }, { versions: [version] });
      expect(first.outcome.server).toMatchObject({ ok: true, resumed: false });
      expect(first.events.server.some((e) => e.kind === 'handshake' && e.name === 'Certificate' && e.direction === 'server')).toBe(true);
      const second = await run({ versions: [version], tickets: 1 }, { versions: [version], resume: true });
      expect(second.outcome.client).toMatchObject({ ok: true, resumed: true });
      expect(second.outcome.server).toMatchObject({ ok: true, resumed: true });
      // Resumed: the server proves nothing with a certificate this time.
      expect(second.events.server.some((e) => e.kind === 'handshake' && e.name === 'Certificate')).toBe(false);
      expect(second.events.client.some((e) => e.kind === 'note' && /offers the session from an earlier run/.test(e.text))).toBe(true);
    });
  }

  it('0-RTT: a resumed run sends the early data before the server answers and both sides say it was accepted; with the server option off, refused and resent', async () => {
    const server = { versions: ['TLS1.3' as const], tickets: 1, acceptEarlyData: true };
    await run(server, { versions: ['TLS1.3'] });
    const accepted = await run(server, { versions: ['TLS1.3'], resume: true, earlyData: 'early\\n' });
    expect(accepted.outcome.client).toMatchObject({ ok: true, resumed: true, earlyData: { offered: true, accepted: true, bytes: 7, resent: 0 } });
    expect(accepted.outcome.server).toMatchObject({ ok: true, resumed: true, earlyData: { offered: true, accepted: true, bytes: 7 } });
    expect(accepted.events.server.some((e) => e.kind === 'handshake' && e.name === 'EndOfEarlyData')).toBe(true);
    // The server's line to the client says what it read as early data (typed "\\n" sent as CR LF).
    const said = accepted.events.client.filter((e) => e.kind === 'app-data' && e.direction === 'server').map((e) => Buffer.from((e as { bytes: string }).bytes, 'hex').toString());
    expect(said.join('')).toContain('it read 7 bytes of early data before the handshake ended: "early\\r\\n"');

    const refused = await run({ ...server, acceptEarlyData: false }, { versions: ['TLS1.3'], resume: true, earlyData: 'again' });
    expect(refused.outcome.client).toMatchObject({ ok: true, resumed: true, earlyData: { offered: true, accepted: false, resent: 5, reason: "the server's EncryptedExtensions has no early_data" } });
    expect(refused.outcome.server).toMatchObject({ ok: true, earlyData: { offered: true, accepted: false, reason: 'this server is not set up to accept early data' } });
  });
});
