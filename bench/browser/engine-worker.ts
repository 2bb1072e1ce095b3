// The engine alone in a long-lived Worker, for bench/browser.ts and bench/browser/engine-bench.ts: the page sends
// { url, anchorHex, serverName, rounds, request?, timeline? } and gets back the time of each handshake (WebSocket
// open to handshake complete) and, with `request`, the MB/s of the response it reads to the end. One verifier serves
// every round, as a warm host would keep it; the trace is recorded as the app records it. With `timeline`, the
// last round's trace events come back as [ms since the round started, what] (where the handshake's time goes).
import { connectTls } from '../../src/tls/client.ts';
import { TraceRecorder } from '../../src/trace/recorder.ts';
import { WebSocketTransport } from '../../src/transport/websocket.ts';
import { FirstFlightTransport } from '../../src/transport/first-flight.ts';
import { BRIDGE_SUBPROTOCOL } from '../../src/transport/bridge-protocol.ts';
import { createVerifier } from '../../src/x509/verifier.ts';
import { fromHex } from '../../src/util/bytes.ts';
import { responseRate } from './response-rate.ts';
import type { TraceEvent } from '../../src/trace/types.ts';
import type { Transport } from '../../src/transport/types.ts';

interface Job {
  url: string;
  anchorHex: string;
  serverName: string;
  rounds: number;
  /** An HTTP request to send after the handshake; the response is read until the server closes. */
  request?: string;
  timeline?: boolean;
  /** No TLS: read what the target sends until it closes, through the transport ('transport') or a bare
   * WebSocket ('websocket'); the bridge and the Worker's WebSocket receive path alone. */
  raw?: 'transport' | 'websocket';
  /** Only open a WebSocket to `url` (any subprotocol-less server) and close it: ms to its open event. */
  openOnly?: boolean;
  /** The transport's downstream option ('websocket': every byte as messages, as before the download existed). */
  downstream?: 'http' | 'websocket';
  downloadAfterBytes?: number;
  /** Await the WebSocket's opening before starting the handshake. */
  openFirst?: boolean;
  /** Open the WebSocket at once and send the ClientHello once it is open, as before the first flight travelled
   * in the upgrade request (FirstFlightTransport, the default). */
  noFirstFlight?: boolean;
}

const scope = self as unknown as { onmessage: ((e: { data: Job }) => void) | null; postMessage(m: unknown): void };
let verifier: ReturnType<typeof createVerifier> | undefined;

/** One event in a few words: its kind and whatever names it. */
function describe(e: TraceEvent): string {
  const x = e as unknown as Record<string, unknown>;
  const name = x.name ?? x.phase ?? x.state ?? x.check ?? x.contentTypeName ?? x.direction ?? '';
  return `${e.kind}${name ? ` ${String(name)}` : ''}${x.direction && x.name ? ` (${String(x.direction)})` : ''}`;
}

/**
 * One handshake in parts (ms): when the WebSocket was open and when the ClientHello was made (both from the
 * start); the floor, from the moment the ClientHello could leave (made, when it travels in the upgrade request;
 * else once both it is made and the WebSocket is open) to the server's first record: what a client that took no
 * time of its own would wait for; and reading the server's flight to the end of our own (the engine's work), that
 * last part also split at the steps the trace shows: the ServerHello read (sh), its key exchange (ecdhe), the
 * handshake keys installed (keys), up to the Certificate (toCert), the chain checked (chain), up to the
 * CertificateVerify (toCv), its signature (cv), up to the server's Finished and checking it (fin), our flight out
 * (clientFlight) and what follows it (after).
 */
function phasesOf(events: TraceEvent[], opened: number, done: number, firstFlight: boolean): Record<string, number> {
  const at = (test: (e: TraceEvent & Record<string, unknown>) => boolean): number => events.find((e) => test(e as TraceEvent & Record<string, unknown>))?.t ?? NaN;
  const made = events.find((e) => e.kind === 'record' && e.direction === 'client')?.t ?? opened;
  const sent = firstFlight ? made : Math.max(made, opened);
  const answered = at((e) => e.kind === 'record' && e.direction === 'server');
  const hs = (name: string) => at((e) => e.kind === 'handshake' && e.name === name && e.direction === 'server');
  const sh = hs('ServerHello');
  const ecdhe = at((e) => e.kind === 'key-exchange');
  const keys = at((e) => e.kind === 'key' && e.name === 'server_handshake_write_iv');
  const cert = hs('Certificate');
  const chain = at((e) => e.kind === 'cert-result');
  const cv = hs('CertificateVerify');
  const sig = at((e) => e.kind === 'signature');
  const fin = at((e) => e.kind === 'finished' && e.direction === 'server');
  const lastOut = [...events].reverse().find((e) => e.kind === 'record' && e.direction === 'client')?.t ?? NaN;
  const r = (n: number) => +n.toFixed(3);
  return {
    open: opened,
    clientHelloMade: made,
    sentToAnswer: r(answered - sent),
    serverFlightToDone: r(done - answered),
    sh: r(sh - answered),
    ecdhe: r(ecdhe - sh),
    keys: r(keys - ecdhe),
    toCert: r(cert - keys),
    chain: r(chain - cert),
    toCv: r(cv - chain),
    cv: r(sig - cv),
    fin: r(fin - sig),
    clientFlight: r(lastOut - fin),
    after: r(done - lastOut),
  };
}

