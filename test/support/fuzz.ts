// Shared by the handshake fuzz tests: how many runs, replaying a reported one, and what a handshake ended in.
import type { TlsConnection } from '../../src/tls/client.ts';

/** fast-check options: FUZZ_RUNS runs (150 by default); FUZZ_SEED=<seed> replays the run fast-check reported. */
export function fuzzRunOptions(): { numRuns: number; seed?: number } {
  return { numRuns: Number(process.env.FUZZ_RUNS ?? 150), ...(process.env.FUZZ_SEED ? { seed: Number(process.env.FUZZ_SEED) } : {}) };
}

/**
 * 'ok' when the handshake completes (the connection is then closed), else the engine's error code, with its message.
 * `quietClose`: a failed close after a completed handshake still counts as 'ok' (for servers that hang up).
 */
export async function handshakeOutcome(connecting: Promise<TlsConnection>, opts: { quietClose?: boolean } = {}): Promise<{ outcome: string; detail: string }> {
  let detail = '';
  const outcome = await connecting.then(
    async (conn) => {
      await (opts.quietClose ? conn.close().catch(() => undefined) : conn.close());
      return 'ok';
    },
    (e: { code: string; message: string }) => {
      detail = e.message;
      return e.code;
    },
  );
  return { outcome, detail };
}
