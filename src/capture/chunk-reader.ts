// Exact-length reads over a stream of chunks (a Node file stream, a browser File's stream, one buffer, or a file
// read into one reused buffer: file-chunks.ts), so the capture readers never hold more than the block they are
// reading. Counts the file offset for error messages.
//
// A source may reuse a chunk's memory once the next one is asked for: what read/tryRead hand out is a view valid
// until the next pull (the next await on this reader), so a caller keeps what it needs by copying. Bytes that
// straddle two chunks are copied here, and only as many as the read asked for.
import { concatAll } from '../util/bytes.ts';

export type ByteChunks = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

const EMPTY = new Uint8Array(0);

export class ChunkReader {
  private iterator: AsyncIterator<Uint8Array> | Iterator<Uint8Array>;
  private chunk: Uint8Array = EMPTY;
  private pos = 0;
  private done = false;
  /** Bytes consumed so far: the file offset of the next read. */
  offset = 0;

  constructor(source: ByteChunks) {
    this.iterator = Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
  }

  /** Exactly `n` bytes now, as a view, when they are at hand without pulling more input; else null (nothing taken). */
  tryRead(n: number): Uint8Array | null {
    if (this.chunk.length - this.pos < n) return null;
    const out = this.chunk.subarray(this.pos, this.pos + n);
    this.pos += n;
    this.offset += n;
    return out;
  }

  /** Exactly `n` bytes, or fewer only at the end of the input (then everything left). */
  async read(n: number): Promise<Uint8Array> {
    const ready = this.tryRead(n);
    if (ready) return ready;
    // Straddling: copied, since the chunk holding the first part may be reused once the next is pulled. The parts
    // are joined once all came: a length that claims more than the input holds costs only what the input holds.
    const parts: Uint8Array[] = [];
    let filled = 0;
    while (filled < n) {
      if (this.pos >= this.chunk.length && !(await this.pull())) break;
      const k = Math.min(n - filled, this.chunk.length - this.pos);
      parts.push(this.chunk.slice(this.pos, this.pos + k));
      this.pos += k;
      filled += k;
    }
    this.offset += filled;
    return parts.length === 1 ? parts[0] : concatAll(parts);
  }

  /** Skip `n` bytes; false if the input ended first. */
  async skip(n: number): Promise<boolean> {
    while (n > 0) {
      if (this.pos >= this.chunk.length && !(await this.pull())) return false;
      const k = Math.min(n, this.chunk.length - this.pos);
      this.pos += k;
      this.offset += k;
      n -= k;
    }
    return true;
  }

  /** True when no byte is left. */
  async atEnd(): Promise<boolean> {
    return this.pos >= this.chunk.length && !(await this.pull());
  }

  /** Stop reading before the end (bad input): the source is told, so it lets go of what it holds (a file's handle). */
  async close(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.iterator.return?.();
  }

  private async pull(): Promise<boolean> {
    while (!this.done) {
      const next = await this.iterator.next();
      if (next.done) {
        this.done = true;
        break;
      }
      if (next.value.length > 0) {
        this.chunk = next.value;
        this.pos = 0;
        return true;
      }
    }
    return false;
  }
}
