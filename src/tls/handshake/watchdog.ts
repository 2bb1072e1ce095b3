// The handshake's time limit, counted in running time only: a pause at a breakpoint stops the clock.

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
}
