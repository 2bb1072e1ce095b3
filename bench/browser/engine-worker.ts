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
import { cryptoProvider } from '../../src/crypto/provider.ts';
import { responseRate } from './response-rate.ts';
import { watchNextWebSocket } from './watch-websocket.ts';
import { milestonesOf, roundSteps, serverFlightSteps } from '../handshake-milestones.ts';
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
  /** With openOnly: the subprotocols to ask for (the bridge wants its own). */
  openProtocols?: string[];
  /** The transport's downstream option ('websocket': every byte as messages, as before the download existed). */
  downstream?: 'http' | 'websocket';
  downloadAfterBytes?: number;
  /** Await the WebSocket's opening before starting the handshake. */
  openFirst?: boolean;
  /** Open the WebSocket at once and send the ClientHello once it is open, as before the first flight travelled
   * in the upgrade request (FirstFlightTransport, the default). */
  noFirstFlight?: boolean;
  /** Each round's events from the server's first record on, with each one's time after the one before. */
  steps?: boolean;
  /** Each trace event also as a performance.mark (its name: the event's kind and name): with Chromium tracing on
   * (TLS_LENS_BENCH_TRACE), the marks carry the trace clock's µs, finer than the Worker's 100 µs clock. */
  marks?: boolean;
  /** Note when the round's WebSocket opened and first received bytes (wsOpen, wsBytesIn in the phases). */
  wsTimes?: boolean;
  /** Count the WebCrypto calls of each kind during the (last) round: how many round trips a handshake makes. */
  countWebCrypto?: boolean;
  /** Instead of handshakes: the median time (µs) of one awaited WebCrypto call of each kind, one after another. */
  webCryptoRoundTrip?: boolean;
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
  const m = milestonesOf(events);
  const made = Number.isNaN(m.made) ? opened : m.made;
  const sent = firstFlight ? made : Math.max(made, opened);
  const r = (n: number) => +n.toFixed(3);
  return {
    open: opened,
    clientHelloMade: made,
    sentToAnswer: r(m.answered - sent),
    serverFlightToDone: r(done - m.answered),
    ...roundSteps(serverFlightSteps(m, done), r),
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

const SUBTLE_CALLS = ['encrypt', 'decrypt', 'sign', 'verify', 'digest', 'generateKey', 'deriveBits', 'deriveKey', 'importKey', 'exportKey'] as const;

/** Run `body` with every crypto.subtle call counted by kind (the real calls, through a wrapper on the object). */
async function countingWebCrypto<T>(body: () => Promise<T>): Promise<{ result: T; calls: Record<string, number> }> {
  const subtle = crypto.subtle as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
  const calls: Record<string, number> = {};
  for (const name of SUBTLE_CALLS) {
    const real = subtle[name].bind(crypto.subtle);
    subtle[name] = (...a) => ((calls[name] = (calls[name] ?? 0) + 1), real(...a));
  }
  try {
    return { result: await body(), calls };
  } finally {
    for (const name of SUBTLE_CALLS) delete subtle[name];
  }
}

/**
 * µs of one awaited WebCrypto call, for the kinds a handshake makes: the median of 9 batches of 50 calls in a row,
 * each timed as a whole (a Worker's clock without cross-origin isolation moves in 100 µs steps, too coarse for one
 * call); and `<kind>OnCallingThread`, the same calls made without awaiting each: how much of a call's time is spent
 * on the calling thread (in Chromium's Workers, all of it: WebCrypto's work cannot overlap with the engine's).
 */
async function webCryptoRoundTrips(): Promise<Record<string, number>> {
  const s = crypto.subtle;
  const time = async (op: () => Promise<unknown>) => {
    for (let i = 0; i < 20; i++) await op();
    const batches: number[] = [];
    const issued: number[] = [];
    for (let b = 0; b < 9; b++) {
      const t0 = performance.now();
      for (let i = 0; i < 50; i++) await op();
      batches.push(((performance.now() - t0) * 1000) / 50);
      // The same 50 calls made without awaiting each: the time the calls themselves take on this thread. Close to
      // the awaited time, the call's work runs on the calling thread (it cannot overlap with this thread's work).
      const t1 = performance.now();
      const pending: Promise<unknown>[] = [];
      for (let i = 0; i < 50; i++) pending.push(op());
      issued.push(((performance.now() - t1) * 1000) / 50);
      await Promise.all(pending);
    }
    const mid = (xs: number[]) => Math.round(xs.sort((a, b) => a - b)[4]);
    onCallingThreadUs[currentKind] = mid(issued);
    return mid(batches);
  };
  const onCallingThreadUs: Record<string, number> = {};
  let currentKind = '';
  const kind = (name: string) => ((currentKind = name), name);
  const aes = await s.importKey('raw', new Uint8Array(16), 'AES-GCM', false, ['encrypt', 'decrypt']);
  const iv = new Uint8Array(12);
  const sealed = await s.encrypt({ name: 'AES-GCM', iv }, aes, new Uint8Array(64));
  const ec = (await s.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify'])) as CryptoKeyPair;
  const data = new Uint8Array(130);
  const sig = await s.sign({ name: 'ECDSA', hash: 'SHA-256' }, ec.privateKey, data);
  const x = (await s.generateKey({ name: 'X25519' }, false, ['deriveBits'])) as CryptoKeyPair;
  const peer = new Uint8Array(await s.exportKey('raw', ((await s.generateKey({ name: 'X25519' }, true, ['deriveBits'])) as CryptoKeyPair).publicKey));
  const peerKey = await s.importKey('raw', peer, { name: 'X25519' }, true, []);
  const awaited = {
    [kind('aesGcmEncrypt64B')]: await time(() => s.encrypt({ name: 'AES-GCM', iv }, aes, new Uint8Array(64))),
    [kind('aesGcmDecrypt64B')]: await time(() => s.decrypt({ name: 'AES-GCM', iv }, aes, sealed)),
    [kind('aesKeyImport')]: await time(() => s.importKey('raw', new Uint8Array(16), 'AES-GCM', false, ['encrypt', 'decrypt'])),
    [kind('ecdsaP256Verify')]: await time(() => s.verify({ name: 'ECDSA', hash: 'SHA-256' }, ec.publicKey, sig, data)),
    [kind('x25519PeerImport')]: await time(() => s.importKey('raw', peer, { name: 'X25519' }, true, [])),
    [kind('x25519DeriveBits')]: await time(() => s.deriveBits({ name: 'X25519', public: peerKey } as EcdhKeyDeriveParams, x.privateKey, 256)),
    [kind('x25519Generate')]: await time(() => s.generateKey({ name: 'X25519' }, false, ['deriveBits'])),
    // One HMAC-SHA256 over 49 bytes (an HKDF-Expand-Label's input) with a fresh 32-byte key: by WebCrypto (import and
    // sign, as subtls makes them), and by the provider the key schedule uses (@noble, synchronous; a new key each time).
    [kind('hmacWebCrypto')]: await time(async () => s.sign('HMAC', await s.importKey('raw', crypto.getRandomValues(new Uint8Array(32)), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']), new Uint8Array(49))),
    [kind('hmacProvider')]: await time(async () => cryptoProvider().hash.hmac('SHA-256', crypto.getRandomValues(new Uint8Array(32)), new Uint8Array(49))),
  };
  return { ...awaited, ...Object.fromEntries(Object.entries(onCallingThreadUs).map(([k, v]) => [`${k}OnCallingThread`, v])) };
}

scope.onmessage = async ({ data: job }) => {
  try {
    if (job.webCryptoRoundTrip) return scope.postMessage({ handshakeMs: [], mbPerS: [], roundTripUs: await webCryptoRoundTrips() });
    if (job.openOnly) {
      const openMs: number[] = [];
      for (let i = 0; i < job.rounds; i++) {
        const t0 = performance.now();
        await new Promise<void>((resolve, reject) => {
          const ws = new WebSocket(job.url, job.openProtocols);
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
    let webCryptoCalls: Record<string, number> | undefined;
    const steps: [string, number][][] = [];
    for (let i = 0; i < job.rounds; i++) {
      const recorder = new TraceRecorder(() => performance.now());
      const t0 = performance.now();
      // Only when asked (bench/browser/engine-bench.ts, which watches subtls's WebSocket the same way).
      const seen = job.wsTimes || job.marks ? watchNextWebSocket(t0, job.marks) : { open: NaN, bytesIn: NaN };
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
      const emit: typeof recorder.emit = job.marks
        ? (e) => {
            const index = recorder.emit(e);
            performance.mark(`tl:${index}:${describe(recorder.events[index])}`);
            return index;
          }
        : recorder.emit;
      if (job.marks) performance.mark('tl:start');
      const handshake = () => connectTls(transport, { serverName: job.serverName, verifier }, emit);
      const counted = job.countWebCrypto && i === job.rounds - 1 ? await countingWebCrypto(handshake) : null;
      if (counted) webCryptoCalls = counted.calls;
      const conn = counted ? counted.result : await handshake();
      handshakeMs.push(performance.now() - t0);
      if (job.marks) performance.mark('tl:done');
      if (job.marks) performance.clearMarks();
      const watched: Record<string, number> = job.wsTimes || job.marks ? { wsOpen: seen.open, wsBytesIn: seen.bytesIn, bytesInToRead: +(milestonesOf(recorder.events).answered - seen.bytesIn).toFixed(3) } : {};
      phases.push({ ...phasesOf(recorder.events, opened, handshakeMs[handshakeMs.length - 1], !(job.openFirst || job.noFirstFlight)), ...watched });
      if (job.timeline) timeline = [[opened, 'WebSocket open'], ...recorder.events.map((e): [number, string] => [+e.t.toFixed(3), describe(e)])];
      // Each event's time after the one before, from the server's first record to the handshake's end (done last).
      if (job.steps) {
        const from = recorder.events.findIndex((e) => e.kind === 'record' && e.direction === 'server');
        const done = handshakeMs[handshakeMs.length - 1];
        steps.push([...recorder.events.slice(from).map((e, i, all): [string, number] => [describe(e), +(e.t - (i ? all[i - 1].t : e.t)).toFixed(3)]), ['done', +(done - recorder.events[recorder.events.length - 1].t).toFixed(3)]]);
      }
      if (job.request) mbPerS.push(await responseRate(conn, job.request));
      await conn.close().catch(() => {});
    }
    scope.postMessage({ handshakeMs, mbPerS, timeline, phases, webCryptoCalls, steps });
  } catch (e) {
    scope.postMessage({ error: (e as Error).stack ?? String(e) });
  }
};
