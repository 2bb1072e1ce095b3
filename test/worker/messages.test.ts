// The events' JSON for the page (encodeEvents): a real handshake's events, whose parts made when first read are
// accessors (records, application data, handshake messages, the chain's result, key steps), reach the page as the
// JSON.stringify of the events themselves gives them (the trees the page makes from the bytes included:
// test/worker/message-fields.test.ts), and what is encoded is plain data (no accessor left to send V8's stringify down
// its slow path).
import { describe, expect, it } from 'vitest';
import { decodeEvents, encodeEvent, encodeEvents, encodeEventsWith } from '../../src/worker/messages.ts';
import { recordRealTrace } from '../ui/real-trace.ts';
import type { TraceEvent } from '../../src/trace/types.ts';

function accessorsIn(value: unknown, path = '$'): string[] {
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(Object.getOwnPropertyDescriptors(value)).flatMap(([k, d]) => (d.get ? [`${path}.${k}`] : accessorsIn(d.value, `${path}.${k}`)));
}

describe('encodeEvents', () => {
  it("gives a real handshake's events as JSON.stringify does, from plain copies", async () => {
    const { events } = await recordRealTrace();
    const withAccessors = events.filter((e) => accessorsIn(e).length > 0);
    // The engine's own events with parts made when first read (what the copy is for).
    expect(new Set(withAccessors.map((e) => e.kind))).toEqual(new Set(['record', 'app-data', 'handshake', 'cert-result', 'key']));
    const encoded: unknown[] = [];
    const original = JSON.stringify;
    // What reaches JSON.stringify, seen through a spy: not one accessor in any event.
    JSON.stringify = ((v: unknown) => (encoded.push(v), original(v))) as typeof JSON.stringify;
    let json: string;
    try {
      json = encodeEvents(events);
    } finally {
      JSON.stringify = original;
    }
    expect(accessorsIn(encoded[0])).toEqual([]);
    expect(JSON.stringify(decodeEvents(json as never))).toBe(JSON.stringify(events));
    expect(decodeEvents(json as never)).toEqual(JSON.parse(JSON.stringify(events)));
  });

  it('copies every accessor of a record into plain data, keeping its key order', () => {
    const protection: Record<string, unknown> = { cipherSuite: 'TLS_AES_128_GCM_SHA256' };
    Object.defineProperty(protection, 'nonce', { get: () => '00', enumerable: true });
    protection.innerContentType = 22;
    const record: Record<string, unknown> = { kind: 'record', direction: 'server' };
    Object.defineProperty(record, 'bytes', { get: () => '1603', enumerable: true });
    Object.assign(record, { protection, index: 3 });
    const copied: unknown[] = [];
    const original = JSON.stringify;
    // What reaches JSON.stringify: seen through a spy, so the test fails if an accessor is passed on.
    JSON.stringify = ((v: unknown) => (copied.push(v), original(v))) as typeof JSON.stringify;
    try {
      expect(encodeEvents([record as never])).toBe('[{"kind":"record","direction":"server","bytes":"1603","protection":{"cipherSuite":"TLS_AES_128_GCM_SHA256","nonce":"00","innerContentType":22},"index":3}]');
    } finally {
      JSON.stringify = original;
    }
    expect(accessorsIn(copied[0])).toEqual([]);
  });

  // Characters beyond Latin-1 are sent as JSON's \u escapes, so the text stays one-byte in V8 (messages.ts oneByte):
  // the page reads back the very same strings. A real handshake has one (the chain check's '—').
  it('keeps the JSON within Latin-1, giving back the same strings', async () => {
    const { events } = await recordRealTrace();
    const beyondLatin1 = (s: string) => [...s].some((c) => c.charCodeAt(0) > 0xff);
    expect(events.some((e) => beyondLatin1(JSON.stringify(e)))).toBe(true);
    const json = encodeEvents(events);
    expect(beyondLatin1(json)).toBe(false);
    expect(decodeEvents(json)).toEqual(JSON.parse(JSON.stringify(events)));
    const note = { kind: 'note', index: 0, t: 0, conn: 0, text: 'é — 証明書 😀 "\\u2014" \\ \n' } as unknown as TraceEvent;
    const one = encodeEvent(note);
    expect(beyondLatin1(one)).toBe(false);
    expect(JSON.parse(one)).toEqual(note);
    expect(decodeEvents(encodeEvents([note]))).toEqual([note]);
  });

  // The worker encodes a handshake's events one by one while the engine waits (engine.worker.ts, encodeAhead), then
  // joins them: the same text as encoding them all at once, whatever part was made ahead.
  it('gives the same JSON from events partly encoded ahead, one by one', async () => {
    const { events } = await recordRealTrace();
    const whole = encodeEvents(events);
    for (const ahead of [0, 1, Math.floor(events.length / 2), events.length - 1, events.length]) {
      const made = events.slice(0, ahead).map((e) => encodeEvent(e));
      expect(encodeEventsWith(events, made)).toBe(whole);
    }
    expect(encodeEventsWith([], [])).toBe('[]');
  });
});
