// A real trace for the UI's pure functions: the project's engine against Node's TLS server (echo),
// certificate chain checked against a root made by openssl, with the server-auth and per-message
// breakpoints on, one application round trip, then close_notify.
import fs from 'node:fs';
import tls from 'node:tls';
import { connectTls } from '../../src/tls/client.ts';
import { connectTcp } from '../../src/transport/tcp.ts';
import { createVerifier } from '../../src/x509/verifier.ts';
import type { BreakInfo } from '../../src/tls/handshake/options.ts';
import type { TraceRecorder } from '../../src/trace/recorder.ts';
import type { TraceEvent } from '../../src/trace/types.ts';
import { makePki, recorder } from '../tls/helpers.ts';

export interface RealTrace {
  recorder: TraceRecorder;
  events: TraceEvent[];
  /** Breakpoints the engine stopped at, in order. */
  breaks: BreakInfo[];
  /** NSS key log lines Node's server wrote for the same connection. */
  serverKeylog: string[];
  target: string;
}

export async function recordRealTrace(): Promise<RealTrace> {
  const pki = makePki();
  const serverKeylog: string[] = [];
  const server = tls.createServer({ key: fs.readFileSync(pki.leafKey), cert: fs.readFileSync(pki.leafCert), minVersion: 'TLSv1.3' }, (s) => s.pipe(s));
  server.on('keylog', (line) => serverKeylog.push(line.toString().trim()));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  const rec = recorder();
  const breaks: BreakInfo[] = [];
  try {
    const conn = await connectTls(
      await connectTcp('127.0.0.1', port),
      {
        serverName: 'localhost',
        verifier: createVerifier({ anchors: [pki.rootDer] }),
        breakpoints: { serverAuth: true, afterEachMessage: true },
        onBreak: async (info) => {
          breaks.push(info);
          return 'continue';
        },
        timeoutMs: 10_000,
      },
      rec.emit,
    );
    await conn.write(new TextEncoder().encode('ping'));
    const echoed = await conn.read();
    if (new TextDecoder().decode(echoed!) !== 'ping') throw new Error('the echo server did not echo');
    await conn.close();
  } finally {
    await new Promise((r) => server.close(r));
    fs.rmSync(pki.dir, { recursive: true, force: true });
  }
  return { recorder: rec, events: rec.events, breaks, serverKeylog, target: `127.0.0.1:${port}` };
}
