// subtls (npm `subtls`, a small TLS 1.3 client on SubtleCrypto) in a long-lived Worker, for bench/browser.ts: the
// reference the issue names for a browser TLS client. Same job and answer as engine-worker.ts: the page sends
// { url, anchorPem, serverName, rounds, request? } and gets back each handshake's time (WebSocket open to the
// server's Finished checked: subtls sends its own Finished with the first write) and, with `request`, the MB/s of
// the response read to the end. The trust store is parsed once, as a warm host would keep it.
import { TrustedCert, type RootCertsDatabase } from 'subtls';
import { subtlsConnect } from './subtls-connect.ts';
import { responseRate } from './response-rate.ts';
import { watchNextWebSocket } from './watch-websocket.ts';

interface Job {
  url: string;
  anchorPem: string;
  serverName: string;
  rounds: number;
  request?: string;
  /** Each round's parts too (ms from the start): the WebSocket open, the server's first bytes, done. */
  phases?: boolean;
  /** Marks as engine-worker.ts makes them (start, the WebSocket made, open, first bytes, done), for a traced run. */
  marks?: boolean;
  /** Count the WebCrypto calls of each kind during the (last) round, as engine-worker.ts does for ours. */
  countWebCrypto?: boolean;
}

const scope = self as unknown as { onmessage: ((e: { data: Job }) => void) | null; postMessage(m: unknown): void };
let roots: RootCertsDatabase | undefined;


const SUBTLE_CALLS = ['encrypt', 'decrypt', 'sign', 'verify', 'digest', 'generateKey', 'deriveBits', 'deriveKey', 'importKey', 'exportKey'] as const;

/** Every crypto.subtle call made until stop(), counted by kind (the real calls, through a wrapper on the object). */
function countCalls(): { calls: Record<string, number>; stop(): void } {
  const subtle = crypto.subtle as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
  const calls: Record<string, number> = {};
  for (const name of SUBTLE_CALLS) {
    const real = subtle[name].bind(crypto.subtle);
    subtle[name] = (...a) => ((calls[name] = (calls[name] ?? 0) + 1), real(...a));
  }
  return { calls, stop: () => SUBTLE_CALLS.forEach((name) => delete subtle[name]) };
}

scope.onmessage = async ({ data: job }) => {
  try {
    roots ??= await TrustedCert.databaseFromPEM(job.anchorPem);
    const handshakeMs: number[] = [];
    const mbPerS: number[] = [];
    const phases: Record<string, number>[] = [];
    let webCryptoCalls: Record<string, number> | undefined;
    for (let i = 0; i < job.rounds; i++) {
      const t0 = performance.now();
      if (job.marks) performance.mark('tl:start');
      const seen = job.phases ? watchNextWebSocket(t0, job.marks) : null;
      const counting = job.countWebCrypto && i === job.rounds - 1 ? countCalls() : null;
      const conn = await subtlsConnect(job.url, job.serverName, roots).finally(() => counting?.stop());
      handshakeMs.push(performance.now() - t0);
      if (counting) webCryptoCalls = counting.calls;
      if (job.marks) performance.mark('tl:done'), performance.clearMarks();
      // Its ClientHello leaves once the WebSocket is open; its work is from the server's first bytes to done.
      if (seen) phases.push({ open: seen.open, openToAnswer: seen.bytesIn - seen.open, serverFlightToDone: handshakeMs[i] - seen.bytesIn });
      if (job.request) mbPerS.push(await responseRate(conn, job.request));
      conn.ws.close();
    }
    scope.postMessage({ handshakeMs, mbPerS, ...(job.phases ? { phases } : {}), webCryptoCalls });
  } catch (e) {
    scope.postMessage({ error: (e as Error).stack ?? String(e) });
  }
};
