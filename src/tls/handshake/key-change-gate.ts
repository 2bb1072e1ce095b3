// Application writes may overlap each other, but not a change of keys: a key change (KeyUpdate, a post-handshake
// flight) waits for the writes already started, and writes started meanwhile wait for it, so that no record
// leaves under the wrong generation of keys (RFC 8446 §5.1). Both sides' established connections use one.
export class KeyChangeGate {
  private readonly writesInFlight = new Set<Promise<unknown>>();
  private keyChange: Promise<void> = Promise.resolve();
  private keyChangesPending = 0;

  /**
   * Run one write. The record layer takes `data` before `send` settles, so a caller may reuse its buffer once
   * write() returns; a write that has to wait for a key change keeps its own copy meanwhile.
   */
  write<T>(data: Uint8Array, send: (data: Uint8Array) => Promise<T>): Promise<T> {
    if (this.keyChangesPending > 0) {
      const copy = Uint8Array.from(data);
      return this.keyChange.then(() => this.track(send(copy)));
    }
    // No async frame of its own: this runs for every write of application data.
    return this.track(send(data));
  }

  /** Keep `done` among the writes in flight until it settles; returns it. */
  private track<T>(done: Promise<T>): Promise<T> {
    this.writesInFlight.add(done);
    const settled = () => void this.writesInFlight.delete(done);
    done.then(settled, settled);
    return done;
  }

  /** Run `fn` (a key change, a post-handshake flight) with no application record interleaved. */
  exclusive(fn: () => Promise<void>): Promise<void> {
    const before = [...this.writesInFlight, this.keyChange];
    this.keyChangesPending++;
    const change = Promise.allSettled(before)
      .then(fn)
      .finally(() => this.keyChangesPending--);
    this.keyChange = change.catch(() => undefined);
    return change;
  }
}
