// A trace opened from a file is checked against the types the views read before any view sees it: real traces
// (our client in TLS 1.3 and TLS 1.2, the capture decoder's pasted records) pass whole; a field of the wrong type is
// named with its event and path, and the events before it are what is kept.
import fs from 'node:fs';
import tls from 'node:tls';
import { beforeAll, describe, expect, it } from 'vitest';
import { connectTls } from '../../src/tls/client.ts';
import { connectTcp } from '../../src/transport/tcp.ts';
import { createVerifier } from '../../src/x509/verifier.ts';
import { decodePasted } from '../../src/capture/pasted.ts';
import { parseTraceFile } from '../../src/trace/recorder.ts';
import type { TraceEvent, TraceFile } from '../../src/trace/types.ts';
import { firstDamagedEvent, soundPart } from '../../src/trace/trace-check.ts';
import { makePki, recorder } from '../tls/helpers.ts';
import { recordRealTrace } from './real-trace.ts';

/** As a saved file holds them: plain JSON, the lazy hex fields written out. */
const asSaved = (events: TraceEvent[]): TraceEvent[] => JSON.parse(JSON.stringify(events));

async function recordTls12(): Promise<TraceEvent[]> {
  const pki = makePki();
  const server = tls.createServer({ key: fs.readFileSync(pki.leafKey), cert: fs.readFileSync(pki.leafCert), maxVersion: 'TLSv1.2' }, (s) => s.pipe(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const rec = recorder();
  try {
    const port = (server.address() as { port: number }).port;
    const conn = await connectTls(await connectTcp('127.0.0.1', port), { serverName: 'localhost', verifier: createVerifier({ anchors: [pki.rootDer] }), timeoutMs: 10_000 }, rec.emit);
    await conn.write(new TextEncoder().encode('ping'));
    await conn.read();
    await conn.close();
  } finally {
    await new Promise((r) => server.close(r));
    fs.rmSync(pki.dir, { recursive: true, force: true });
  }
  return rec.events;
}

let tls13: TraceEvent[];
let tls12: TraceEvent[];
beforeAll(async () => {
  tls13 = asSaved((await recordRealTrace()).events);
  tls12 = asSaved(await recordTls12());
}, 60_000);

const file = (events: unknown[]): TraceFile => ({ format: 'tls-lens-trace', version: 1, createdAt: '2026-12-07T00:00:00Z', events: events as TraceEvent[] });
const at = (events: TraceEvent[], kind: string, name?: string) => events.findIndex((e) => e.kind === kind && (name === undefined || (e as { name?: string }).name === name));

describe('firstDamagedEvent', () => {
  it('passes real traces whole: TLS 1.3 and TLS 1.2 from our client, records decoded by the capture decoder', async () => {
    expect(tls13.some((e) => e.kind === 'cert-result') && tls13.some((e) => e.kind === 'key') && tls13.some((e) => e.kind === 'transcript')).toBe(true);
    expect(firstDamagedEvent(tls13)).toBeUndefined();
    expect(tls12.some((e) => e.kind === 'handshake' && e.name === 'ServerKeyExchange')).toBe(true);
    expect(firstDamagedEvent(tls12)).toBeUndefined();
    const records = tls13.filter((e) => e.kind === 'record' && e.epoch === 'plaintext').map((e) => (e as { bytes: string }).bytes);
    for (const hex of records.slice(0, 2)) {
      const pasted = await decodePasted(Uint8Array.from(Buffer.from(hex, 'hex')));
      expect(firstDamagedEvent(asSaved(pasted.events))).toBeUndefined();
    }
    // And through the file reader, as the page opens it.
    expect(firstDamagedEvent(parseTraceFile(JSON.stringify(file(tls13))).events)).toBeUndefined();
  });

  it('names the first event whose field has the wrong type, with the path to the field', () => {
    const cases: [string, (events: any[]) => number, RegExp][] = [
      ['record bytes a number', (ev) => ((ev[at(ev, 'record')].bytes = 12345), at(ev, 'record')), /^“bytes” is a number, not hex text/],
      ['handshake fields as text', (ev) => ((ev[at(ev, 'handshake')].fields = 'oops'), at(ev, 'handshake')), /^“fields” is text, not a list of decoded fields$/],
      ['a field node without its numbers', (ev) => ((ev[at(ev, 'handshake')].fields[0].children = [{ name: 'x', start: '0', end: 1 }]), at(ev, 'handshake')), /^“fields\[0\]\.children\[0\]\.start” is text, not a number$/],
      ['key inputs as text', (ev) => ((ev[at(ev, 'key')].inputs = 'x'), at(ev, 'key')), /^“inputs” is text, not a list$/],
      ['cert-result chain as text', (ev) => ((ev[at(ev, 'cert-result')].chain = 'abc'), at(ev, 'cert-result')), /^“chain” is text, not a list$/],
      ['an error message as an object', (ev) => (ev.push({ kind: 'error', code: 'X', message: { m: 1 }, index: ev.length, t: 0, conn: 0 }), ev.length - 1), /^“message” is an object, not text$/],
      ['index as text', (ev) => ((ev[4].index = 'a'), 4), /^“index” is text, not a number$/],
      ['odd hex', (ev) => ((ev[at(ev, 'handshake')].bytes = 'abc'), at(ev, 'handshake')), /^“bytes” has an odd number of hex digits$/],
      ['a direction that is no side', (ev) => ((ev[at(ev, 'record')].direction = 7), at(ev, 'record')), /^“direction” is a number, not one of "client", "server"$/],
      ['a protected record without its tag', (ev) => {
        const i = ev.findIndex((e) => e.kind === 'record' && e.protection);
        delete ev[i].protection.tag;
        return i;
      }, /^“protection\.tag” is missing, not hex text/],
    ];
    for (const [what, damage, problem] of cases) {
      const events = structuredClone(tls13) as any[];
      const i = damage(events);
      const found = firstDamagedEvent(events);
      expect(found?.at, what).toBe(i);
      expect(found?.problem, what).toMatch(problem);
    }
  });

  it('keeps kinds it does not know (a newer writer\'s) as they are', () => {
    expect(firstDamagedEvent([...tls13, { kind: 'from-the-future', index: tls13.length, t: 0, conn: 0, anything: { at: 'all' } }])).toBeUndefined();
  });

  it('walks a field tree nested deeper than the stack goes', () => {
    const root = { name: 'r', start: 0, end: 1, children: [] as unknown[] };
    let node = root;
    for (let i = 0; i < 200_000; i++) {
      const child = { name: 'c', start: 0, end: 1, children: [] as unknown[] };
      node.children.push(child);
      node = child;
    }
    (node as { start: unknown }).start = 'deep';
    const i = at(tls13, 'handshake');
    const withTree = [...structuredClone(tls13.slice(0, i)), { ...tls13[i], fields: [root] }];
    const found = firstDamagedEvent(withTree);
    expect(found?.at).toBe(i);
    expect(found?.problem).toMatch(/\.start” is text, not a number$/);
  });
});

describe('soundPart', () => {
  it('keeps the events before the damage and says where it stopped', () => {
    const events = structuredClone(tls13) as any[];
    const i = at(events, 'handshake', 'Certificate');
    events[i].fields = 'oops';
    const { file: kept, problem } = soundPart(file(events));
    expect(kept.events).toEqual(tls13.slice(0, i));
    expect(problem).toBe(`event ${i} (“handshake”) is damaged: “fields” is text, not a list of decoded fields; the ${i} events before it are shown`);
    const first = structuredClone(tls13) as any[];
    first[0].conn = null;
    expect(soundPart(file(first)).problem).toBe('event 0 (“connection”) is damaged: “conn” is null, not a number; nothing before it can be shown');
    expect(soundPart(file(tls13))).toEqual({ file: file(tls13) });
  });
});
