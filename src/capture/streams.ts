// Groups the TCP segments of a capture into connections (streams), reassembles both directions, and keeps the
// figures the stream list shows. Streaming: only the streams asked for keep all their bytes; the others keep a
// prefix for recognition, so listing a huge capture stays within bounded memory.
import type { Side } from '../trace/types.ts';
import type { ByteChunks } from './chunk-reader.ts';
import { readCaptureBatches } from './capture-file.ts';
import { CaptureError } from './errors.ts';
import { IpFragments, tcpSegmentOf, type TcpSegment } from './packet.ts';
import { AckOrderer, DirectionAssembler, type StreamChunk } from './tcp-reassembly.ts';
import { countTruncation, type Truncation } from './truncation.ts';

export interface Endpoint {
  address: string;
  port: number;
}

export interface TcpStream {
  /** 0-based, in order of each connection's first packet (as Wireshark's tcp.stream). */
  index: number;
  client: Endpoint;
  server: Endpoint;
  firstTime: number;
  lastTime: number;
  packets: number;
  /** Payload bytes each way (after reassembly, retransmissions not counted twice). */
  bytes: { client: number; server: number };
  /** Both directions' data in arrival order; for streams not kept whole, only the first `prefixBytes` of each. */
  chunks: StreamChunk[];
  /** True when `chunks` holds everything (not just a prefix). */
  complete: boolean;
  gaps: number;
  retransmittedSegments: number;
  /** A SYN was seen, so who is the client is known, not guessed. */
  sawSyn: boolean;
  /** Its packets whose TCP data the capture's snapshot length cut short (null: none), and the bytes they lost. */
  truncated: (Truncation & { bytes: number }) | null;
}

export interface CaptureScan {
  streams: TcpStream[];
  /** Key log text from Decryption Secrets Blocks. */
  keyLog: string;
  packets: number;
  /** Packets the capture cut short (captured length less than the original length), when any were. */
  truncated?: Truncation;
  /** The reason reading stopped early (what came before is kept). */
  error?: { code: string; message: string; offset: number };
}

export interface ScanOptions {
  /** Which streams keep all their bytes (default: all). */
  keep?: (index: number) => boolean;
  /** Bytes kept per direction of the other streams (default 64 KiB). */
  prefixBytes?: number;
}

/** Where a stream's data goes as it is read: chunks in stream order (both directions ordered by their acks). */
export interface StreamSink {
  /** The next chunk: its bytes are a view into the reader's buffer, valid only during this call (copy what is kept). */
  data(chunk: StreamChunk): void;
  /**
   * The stream's data is complete: both directions closed (each FIN seen with every byte before it, or an RST),
   * its ports were reused, or the capture ended. Only packets without new data (the last ACKs) may still follow,
   * counted in `packets` and `lastTime`.
   */
  end(): void;
}

export interface StreamReader {
  /** A new TCP stream (its figures fill in as packets come). */
  open(stream: TcpStream): StreamSink;
  /** Key log text from a Decryption Secrets Block. */
  secrets?(keyLog: string): void;
  /** Called after each packet: a promise makes reading wait (the consumer is behind). */
  afterPacket?(): Promise<void> | undefined;
}

interface Live {
  stream: TcpStream;
  /** The client side's address:port text. */
  clientKey: string;
  assemblers: Record<Side, DirectionAssembler>;
  orderer: AckOrderer;
  sink: StreamSink;
  /** A FIN or RST was seen (a new SYN on these ports then starts a new stream). */
  closed: boolean;
  /** Its data is complete and the sink was told; later packets are only counted. */
  ended: boolean;
}

const endpointKey = (address: string, port: number) => `${address}|${port}`;

/**
 * Read a capture once, streaming: every TCP stream's data reassembled and handed to `reader` as it comes; memory
 * holds one block of the file and, per stream, only what reassembly must hold (out-of-order segments).
 * Never throws for bad capture data: the error comes back, after everything before it was handed on.
 */
