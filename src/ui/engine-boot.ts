// The engine's worker may already be running when the app loads: the built index.html starts it from an inline
// script in its head (vite.config.ts, bootEngineWorker), so its download and compile run beside the app's own
// instead of after the first render. worker-client.ts takes it from here.
declare global {
  interface Window {
    /** The engine worker the page's head started, until worker-client.ts takes it. */
    tlsLensEngine?: Worker;
  }
}

/** The worker the page's head started, once (null when there is none: in development, or already taken). */
export function adoptBootWorker(): Worker | null {
  const w = window.tlsLensEngine ?? null;
  window.tlsLensEngine = undefined;
  return w;
}
