// Shared by the handshake fuzz tests: how many runs, replaying a reported one, what a handshake ended in, and the
// property every client fuzz test checks.
import fc from 'fast-check';
import { expect } from 'vitest';
import type { TlsConnection } from '../../src/tls/client.ts';
import type { TraceEvent } from '../../src/trace/types.ts';

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

/** One fuzzed handshake as a client fuzz test reports it: its outcome, the bent bytes the server sent, the trace. */
export interface FuzzedHandshake {
  outcome: string;
  detail: string;
  sentHex: string;
  events: TraceEvent[];
}

/**
 * The property the client fuzz tests check: every mutation ends in a coded TLS failure (or 'ok' when the change was
 * harmless), never INTERNAL_ERROR nor a hang (the engine's TIMEOUT), with exactly one error event when it fails;
 * and over all runs the failures take more than three distinct paths. `handshake` runs one mutated handshake.
 */
export async function assertCodedFailures<M>(mutation: fc.Arbitrary<M>, handshake: (m: M) => Promise<FuzzedHandshake>): Promise<void> {
  const codes = new Map<string, number>();
  await fc.assert(
    fc.asyncProperty(mutation, async (m) => {
      const { outcome, detail, sentHex, events } = await handshake(m);
      codes.set(outcome, (codes.get(outcome) ?? 0) + 1);
      // The bent bytes make a failure reproducible although each run's certificate and keys are fresh.
      const why = `${JSON.stringify(m)} sent ${sentHex}: ${detail}`;
      expect(outcome, why).not.toBe('INTERNAL_ERROR');
      // A hang shows up as the engine's own timeout (generous, so a loaded CI machine is not mistaken for a hang).
      expect(outcome, why).not.toBe('TIMEOUT');
      if (outcome !== 'ok') expect(events.filter((e) => e.kind === 'error').length, why).toBe(1);
    }),
    // fast-check prints the seed and path of a failure; FUZZ_SEED=<seed> replays that run.
    fuzzRunOptions(),
  );
  if (process.env.FUZZ_REPORT) console.log(Object.fromEntries(codes));
  expect(codes.size).toBeGreaterThan(3);
}
