// The compare model over real traces: our engine against openssl s_server in TLS 1.3 and TLS 1.2, each with a full
// handshake and a resumption, and a TLS 1.3 server that requires a client certificate (the handshake fails).
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareTraces, summarize, type Comparison, type WireItem } from '../../src/ui/compare/model.ts';
import type { RecordEvent, TraceEvent } from '../../src/trace/types.ts';
import { usePki } from '../support/pki.ts';
import { recordAgainstSServer, tempDir, type SavedTrace } from './traces.ts';

const pki = usePki();
const dir = tempDir();
let tls13: SavedTrace;
let tls12: SavedTrace;
let refused: SavedTrace;

beforeAll(async () => {
  [tls13, tls12, refused] = await Promise.all([
    recordAgainstSServer(pki, dir, 'tls13', ['-tls1_3', '-num_tickets', '1']),
    recordAgainstSServer(pki, dir, 'tls12', ['-tls1_2']),
    recordAgainstSServer(pki, dir, 'refused', ['-tls1_3', '-Verify', '1', '-CAfile', pki.rootPem]),
  ]);
}, 90_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const a13 = () => ({ name: 'tls13', events: tls13.trace.events });
const a12 = () => ({ name: 'tls12', events: tls12.trace.events });
const label = (i: WireItem | undefined) => (i ? `${i.side} ${i.label}` : '-');
const rowsOf = (c: Comparison) => c.rows.map((r) => [r.role, label(r.a), label(r.b)]);
const recordsOf = (events: TraceEvent[], conn: number) => events.filter((e): e is RecordEvent => e.kind === 'record' && e.conn === conn);

describe('TLS 1.3 against TLS 1.2 (same server program, full handshakes)', () => {
  let c: Comparison;
  beforeAll(() => {
    c = compareTraces(a13(), a12());
  });

  it('reads what each side agreed from the trace', () => {
    expect(tls13.code).toBe(0);
    expect(tls12.code).toBe(0);
    expect(c.a).toMatchObject({ version: 'TLS 1.3', cipherSuite: expect.stringMatching(/^TLS_AES_|^TLS_CHACHA20/), group: 'x25519', resumed: false, conn: 0, connections: [0, 1] });
    expect(c.b).toMatchObject({ version: 'TLS 1.2', cipherSuite: expect.stringMatching(/^TLS_ECDHE_ECDSA_WITH_/), group: 'x25519', resumed: false });
    expect(c.a.extensionsAccepted).toEqual(expect.arrayContaining(['supported_versions', 'key_share']));
    expect(c.b.extensionsAccepted).not.toContain('supported_versions');
  });

  it('aligns the messages by role: hellos with hellos, certificate with certificate, what only one has on its own row', () => {
    const rows = rowsOf(c);
    expect(rows[0]).toEqual(['hello', 'client ClientHello', 'client ClientHello']);
    expect(rows[1]).toEqual(['hello', 'server ServerHello', 'server ServerHello']);
    expect(rows).toContainEqual(['certificate', 'server Certificate', 'server Certificate']);
    expect(rows).toContainEqual(['extensions', 'server EncryptedExtensions', '-']);
    expect(rows).toContainEqual(['certificate proof', 'server CertificateVerify', '-']);
    expect(rows).toContainEqual(['key exchange', '-', 'server ServerKeyExchange']);
    expect(rows).toContainEqual(['key exchange', '-', 'client ClientKeyExchange']);
    expect(rows).toContainEqual(['finished', 'client Finished', 'client Finished']);
    // Every item of each trace appears exactly once, in its own order.
    for (const side of ['a', 'b'] as const) {
      const shown = c.rows.map((r) => r[side]).filter((x): x is WireItem => !!x);
      expect(shown).toEqual(c[side].items);
      expect(shown.map((i) => i.event)).toEqual([...shown.map((i) => i.event)].sort((x, y) => x - y));
    }
  });

  it('counts round trips: 1 for TLS 1.3, 2 for TLS 1.2 before the client holds the server Finished and may send', () => {
    expect(c.a.roundTrips).toMatchObject({ handshake: 1, clientData: 1 });
    expect(c.b.roundTrips).toMatchObject({ handshake: 2, clientData: 2 });
    // The answer to the request comes one round trip after the request.
    expect(c.a.roundTrips.serverData).toBe(c.a.roundTrips.clientData! + 1);
    expect(c.b.roundTrips.serverData).toBe(c.b.roundTrips.clientData! + 1);
  });

  it('flights alternate sides and add up to every record on the wire, bytes included', () => {
    for (const [s, events] of [[c.a, tls13.trace.events], [c.b, tls12.trace.events]] as const) {
      const records = recordsOf(events, 0);
      expect(s.flights.reduce((n, f) => n + f.records, 0)).toBe(records.length);
      expect(s.flights.reduce((n, f) => n + f.bytes, 0)).toBe(records.reduce((n, r) => n + r.bytes.length / 2, 0));
      s.flights.forEach((f, i) => {
        expect(f.number).toBe(i + 1);
        if (i > 0) expect(f.side).not.toBe(s.flights[i - 1].side);
      });
      expect(s.flights[0]).toMatchObject({ side: 'client', epochs: ['plaintext'], carries: ['ClientHello'] });
    }
  });

  it('shows what is encrypted when: TLS 1.3 hides the certificate under handshake keys, TLS 1.2 sends it in the clear', () => {
    expect(c.a.flights[1].epochs).toEqual(['plaintext', 'handshake']);
    expect(c.b.flights[1].epochs).toEqual(['plaintext']);
    expect(c.a.certificates).toMatchObject({ count: 1, encrypted: true, subjects: ['CN=localhost', 'CN=TLS Lens Test Root'] });
    expect(c.b.certificates).toMatchObject({ count: 1, encrypted: false });
    expect(c.a.firstEncrypted).toEqual({ side: 'server', label: 'EncryptedExtensions' });
    expect(c.b.firstEncrypted).toEqual({ side: 'client', label: 'Finished' });
  });

  it('says the differences in plain words', () => {
    const byTopic = Object.fromEntries(c.differences.map((d) => [d.topic, d]));
    expect(byTopic['Version']).toMatchObject({ a: 'TLS 1.3', b: 'TLS 1.2', text: 'A uses TLS 1.3, B uses TLS 1.2.' });
    expect(byTopic['Handshake round trips'].text).toBe("The client holds the server's Finished after 1 round trip in A, 2 round trips in B.");
    expect(byTopic['Certificate chain'].text).toMatch(/encrypted .* in A; 1 certificate, in plaintext .* in B/);
    expect(byTopic['Messages only in one'].text).toContain('only B has server ServerKeyExchange, server ServerHelloDone, client ClientKeyExchange');
    expect(byTopic['Extensions accepted'].b).toContain('extended_master_secret');
    expect(byTopic['Resumed']).toBeUndefined();
    expect(byTopic['Key exchange group']).toBeUndefined();
  });
});

describe('full handshake against its resumption', () => {
  it('TLS 1.3: the same round trips, no certificate, a PSK accepted', () => {
    const c = compareTraces(a13(), { ...a13(), conn: 1 });
    expect(c.b).toMatchObject({ conn: 1, resumed: true, certificates: { count: 0, encrypted: null } });
    expect(c.b.extensionsAccepted).toContain('pre_shared_key');
    expect(c.b.roundTrips.handshake).toBe(c.a.roundTrips.handshake);
    expect(rowsOf(c)).toContainEqual(['certificate', 'server Certificate', '-']);
    expect(rowsOf(c)).toContainEqual(['extensions', 'server EncryptedExtensions', 'server EncryptedExtensions']);
    const topics = c.differences.map((d) => d.topic);
    expect(topics).toEqual(expect.arrayContaining(['Resumed', 'Certificate chain', 'Extensions offered']));
    expect(topics).not.toContain('Handshake round trips');
    expect(c.b.handshakeBytes).toBeLessThan(c.a.handshakeBytes);
  });

  it('TLS 1.2: the abbreviated handshake saves a round trip and the key exchange', () => {
    const c = compareTraces(a12(), { ...a12(), conn: 1 });
    expect(c.b).toMatchObject({ resumed: true, group: undefined, roundTrips: { handshake: 1, clientData: 1 } });
    expect(c.b.handshakeMessages).toEqual(['client ClientHello', 'server ServerHello', 'server Finished', 'client Finished']);
    const text = c.differences.map((d) => d.text);
    expect(text).toContain('The client holds the server\'s Finished after 2 round trips in A, 1 round trip in B.');
    expect(text).toContain('A agrees keys over x25519, B has no new key exchange.');
  });
});

describe('edge cases', () => {
  it('a trace compared with itself has no differences and every row has both sides', () => {
    const c = compareTraces(a13(), a13());
    expect(c.differences).toEqual([]);
    expect(c.rows.every((r) => r.a && r.b && r.a.label === r.b.label)).toBe(true);
  });

  it('a failed handshake keeps everything up to the failure and says how it ended', () => {
    expect(refused.code).not.toBe(0);
    const c = compareTraces(a13(), { name: 'refused', events: refused.trace.events });
    expect(c.b.failure).toBeTruthy();
    expect(rowsOf(c)).toContainEqual(['certificate request', '-', 'server CertificateRequest']);
    expect(c.differences.find((d) => d.topic === 'Outcome')).toMatchObject({ a: 'completed', b: c.b.failure });
  });

  it('asking for a connection the trace does not have is a plain error', () => {
    expect(() => summarize({ name: 'tls13.json', events: tls13.trace.events, conn: 5 })).toThrow('tls13.json has no connection 5 (it has 0, 1)');
  });
});
