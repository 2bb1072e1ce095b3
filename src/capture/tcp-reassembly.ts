// TCP reassembly for one direction of a connection: segments in sequence order, retransmissions dropped,
// overlaps trimmed (the first copy of a byte wins), out-of-order segments held until the hole fills. A hole
// that never fills (the capture missed it) becomes a reported gap, never guessed bytes. A segment's payload is
// a view into the capture reader's buffer, valid only while it is handed on: what is held is copied.
import type { Side } from '../trace/types.ts';

export type StreamChunk =
  | { direction: Side; time: number; bytes: Uint8Array; ack?: number }
  /** `cut`: how many of the gap's bytes a packet cut by the capture's snapshot length explains (absent when none). */
  | { direction: Side; time: number; gap: number; ack?: number; cut?: number };

/** Out-of-order bytes held before a hole is declared a gap (the capture then lost those bytes). */
export const MAX_HELD_BYTES = 4 * 1024 * 1024;

interface Held {
  seq: number;
  time: number;
  bytes: Uint8Array;
  ack?: number;
  cut?: number;
}

export class DirectionAssembler {
  /** The next sequence number expected (uint32), once known. */
  private next: number | null = null;
  /** Sequence number of the first data byte, once known. */
  base: number | null = null;
  private held: Held[] = [];
  private heldBytes = 0;
  /** Sequence number the sender's FIN occupies (uint32), once seen. */
  private finSeq: number | null = null;
  retransmitted = 0;
  gaps = 0;
  /** Bytes of this direction's segments that the capture's snapshot length cut off. */
  cutBytes = 0;
  /**
   * The last segment handed on was cut by the snapshot length: its bytes end at `from` (uint32), and `bytes` more
   * were on the wire. A hole starting there is, for those bytes, that cut.
   */
  private cut: { from: number; bytes: number; time: number } | null = null;

  constructor(
    readonly direction: Side,
    private readonly out: (chunk: StreamChunk) => void,
  ) {}

  /** The SYN's sequence number: data starts one after it. */
  syn(seq: number): void {
    if (this.next === null) this.next = this.base = (seq + 1) >>> 0;
  }

  /**
   * A segment; `ack` is its raw acknowledgment number (what the sender had received of the other direction); `cut`:
   * bytes of its payload the capture's snapshot length cut off (they followed `payload` on the wire).
   */
  segment(seq: number, time: number, payload: Uint8Array, ack?: number, cut = 0): void {
    if (payload.length === 0 && cut === 0) return;
    if (this.next === null) this.next = this.base = seq;
    if (payload.length === 0) {
      // Cut right after its headers: none of its data was kept, and the hole it leaves starts here when it is next.
      if (seq === this.next) {
        this.cutBytes += cut;
        this.cut = { from: seq, bytes: cut, time };
      }
      return;
    }
    const ahead = (seq - this.next) | 0;
    // Right after the bytes a cut packet lost: those bytes will never come, so the hole is said now, in its place.
    if (ahead > 0 && this.cut && this.cut.from === this.next && this.cut.bytes === ahead) this.cutHole(time);
    else if (ahead > 0) {
      this.held.push({ seq, time, bytes: payload.slice(), ack, ...(cut > 0 && { cut }) });
      this.heldBytes += payload.length;
      if (this.heldBytes > MAX_HELD_BYTES) this.skipHole();
      return;
    }
    this.accept(seq, time, payload, ack, cut);
    this.drain();
  }

  /**
   * The sender's FIN on a segment at `seq` carrying `length` bytes (those cut off by the snapshot length included):
   * its data ends there.
   */
  fin(seq: number, length: number): void {
    this.finSeq ??= (seq + length) >>> 0;
    // The bytes a cut packet lost run up to the FIN: nothing can fill them.
    if (this.cut && this.cut.from === this.next && ((this.cut.from + this.cut.bytes) >>> 0) === this.finSeq) this.cutHole(this.cut.time);
  }

  /** The hole a cut packet left (at `next`): handed on as a gap that the cut explains. */
  private cutHole(time: number): void {
    const bytes = this.cut!.bytes;
    this.cut = null;
    this.gaps++;
    this.out({ direction: this.direction, time, gap: bytes, cut: bytes });
    this.next = (this.next! + bytes) >>> 0;
  }

  /** The FIN was seen and every byte before it was handed on: nothing more can come this way. */
  get closed(): boolean {
    return this.finSeq !== null && this.held.length === 0 && (this.next === null || ((this.finSeq - this.next) | 0) <= 0);
  }

  /** End of the capture or of the connection: whatever is still held comes after holes, reported as gaps. */
  finish(): void {
    while (this.held.length > 0) this.skipHole();
    // The last bytes handed on were cut short: what the packet lost is missing at the end.
    if (this.cut && this.cut.from === this.next) this.cutHole(this.cut.time);
  }

