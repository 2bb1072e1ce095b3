// Saving and reopening a trace: a real trace survives the file round trip (and its key log with it);
// anything that is not a trace is refused in plain words.
import { beforeAll, describe, expect, it } from 'vitest';
import { parseTraceFile } from '../../src/trace/recorder.ts';
import { keyLogText } from '../../src/tls/keylog.ts';
import { recordRealTrace, type RealTrace } from './real-trace.ts';

let trace: RealTrace;
let saved: string;
beforeAll(async () => {
  trace = await recordRealTrace();
  saved = JSON.stringify(trace.recorder.toFile(trace.target));
});

describe('parseTraceFile', () => {
  it('reads back a saved real trace unchanged', () => {
    const file = parseTraceFile(saved);
    expect(file.format).toBe('tls-lens-trace');
    expect(file.version).toBe(1);
    expect(file.target).toBe(trace.target);
    expect(file.events).toEqual(trace.events);
  });

  it('the key log from the reopened trace equals the live one, and Node\'s server logged the same secrets', () => {
    const live = keyLogText(trace.events);
    const reopened = keyLogText(parseTraceFile(saved).events);
    expect(reopened).toBe(live);
    const lines = live.trimEnd().split('\n');
    expect(lines.map((l) => l.split(' ')[0])).toEqual(['CLIENT_HANDSHAKE_TRAFFIC_SECRET', 'SERVER_HANDSHAKE_TRAFFIC_SECRET', 'CLIENT_TRAFFIC_SECRET_0', 'SERVER_TRAFFIC_SECRET_0', 'EXPORTER_SECRET']);
    for (const line of lines) expect(trace.serverKeylog).toContain(line);
    expect(keyLogText([])).toBe('');
  });

  it('refuses text that is not JSON', () => {
    expect(() => parseTraceFile(saved.slice(0, saved.length / 2))).toThrow(/^this file is not JSON \(it (ends too soon|breaks at line \d+, column \d+)\)$/);
    expect(() => parseTraceFile('')).toThrow(/not JSON/);
  });

  it('refuses JSON that is not a TLS Lens trace', () => {
    for (const text of ['null', '[]', '42', '{"events":[]}', JSON.stringify({ ...JSON.parse(saved), format: 'har' })]) {
      expect(() => parseTraceFile(text)).toThrow('this file is not a TLS Lens trace (format field missing)');
    }
  });

  it('refuses another version', () => {
    expect(() => parseTraceFile(JSON.stringify({ ...JSON.parse(saved), version: 2 }))).toThrow('unsupported trace version 2');
    expect(() => parseTraceFile(JSON.stringify({ ...JSON.parse(saved), version: undefined }))).toThrow('this trace has no version field');
  });

  it('refuses a trace without an events list or with a malformed event, naming the event', () => {
    expect(() => parseTraceFile(JSON.stringify({ ...JSON.parse(saved), events: {} }))).toThrow('this trace has no events list');
    for (const bad of [null, 7, 'record', { index: 3 }, { kind: 22 }]) {
      const file = JSON.parse(saved);
      file.events[5] = bad;
      expect(() => parseTraceFile(JSON.stringify(file))).toThrow('event 5 is malformed');
    }
  });
});
