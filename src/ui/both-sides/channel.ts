// One side's end of the both-sides channel: a Transport over a MessagePort (the bytes each side writes cross it),
// plus the few control messages the two sides exchange before the handshake (the server tells the client which root
// to trust). Every message carries the writer's Lamport clock, so events recorded after a read are stamped later
// than the writer's events before the write, whichever worker reports first.
import type { Transport } from '../../transport/types.ts';

/** A logical clock: ticks for each event this side records, jumps past the clock of each message received. */
export class LamportClock {
  private now = 0;
  tick(): number {
    return ++this.now;
  }
  seen(other: number): void {
    if (other > this.now) this.now = other;
  }
  get value(): number {
    return this.now;
  }
}

/** The part of MessagePort both the browser's and Node's have. */
export interface PortLike {
  postMessage(message: unknown): void;
  onmessage: ((ev: { data: unknown }) => void) | null;
  close(): void;
}

type Wire<C> = { k: 'data'; bytes: Uint8Array; clock: number } | { k: 'end'; clock: number } | { k: 'control'; value: C; clock: number };

/** What may happen to bytes as this side writes them (a staged attack); returns the bytes to send instead. */
export type WriteTap = (data: Uint8Array) => Promise<Uint8Array> | Uint8Array;

export interface ChannelEnd<C> extends Transport {
  /** The next control message from the other side (the server sends one before the handshake). */
  control(): Promise<C>;
  sendControl(value: C): void;
}

export function channelEnd<C>(port: PortLike, clock: LamportClock, tap?: WriteTap): ChannelEnd<C> {
  const chunks: (Uint8Array | null)[] = [];
  const readers: ((chunk: Uint8Array | null) => void)[] = [];
  const controls: C[] = [];
  const controlWaiters: ((value: C) => void)[] = [];
  // Writes leave in the order they were made, even when a tap takes its time over one.
  let writing: Promise<void> = Promise.resolve();
  let ended = false; // the other side closed
  let closed = false; // we closed
  const deliver = (chunk: Uint8Array | null) => {
    const reader = readers.shift();
    if (reader) reader(chunk);
    else chunks.push(chunk);
  };
  const release = () => {
    if (ended && closed) port.close();
  };
  port.onmessage = (ev) => {
    const msg = ev.data as Wire<C>;
    clock.seen(msg.clock);
    if (msg.k === 'data') deliver(msg.bytes);
    else if (msg.k === 'control') {
      const waiter = controlWaiters.shift();
      if (waiter) waiter(msg.value);
      else controls.push(msg.value);
    } else {
      ended = true;
      deliver(null);
      release();
    }
  };
  return {
    write(data) {
      if (closed) return Promise.reject(new Error('transport closed'));
      const copy = Uint8Array.from(data); // the writer may reuse its buffer before the tap has run
      const sent = writing.then(async () => {
        const bytes = tap ? await tap(copy) : copy;
        port.postMessage({ k: 'data', bytes, clock: clock.value } satisfies Wire<C>);
      });
      writing = sent.catch(() => undefined);
      return sent;
    },
    read() {
      if (chunks.length > 0) return Promise.resolve(chunks[0] === null ? null : chunks.shift()!);
      if (ended || closed) return Promise.resolve(null);
      return new Promise((resolve) => readers.push(resolve));
    },
    async close() {
      if (closed) return;
      closed = true;
      await writing; // what was written before the close goes first
      port.postMessage({ k: 'end', clock: clock.value } satisfies Wire<C>);
      // Releasing the stream also ends our own pending reads.
      for (const reader of readers.splice(0)) reader(null);
      release();
    },
    control() {
      const value = controls.shift();
      if (value !== undefined) return Promise.resolve(value);
      return new Promise((resolve) => controlWaiters.push(resolve));
    },
    sendControl(value) {
      port.postMessage({ k: 'control', value, clock: clock.value } satisfies Wire<C>);
    },
  };
}
