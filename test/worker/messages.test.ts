// The events as the worker posts them to the page (eventsForPage, through the post's structured clone, then
// eventsFromWorker on the page): a real handshake's events, whose parts made when first read are accessors (records,
// application data, handshake messages, the chain's result, key steps), reach the page as the JSON.stringify of the
// events themselves gives them (the trees the page makes from the bytes included: test/worker/message-fields.test.ts),
// and what is posted is plain data: no accessor, nothing a JSON trace could not hold.
import { describe, expect, it } from 'vitest';
import { eventsForPage, eventsFromWorker } from '../../src/worker/messages.ts';
import { recordRealTrace } from '../ui/real-trace.ts';
import type { TraceEvent } from '../../src/trace/types.ts';

function accessorsIn(value: unknown, path = '$'): string[] {
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(Object.getOwnPropertyDescriptors(value)).flatMap(([k, d]) => (d.get ? [`${path}.${k}`] : accessorsIn(d.value, `${path}.${k}`)));
}

/** Every value that is not JSON's own kind of data (a typed array, a Map, a Date, a function, a class's instance). */
function notJsonData(value: unknown, path = '$'): string[] {
  if (value === null || ['string', 'number', 'boolean', 'undefined'].includes(typeof value)) return [];
  if (Array.isArray(value)) return value.flatMap((v, i) => notJsonData(v, `${path}[${i}]`));
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) return Object.entries(value).flatMap(([k, v]) => notJsonData(v, `${path}.${k}`));
  return [`${path}: ${Object.prototype.toString.call(value)}`];
}

/** As the page gets them: posted (the structured clone a postMessage makes), then read. */
const throughPost = (events: TraceEvent[]) => eventsFromWorker(structuredClone(eventsForPage(events)));

describe('eventsForPage', () => {
  it("gives the page a real handshake's events as JSON.stringify does, from plain copies", async () => {
    const { events } = await recordRealTrace();
    const withAccessors = events.filter((e) => accessorsIn(e).length > 0);
    // The engine's own events with parts made when first read (what the copy is for).
    expect(new Set(withAccessors.map((e) => e.kind))).toEqual(new Set(['record', 'app-data', 'handshake', 'cert-result', 'key']));
    const posted = eventsForPage(events);
    expect(accessorsIn(posted)).toEqual([]);
    expect(notJsonData(posted)).toEqual([]);
    const onPage = throughPost(events);
    expect(JSON.stringify(onPage)).toBe(JSON.stringify(events));
    // Strictly: not even a key without a value, which JSON would drop and the clone keeps.
    expect(structuredClone(posted)).toStrictEqual(JSON.parse(JSON.stringify(posted)));
    expect(onPage).toEqual(JSON.parse(JSON.stringify(events)));
  });

  it('copies every accessor of a record into plain data, keeping its key order', () => {
    const protection: Record<string, unknown> = { cipherSuite: 'TLS_AES_128_GCM_SHA256' };
    Object.defineProperty(protection, 'nonce', { get: () => '00', enumerable: true });
    protection.innerContentType = 22;
    const record: Record<string, unknown> = { kind: 'record', direction: 'server' };
    Object.defineProperty(record, 'bytes', { get: () => '1603', enumerable: true });
    Object.assign(record, { protection, index: 3 });
    const [posted] = eventsForPage([record as never]);
    expect(accessorsIn(posted)).toEqual([]);
    expect(JSON.stringify(structuredClone(posted))).toBe('{"kind":"record","direction":"server","bytes":"1603","protection":{"cipherSuite":"TLS_AES_128_GCM_SHA256","nonce":"00","innerContentType":22},"index":3}');
  });

  it('gives back the very same strings, whatever their characters', async () => {
    const { events } = await recordRealTrace();
    // A real handshake has a character beyond Latin-1 (the chain check's '—').
    expect(events.some((e) => [...JSON.stringify(e)].some((c) => c.charCodeAt(0) > 0xff))).toBe(true);
    const note = { kind: 'note', index: 0, t: 0, conn: 0, text: 'é — 証明書 😀 "\\u2014" \\ \n' } as unknown as TraceEvent;
    expect(throughPost([note])).toEqual([note]);
    expect(throughPost(events)).toEqual(JSON.parse(JSON.stringify(events)));
  });
});