/** MB/s of everything the target sends, read without TLS. */
async function readRaw(job: Job): Promise<number> {
  const t0 = performance.now();
  let bytes = 0;
  if (job.raw === 'websocket') {
    await new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(job.url, BRIDGE_SUBPROTOCOL);
      ws.binaryType = 'arraybuffer';
      ws.onmessage = (e) => (bytes += (e.data as ArrayBuffer).byteLength);
      ws.onclose = (e) => (e.code === 1000 ? resolve() : reject(new Error(`closed ${e.code} ${e.reason}`)));
    });
  } else {
    const transport = await WebSocketTransport.open(job.url, { protocols: BRIDGE_SUBPROTOCOL, downstream: job.downstream, downloadAfterBytes: job.downloadAfterBytes });
    for (let d = await transport.read(); d; d = await transport.read()) bytes += d.length;
  }
  return bytes / 1e6 / ((performance.now() - t0) / 1000);
}

scope.onmessage = async ({ data: job }) => {
  try {
    if (job.openOnly) {
      const openMs: number[] = [];
      for (let i = 0; i < job.rounds; i++) {
        const t0 = performance.now();
        await new Promise<void>((resolve, reject) => {
          const ws = new WebSocket(job.url);
          ws.onopen = () => (openMs.push(performance.now() - t0), ws.close(), resolve());
          ws.onerror = () => reject(new Error('the WebSocket did not open'));
        });
      }
      return scope.postMessage({ handshakeMs: openMs, mbPerS: [] });
    }
    if (job.raw) {
      const mbPerS: number[] = [];
      for (let i = 0; i < job.rounds; i++) mbPerS.push(await readRaw(job));
      return scope.postMessage({ handshakeMs: [], mbPerS });
    }
    verifier ??= createVerifier({ anchors: [fromHex(job.anchorHex)] });
    const handshakeMs: number[] = [];
    const mbPerS: number[] = [];
    let timeline: [number, string][] | undefined;
    const phases: Record<string, number>[] = [];
    for (let i = 0; i < job.rounds; i++) {
      const recorder = new TraceRecorder(() => performance.now());
      const t0 = performance.now();
      let opened = 0;
      const options = { protocols: BRIDGE_SUBPROTOCOL, downstream: job.downstream, downloadAfterBytes: job.downloadAfterBytes };
      let transport: Transport | Promise<Transport>;
      if (job.openFirst || job.noFirstFlight) {
        // The transport as a promise: the key share and ClientHello are made while the WebSocket opens (as
        // connectTls allows), unless the job asks to wait for the open first (the engine as it was driven before).
        const opening = WebSocketTransport.open(job.url, options);
        transport = job.openFirst ? await opening : opening;
        void opening.then(() => (opened = performance.now() - t0), () => undefined);
      } else {
        // The WebSocket opens when the ClientHello is ready, with the ClientHello in its upgrade request.
        const lazy = new FirstFlightTransport(job.url, options);
        transport = lazy;
        void lazy.opened.then(() => (opened = performance.now() - t0), () => undefined);
      }
      const conn = await connectTls(transport, { serverName: job.serverName, verifier }, recorder.emit);
      handshakeMs.push(performance.now() - t0);
      phases.push(phasesOf(recorder.events, opened, handshakeMs[handshakeMs.length - 1], !(job.openFirst || job.noFirstFlight)));
      if (job.timeline) timeline = [[opened, 'WebSocket open'], ...recorder.events.map((e): [number, string] => [+e.t.toFixed(3), describe(e)])];
      if (job.request) mbPerS.push(await responseRate(conn, job.request));
      await conn.close().catch(() => {});
    }
    scope.postMessage({ handshakeMs, mbPerS, timeline, phases });
  } catch (e) {
    scope.postMessage({ error: (e as Error).stack ?? String(e) });
  }
};
