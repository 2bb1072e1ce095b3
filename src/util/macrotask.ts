// Run a function as a new macrotask, once the current step and its microtasks are done: the thread is then free
// (waiting for the network, or for whatever the caller awaits next).

/**
 * Run `fn` as a new macrotask, with no minimum delay: setImmediate in Node; a MessageChannel message in a browser
 * or Worker (setTimeout(0) is clamped to 4 ms once timers nest, which handshake steps would reach).
 */
export const scheduleMacrotask: (fn: () => void) => void = (() => {
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

const whenFree: (() => void)[] = [];

/**
 * Run `fn` once the thread is free (the next macrotask). Calls made before that share one macrotask: in a Worker
 * each is a MessageChannel message, which costs a handshake step a few µs more than a push onto this list.
 */
export function runWhenFree(fn: () => void): void {
  whenFree.push(fn);
  if (whenFree.length === 1) scheduleMacrotask(() => whenFree.splice(0).forEach((f) => f()));
}
