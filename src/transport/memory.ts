// An in-memory duplex pair: what one side writes, the other reads. For tests and hand-built hostile servers.
import type { Transport } from './types.ts';

/** One direction of bytes: a queue with waiting readers. */
class Pipe {
  private chunks: Uint8Array[] = [];
  private waiting: ((chunk: Uint8Array | null) => void)[] = [];
  private ended = false;

  push(chunk: Uint8Array): void {
    // Like TCP after the peer's FIN: the bytes go nowhere, but the write itself succeeds.
    if (this.ended) return;
    const copy = Uint8Array.from(chunk);
    const reader = this.waiting.shift();
    if (reader) reader(copy);
    else this.chunks.push(copy);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    for (const reader of this.waiting.splice(0)) reader(null);
  }

  read(): Promise<Uint8Array | null> {
    const chunk = this.chunks.shift();
    if (chunk) return Promise.resolve(chunk);
    if (this.ended) return Promise.resolve(null);
    return new Promise((resolve) => this.waiting.push(resolve));
  }
}

export interface MemoryTransport extends Transport {
  /** True once this side called close(). */
  readonly closed: boolean;
}

/** Two connected transports: [client, server]. Closing one side ends the other side's reads. */
export function memoryPair(): [MemoryTransport, MemoryTransport] {
  const toServer = new Pipe();
  const toClient = new Pipe();
  const side = (out: Pipe, inp: Pipe): MemoryTransport => {
    let closed = false;
    return {
      get closed() {
        return closed;
      },
      async write(data) {
        if (closed) throw new Error('transport closed');
        out.push(data);
      },
      read: () => inp.read(),
      async close() {
        closed = true;
        out.end();
        // Releasing the stream also ends our own pending reads.
        inp.end();
      },
    };
  };
  return [side(toServer, toClient), side(toClient, toServer)];
}