  private accept(seq: number, time: number, payload: Uint8Array, ack?: number, cut = 0): void {
    const already = (this.next! - seq) | 0;
    if (already >= payload.length) {
      this.retransmitted++;
      return;
    }
    const fresh = already > 0 ? payload.subarray(already) : payload;
    this.out({ direction: this.direction, time, bytes: fresh, ...(ack !== undefined && { ack }) });
    this.next = (this.next! + fresh.length) >>> 0;
    if (cut > 0) {
      this.cutBytes += cut;
      this.cut = { from: this.next, bytes: cut, time };
    } else this.cut = null;
  }

  /** Deliver every held segment that now starts at or before the next expected byte. */
  private drain(): void {
    for (;;) {
      const i = this.held.findIndex((h) => ((h.seq - this.next!) | 0) <= 0);
      if (i < 0 && this.cut && this.cut.from === this.next) {
        // A held segment right after the bytes a cut packet lost: the hole is that cut's, said now.
        const end = (this.cut.from + this.cut.bytes) >>> 0;
        const after = this.held.find((h) => h.seq === end);
        if (after) {
          this.cutHole(after.time);
          continue;
        }
      }
      if (i < 0) return;
      const [h] = this.held.splice(i, 1);
      this.heldBytes -= h.bytes.length;
      this.accept(h.seq, h.time, h.bytes, h.ack, h.cut);
    }
  }

  /** Declare the hole before the nearest held segment a gap and go on from there. */
  private skipHole(): void {
    let nearest = this.held[0];
    for (const h of this.held) if (((h.seq - this.next!) | 0) < ((nearest.seq - this.next!) | 0)) nearest = h;
    const missing = (nearest.seq - this.next!) | 0;
    const cut = this.cut && this.cut.from === this.next ? Math.min(this.cut.bytes, missing) : 0;
    this.cut = null;
    this.gaps++;
    this.out({ direction: this.direction, time: nearest.time, gap: missing, ...(cut > 0 && { cut }) });
    this.next = nearest.seq;
    this.drain();
  }
}

/**
 * Puts both directions' chunks, as they arrive, in an order that respects causality: a chunk whose sender had
 * already acknowledged N bytes of the other direction comes after those N bytes. (Captures on several
 * interfaces, or "any", may record the two directions slightly out of order.) Acks are raw; `bases` gives each
 * direction's first data byte. A chunk waits only while it needs bytes of the other direction not yet given out
 * and nothing else could come first; past `maxHeld` bytes waiting, it goes out anyway (memory stays bounded).
 */
export class AckOrderer {
  private readonly queues: Record<Side, { chunk: StreamChunk; position: number }[]> = { client: [], server: [] };
  private readonly given: Record<Side, number> = { client: 0, server: 0 };
  private position = 0;
  private heldBytes = 0;

  constructor(
    private readonly bases: () => Record<Side, number | null>,
    private readonly out: (chunk: StreamChunk) => void,
    private readonly maxHeld = MAX_HELD_BYTES,
  ) {}

  push(chunk: StreamChunk): void {
    const queue = this.queues[chunk.direction];
    const entry = { chunk, position: this.position++ };
    queue.push(entry);
    this.heldBytes += 'bytes' in chunk ? chunk.bytes.length : 0;
    this.release(false);
    // Still waiting: its bytes are the reader's, valid only now.
    if (queue[queue.length - 1] === entry && 'bytes' in chunk) entry.chunk = { ...chunk, bytes: chunk.bytes.slice() };
  }

  /** The end: everything still waiting goes out. */
  flush(): void {
    this.release(true);
  }

  private needs(c: StreamChunk): number {
    const base = this.bases()[c.direction === 'client' ? 'server' : 'client'];
    if (c.ack === undefined || base === null) return 0;
    return Math.max(0, (c.ack - base) | 0);
  }

  private ready(c: StreamChunk): boolean {
    return this.needs(c) <= this.given[c.direction === 'client' ? 'server' : 'client'];
  }

  private release(final: boolean): void {
    for (;;) {
      const c = this.queues.client[0];
      const s = this.queues.server[0];
      let pick: { chunk: StreamChunk; position: number };
      if (!c && !s) return;
      if (!c || !s) {
        pick = (c ?? s)!;
        // The other direction may still send what this chunk acknowledges.
        if (!final && !this.ready(pick.chunk) && this.heldBytes <= this.maxHeld) return;
      } else {
        const cReady = this.ready(c.chunk);
        const sReady = this.ready(s.chunk);
        const earlier = c.position < s.position ? c : s;
        pick = cReady && sReady ? earlier : cReady ? c : sReady ? s : earlier;
      }
      const chunk = pick.chunk;
      this.queues[chunk.direction].shift();
      const length = 'bytes' in chunk ? chunk.bytes.length : chunk.gap;
      this.given[chunk.direction] += length;
      this.heldBytes -= 'bytes' in chunk ? chunk.bytes.length : 0;
      this.out(chunk);
    }
  }
}

/** Both directions' chunks of a whole stream in causal order (AckOrderer over a finished list). */
export function orderByAcks(chunks: StreamChunk[], bases: Record<Side, number | null>): StreamChunk[] {
  const out: StreamChunk[] = [];
  const orderer = new AckOrderer(() => bases, (c) => out.push(c), Infinity);
  for (const c of chunks) orderer.push(c);
  orderer.flush();
  return out;
}
