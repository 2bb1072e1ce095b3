// Recognises, from the bytes alone, how a captured stream starts: TLS straight away, or the plaintext preamble
// of one of the STARTTLS protocols src/starttls speaks. Splits the stream at the switch point, writes the
// preamble into the trace as live sessions do (one `preamble` event per line or packet), and flags plaintext the
// server sent after its go-ahead (STARTTLS injection).
import { PROTOCOLS, plaintextCodec, type PlaintextCodec, type PlaintextDescription, type StartTlsProtocol } from '../starttls/index.ts';
import { printable } from '../starttls/dialogue.ts';
import { injectionMessage } from '../starttls/errors.ts';
import type { Emit } from '../trace/recorder.ts';
import type { Side } from '../trace/types.ts';
import { append, concatAll, toHex } from '../util/bytes.ts';
import { holdsTlsRecords } from './midway.ts';
import type { StreamChunk } from './tcp-reassembly.ts';
import { gapCutText } from './truncation.ts';

export interface StreamStart {
  /** 'tls': TLS from the first byte; 'starttls': a preamble first; 'unknown': no TLS found. */
  kind: 'tls' | 'starttls' | 'unknown';
  protocol?: StartTlsProtocol;
  /** Where TLS starts in each direction's data (bytes of preamble before it). */
  tlsStart: Record<Side, number | null>;
  /** 'tls' with no ClientHello first: the capture began after the hellos (or lost them), the bytes are records. */
  midway?: boolean;
}

/** A ClientHello record header at `at`: handshake record, TLS 1.x, handshake type 1. */
export function clientHelloAt(b: Uint8Array, at: number): boolean {
  return at + 6 <= b.length && b[at] === 0x16 && b[at + 1] === 3 && b[at + 2] <= 4 && b[at + 5] === 1;
}

/** A server's first TLS record at `at`: a handshake (ServerHello) or an alert record. */
function serverTlsAt(b: Uint8Array, at: number): boolean {
  return at + 5 <= b.length && (b[at] === 0x16 || b[at] === 0x15) && b[at + 1] === 3 && b[at + 2] <= 4;
}

const ascii = (b: Uint8Array, n = 4096) => new TextDecoder('latin1').decode(b.subarray(0, n));

const POSTGRES_SSL_REQUEST = [0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f];
const STARTTLS_OID = '1.3.6.1.4.1.1466.20037';

/** Which STARTTLS protocol a plaintext exchange is, from what each side said. */
export function recogniseProtocol(client: Uint8Array, server: Uint8Array): StartTlsProtocol | undefined {
  if (POSTGRES_SSL_REQUEST.every((x, i) => client[i] === x)) return 'postgres';
  const c = ascii(client);
  const s = ascii(server);
  if (client[0] === 0x30 && c.includes(STARTTLS_OID)) return 'ldap';
  if (/<stream:stream/.test(c) || /<stream:stream/.test(s)) return 'xmpp';
  // MySQL: the server speaks first with a protocol-10 handshake packet (3-byte length, sequence 0, then 0x0a).
  if (server.length > 5 && server[3] === 0 && server[4] === 0x0a && (server[0] | (server[1] << 8) | (server[2] << 16)) + 4 <= server.length + 1) return 'mysql';
  if (/^LHLO /im.test(c)) return 'lmtp';
  if (/^(EHLO|HELO) /im.test(c) || (/^220[ -]/.test(s) && /^STARTTLS\r?$/im.test(c) && /ESMTP|SMTP/i.test(s))) return 'smtp';
  if (/^AUTH TLS/im.test(c)) return 'ftp';
  if (/^STLS\r?$/im.test(c) || /^\+OK/.test(s)) return 'pop3';
  if (/^\* (OK|PREAUTH)/.test(s) || /^\S+ STARTTLS\r?$/im.test(c)) return 'imap';
  if (/^"IMPLEMENTATION"|^"SIEVE"/im.test(s)) return 'sieve';
  if (/^20[01] /.test(s)) return 'nntp';
  return undefined;
}

function joinDirection(chunks: StreamChunk[], side: Side, limit = 1 << 20): Uint8Array {
  const parts: Uint8Array[] = [];
  let n = 0;
  for (const c of chunks) {
    if (c.direction !== side) continue;
    if (!('bytes' in c)) break; // a gap: what follows cannot be placed
    parts.push(c.bytes);
    n += c.bytes.length;
    if (n >= limit) break;
  }
  return concatAll(parts);
}

