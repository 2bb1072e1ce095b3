// One captured TCP stream as a trace: the STARTTLS preamble (if any), then the TLS decoded with the key log. Also
// the short description the stream list shows. Times in the trace are the capture's (ms since the stream began).
import { TraceRecorder } from '../trace/recorder.ts';
import type { Side, TraceEvent } from '../trace/types.ts';
import type { CertificateVerifier } from './engine.ts';
import { emptyKeyLog, type KeyLog } from './keylog.ts';
import { emitPreamble, splitAtTls, streamStart, type StreamStart } from './starttls-lane.ts';
import type { TcpStream } from './streams.ts';
import type { StreamChunk } from './tcp-reassembly.ts';
import { TlsStreamDecoder, versionName, type DecodedSession, type DecryptAhead } from './tls-decoder.ts';
import { streamTruncationNote } from './truncation.ts';

export interface DecodedStream {
  events: TraceEvent[];
  session: DecodedSession;
  start: StreamStart;
  /** Server plaintext after the STARTTLS go-ahead (bytes). */
  injected: number;
}

export interface DecodeStreamOptions {
  keyLog?: KeyLog;
  verifier?: CertificateVerifier;
  /** Connection number stamped on the events (default 0). */
  conn?: number;
  /** Application data shown in full per direction (tls-decoder.ts, CAPTURE_APP_DATA_WINDOW by default). */
  appDataWindow?: number;
  /** Decryptions ahead, shared by the streams of one capture. */
  ahead?: DecryptAhead;
  /** Decode only this many bytes of each direction (a listing: what the stream is, not all it says). */
  prefixBytes?: number;
  /** Chunks' bytes are valid only while `feed` runs (tls-decoder.ts, `transient`): what is kept is copied. */
  transient?: boolean;
}

/** Plaintext before TLS is looked at in at most this many bytes per direction (as much as any preamble needs). */
const START_WINDOW = 1 << 20;

const target = (stream: StreamInfo) => `${stream.server.address.includes(':') ? `[${stream.server.address}]` : stream.server.address}:${stream.server.port}`;

/** What a stream decoder needs to know of its TCP stream (without `sawSyn`: the connection's start was captured). */
export type StreamInfo = Pick<TcpStream, 'client' | 'server' | 'firstTime'> & Partial<Pick<TcpStream, 'sawSyn' | 'truncated'>>;

/**
 * One captured TCP stream decoded as its data arrives (chunks in stream order, see tcp-reassembly.ts): the first
 * bytes are held until it is clear how the stream starts (TLS at once, or which STARTTLS preamble), then the
 * preamble goes into the trace and every later byte straight to the TLS decoder, which keeps only what it shows.
 */
export class StreamDecoder {
  private now: number;
  private readonly rec: TraceRecorder;
  private readonly tls: TlsStreamDecoder;
  /** Chunks held until the start is known. */
  private held: StreamChunk[] = [];
  private heldBytes: Record<Side, number> = { client: 0, server: 0 };
  private start: StreamStart | null = null;
  private fed: Record<Side, number> = { client: 0, server: 0 };
  private injected = 0;
  private cut = false;
  private plaintextAfter = 0;

  constructor(
    private readonly stream: StreamInfo,
    private readonly options: DecodeStreamOptions = {},
  ) {
    this.now = stream.firstTime;
    this.rec = new TraceRecorder(() => this.now);
    this.rec.conn = options.conn ?? 0;
    this.rec.emit({ kind: 'connection', phase: 'start', target: target(stream), detail: `captured: ${stream.client.address}:${stream.client.port} → ${target(stream)}` });
    this.rec.emit({ kind: 'connection', phase: 'transport-open', target: target(stream) });
    this.tls = new TlsStreamDecoder({
      keyLog: options.keyLog ?? emptyKeyLog(),
      emit: this.rec.emit,
      verifier: options.verifier,
      time: new Date(stream.firstTime),
      onTime: (t) => (this.now = t),
      appDataWindow: options.appDataWindow,
      ahead: options.ahead,
      transient: options.transient,
    });
  }

  /** The next chunk of the stream: done before returning unless something needs an await (then a promise). */
  feed(chunk: StreamChunk): void | Promise<void> {
    if (this.start) return this.toTls(chunk);
    if (this.options.transient && 'bytes' in chunk) chunk = { ...chunk, bytes: chunk.bytes.slice() };
    this.held.push(chunk);
    if ('bytes' in chunk) this.heldBytes[chunk.direction] += chunk.bytes.length;
    const start = streamStart(this.held, this.late());
    const decided = start.kind === 'tls' || (start.kind === 'starttls' && start.tlsStart.client !== null && start.tlsStart.server !== null);
    if (decided || this.heldBytes.client >= START_WINDOW || this.heldBytes.server >= START_WINDOW) return this.begin(start);
  }

  /** The capture began after the connection did: no SYN seen (read at each look: the stream is read as it comes). */
  private late(): boolean {
    return this.stream.sawSyn === false;
  }

