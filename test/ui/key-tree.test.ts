// The key schedule tree from a real TLS 1.3 trace: every key event exactly once, each under the secret it came from.
import { beforeAll, describe, expect, it } from 'vitest';
import { buildKeyTree } from '../../src/ui/views/KeyScheduleView.tsx';
import type { KeyScheduleEvent } from '../../src/trace/types.ts';
import { recordRealTrace, type RealTrace } from './real-trace.ts';

type KeyNode = ReturnType<typeof buildKeyTree>['roots'][number];

let trace: RealTrace;
beforeAll(async () => {
  trace = await recordRealTrace();
});

function flatten(nodes: KeyNode[], parent: KeyNode | null = null, out: { node: KeyNode; parent: KeyNode | null }[] = []) {
  for (const n of nodes) {
    out.push({ node: n, parent });
    flatten(n.children, n, out);
  }
  return out;
}
const keyEvents = (upTo: number) => trace.events.filter((e): e is KeyScheduleEvent => e.kind === 'key' && e.index <= upTo);

describe('buildKeyTree on a real trace', () => {
  it('holds exactly the key events of the trace, each once', () => {
    const { roots } = buildKeyTree(trace.events, trace.events.length - 1);
    const nodes = flatten(roots);
    expect(nodes.map((n) => n.node.event.index).sort((a, b) => a - b)).toEqual(keyEvents(Infinity).map((e) => e.index));
    expect(nodes.length).toBeGreaterThan(20);
  });

  it('hangs everything under the early secret, and each child took its parent\'s output as input', () => {
    const { roots } = buildKeyTree(trace.events, trace.events.length - 1);
    expect(roots.map((r) => r.event.name)).toEqual(['early_secret']);
    for (const { node, parent } of flatten(roots)) {
      if (!parent) continue;
      expect(node.event.inputs.map((i) => i.value)).toContain(parent.event.output);
      expect(node.event.hash).toBe(parent.event.hash);
    }
  });

  it('places the well-known secrets where RFC 8446 section 7.1 puts them', () => {
    const { roots } = buildKeyTree(trace.events, trace.events.length - 1);
    const parentOf = new Map(flatten(roots).map(({ node, parent }) => [node.event.name, parent?.event.name]));
    expect(parentOf.get('derived_secret_for_handshake')).toBe('early_secret');
    expect(parentOf.get('handshake_secret')).toBe('derived_secret_for_handshake');
    expect(parentOf.get('client_handshake_traffic_secret')).toBe('handshake_secret');
    expect(parentOf.get('server_handshake_write_key')).toBe('server_handshake_traffic_secret');
    expect(parentOf.get('master_secret')).toBe('derived_secret_for_master');
    expect(parentOf.get('client_application_traffic_secret_0')).toBe('master_secret');
    expect(parentOf.get('resumption_psk')).toBe('resumption_master_secret');
  });

  it('up to a step, only the keys derived so far; transcripts are the trace\'s transcript events', () => {
    const serverHello = trace.events.findIndex((e) => e.kind === 'handshake' && e.name === 'ServerHello');
    expect(flatten(buildKeyTree(trace.events, serverHello).roots)).toEqual([]);
    const encryptedExtensions = trace.events.findIndex((e) => e.kind === 'handshake' && e.name === 'EncryptedExtensions');
    const partial = buildKeyTree(trace.events, encryptedExtensions);
    expect(flatten(partial.roots).map((n) => n.node.event.index).sort((a, b) => a - b)).toEqual(keyEvents(encryptedExtensions).map((e) => e.index));
    const transcripts = trace.events.filter((e) => e.kind === 'transcript' && e.index <= encryptedExtensions);
    expect(transcripts.length).toBeGreaterThan(0);
    expect([...partial.transcripts.values()]).toEqual(transcripts);
  });
});