/**
 * How the stream starts, and where TLS begins in each direction. `late`: the capture began after the connection
 * did (no SYN seen), so its first bytes may be anywhere in the TLS, even inside a record.
 */
export function streamStart(chunks: StreamChunk[], late = false): StreamStart {
  const client = joinDirection(chunks, 'client');
  const server = joinDirection(chunks, 'server');
  let clientAt: number | null = null;
  for (let i = 0; i + 6 <= client.length; i++) {
    if (clientHelloAt(client, i) && (i === 0 || client[i - 1] === 0x0a || recogniseProtocol(client.subarray(0, i), server) !== undefined)) {
      clientAt = i;
      break;
    }
  }
  if (clientAt === 0) return { kind: 'tls', tlsStart: { client: 0, server: 0 } };
  const protocol = recogniseProtocol(clientAt === null ? client : client.subarray(0, clientAt), server);
  if (!protocol) {
    if (clientAt === null && (holdsTlsRecords(client, late) || holdsTlsRecords(server, late))) return { kind: 'tls', midway: true, tlsStart: { client: 0, server: 0 } };
    return { kind: clientAt === null ? 'unknown' : 'tls', tlsStart: { client: clientAt, server: clientAt === null ? null : 0 } };
  }
  // The server's TLS starts at its first TLS record after the go-ahead; its preamble is everything before.
  let serverAt: number | null = null;
  if (clientAt !== null) {
    const from = protocol === 'mysql' ? 4 + (server[0] | (server[1] << 8) | (server[2] << 16)) : 0;
    for (let i = from; i + 5 <= server.length; i++) {
      if (serverTlsAt(server, i) && (protocol !== 'postgres' || server[i - 1] === 0x53)) {
        serverAt = i;
        break;
      }
    }
  }
  return { kind: 'starttls', protocol, tlsStart: { client: clientAt, server: serverAt } };
}

/** Split chunks at the TLS start of each direction: [preamble chunks, TLS chunks]. */
export function splitAtTls(chunks: StreamChunk[], tlsStart: Record<Side, number | null>): [StreamChunk[], StreamChunk[]] {
  const before: StreamChunk[] = [];
  const after: StreamChunk[] = [];
  const seen: Record<Side, number> = { client: 0, server: 0 };
  for (const c of chunks) {
    const start = tlsStart[c.direction];
    if (!('bytes' in c)) {
      (start !== null && seen[c.direction] >= start ? after : before).push(c);
      continue;
    }
    const offset = seen[c.direction];
    seen[c.direction] += c.bytes.length;
    if (start === null || offset + c.bytes.length <= start) before.push(c);
    else if (offset >= start) after.push(c);
    else {
      before.push({ ...c, bytes: c.bytes.subarray(0, start - offset) });
      after.push({ ...c, bytes: c.bytes.subarray(start - offset) });
    }
  }
  return [before, after];
}

const GO_AHEAD: Partial<Record<StartTlsProtocol, RegExp>> = {
  smtp: /^220 /,
  lmtp: /^220 /,
  ftp: /^234 /,
  imap: /^\S+ OK/i,
  pop3: /^\+OK/,
  nntp: /^382 /,
  sieve: /^OK/i,
  xmpp: /<proceed\b/,
};

/** XMPP's messages are XML stanzas, not lines: one event per packet, shown as text. */
const PER_PACKET: ReadonlySet<StartTlsProtocol> = new Set(['xmpp']);
const INJECTED = 'INJECTED plaintext after the go-ahead: never passed to TLS';

interface Unit {
  side: Side;
  bytes: Uint8Array;
  /** The protocol's own words for a binary packet (the same text the live session shows). */
  said?: PlaintextDescription;
}

/**
 * Binary protocols (LDAP, PostgreSQL, MySQL): each direction cut into the protocol's packets, each described by
 * the codec the live handler uses. What does not frame (bytes after PostgreSQL's answer, a cut packet) stays one
 * raw unit at the end.
 */
