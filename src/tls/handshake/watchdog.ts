// The handshake's time limit, counted in running time only: a pause at a breakpoint stops the clock.
import { TlsError } from '../errors.ts';
import { toEngineError } from './failure.ts';

/** Stops the handshake after `ms` of running time; pauses at breakpoints do not count. */
export class Watchdog {
  fired = false;
  onExpire: () => void = () => undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private remaining: number;
  private startedAt = 0;
  constructor(
    private readonly ms: number | undefined,
    private readonly clock: () => number,
    private readonly onFire: () => void,
  ) {
    this.remaining = ms ?? Infinity;
  }
  resume(): void {
    if (this.ms === undefined || this.fired) return;
    this.startedAt = this.clock();
    this.timer = setTimeout(() => {
      this.fired = true;
      this.onExpire();
      this.onFire();
    }, Math.max(0, this.remaining));
  }
  pause(): void {
    if (this.timer === undefined) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.remaining -= this.clock() - this.startedAt;
  }
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /**
   * Run a handshake (either side) until it completes or this watchdog fires, whichever comes first: the timeout wins
   * even if the transport never wakes a pending read. Stopped either way; rejects with TIMEOUT when it fired, else
   * with the engine's error for what the handshake threw.
   */
  async race(handshake: () => Promise<void>): Promise<void> {
    const expired = new Promise<never>((_, reject) => (this.onExpire = () => reject(new TlsError('TIMEOUT', `the handshake did not complete within ${this.ms} ms`))));
    expired.catch(() => undefined);
    const running = handshake();
    // After a timeout the abandoned run may still fail; that is already reported.
    running.catch(() => undefined);
    try {
      await Promise.race([running, expired]);
    } catch (e) {
      throw this.fired ? new TlsError('TIMEOUT', `the handshake did not complete within ${this.ms} ms`) : toEngineError(e);
    } finally {
      this.stop();
    }
  }
}
