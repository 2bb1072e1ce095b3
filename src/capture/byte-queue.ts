// The bytes of one direction not framed yet, as the chunks they came in: a record inside one chunk is handed out
// as a view (no copy); only a record that straddles chunks is copied into one piece.
//
// When the chunks are views into a reader's buffer that is read into again (the capture import), `own` copies
// what is left, with room for the rest of the record it begins: the next chunks fill that room, so a record cut
// by a chunk's end is copied once, and the record then taken is a view of it.
export class ByteQueue {
  private chunks: Uint8Array[] = [];
  /** Read position in chunks[0]. */
  private head = 0;
  length = 0;
  /** The memory `own` made (chunks[0] is its first `filled` bytes while it is in the queue), or null. */
  private room: Uint8Array | null = null;
  private filled = 0;

  push(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    const room = this.room;
    if (room && this.chunks.length === 1 && this.filled < room.length) {
      const k = Math.min(room.length - this.filled, bytes.length);
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
    this.room = null;
  }

  /** Copy what is queued into memory of its own, with room for `size` bytes in all (at least what is queued). */
  own(size = this.length): void {
    if (this.length === 0) return this.clear();
    if (this.room && this.chunks.length === 1 && this.chunks[0].buffer === this.room.buffer) return;
    const room = new Uint8Array(Math.max(size, this.length));
    let filled = 0;
    let from = this.head;
    for (const c of this.chunks) {
      room.set(from === 0 ? c : c.subarray(from), filled);
      filled += c.length - from;
      from = 0;
    }
    this.room = room;
    this.filled = filled;
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
      // The owned memory left the queue: later chunks are not appended to it (a record taken from it is a view).
      if (this.room && c.buffer === this.room.buffer) this.room = null;
    }
  }
}
