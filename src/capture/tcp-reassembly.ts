// TCP reassembly for one direction of a connection: segments in sequence order, retransmissions dropped,
// overlaps trimmed (the first copy of a byte wins), out-of-order segments held until the hole fills. A hole
// that never fills (the capture missed it) becomes a reported gap, never guessed bytes.
import type { Side } from '../trace/types.ts';

export type StreamChunk =
  | { direction: Side; time: number; bytes: Uint8Array; ack?: number }
  | { direction: Side; time: number; gap: number; ack?: number };

/** Out-of-order bytes held before a hole is declared a gap (the capture then lost those bytes). */
export const MAX_HELD_BYTES = 4 * 1024 * 1024;

interface Held {
  seq: number;
  time: number;
  bytes: Uint8Array;
  ack?: number;
}

export class DirectionAssembler {
  /** The next sequence number expected (uint32), once known. */
  private next: number | null = null;
  /** Sequence number of the first data byte, once known. */
  base: number | null = null;
  private held: Held[] = [];
  private heldBytes = 0;
  retransmitted = 0;
  gaps = 0;

  constructor(
    readonly direction: Side,
    private readonly out: (chunk: StreamChunk) => void,
  ) {}

  /** The SYN's sequence number: data starts one after it. */
  syn(seq: number): void {
    if (this.next === null) this.next = this.base = (seq + 1) >>> 0;
  }

  /** A segment; `ack` is its raw acknowledgment number (what the sender had received of the other direction). */
  segment(seq: number, time: number, payload: Uint8Array, ack?: number): void {
    if (payload.length === 0) return;
    if (this.next === null) this.next = this.base = seq;
    const ahead = (seq - this.next) | 0;
    if (ahead > 0) {
      this.held.push({ seq, time, bytes: payload, ack });
      this.heldBytes += payload.length;
      if (this.heldBytes > MAX_HELD_BYTES) this.skipHole();
      return;
    }
    this.accept(seq, time, payload, ack);
    this.drain();
  }

  /** End of the capture or of the connection: whatever is still held comes after holes, reported as gaps. */
  finish(): void {
    while (this.held.length > 0) this.skipHole();
  }

  private accept(seq: number, time: number, payload: Uint8Array, ack?: number): void {
    const already = (this.next! - seq) | 0;
    if (already >= payload.length) {
      this.retransmitted++;
      return;
    }
    const fresh = already > 0 ? payload.subarray(already) : payload;
    this.out({ direction: this.direction, time, bytes: fresh, ...(ack !== undefined && { ack }) });
    this.next = (this.next! + fresh.length) >>> 0;
  }

  /** Deliver every held segment that now starts at or before the next expected byte. */
  private drain(): void {
    for (;;) {
      const i = this.held.findIndex((h) => ((h.seq - this.next!) | 0) <= 0);
      if (i < 0) return;
      const [h] = this.held.splice(i, 1);
      this.heldBytes -= h.bytes.length;
      this.accept(h.seq, h.time, h.bytes, h.ack);
    }
  }

  /** Declare the hole before the nearest held segment a gap and go on from there. */
  private skipHole(): void {
    let nearest = this.held[0];
    for (const h of this.held) if (((h.seq - this.next!) | 0) < ((nearest.seq - this.next!) | 0)) nearest = h;
    const missing = (nearest.seq - this.next!) | 0;
    this.gaps++;
    this.out({ direction: this.direction, time: nearest.time, gap: missing });
    this.next = nearest.seq;
    this.drain();
  }
}

/**
 * Put both directions' chunks in an order that respects causality: a chunk whose sender had already acknowledged
 * N bytes of the other direction comes after those N bytes. (Captures on several interfaces, or "any", may
 * record the two directions slightly out of order.) Acks are raw; `bases` are each direction's first data byte.
 */
export function orderByAcks(chunks: StreamChunk[], bases: Record<Side, number | null>): StreamChunk[] {
  const queues: Record<Side, StreamChunk[]> = { client: [], server: [] };
  for (const c of chunks) queues[c.direction].push(c);
  const other = (side: Side): Side => (side === 'client' ? 'server' : 'client');
  const needs = (c: StreamChunk): number => {
    const base = bases[other(c.direction)];
    if (c.ack === undefined || base === null) return 0;
    return Math.max(0, (c.ack - base) | 0);
  };
  const done: Record<Side, number> = { client: 0, server: 0 };
  const position = new Map(chunks.map((c, i) => [c, i]));
  const out: StreamChunk[] = [];
  const at: Record<Side, number> = { client: 0, server: 0 };
  while (at.client < queues.client.length || at.server < queues.server.length) {
    const c = queues.client[at.client];
    const s = queues.server[at.server];
    let pick: StreamChunk;
    if (!c) pick = s;
    else if (!s) pick = c;
    else {
      const cReady = needs(c) <= done.server;
      const sReady = needs(s) <= done.client;
      const earlier = position.get(c)! < position.get(s)! ? c : s;
      pick = cReady && sReady ? earlier : cReady ? c : sReady ? s : earlier;
    }
    at[pick.direction]++;
    done[pick.direction] += 'bytes' in pick ? pick.bytes.length : pick.gap;
    out.push(pick);
  }
  return out;
}
