// Any trace out as a pcapng that Wireshark opens decrypted with no settings: each connection's bytes (STARTTLS
// preamble, then the TLS records, as they crossed the wire) in plausible Ethernet/IPv4/TCP framing with a
// three-way handshake and FIN, and the session's NSS key log in a Decryption Secrets Block.
import type { TraceEvent } from '../trace/types.ts';
import { concat, concatAll, fromHex } from '../util/bytes.ts';
import { PROTOCOLS } from '../starttls/index.ts';
import { keyLogText } from './engine.ts';

export interface PcapngExportOptions {
  /** Capture time of the trace's first event (default: now). */
  start?: Date;
}

const CLIENT_ADDRESS = [10, 0, 0, 1];
const SERVER_ADDRESS = [10, 0, 0, 2];
const MSS = 1460;
/** Ports Wireshark dissects as TLS (or as the STARTTLS protocol) without being told. */
const KNOWN_PORTS = new Set([443, 465, 993, 995, 636, 853, 990, 992, 5061, 8443, 25, 587, 24, 143, 110, 21, 5222, 389, 5432, 3306, 119, 4190]);

/** The key log of a trace: the engine's lines from its key schedule, plus lines a captured trace took from a key log. */
export function traceKeyLog(events: TraceEvent[]): string {
  const lines = new Set(keyLogText(events).split('\n').filter(Boolean));
  for (const e of events) {
    if (e.kind !== 'key' || e.op !== 'key log' || !e.label) continue;
    const label = /: (\S+)$/.exec(e.label)?.[1];
    const random = e.inputs.find((i) => i.name === 'client_random')?.value;
    if (label && random) lines.add(`${label} ${random} ${e.output}`);
  }
  return lines.size ? [...lines].join('\n') + '\n' : '';
}

interface Segment {
  fromClient: boolean;
  t: number;
  payload: Uint8Array;
}

/** Each connection's wire bytes in trace order. */
interface Connection {
  target?: string;
  /** The STARTTLS protocol's display name, when the connection began with a preamble. */
  protocol?: string;
  segments: Segment[];
  last: number;
  sawRecord?: boolean;
}

function connections(events: TraceEvent[]): Map<number, Connection> {
  const out = new Map<number, Connection>();
  for (const e of events) {
    let c = out.get(e.conn);
    if (!c) out.set(e.conn, (c = { segments: [], last: e.t }));
    c.last = Math.max(c.last, e.t);
    if (e.kind === 'connection' && e.target && !c.target) c.target = e.target;
    if (e.kind === 'preamble') c.protocol ??= e.protocol;
    // Preamble lines after TLS started (e.g. SMTP's EHLO again) travelled inside records: already in their bytes.
    const afterTls = e.kind === 'preamble' && c.sawRecord;
    if ((e.kind === 'record' || e.kind === 'preamble') && e.bytes && !afterTls) {
      c.segments.push({ fromClient: e.direction === 'client', t: e.t, payload: fromHex(e.bytes) });
    }
    if (e.kind === 'record') c.sawRecord = true;
  }
  return out;
}

/** The server port written: the real one when Wireshark knows it, else the protocol's usual port (443 for TLS). */
function serverPort(c: Connection): { port: number; note?: string } {
  const port = Number(/:(\d+)$/.exec(c.target ?? '')?.[1] ?? 443);
  const usual = c.protocol ? (PROTOCOLS.find((p) => p.name === c.protocol)?.defaultPort ?? 443) : 443;
  if (KNOWN_PORTS.has(port) && (!c.protocol || port === usual)) return { port };
  return { port: usual, note: `server port ${port} written as ${usual} so Wireshark dissects ${c.protocol ?? 'TLS'} without settings` };
}

