// One captured TCP stream as a trace: the STARTTLS preamble (if any), then the TLS decoded with the key log. Also
// the short description the stream list shows. Times in the trace are the capture's (ms since the stream began).
import { TraceRecorder } from '../trace/recorder.ts';
import type { TraceEvent } from '../trace/types.ts';
import type { CertificateVerifier } from './engine.ts';
import { emptyKeyLog, type KeyLog } from './keylog.ts';
import { emitPreamble, splitAtTls, streamStart, type StreamStart } from './starttls-lane.ts';
import type { TcpStream } from './streams.ts';
import { TlsStreamDecoder, type DecodedSession } from './tls-decoder.ts';

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
}

export async function decodeStream(stream: TcpStream, options: DecodeStreamOptions = {}): Promise<DecodedStream> {
  let now = stream.firstTime;
  const rec = new TraceRecorder(() => now);
  rec.conn = options.conn ?? 0;
  const start = streamStart(stream.chunks);
  const target = `${stream.server.address.includes(':') ? `[${stream.server.address}]` : stream.server.address}:${stream.server.port}`;
  rec.emit({ kind: 'connection', phase: 'start', target, detail: `captured: ${stream.client.address}:${stream.client.port} → ${target}` });
  rec.emit({ kind: 'connection', phase: 'transport-open', target });
  const [preamble, tls] = splitAtTls(stream.chunks, start.tlsStart);
  let injected = 0;
  if (start.kind === 'starttls' && start.protocol) injected = emitPreamble(start.protocol, preamble, rec.emit);
  else if (preamble.some((c) => 'bytes' in c)) {
    rec.emit({ kind: 'note', text: start.kind === 'unknown' ? 'no TLS handshake found in this stream' : 'bytes before the TLS handshake that no known protocol explains' });
  }
  const decoder = new TlsStreamDecoder({ keyLog: options.keyLog ?? emptyKeyLog(), emit: rec.emit, verifier: options.verifier, time: new Date(stream.firstTime) });
  for (const chunk of tls) {
    now = chunk.time;
    await decoder.feed(chunk);
  }
  const session = decoder.finish();
  now = stream.lastTime;
  if (!stream.complete) rec.emit({ kind: 'note', text: 'only the first part of this stream was kept (listing mode)' });
  rec.emit({ kind: 'connection', phase: 'closed', detail: 'end of the captured stream' });
  return { events: rec.events, session, start, injected };
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
  /** "TLS 1.3", "TLS 1.2", "TLS (version not seen)", or "" when no TLS was found. */
  tls: string;
  serverName: string | null;
  starttls: string | null;
  gaps: number;
}

const endpoint = (e: { address: string; port: number }) => (e.address.includes(':') ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`);

/** Describe a stream (decodes its first bytes without keys). */
export async function describeStream(stream: TcpStream): Promise<StreamListing> {
  return listingOf(stream, await decodeStream(stream));
}

/** The stream list's line for a stream already decoded. */
export function listingOf(stream: TcpStream, { session, start }: DecodedStream): StreamListing {
  const tls = session.version ? `TLS ${session.version}` : start.kind === 'unknown' ? '' : 'TLS (version not seen)';
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
  };
}
