// The bytes of one direction not framed yet, as the chunks they came in: a record inside one chunk is handed out
// as a view (no copy); only a record that straddles chunks is copied into one piece.
//
// When the chunks are views into a reader's buffer that is read into again (the capture import), `own` copies
// what is left into a buffer of the queue's own, with room for the rest of the record it begins: the next chunks
// fill that room, so a record cut by a chunk's end is copied once, and the record then taken is a view of it.
// That buffer is the queue's to reuse at the next `own`: like the reader's, what is taken from the queue is valid
// until the next push.
export class ByteQueue {
  private chunks: Uint8Array[] = [];
  /** Read position in chunks[0]. */
  private head = 0;
  length = 0;
  /** The buffer `own` copies into, once made. */
  private room: Uint8Array | null = null;
  /** Bytes of `room` in use: chunks[0] is room.subarray(0, filled) while `owning`. */
  private filled = 0;
  private owning = false;
  /** How many bytes `own` was asked to make room for: pushes fill the room up to there. */
  private want = 0;

  push(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    if (this.owning && this.chunks.length === 1 && this.filled < this.want) {
      const room = this.room!;
      const k = Math.min(this.want - this.filled, bytes.length);
      room.set(bytes.subarray(0, k), this.filled);
      this.filled += k;
      this.chunks[0] = room.subarray(0, this.filled);
      this.length += k;
      if (k === bytes.length) return;
      bytes = bytes.subarray(k);
    }
    this.chunks.push(bytes);
    this.length += bytes.length;
  }

  clear(): void {
    this.chunks = [];
    this.head = 0;
    this.length = 0;
    this.owning = false;
  }

  /** Copy what is queued into the queue's own buffer, with room for `size` bytes in all (at least what is queued). */
  own(size = this.length): void {
    if (this.length === 0) return this.clear();
    size = Math.max(size, this.length);
    const first = this.chunks[0];
    if (this.owning && this.chunks.length === 1 && this.head === 0 && size <= this.room!.length) {
      this.want = size;
      return;
    }
    let room = this.room;
    let filled = 0;
    if (this.owning && room) {
      // The first chunk is already in the room: moved to its start.
      room.copyWithin(0, this.head, first.length);
      filled = first.length - this.head;
    }
    if (!room || size > room.length) {
      const bigger = new Uint8Array(Math.max(size, 2 * (room?.length ?? 0)));
      if (filled) bigger.set(room!.subarray(0, filled));
      room = bigger;
    }
    let from = filled ? 0 : this.head;
    for (const c of filled ? this.chunks.slice(1) : this.chunks) {
      room.set(from === 0 ? c : c.subarray(from), filled);
      filled += c.length - from;
      from = 0;
    }
    this.room = room;
    this.filled = filled;
    this.want = size;
    this.owning = true;
    this.chunks = [room.subarray(0, filled)];
    this.head = 0;
  }

  /** The byte at `i` (0 = the first not taken); undefined past the end. */
  at(i: number): number | undefined {
    if (i >= this.length) return undefined;
    let k = this.head + i;
    for (const c of this.chunks) {
      if (k < c.length) return c[k];
      k -= c.length;
    }
    return undefined;
  }

  /** The first `n` bytes, contiguous, without taking them (a view when they lie in one chunk). */
  peek(n: number): Uint8Array {
    n = Math.min(n, this.length);
    const first = this.chunks[0];
    if (first && this.head + n <= first.length) return first.subarray(this.head, this.head + n);
    const out = new Uint8Array(n);
    let filled = 0;
    let from = this.head;
    for (const c of this.chunks) {
      if (filled === n) break;
      const k = Math.min(n - filled, c.length - from);
      out.set(c.subarray(from, from + k), filled);
      filled += k;
      from = 0;
    }
    return out;
  }

  /** Take the first `n` bytes (contiguous, as `peek`). */
  take(n: number): Uint8Array {
    const out = this.peek(n);
    this.skip(out.length);
    return out;
  }

  /** Drop the first `n` bytes. */
  skip(n: number): void {
    n = Math.min(n, this.length);
    this.length -= n;
    while (n > 0) {
      const c = this.chunks[0];
      const left = c.length - this.head;
      if (n < left) {
        this.head += n;
        return;
      }
      n -= left;
      this.chunks.shift();
      this.head = 0;
      // The room left the queue: later chunks are not appended to it (a record taken from it is a view).
      if (this.owning && c.buffer === this.room!.buffer) this.owning = false;
    }
  }
}