export function exportPcapng(events: TraceEvent[], options: PcapngExportOptions = {}): Uint8Array {
  const startUs = BigInt(Math.round((options.start ?? new Date()).getTime() * 1000));
  const blocks: Uint8Array[] = [];
  const notes: string[] = [];
  const conns = connections(events);
  const packets: Uint8Array[] = [];
  for (const [conn, c] of conns) {
    if (c.segments.length === 0) continue;
    const { port, note } = serverPort(c);
    if (note) notes.push(`connection ${conn}: ${note}`);
    const tcp = new TcpWriter(49152 + (conn % 16000), port, 1_000_000 + conn * 7919, 2_000_000 + conn * 104729);
    const at = (t: number) => startUs + BigInt(Math.round(t * 1000));
    const first = c.segments[0].t;
    packets.push(epb(at(first - 0.3), tcp.syn()), epb(at(first - 0.2), tcp.synAck()), epb(at(first - 0.1), tcp.ack(true)));
    for (const s of c.segments) {
      for (let o = 0; o < s.payload.length; o += MSS) packets.push(epb(at(s.t), tcp.data(s.fromClient, s.payload.subarray(o, o + MSS))));
    }
    packets.push(epb(at(c.last + 0.1), tcp.fin(true)), epb(at(c.last + 0.2), tcp.fin(false)), epb(at(c.last + 0.3), tcp.ack(true)));
  }
  blocks.push(shb(notes), idb());
  const keys = traceKeyLog(events);
  if (keys) blocks.push(dsb(keys));
  blocks.push(...packets);
  return concatAll(blocks);
}

// ---------- framing ----------

class TcpWriter {
  private clientSeq: number;
  private serverSeq: number;
  constructor(
    private readonly clientPort: number,
    private readonly serverPort: number,
    clientIsn: number,
    serverIsn: number,
  ) {
    this.clientSeq = clientIsn;
    this.serverSeq = serverIsn;
  }
  syn(): Uint8Array {
    const f = this.frame(true, 0x02, new Uint8Array(0), this.clientSeq, 0);
    this.clientSeq++;
    return f;
  }
  synAck(): Uint8Array {
    const f = this.frame(false, 0x12, new Uint8Array(0), this.serverSeq, this.clientSeq);
    this.serverSeq++;
    return f;
  }
  ack(fromClient: boolean): Uint8Array {
    return fromClient ? this.frame(true, 0x10, new Uint8Array(0), this.clientSeq, this.serverSeq) : this.frame(false, 0x10, new Uint8Array(0), this.serverSeq, this.clientSeq);
  }
  data(fromClient: boolean, payload: Uint8Array): Uint8Array {
    if (fromClient) {
      const f = this.frame(true, 0x18, payload, this.clientSeq, this.serverSeq);
      this.clientSeq = (this.clientSeq + payload.length) >>> 0;
      return f;
    }
    const f = this.frame(false, 0x18, payload, this.serverSeq, this.clientSeq);
    this.serverSeq = (this.serverSeq + payload.length) >>> 0;
    return f;
  }
  fin(fromClient: boolean): Uint8Array {
    const f = fromClient ? this.frame(true, 0x11, new Uint8Array(0), this.clientSeq, this.serverSeq) : this.frame(false, 0x11, new Uint8Array(0), this.serverSeq, this.clientSeq);
    if (fromClient) this.clientSeq = (this.clientSeq + 1) >>> 0;
    else this.serverSeq = (this.serverSeq + 1) >>> 0;
    return f;
  }

