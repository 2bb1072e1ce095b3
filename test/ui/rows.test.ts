// Ladder rows from a real trace (the engine against Node's TLS server), not from hand-made events.
import { beforeAll, describe, expect, it } from 'vitest';
import { RowBuilder, buildRows, type Row } from '../../src/ui/rows.ts';
import type { HandshakeMessageEvent, TraceEvent } from '../../src/trace/types.ts';
import { recordRealTrace, type RealTrace } from './real-trace.ts';
import { parseTraceFile } from '../../src/trace/recorder.ts';

let trace: RealTrace;
let rows: Row[];
beforeAll(async () => {
  trace = await recordRealTrace();
  rows = buildRows(trace.events);
});

const handshakes = (events: TraceEvent[]) => events.filter((e): e is HandshakeMessageEvent => e.kind === 'handshake');

describe('buildRows on a real TLS 1.3 trace', () => {
  it('has one handshake row per handshake event, in the trace order, with its sender', () => {
    const hs = handshakes(trace.events);
    expect(hs.map((e) => e.name)).toEqual(['ClientHello', 'ServerHello', 'EncryptedExtensions', 'Certificate', 'CertificateVerify', 'Finished', 'Finished', 'NewSessionTicket', 'NewSessionTicket']);
    const hsRows = rows.filter((r) => r.kind === 'handshake');
    expect(hsRows.map((r) => r.event)).toEqual(hs.map((e) => e.index));
    expect(hsRows.map((r) => r.label)).toEqual(hs.map((e) => e.name));
    expect(hsRows.map((r) => r.side)).toEqual(hs.map((e) => e.direction));
  });

  it('rows follow the trace order', () => {
    const order = rows.map((r) => r.event);
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });

  it('colours each handshake row with the epoch its message travelled in', () => {
    const epochOf = (name: string, side: string) => rows.find((r) => r.kind === 'handshake' && r.label === name && r.side === side)?.epoch;
    expect(epochOf('ClientHello', 'client')).toBe('plaintext');
    expect(epochOf('ServerHello', 'server')).toBe('plaintext');
    expect(epochOf('EncryptedExtensions', 'server')).toBe('handshake');
    expect(epochOf('Certificate', 'server')).toBe('handshake');
    expect(epochOf('Finished', 'client')).toBe('handshake');
    expect(epochOf('NewSessionTicket', 'server')).toBe('application');
    for (const r of rows.filter((x) => x.kind === 'handshake')) expect(r.epoch).toBe((trace.events[r.event] as HandshakeMessageEvent).epoch);
  });

  it('shows the echo as application data both ways, the compatibility CCS, and the close_notify in the application epoch', () => {
    const app = rows.filter((r) => r.kind === 'app-data');
    expect(app.map((r) => [r.side, r.label, r.epoch])).toEqual([
      ['client', 'Application data (4 bytes)', 'application'],
      ['server', 'Application data (4 bytes)', 'application'],
    ]);
    // Node's server sends the middlebox-compatibility ChangeCipherSpec in cleartext; the client sends one too.
    expect(rows.filter((r) => r.kind === 'ccs').map((r) => [r.side, r.epoch])).toEqual([
      ['server', 'plaintext'],
      ['client', 'plaintext'],
    ]);
    const alert = rows.find((r) => r.kind === 'alert');
    expect(alert).toMatchObject({ side: 'client', epoch: 'application', label: 'Alert: close_notify (warning)' });
    // The orderly end is not drawn as an error (RFC 8446 §6.1's closure alerts); an error alert is.
    expect(alert?.closure).toBe(true);
    const b = new RowBuilder();
    b.add({ index: 0, t: 0, conn: 0, kind: 'alert', direction: 'server', level: 'fatal', description: 40, name: 'handshake_failure' } as TraceEvent);
    expect(b.rows[0].closure).toBeUndefined();
  });

  it('gives the server-auth breakpoint a row and its decision a row, but no row to per-message pauses', () => {
    const pauses = trace.events.filter((e) => e.kind === 'pause');
    expect(pauses.length).toBeGreaterThan(4);
    const pauseRows = rows.filter((r) => trace.events[r.event].kind === 'pause');
    expect(pauseRows.map((r) => [r.kind, r.label])).toEqual([
      ['pause', 'Breakpoint: server authentication complete'],
      ['note', 'Decision at server authentication complete: continue'],
    ]);
    // The pause comes after the CertificateVerify and before the server Finished.
    const cv = rows.findIndex((r) => r.label === 'CertificateVerify');
    const fin = rows.findIndex((r) => r.label === 'Finished' && r.side === 'server');
    const at = rows.findIndex((r) => r.kind === 'pause');
    expect(cv).toBeLessThan(at);
    expect(at).toBeLessThan(fin);
    expect(rows.find((r) => r.kind === 'cert')).toMatchObject({ ok: true, label: 'Certificate chain verified' });
  });

  it('counts client flights: ClientHello opens flight 1, the client Finished flight 2', () => {
    expect(rows.find((r) => r.label === 'ClientHello')?.flight).toBe(1);
    expect(rows.find((r) => r.label === 'ServerHello')?.flight).toBe(1);
    expect(rows.find((r) => r.label === 'Finished' && r.side === 'client')?.flight).toBe(2);
  });

  it('starts with the connection row and ends with the close row', () => {
    expect(rows[0]).toMatchObject({ kind: 'connection', label: 'Connecting to localhost' });
    expect(rows.at(-1)).toMatchObject({ kind: 'connection' });
    expect(rows.at(-1)!.label.startsWith('Connection closed')).toBe(true);
  });

  it('RowBuilder fed live is append-only and ends with the same rows as buildRows', () => {
    const b = new RowBuilder();
    for (const e of trace.events) {
      const before = b.rows.map((r) => ({ ...r }));
      const added = b.add(e);
      // Earlier rows never change when an event arrives; at most one row is added.
      expect(b.rows.slice(0, before.length)).toEqual(before);
      expect(b.rows.length - before.length).toBe(added ? 1 : 0);
    }
    expect(b.rows).toEqual(rows);
    // Replaying any prefix gives a prefix of the rows.
    for (let k = 0; k <= trace.events.length; k += 7) {
      const part = buildRows(trace.events.slice(0, k));
      expect(part).toEqual(rows.slice(0, part.length));
    }
  });
});

