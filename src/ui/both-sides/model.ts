// The both-sides ladder and key comparison, derived from the two traces. Pure functions: no React, no store.
import type { AlertEvent, HandshakeMessageEvent, KeyScheduleEvent, PreambleEvent, TraceEvent, TraceFile } from '../../trace/types.ts';
import type { Side } from '../../worker/both-sides-messages.ts';

export interface Arrival {
  side: Side;
  index: number;
}

type Message = HandshakeMessageEvent | AlertEvent | PreambleEvent;

/** One message once: as its writer recorded it and, when it got there, as its reader decoded it. A message only its
 * reader recorded (no writer: the wire made it, e.g. an injected STARTTLS reply or a replayed HelloRetryRequest)
 * has `writer` null. */
export interface LadderPair {
  from: Side;
  name: string;
  kind: Message['kind'];
  writer: Message | null;
  reader: Message | null;
  /** Writer's and reader's bytes are the same (alerts: same name and level); false for a message only read. */
  same: boolean | null;
}

const isMessage = (e: TraceEvent): e is Message => e.kind === 'handshake' || e.kind === 'alert' || e.kind === 'preamble';
const nameOf = (m: Message) => (m.kind === 'handshake' ? m.name : m.kind === 'alert' ? `Alert ${m.level} ${m.name}` : m.text);
const other = (s: Side): Side => (s === 'client' ? 'server' : 'client');

/** Both sides' events in causal order: by stamp (each side's stamps rise), the client first on a tie. */
export function mergeByStamp(stamps: Record<Side, number[]>): Arrival[] {
  const out: Arrival[] = [];
  let c = 0;
  let s = 0;
  while (c < stamps.client.length || s < stamps.server.length) {
    const takeClient = s >= stamps.server.length || (c < stamps.client.length && stamps.client[c] <= stamps.server[s]);
    out.push(takeClient ? { side: 'client', index: c++ } : { side: 'server', index: s++ });
  }
  return out;
}

/** The run's end as one line: the server's part, then the client's. */
export function combinedDetail(server: string, client: string): string {
  return `${server}; ${client}`;
}

/**
 * Each message written by one side, paired with the next message of the same kind, name and sender in the other
 * side's trace (both record the sender as `direction`), in the order the writers recorded them; then each message a
 * reader recorded that no writer wrote, where the reader met it.
 */
export function pairMessages(traces: Record<Side, TraceEvent[]>, order: Arrival[]): LadderPair[] {
  const received: Record<Side, Message[]> = { client: [], server: [] };
  for (const side of ['client', 'server'] as const) for (const e of traces[side]) if (isMessage(e) && e.direction !== side) received[side].push(e);
  const next: Record<Side, number> = { client: 0, server: 0 };
  const taken = new Set<Message>();
  const rows: ({ pair: LadderPair } | { read: Message })[] = [];
  for (const a of order) {
    const e = traces[a.side][a.index];
    if (!e || !isMessage(e)) continue;
    if (e.direction !== a.side) {
      rows.push({ read: e }); // a reader's event: a row of its own only if no writer claims it
      continue;
    }
    const readerSide = other(a.side);
    // The reader's next message from this writer of the same kind (an alert may end the reading early).
    const queue = received[readerSide];
    let reader: Message | null = null;
    for (let i = next[readerSide]; i < queue.length; i++) {
      if (queue[i].kind === e.kind && nameOf(queue[i]) === nameOf(e) && !taken.has(queue[i])) {
        reader = queue[i];
        taken.add(reader);
        if (i === next[readerSide]) next[readerSide] = i + 1;
        break;
      }
    }
    const same = reader === null ? null : e.kind === 'alert' ? nameOf(reader) === nameOf(e) : (reader as { bytes: string }).bytes === e.bytes;
    rows.push({ pair: { from: a.side, name: nameOf(e), kind: e.kind, writer: e, reader, same } });
  }
  return rows.flatMap((r) => ('pair' in r ? [r.pair] : taken.has(r.read) ? [] : [{ from: r.read.direction, name: nameOf(r.read), kind: r.read.kind, writer: null, reader: r.read, same: false }]));
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

/** Where each side is at a ladder row: a side that wrote or read the row's message is at that event; the other at
 * its last event by the time the row has happened (its writer's and reader's events, in the causal order `order`);
 * -1: none yet. */
export function ladderPositions(pairs: LadderPair[], traces: Record<Side, TraceEvent[]>, order: Arrival[]): Record<Side, number>[] {
  const at = new Map<string, number>();
  order.forEach((a, i) => at.set(`${a.side}:${a.index}`, i));
  const find = (m: Message | null): Arrival | null => {
    for (const side of ['client', 'server'] as const) {
      const index = m ? traces[side].indexOf(m) : -1;
      if (index >= 0) return { side, index };
    }
    return null;
  };
  return pairs.map((p) => {
    const own = [find(p.writer), find(p.reader)].filter((a): a is Arrival => a !== null);
    const until = Math.max(-1, ...own.map((a) => at.get(`${a.side}:${a.index}`) ?? -1));
    const last: Record<Side, number> = { client: -1, server: -1 };
    for (let i = 0; i <= until; i++) last[order[i].side] = order[i].index;
    for (const a of own) last[a.side] = a.index;
    return last;
  });
}
