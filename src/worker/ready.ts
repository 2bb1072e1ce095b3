// The engine worker's first message, once its code has loaded and run. The page's boot script lets the app's entry
// run then (src/ui/boot/shell.ts), so the two do not compete for the CPU while the worker compiles. Its id belongs to
// no connection (they count from 1), so every reader that matches ids passes it by.
export const WORKER_READY = { type: 'worker-ready', id: -1 } as const;

export function isWorkerReady(message: unknown): boolean {
  return (message as { type?: unknown } | null)?.type === WORKER_READY.type;
}
