// A hang the test's own timers cannot see: a loop that never awaits blocks this thread, and with it every timeout.
// A worker thread watches instead: each fuzz case tells it what it is about to run; when one runs longer than
// `limitMs` without returning, the worker prints the case (with the seed that replays it) and ends the test
// process, so the run fails at once, saying which input hung, instead of hanging with it.
import { Worker } from 'node:worker_threads';

const WATCHER = `
const { workerData, parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const state = new Int32Array(workerData.state);
let current = '';
let seen = -1;
let since = Date.now();
parentPort.on('message', (m) => { current = m; });
setInterval(() => {
  const n = Atomics.load(state, 0);
  if (n !== seen || Atomics.load(state, 1) === 0) { seen = n; since = Date.now(); return; }
  if (Date.now() - since > workerData.limitMs) {
    fs.writeSync(2, '\\nfuzz watchdog: a case ran ' + (Date.now() - since) + ' ms without returning (a hang, in code that never awaits): ' + current + '\\n');
    process.kill(process.pid, 'SIGKILL');
  }
}, 250);
`;

export interface Watchdog {
  /** A case starts: `what` is printed if it hangs. */
  start(what: string): void;
  /** The case returned. */
  done(): void;
  stop(): Promise<void>;
}

export function startWatchdog(limitMs: number): Watchdog {
  // [cases started, a case running]
  const state = new Int32Array(new SharedArrayBuffer(8));
  const worker = new Worker(WATCHER, { eval: true, workerData: { state: state.buffer, limitMs } });
  worker.unref();
  return {
    start(what) {
      worker.postMessage(what);
      Atomics.add(state, 0, 1);
      Atomics.store(state, 1, 1);
    },
    done() {
      Atomics.store(state, 1, 0);
    },
    async stop() {
      await worker.terminate();
    },
  };
}
