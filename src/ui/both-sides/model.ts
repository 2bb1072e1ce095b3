// The both-sides ladder and key comparison, derived from the two traces. Pure functions: no React, no store.
import type { AlertEvent, HandshakeMessageEvent, KeyScheduleEvent, TraceEvent, TraceFile } from '../../trace/types.ts';
import type { Side } from '../../worker/both-sides-messages.ts';

export interface Arrival {
  side: Side;
  index: number;
}

type Message = HandshakeMessageEvent | AlertEvent;

/** One message once: as its writer recorded it and, when it got there, as its reader decoded it. */
export interface LadderPair {
  from: Side;
  name: string;
  kind: 'handshake' | 'alert';
  writer: Message;
  reader: Message | null;
  /** Writer's and reader's bytes are the same (alerts: same name and level). */
  same: boolean | null;
}

const isMessage = (e: TraceEvent): e is Message => e.kind === 'handshake' || e.kind === 'alert';
const nameOf = (m: Message) => (m.kind === 'handshake' ? m.name : `Alert ${m.level} ${m.name}`);
const other = (s: Side): Side => (s === 'client' ? 'server' : 'client');

/**
 * Each message written by one side, paired with the n-th message of the same kind and sender in the other side's
 * trace (both record the sender as `direction`), in the order the writers recorded them.
 */
export function pairMessages(traces: Record<Side, TraceEvent[]>, order: Arrival[]): LadderPair[] {
  const received: Record<Side, Message[]> = { client: [], server: [] };
  for (const side of ['client', 'server'] as const) for (const e of traces[side]) if (isMessage(e) && e.direction !== side) received[side].push(e);
  const taken: Record<Side, number> = { client: 0, server: 0 };
  const pairs: LadderPair[] = [];
  for (const a of order) {
    const e = traces[a.side][a.index];
    if (!e || !isMessage(e) || e.direction !== a.side) continue;
    const readerSide = other(a.side);
    // The reader's next message from this writer of the same kind (an alert may end the reading early).
    const queue = received[readerSide];
    let reader: Message | null = null;
    for (let i = taken[readerSide]; i < queue.length; i++) {
      if (queue[i].kind === e.kind && nameOf(queue[i]) === nameOf(e)) {
        reader = queue[i];
        taken[readerSide] = i + 1;
        break;
      }
    }
    const same = reader === null ? null : e.kind === 'handshake' ? (reader as HandshakeMessageEvent).bytes === e.bytes : nameOf(reader) === nameOf(e);
    pairs.push({ from: a.side, name: nameOf(e), kind: e.kind, writer: e, reader, same });
  }
  return pairs;
}

export interface SecretPair {
  name: string;
  /** Which occurrence of this name (0: first; KeyUpdate and renegotiation repeat names). */
  occurrence: number;
  client: string | null;
  server: string | null;
  verdict: 'equal' | 'different' | 'client only' | 'server only';
}

/** Each key-schedule output, paired by name and occurrence across the two sides. */
export function pairSecrets(traces: Record<Side, TraceEvent[]>): SecretPair[] {
  const bySide = (side: Side) => {
    const seen = new Map<string, number>();
    const out = new Map<string, { name: string; occurrence: number; value: string }>();
    for (const e of traces[side]) {
      if (e.kind !== 'key') continue;
      const k = e as KeyScheduleEvent;
      const n = seen.get(k.name) ?? 0;
      seen.set(k.name, n + 1);
      out.set(`${k.name}#${n}`, { name: k.name, occurrence: n, value: k.output });
    }
    return out;
  };
  const c = bySide('client');
  const s = bySide('server');
  const keys = [...c.keys(), ...[...s.keys()].filter((k) => !c.has(k))];
  return keys.map((key) => {
    const a = c.get(key);
    const b = s.get(key);
    const { name, occurrence } = (a ?? b)!;
    const verdict = a && b ? (a.value === b.value ? 'equal' : 'different') : a ? 'client only' : 'server only';
    return { name, occurrence, client: a?.value ?? null, server: b?.value ?? null, verdict };
  });
}

/** A saved both-sides trace: an ordinary trace file of the client's events (any reader opens it), with the
 * server's events beside them. */
export interface BothSidesTraceFile extends TraceFile {
  server: { events: TraceEvent[] };
}

export function bothSidesFile(traces: Record<Side, TraceEvent[]>): BothSidesTraceFile {
  return { format: 'tls-lens-trace', version: 1, createdAt: new Date().toISOString(), target: 'both sides (in this page)', events: traces.client, server: { events: traces.server } };
}
