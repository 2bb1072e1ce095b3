// Work a handshake will need later, done when the thread would otherwise wait (for the peer; in Node also for a
// WebCrypto call, whose work a Chromium Worker does on the calling thread instead), not in the middle of the step
// that has to finish first. The key schedule's hashes are synchronous JavaScript:
// started "ahead" as plain calls they would all run at once, right where the handshake must first start decrypting
// the server's flight or send its Finished. Each piece runs in one macrotask after the current step, or at once
// when it is asked for before that (so asking never waits for the scheduler).
import { runWhenFree } from '../../util/macrotask.ts';

/** One piece of deferred work: its result is computed once, by whichever comes first of the scheduler and take(). */
export class IdleWork<T> {
  private result: Promise<T> | undefined;

  constructor(private readonly compute: () => Promise<T>) {
    idleQueue.push(this);
    if (idleQueue.length === 1) runWhenFree(runIdleQueue);
  }

  /** The result: started now if the scheduler has not run it yet. */
  take(): Promise<T> {
    if (!this.result) {
      this.result = this.compute();
      // A failure surfaces only where the result is awaited, never as an unhandled rejection.
      this.result.catch(() => undefined);
    }
    return this.result;
  }
}

const idleQueue: IdleWork<unknown>[] = [];

function runIdleQueue(): void {
  for (const work of idleQueue.splice(0)) work.take();
}