export async function readTcpStreams(source: ByteChunks, reader: StreamReader): Promise<{ packets: number; streams: number; truncated?: Truncation; error?: CaptureScan['error'] }> {
  const live = new Map<string, Live>();
  const fragments = new IpFragments();
  let streams = 0;
  let packets = 0;
  let truncated: Truncation | null = null;
  let error: CaptureScan['error'];

  const open = (seg: TcpSegment, time: number, key: string): Live => {
    // Who is the client: the SYN's sender (a SYN-ACK's sender is the server). With no handshake seen (the capture
    // began later), the endpoint with the lower port is the server, as a service's well-known port is lower than
    // a client's ephemeral one (Wireshark's dissectors try the lower port first too); equal ports: the first sender.
    const senderIsServer = seg.flags.syn ? seg.flags.ack : seg.srcPort < seg.dstPort;
    const client = senderIsServer ? { address: seg.dstAddr, port: seg.dstPort } : { address: seg.srcAddr, port: seg.srcPort };
    const server = senderIsServer ? { address: seg.srcAddr, port: seg.srcPort } : { address: seg.dstAddr, port: seg.dstPort };
    const stream: TcpStream = {
      index: streams++,
      client,
      server,
      firstTime: time,
      lastTime: time,
      packets: 0,
      bytes: { client: 0, server: 0 },
      chunks: [],
      complete: true,
      gaps: 0,
      retransmittedSegments: 0,
      sawSyn: seg.flags.syn,
      truncated: null,
    };
    const sink = reader.open(stream);
    const assemblers: Live['assemblers'] = {
      client: new DirectionAssembler('client', (c) => toOrderer(c)),
      server: new DirectionAssembler('server', (c) => toOrderer(c)),
    };
    const orderer = new AckOrderer(() => ({ client: assemblers.client.base, server: assemblers.server.base }), (c) => sink.data(c));
    const toOrderer = (chunk: StreamChunk) => {
      if ('bytes' in chunk) stream.bytes[chunk.direction] += chunk.bytes.length;
      orderer.push(chunk);
    };
    const entry: Live = { stream, clientKey: endpointKey(client.address, client.port), assemblers, orderer, sink, closed: false, ended: false };
    live.set(key, entry);
    return entry;
  };

  const finish = (entry: Live) => {
    if (entry.ended) return;
    entry.ended = true;
    const { client, server } = entry.assemblers;
    client.finish();
    server.finish();
    entry.orderer.flush();
    entry.stream.gaps = client.gaps + server.gaps;
    entry.stream.retransmittedSegments = client.retransmitted + server.retransmitted;
    entry.sink.end();
  };

  try {
    for await (const batch of readCaptureBatches(source)) {
      for (const item of batch) {
        if (item.kind === 'secrets') {
          reader.secrets?.(item.keyLog);
          continue;
        }
        packets++;
        // Bytes of the packet the capture did not keep (its snapshot length cut it).
        const missing = item.originalLength - item.data.length;
        if (missing > 0) truncated = countTruncation(truncated, item.data.length);
        const seg = tcpSegmentOf(item.linkType, item.data, fragments);
        if (seg) {
          const a = endpointKey(seg.srcAddr, seg.srcPort);
          const b = endpointKey(seg.dstAddr, seg.dstPort);
          const key = a < b ? `${a}~${b}` : `${b}~${a}`;
          let entry = live.get(key);
          // A new SYN on a connection that ended (or that had its own SYN) starts a new stream on the same ports.
          if (entry && seg.flags.syn && !seg.flags.ack && (entry.closed || entry.stream.sawSyn) && entry.clientKey === a && entry.stream.packets > 2) {
            finish(entry);
            live.delete(key);
            entry = undefined;
          }
          entry ??= open(seg, item.time, key);
          const s = entry.stream;
          s.packets++;
          s.lastTime = Math.max(s.lastTime, item.time);
          // TCP data the cut took: as much of what the packet lost as its IP header says it carried.
          const cut = missing > 0 ? Math.min(missing, seg.beyond ?? missing) : 0;
          if (cut > 0) {
            s.truncated = { ...countTruncation(s.truncated, item.data.length), bytes: (s.truncated?.bytes ?? 0) + cut };
          }
          if (!entry.ended) {
            const side: Side = a === entry.clientKey ? 'client' : 'server';
            const assembler = entry.assemblers[side];
            if (seg.flags.syn) {
              s.sawSyn = true;
              assembler.syn(seg.seq);
            }
            assembler.segment(seg.seq, item.time, seg.payload, seg.flags.ack ? seg.ack : undefined, cut);
            if (seg.flags.fin) assembler.fin(seg.seq, seg.payload.length + cut);
            if (seg.flags.fin || seg.flags.rst) entry.closed = true;
            // Both directions closed (or the connection reset): hand the stream on now, so its decoder lets go of
            // its window while the rest of the capture is read.
            if (seg.flags.rst || (entry.assemblers.client.closed && entry.assemblers.server.closed)) finish(entry);
          }
        }
        const wait = reader.afterPacket?.();
        if (wait) await wait;
      }
    }
  } catch (e) {
    if (!(e instanceof CaptureError)) throw e;
    error = { code: e.code, message: e.message, offset: e.offset };
  }
  for (const entry of live.values()) finish(entry);
  return { packets, streams, ...(truncated && { truncated }), ...(error && { error }) };
}

/**
 * Read a whole capture into memory: every stream with its chunks (those `keep` does not want: a prefix of each
 * direction, for recognition). For tests and small files; `importCapture` (import.ts) decodes as it reads.
 */
export async function scanCapture(source: ByteChunks, options: ScanOptions = {}): Promise<CaptureScan> {
  const keep = options.keep ?? (() => true);
  const prefixBytes = options.prefixBytes ?? 64 * 1024;
  const streams: TcpStream[] = [];
  let keyLog = '';
  const result = await readTcpStreams(source, {
    secrets(text) {
      keyLog += text.endsWith('\n') || text === '' ? text : text + '\n';
    },
    open(stream) {
      streams.push(stream);
      const whole = keep(stream.index);
      const kept: Record<Side, number> = { client: 0, server: 0 };
      return {
        data(chunk) {
          // Copies: the chunk's bytes are a view into the reader's buffer, valid only during this call.
          if (whole) {
            stream.chunks.push('bytes' in chunk ? { ...chunk, bytes: chunk.bytes.slice() } : chunk);
            return;
          }
          const room = prefixBytes - kept[chunk.direction];
          if (room <= 0) {
            stream.complete = false;
            return;
          }
          if ('bytes' in chunk) {
            const part = chunk.bytes.slice(0, room);
            if (part.length < chunk.bytes.length) stream.complete = false;
            kept[chunk.direction] += part.length;
            stream.chunks.push({ ...chunk, bytes: part });
          } else stream.chunks.push(chunk);
        },
        end() {},
      };
    },
  });
  return { streams, keyLog, packets: result.packets, ...(result.truncated && { truncated: result.truncated }), ...(result.error && { error: result.error }) };
}

/** All data of one direction, joined (gaps left out; see the chunks for where they are). */
export function directionBytes(stream: TcpStream, direction: Side): Uint8Array {
  const parts = stream.chunks.filter((c): c is Extract<StreamChunk, { bytes: Uint8Array }> => c.direction === direction && 'bytes' in c);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.bytes.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p.bytes, o);
    o += p.bytes.length;
  }
  return out;
}