  private async begin(start: StreamStart): Promise<void> {
    this.start = start;
    const [preamble, tls] = splitAtTls(this.held, start.tlsStart);
    this.held = [];
    if (start.midway) {
      this.rec.emit({ kind: 'note', text: 'this stream does not begin with a ClientHello (the capture began later, or lost its first bytes): its TLS records are read from the first record boundary found' });
      this.tls.beginMidway();
    }
    if (start.kind === 'starttls' && start.protocol) this.injected = emitPreamble(start.protocol, preamble, this.rec.emit);
    else if (preamble.some((c) => 'bytes' in c)) {
      this.rec.emit({ kind: 'note', text: start.kind === 'unknown' ? 'no TLS handshake found in this stream' : 'bytes before the TLS handshake that no known protocol explains' });
    }
    for (const c of tls) await this.feedTls(c);
  }

  private toTls(chunk: StreamChunk): void | Promise<void> {
    const side = chunk.direction;
    if (this.start!.tlsStart[side] === null) {
      // This direction never switched to TLS: its later plaintext is counted, not decoded.
      if ('bytes' in chunk) this.plaintextAfter += chunk.bytes.length;
      return;
    }
    return this.feedTls(chunk);
  }

  private feedTls(chunk: StreamChunk): void | Promise<void> {
    const limit = this.options.prefixBytes;
    if (limit !== undefined && 'bytes' in chunk) {
      const room = limit - this.fed[chunk.direction];
      if (room <= 0) {
        this.cut = true;
        return;
      }
      if (chunk.bytes.length > room) {
        this.cut = true;
        chunk = { ...chunk, bytes: chunk.bytes.subarray(0, room) };
      }
      this.fed[chunk.direction] += chunk.bytes.length;
    }
    this.now = chunk.time;
    return this.tls.feed(chunk);
  }

  /** The end of the stream (`lastTime`: its last packet's time). */
  async finish(lastTime: number, complete = true): Promise<DecodedStream> {
    if (!this.start) await this.begin(streamStart(this.held, this.late()));
    const session = await this.tls.finish();
    this.now = lastTime;
    if (this.plaintextAfter > 0) this.rec.emit({ kind: 'note', text: `${this.plaintextAfter} more bytes of plaintext after the first ${START_WINDOW} of a direction that never switched to TLS: not shown` });
    if (this.cut || !complete) this.rec.emit({ kind: 'note', text: 'only the first part of this stream was kept (listing mode)' });
    // Read at the end: the stream's packets are counted as they are read.
    const truncated = this.stream.truncated;
    if (truncated) this.rec.emit({ kind: 'note', text: streamTruncationNote(truncated, truncated.bytes) });
    this.rec.emit({ kind: 'connection', phase: 'closed', detail: 'end of the captured stream' });
    return { events: this.rec.events, session, start: this.start!, injected: this.injected };
  }
}

/** Decode a stream whose chunks were collected (scanCapture). */
export async function decodeStream(stream: TcpStream, options: DecodeStreamOptions = {}): Promise<DecodedStream> {
  const decoder = new StreamDecoder(stream, options);
  for (const chunk of stream.chunks) await decoder.feed(chunk);
  return decoder.finish(stream.lastTime, stream.complete);
}

/** The stream list's line: endpoints, times, bytes, and what was recognised. */
export interface StreamListing {
  index: number;
  client: string;
  server: string;
  firstTime: string;
  lastTime: string;
  durationMs: number;
  packets: number;
  bytes: { client: number; server: number };
  /** "TLS 1.3", "TLS 1.2" (... "SSL 3.0"), "TLS (version not seen)", or "" when no TLS was found. */
  tls: string;
  serverName: string | null;
  starttls: string | null;
  gaps: number;
  /** Its packets whose TCP data the capture's snapshot length cut short. */
  truncatedPackets: number;
}

const endpoint = (e: { address: string; port: number }) => (e.address.includes(':') ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`);

/** Describe a stream (decodes its first bytes without keys). */
export async function describeStream(stream: TcpStream): Promise<StreamListing> {
  return listingOf(stream, await decodeStream(stream));
}

/** The stream list's line for a stream already decoded. */
export function listingOf(stream: TcpStream, { session, start }: Pick<DecodedStream, 'session' | 'start'>): StreamListing {
  const tls = session.version ? versionName(session.version) : start.kind === 'unknown' ? '' : 'TLS (version not seen)';
  return {
    index: stream.index,
    client: endpoint(stream.client),
    server: endpoint(stream.server),
    firstTime: new Date(stream.firstTime).toISOString(),
    lastTime: new Date(stream.lastTime).toISOString(),
    durationMs: Math.round((stream.lastTime - stream.firstTime) * 1000) / 1000,
    packets: stream.packets,
    bytes: stream.bytes,
    tls,
    serverName: session.serverName,
    starttls: start.kind === 'starttls' ? (start.protocol ?? null) : null,
    gaps: stream.gaps,
    truncatedPackets: stream.truncated?.packets ?? 0,
  };
}
