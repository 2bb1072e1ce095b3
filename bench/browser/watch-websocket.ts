// For the bench's Workers: when the round's WebSocket opened and first received bytes, seen by listeners added to
// the next WebSocket the Worker makes (the client's own handlers are untouched), so our engine's wait and subtls's
// split the same way.

const scope = self as unknown as { WebSocket: typeof WebSocket };

/** The times (ms after t0) the next WebSocket made opens and first receives binary data; `marks`: performance marks
 * at each point, for traced runs. */
export function watchNextWebSocket(t0: number, marks = false): { open: number; bytesIn: number } {
  const seen = { open: NaN, bytesIn: NaN };
  const Real = scope.WebSocket;
  scope.WebSocket = class extends Real {
    constructor(url: string | URL, protocols?: string | string[]) {
      if (marks) performance.mark('tl:new WebSocket');
      super(url, protocols);
      if (marks) performance.mark('tl:WebSocket made');
      scope.WebSocket = Real;
      this.addEventListener('open', () => ((seen.open = performance.now() - t0), marks && performance.mark('tl:WebSocket open')), { once: true });
      const onBytes = (e: MessageEvent) => {
        if (typeof e.data === 'string') return;
        seen.bytesIn = performance.now() - t0;
        if (marks) performance.mark('tl:WebSocket bytes in');
        this.removeEventListener('message', onBytes);
      };
      this.addEventListener('message', onBytes);
    }
  };
  return seen;
}
