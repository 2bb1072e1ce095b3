// subtls (npm `subtls`, a small TLS 1.3 client on SubtleCrypto) in a long-lived Worker, for bench/browser.ts: the
// reference the issue names for a browser TLS client. Same job and answer as engine-worker.ts: the page sends
// { url, anchorPem, serverName, rounds, request? } and gets back each handshake's time (WebSocket open to the
// server's Finished checked: subtls sends its own Finished with the first write) and, with `request`, the MB/s of
// the response read to the end. The trust store is parsed once, as a warm host would keep it.
import { TrustedCert, type RootCertsDatabase } from 'subtls';
import { subtlsConnect } from './subtls-connect.ts';
import { responseRate } from './response-rate.ts';

interface Job {
  url: string;
  anchorPem: string;
  serverName: string;
  rounds: number;
  request?: string;
}

const scope = self as unknown as { onmessage: ((e: { data: Job }) => void) | null; postMessage(m: unknown): void };
let roots: RootCertsDatabase | undefined;

scope.onmessage = async ({ data: job }) => {
  try {
    roots ??= await TrustedCert.databaseFromPEM(job.anchorPem);
    const handshakeMs: number[] = [];
    const mbPerS: number[] = [];
    for (let i = 0; i < job.rounds; i++) {
      const t0 = performance.now();
      const conn = await subtlsConnect(job.url, job.serverName, roots);
      handshakeMs.push(performance.now() - t0);
      if (job.request) mbPerS.push(await responseRate(conn, job.request));
      conn.ws.close();
    }
    scope.postMessage({ handshakeMs, mbPerS });
  } catch (e) {
    scope.postMessage({ error: (e as Error).stack ?? String(e) });
  }
};