  /** Ethernet + IPv4 + TCP around `payload`, with real checksums. */
  private frame(fromClient: boolean, flags: number, payload: Uint8Array, seq: number, ack: number): Uint8Array {
    const src = fromClient ? CLIENT_ADDRESS : SERVER_ADDRESS;
    const dst = fromClient ? SERVER_ADDRESS : CLIENT_ADDRESS;
    const frame = new Uint8Array(14 + 20 + 20 + payload.length);
    const dv = new DataView(frame.buffer);
    frame.set(fromClient ? [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1] : [2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2], 0);
    dv.setUint16(12, 0x0800);
    const ip = 14;
    frame[ip] = 0x45;
    dv.setUint16(ip + 2, 40 + payload.length);
    dv.setUint16(ip + 6, 0x4000); // don't fragment
    frame[ip + 8] = 64;
    frame[ip + 9] = 6;
    frame.set(src, ip + 12);
    frame.set(dst, ip + 16);
    dv.setUint16(ip + 10, checksum(frame.subarray(ip, ip + 20)));
    const tcp = ip + 20;
    dv.setUint16(tcp, fromClient ? this.clientPort : this.serverPort);
    dv.setUint16(tcp + 2, fromClient ? this.serverPort : this.clientPort);
    dv.setUint32(tcp + 4, seq >>> 0);
    dv.setUint32(tcp + 8, ack >>> 0);
    frame[tcp + 12] = 5 << 4;
    frame[tcp + 13] = flags;
    dv.setUint16(tcp + 14, 65535);
    frame.set(payload, tcp + 20);
    const pseudo = new Uint8Array(12 + 20 + payload.length);
    pseudo.set(src, 0);
    pseudo.set(dst, 4);
    pseudo[9] = 6;
    new DataView(pseudo.buffer).setUint16(10, 20 + payload.length);
    pseudo.set(frame.subarray(tcp), 12);
    dv.setUint16(tcp + 16, checksum(pseudo));
    return frame;
  }
}

/** The Internet checksum (RFC 1071). */
function checksum(b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i + 1 < b.length; i += 2) sum += (b[i] << 8) | b[i + 1];
  if (b.length % 2) sum += b[b.length - 1] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

// ---------- pcapng blocks (little-endian) ----------

function block(type: number, body: Uint8Array): Uint8Array {
  const padded = (body.length + 3) & ~3;
  const total = 12 + padded;
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, type, true);
  dv.setUint32(4, total, true);
  out.set(body, 8);
  dv.setUint32(total - 4, total, true);
  return out;
}

function option(code: number, value: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + ((value.length + 3) & ~3));
  const dv = new DataView(out.buffer);
  dv.setUint16(0, code, true);
  dv.setUint16(2, value.length, true);
  out.set(value, 4);
  return out;
}

const END_OF_OPTIONS = new Uint8Array(4);
const text = (s: string) => new TextEncoder().encode(s);

function shb(notes: string[]): Uint8Array {
  const head = new Uint8Array(16);
  const dv = new DataView(head.buffer);
  dv.setUint32(0, 0x1a2b3c4d, true);
  dv.setUint16(4, 1, true);
  dv.setUint16(6, 0, true);
  dv.setBigInt64(8, -1n, true); // section length not given
  const opts = [option(4, text('TLS Lens')), ...notes.map((n) => option(1, text(n)))];
  return block(0x0a0d0d0a, concat(head, ...opts, END_OF_OPTIONS));
}

function idb(): Uint8Array {
  const body = new Uint8Array(8);
  const dv = new DataView(body.buffer);
  dv.setUint16(0, 1, true); // LINKTYPE_ETHERNET
  dv.setUint32(4, 262144, true);
  return block(1, concat(body, option(2, text('tls-lens')), END_OF_OPTIONS));
}

function dsb(keyLog: string): Uint8Array {
  const secrets = text(keyLog);
  const head = new Uint8Array(8);
  const dv = new DataView(head.buffer);
  dv.setUint32(0, 0x544c534b, true); // TLS key log
  dv.setUint32(4, secrets.length, true);
  return block(0x0a, concat(head, secrets));
}

function epb(timeUs: bigint, frame: Uint8Array): Uint8Array {
  const head = new Uint8Array(20);
  const dv = new DataView(head.buffer);
  dv.setUint32(0, 0, true);
  dv.setUint32(4, Number(timeUs >> 32n), true);
  dv.setUint32(8, Number(timeUs & 0xffffffffn), true);
  dv.setUint32(12, frame.length, true);
  dv.setUint32(16, frame.length, true);
  return block(6, concat(head, frame));
}

