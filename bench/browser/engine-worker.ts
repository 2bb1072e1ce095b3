// The engine alone in a long-lived Worker, for bench/browser.ts: the page sends { url, anchorHex, serverName,
// rounds, request? } and gets back the time of each handshake (WebSocket open to handshake complete) and,
// with `request`, the MB/s of the response it reads to the end. One verifier serves every round, as a warm
// host would keep it; the trace is recorded as the app records it.
import { connectTls } from '../../src/tls/client.ts';
import { TraceRecorder } from '../../src/trace/recorder.ts';
import { WebSocketTransport } from '../../src/transport/websocket.ts';
import { BRIDGE_SUBPROTOCOL } from '../../src/transport/bridge-protocol.ts';
import { createVerifier } from '../../src/x509/verifier.ts';
import { fromHex } from '../../src/util/bytes.ts';

interface Job {
  url: string;
  anchorHex: string;
  serverName: string;
  rounds: number;
  /** An HTTP request to send after the handshake; the response is read until the server closes. */
  request?: string;
}

const scope = self as unknown as { onmessage: ((e: { data: Job }) => void) | null; postMessage(m: unknown): void };
let verifier: ReturnType<typeof createVerifier> | undefined;

scope.onmessage = async ({ data: job }) => {
  try {
    verifier ??= createVerifier({ anchors: [fromHex(job.anchorHex)] });
    const handshakeMs: number[] = [];
    const mbPerS: number[] = [];
    for (let i = 0; i < job.rounds; i++) {
      const recorder = new TraceRecorder(() => performance.now());
      const t0 = performance.now();
      const transport = await WebSocketTransport.open(job.url, { protocols: BRIDGE_SUBPROTOCOL });
      const conn = await connectTls(transport, { serverName: job.serverName, verifier }, recorder.emit);
      handshakeMs.push(performance.now() - t0);
      if (job.request) {
        const t1 = performance.now();
        await conn.write(new TextEncoder().encode(job.request));
        let bytes = 0;
        for (let d = await conn.read(); d; d = await conn.read()) bytes += d.length;
        mbPerS.push(bytes / 1e6 / ((performance.now() - t1) / 1000));
      }
      await conn.close().catch(() => {});
    }
    scope.postMessage({ handshakeMs, mbPerS });
  } catch (e) {
    scope.postMessage({ error: (e as Error).stack ?? String(e) });
  }
};
