// Run a function as a new macrotask, once the current step and its microtasks are done: the thread is then free
// (waiting for the network, or for whatever the caller awaits next).

/**
 * Run `fn` once the thread is free: as a new macrotask, with no minimum delay. setImmediate in Node; a
 * MessageChannel message in a browser or Worker (setTimeout(0) is clamped to 4 ms once timers nest, which handshake
 * steps would reach). Each call is a task posted: in a Chromium Worker 36-55 µs (docs/engine-browser.md, session
 * 15), so only for work worth more than that.
 */
export const runWhenFree: (fn: () => void) => void = (() => {
  const g = globalThis as { setImmediate?: (fn: () => void) => unknown; MessageChannel?: typeof MessageChannel };
  if (typeof g.setImmediate === 'function') return (fn) => void g.setImmediate!(fn);
  if (typeof g.MessageChannel === 'function') {
    const channel = new g.MessageChannel();
    const waiting: (() => void)[] = [];
    channel.port1.onmessage = () => waiting.shift()?.();
    return (fn) => {
      waiting.push(fn);
      channel.port2.postMessage(null);
    };
  }
  return (fn) => void setTimeout(fn, 0);
})();
