// TCP reassembly for one direction of a connection: segments in sequence order, retransmissions dropped,
// overlaps trimmed (the first copy of a byte wins), out-of-order segments held until the hole fills. A hole
// that never fills (the capture missed it) becomes a reported gap, never guessed bytes.
import type { Side } from '../trace/types.ts';

export type StreamChunk =
  | { direction: Side; time: number; bytes: Uint8Array }
  | { direction: Side; time: number; gap: number };

/** Out-of-order bytes held before a hole is declared a gap (the capture then lost those bytes). */
export const MAX_HELD_BYTES = 4 * 1024 * 1024;

interface Held {
  seq: number;
  time: number;
  bytes: Uint8Array;
}

export class DirectionAssembler {
  /** The next sequence number expected (uint32), once known. */
  private next: number | null = null;
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
    if (this.next === null) this.next = (seq + 1) >>> 0;
  }

  segment(seq: number, time: number, payload: Uint8Array): void {
    if (payload.length === 0) return;
    if (this.next === null) this.next = seq;
    const ahead = (seq - this.next) | 0;
    if (ahead > 0) {
      this.held.push({ seq, time, bytes: payload });
      this.heldBytes += payload.length;
      if (this.heldBytes > MAX_HELD_BYTES) this.skipHole();
      return;
    }
    this.accept(seq, time, payload);
    this.drain();
  }

  /** End of the capture or of the connection: whatever is still held comes after holes, reported as gaps. */
  finish(): void {
    while (this.held.length > 0) this.skipHole();
  }

  private accept(seq: number, time: number, payload: Uint8Array): void {
    const already = (this.next! - seq) | 0;
    if (already >= payload.length) {
      this.retransmitted++;
      return;
    }
    const fresh = already > 0 ? payload.subarray(already) : payload;
    this.out({ direction: this.direction, time, bytes: fresh });
    this.next = (this.next! + fresh.length) >>> 0;
  }

  /** Deliver every held segment that now starts at or before the next expected byte. */
  private drain(): void {
    for (;;) {
      const i = this.held.findIndex((h) => ((h.seq - this.next!) | 0) <= 0);
      if (i < 0) return;
      const [h] = this.held.splice(i, 1);
      this.heldBytes -= h.bytes.length;
      this.accept(h.seq, h.time, h.bytes);
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
