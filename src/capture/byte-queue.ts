// The bytes of one direction not framed yet, as the chunks they came in: a record inside one chunk is handed out
// as a view (no copy); only a record that straddles chunks is copied into one piece.
export class ByteQueue {
  private chunks: Uint8Array[] = [];
  /** Read position in chunks[0]. */
  private head = 0;
  length = 0;

  push(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.chunks.push(bytes);
    this.length += bytes.length;
  }

  clear(): void {
    this.chunks = [];
    this.head = 0;
    this.length = 0;
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
    }
  }
}