describe('renegotiation rows', () => {
  const at = (index: number) => ({ index, t: index, conn: 0 });
  it('a typed renegotiation start is the divider; its end and a refusal add no row of their own', () => {
    const events: TraceEvent[] = [
      { ...at(0), kind: 'renegotiation', phase: 'started', number: 1, by: 'client' },
      { ...at(1), kind: 'renegotiation', phase: 'finished', number: 1, by: 'client', cipherSuite: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', durationMs: 5 },
      { ...at(2), kind: 'renegotiation', phase: 'started', number: 2, by: 'server' },
      { ...at(3), kind: 'renegotiation', phase: 'refused', number: 3, by: 'client', refusedBy: 'server', reason: 'warning no_renegotiation' },
    ];
    expect(buildRows(events).map((r) => [r.kind, r.label])).toEqual([
      ['renegotiation', 'Renegotiation #1: started by the client'],
      ['renegotiation', 'Renegotiation #2: requested by the server'],
    ]);
  });

  it('a trace saved before the typed event (the start said in a note) still shows the divider', () => {
    const old = { format: 'tls-lens-trace', version: 1, createdAt: '2026-01-01T00:00:00Z', events: [
      { ...at(0), kind: 'note', text: 'renegotiation #1 requested by the server (HelloRequest): a new handshake inside the encrypted connection' },
      { ...at(1), kind: 'note', text: 'renegotiation #1 complete in 12 ms: TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, new keys in both directions' },
    ] };
    const events = parseTraceFile(JSON.stringify(old)).events;
    expect(events[0]).toEqual({ ...at(0), kind: 'renegotiation', phase: 'started', number: 1, by: 'server' });
    expect(buildRows(events).map((r) => [r.kind, r.label])).toEqual([
      ['renegotiation', 'Renegotiation #1: requested by the server'],
      ['note', 'renegotiation #1 complete in 12 ms: TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, new keys in both directions'],
    ]);
  });
});

describe('breakpoint names', () => {
  it('the trace carries the one vocabulary the options, the worker and the page use', () => {
    const names = [...new Set(trace.events.flatMap((e) => (e.kind === 'pause' ? [e.breakpoint] : [])))].sort();
    expect(names).toEqual(['afterEachMessage', 'serverAuth']);
    expect(trace.breaks.map((b) => b.breakpoint)).toContain('serverAuth');
  });

  it('a trace saved with the old engine spelling (message, server-auth, client-cert-request) loads with today\'s names', () => {
    const at = (index: number) => ({ index, t: index, conn: 0 });
    const old = { format: 'tls-lens-trace', version: 1, createdAt: '2026-01-01T00:00:00Z', events: [
      { ...at(0), kind: 'pause', breakpoint: 'message', detail: 'after ClientHello (event 0)', phase: 'paused' },
      { ...at(1), kind: 'pause', breakpoint: 'server-auth', detail: 'certificate verified', phase: 'paused' },
      { ...at(2), kind: 'pause', breakpoint: 'server-auth', detail: 'resumed: continue', phase: 'resumed', decision: 'continue' },
      { ...at(3), kind: 'pause', breakpoint: 'client-cert-request', detail: 'no client certificate configured', phase: 'paused' },
    ] };
    const events = parseTraceFile(JSON.stringify(old)).events;
    expect(events.map((e) => (e.kind === 'pause' ? e.breakpoint : e.kind))).toEqual(['afterEachMessage', 'serverAuth', 'serverAuth', 'clientCertRequest']);
    expect(buildRows(events).map((r) => [r.kind, r.label])).toEqual([
      ['pause', 'Breakpoint: server authentication complete'],
      ['note', 'Decision at server authentication complete: continue'],
      ['pause', 'Breakpoint: client certificate requested'],
    ]);
  });
});