function codecUnits(codec: PlaintextCodec, chunks: StreamChunk[], emit: Emit, name: string): Unit[] {
  const units: Unit[] = [];
  const pending: Record<Side, Uint8Array> = { client: new Uint8Array(0), server: new Uint8Array(0) };
  const count: Record<Side, number> = { client: 0, server: 0 };
  for (const c of chunks) {
    if (!('bytes' in c)) {
      emit({ kind: 'error', code: 'CAPTURE_GAP', message: `${c.gap} bytes from the ${c.direction} are missing from the capture in the ${name} preamble${gapCutText(c.gap, c.cut)}` });
      continue;
    }
    const side = c.direction;
    let buf = append(pending[side], c.bytes);
    let n: number | null;
    while (buf.length > 0 && (n = codec.unitLength(side, buf, count[side])) !== null && n > 0) {
      const bytes = buf.subarray(0, n);
      units.push({ side, bytes, said: codec.describe(side, bytes) });
      count[side]++;
      buf = buf.subarray(n);
    }
    pending[side] = buf;
  }
  for (const side of ['client', 'server'] as const) if (pending[side].length) units.push({ side, bytes: pending[side] });
  return units;
}

/** Line-based protocols one line per unit; XMPP one packet per unit. */
function textUnits(protocol: StartTlsProtocol, chunks: StreamChunk[], emit: Emit, name: string): Unit[] {
  const pending: Record<Side, Uint8Array> = { client: new Uint8Array(0), server: new Uint8Array(0) };
  const lines: Unit[] = [];
  for (const c of chunks) {
    if (!('bytes' in c)) {
      emit({ kind: 'error', code: 'CAPTURE_GAP', message: `${c.gap} bytes from the ${c.direction} are missing from the capture in the ${name} preamble${gapCutText(c.gap, c.cut)}` });
      continue;
    }
    if (PER_PACKET.has(protocol)) {
      lines.push({ side: c.direction, bytes: c.bytes });
      continue;
    }
    let buf = append(pending[c.direction], c.bytes);
    let nl: number;
    while ((nl = buf.indexOf(0x0a)) >= 0) {
      lines.push({ side: c.direction, bytes: buf.subarray(0, nl + 1) });
      buf = buf.subarray(nl + 1);
    }
    pending[c.direction] = buf;
  }
  for (const side of ['client', 'server'] as const) if (pending[side].length) lines.push({ side, bytes: pending[side] });
  return lines;
}

/**
 * Write the preamble into the trace: binary protocols one packet per event, described as the live session
 * describes it; line-based protocols one line per event; XMPP one packet per event.
 * Returns the number of injected bytes found (server plaintext after the switch to TLS).
 */
export function emitPreamble(protocol: StartTlsProtocol, chunks: StreamChunk[], emit: Emit): number {
  const name = PROTOCOLS.find((p) => p.id === protocol)?.name ?? protocol;
  const codec = plaintextCodec(protocol);
  const pattern = GO_AHEAD[protocol];
  const units = codec ? codecUnits(codec, chunks, emit, name) : textUnits(protocol, chunks, emit, name);
  // The switch is the last unit of the expected form (the server's go-ahead; MySQL: the client's SSL Request);
  // any server unit after it is injected.
  let goAhead = -1;
  units.forEach((u, i) => {
    const switches = codec ? u.said !== undefined && codec.switchesToTls(u.side, u.bytes) : u.side === 'server' && !!pattern?.test(ascii(u.bytes));
    if (switches) goAhead = i;
  });
  let injected = 0;
  units.forEach((u, i) => {
    const late = goAhead >= 0 && i > goAhead && u.side === 'server';
    if (late) injected += u.bytes.length;
    const text = u.said?.text ?? (codec ? `${u.bytes.length} bytes: ${printable(u.bytes)}` : printable(u.bytes));
    const note = late ? INJECTED : (u.said?.note ?? (i === goAhead ? 'go-ahead: TLS starts now' : undefined));
    emit({ kind: 'preamble', protocol: name, direction: u.side, bytes: toHex(u.bytes), text, ...(note ? { note } : {}) });
  });
  if (goAhead >= 0) emit({ kind: 'note', text: `${name}: the switch to TLS: everything after the ${units[goAhead].side === 'server' ? "server's go-ahead" : "client's request"} is TLS` });
  if (injected > 0) emit({ kind: 'error', code: 'STARTTLS_INJECTION', message: injectionMessage(name, injected, 'in the capture') });
  return injected;
}

