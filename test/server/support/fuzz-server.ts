// Shared by the server fuzz tests (test/server/fuzz-*.test.ts): seeds recorded from real clients' first flights,
// a walk of a ClientHello's length prefixes and extensions (written here from RFC 8446 §4.1.2 and the extensions'
// own layouts, not with the engine's decoder, so a decoder bug cannot hide itself), and the property every fuzzed
// server run must hold: it settles, never with an internal error or a hang; a failure of ours sends exactly one
// fatal alert, the one the failure table gives its code, from the set RFC 8446 §6.2 allows; the message is plain
// words; and the trace keeps every record read up to the failure.
import { spawn } from 'node:child_process';
import tls from 'node:tls';
import { expect } from 'vitest';
import { connectTls, type TlsClientOptions } from '../../../src/tls/client.ts';
import { CERTIFICATE_ALERTS, ENGINE_FAILURES } from '../../../src/tls/failures.ts';
import { alertName } from '../../../src/tls/record/alerts.ts';
import type { Tls13Session } from '../../../src/tls/handshake/options.ts';
import { acceptTls, type ServerOptions, type TicketKeys } from '../../../src/tls/server.ts';
import { TraceRecorder } from '../../../src/trace/recorder.ts';
import type { TraceEvent } from '../../../src/trace/types.ts';
import { memoryPair } from '../../../src/transport/memory.ts';
import type { Transport } from '../../../src/transport/types.ts';
import { concat, toHex, utf8 } from '../../../src/util/bytes.ts';
import { createVerifier } from '../../../src/x509/verifier.ts';
import type { TestPki } from '../../tls/helpers.ts';
import { recordClientHello, recordFirstRecord } from './real-hellos.ts';

/** A client's first flight as it went on the wire: the ClientHello's record, then any 0-RTT records. */
export interface Seed {
  name: string;
  records: Uint8Array[];
}

// ---------------------------------------------------------------------------------------------------------------
// Records

export function record(type: number, fragment: Uint8Array, version = 0x0301): Uint8Array {
  return concat(Uint8Array.of(type, version >> 8, version & 0xff, fragment.length >> 8, fragment.length & 0xff), fragment);
}

/** Cut a byte stream into records by their headers; a last, incomplete one is left out. */
export function records(stream: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let at = 0;
  while (at + 5 <= stream.length) {
    const end = at + 5 + ((stream[at + 3] << 8) | stream[at + 4]);
    if (end > stream.length) break;
    out.push(stream.slice(at, end));
    at = end;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Seeds

/** Our client's writes over a transport no one answers (or `peer`), gathered until it waits. */
async function ourClientFlight(options: Partial<TlsClientOptions>, settleMs = 150): Promise<Uint8Array[]> {
  const [c] = memoryPair();
  const written: Uint8Array[] = [];
  const tap: Transport = { read: () => c.read(), close: () => c.close(), write: async (d) => void written.push(Uint8Array.from(d)) };
  const connecting = connectTls(tap, { serverName: 'localhost', insecure: true, timeoutMs: 2000, ...options }, () => -1).catch(() => undefined);
  await new Promise((r) => setTimeout(r, settleMs));
  await c.close();
  await connecting;
  return records(concat(...written));
}

/** A TLS 1.3 ticket from our server (with these ticket keys), announcing early data. */
export async function ourTicket(pki: TestPki, server: Partial<ServerOptions>): Promise<Tls13Session> {
  const [c, s] = memoryPair();
  const accepting = acceptTls(s, { certificates: [], numTickets: 1, maxEarlyData: 16_384, timeoutMs: 5000, ...server } as ServerOptions);
  const conn = await connectTls(c, { serverName: 'localhost', verifier: createVerifier({ anchors: [pki.rootDer] }), timeoutMs: 5000, versions: ['TLS1.3'] }, () => -1);
  const server13 = await accepting;
  const session = (conn.session ?? (await (conn as { waitForSession(ms: number): Promise<unknown> }).waitForSession(5000))) as Tls13Session;
  await conn.close().catch(() => undefined);
  await server13.close().catch(() => undefined);
  return session;
}

function nodeHello(port: number): () => void {
  const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', rejectUnauthorized: false, ALPNProtocols: ['h2', 'http/1.1'] });
  socket.on('error', () => undefined);
  return () => void socket.destroy();
}

function curlHello(port: number): () => void {
  const child = spawn('curl', ['-sk', '--max-time', '5', `https://localhost:${port}/`], { stdio: 'ignore' });
  return () => void child.kill('SIGKILL');
}

/**
 * The seeds: ClientHellos of OpenSSL's s_client (TLS 1.3 and -tls1_2), gnutls-cli, Node's tls.connect and curl,
 * recorded by a listener on 127.0.0.1; and our own client's (plain, TLS 1.2 only, resuming with a ticket of `server`'s
 * keys so its binder verifies, and the same with 0-RTT data after it).
 */
export async function captureSeeds(pki: TestPki, server: Partial<ServerOptions> & { ticketKeys: TicketKeys }): Promise<Seed[]> {
  const one = async (name: string, hello: Promise<Uint8Array>): Promise<Seed> => ({ name, records: [await hello] });
  const real = await Promise.all([
    one('openssl', recordClientHello('openssl', (port) => ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost'])),
    one('openssl-tls1_2', recordClientHello('openssl', (port) => ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', '-tls1_2'])),
    one('gnutls', recordClientHello('gnutls-cli', (port) => ['--insecure', '-p', String(port), 'localhost'])),
    one('node', recordFirstRecord('node', nodeHello)),
    one('curl', recordFirstRecord('curl', curlHello)),
  ]);
  const session = await ourTicket(pki, server);
  const ours: Seed[] = [
    { name: 'ours', records: await ourClientFlight({ alpn: ['h2'], clientCertificate: undefined }) },
    { name: 'ours-tls1_2', records: await ourClientFlight({ versions: ['TLS1.2'] }) },
    { name: 'ours-psk', records: await ourClientFlight({ session }) },
    { name: 'ours-0rtt', records: await ourClientFlight({ session, earlyData: utf8.encode('GET / early\r\n') }) },
  ];
  for (const s of [...real, ...ours]) if (!s.records.length || s.records[0][0] !== 22) throw new Error(`${s.name}: no ClientHello recorded`);
  return [...real, ...ours];
}

// ---------------------------------------------------------------------------------------------------------------
// A ClientHello's layout

/** A length prefix inside a handshake message: its offset, its width in bytes, and what it counts. */
export interface LengthField {
  name: string;
  at: number;
  width: number;
}

export interface ExtensionSpan {
  code: number;
  start: number;
  end: number;
}

export interface HelloLayout {
  lengths: LengthField[];
  /** The extensions block's own length prefix (offset), and each extension's span (header included). */
  extensionsAt: number;
  extensions: ExtensionSpan[];
}

const u16 = (b: Uint8Array, at: number) => (b[at] << 8) | b[at + 1];

/** Every length prefix of a (well-formed) ClientHello handshake message, header included. */
export function helloLayout(hs: Uint8Array): HelloLayout {
  const lengths: LengthField[] = [{ name: 'handshake length', at: 1, width: 3 }];
  let at = 4 + 2 + 32;
  lengths.push({ name: 'session_id', at, width: 1 });
  at += 1 + hs[at];
  lengths.push({ name: 'cipher_suites', at, width: 2 });
  at += 2 + u16(hs, at);
  lengths.push({ name: 'compression_methods', at, width: 1 });
  at += 1 + hs[at];
  const extensionsAt = at;
  const extensions: ExtensionSpan[] = [];
  if (at + 2 > hs.length) return { lengths, extensionsAt: -1, extensions };
  lengths.push({ name: 'extensions', at, width: 2 });
  at += 2;
  while (at + 4 <= hs.length) {
    const code = u16(hs, at);
    const len = u16(hs, at + 2);
    const name = `extension 0x${code.toString(16).padStart(4, '0')}`;
    lengths.push({ name, at: at + 2, width: 2 });
    extensionInner(code, hs, at + 4, at + 4 + len, name, lengths);
    extensions.push({ code, start: at, end: at + 4 + len });
    at += 4 + len;
  }
  return { lengths, extensionsAt, extensions };
}

/** The length prefixes inside one extension's data (RFC 8446 §4.2 and the RFCs of the older extensions). */
function extensionInner(code: number, b: Uint8Array, start: number, end: number, name: string, out: LengthField[]): void {
  const push = (what: string, at: number, width: number) => {
    if (at + width <= end) out.push({ name: `${name} ${what}`, at, width });
  };
  const items = (from: number, to: number, headWidth: number, fixed: number, what: string) => {
    // A list of entries, each `fixed` bytes then a `headWidth`-byte length (key shares, PSK identities...).
    let at = from;
    while (at + fixed + headWidth <= to) {
      push(what, at + fixed, headWidth);
      const len = headWidth === 1 ? b[at + fixed] : u16(b, at + fixed);
      at += fixed + headWidth + len + (what === 'identity' ? 4 : 0);
    }
  };
  switch (code) {
    case 0: // server_name: list, then each name_type(1) + name<2>
      push('list', start, 2);
      items(start + 2, end, 2, 1, 'name');
      return;
    case 10: // supported_groups
    case 13: // signature_algorithms
    case 44: // cookie
    case 50: // signature_algorithms_cert
      push('list', start, 2);
      return;
    case 16: // ALPN: list<2> of names<1>
      push('list', start, 2);
      items(start + 2, end, 1, 0, 'protocol');
      return;
    case 11: // ec_point_formats
    case 43: // supported_versions
    case 45: // psk_key_exchange_modes
    case 0xff01: // renegotiation_info
      push('list', start, 1);
      return;
    case 51: // key_share: list<2> of group(2) + key_exchange<2>
      push('list', start, 2);
      items(start + 2, end, 2, 2, 'key_exchange');
      return;
    case 41: {
      // pre_shared_key: identities<2> of identity<2> + age(4); binders<2> of binder<1>
      push('identities', start, 2);
      const idsEnd = start + 2 + u16(b, start);
      items(start + 2, Math.min(idsEnd, end), 2, 0, 'identity');
      push('binders', idsEnd, 2);
      items(idsEnd + 2, end, 1, 0, 'binder');
      return;
    }
  }
}

/** Write `value` into a length field (big-endian, `width` bytes). */
export function setLength(b: Uint8Array, f: LengthField, value: number): void {
  for (let i = 0; i < f.width; i++) b[f.at + i] = (value >>> (8 * (f.width - 1 - i))) & 0xff;
}

export function readLength(b: Uint8Array, f: LengthField): number {
  let v = 0;
  for (let i = 0; i < f.width; i++) v = v * 256 + b[f.at + i];
  return v;
}

/**
 * Grow (delta > 0, with `byte`) or shrink the contents of one vector, at its end, and keep every length whose span
 * holds the change true (the vector's own, the extension's, the block's, the message's): the message still parses,
 * its values no longer fit.
 */
export function resizeVector(b: Uint8Array, lengths: LengthField[], field: number, delta: number, byte: number): Uint8Array {
  const f = lengths[field % lengths.length];
  const end = f.at + f.width + readLength(b, f);
  if (end > b.length) return b;
  const d = Math.max(delta, -readLength(b, f));
  const out = d > 0 ? concat(b.subarray(0, end), new Uint8Array(d).fill(byte), b.subarray(end)) : concat(b.subarray(0, end + d), b.subarray(end));
  for (const g of lengths) {
    const gEnd = g.at + g.width + readLength(b, g);
    // A length past what its width can say is left as it is (the message is then malformed instead).
    if (g.at < end && end <= gEnd) setLength(out, g, Math.min(readLength(b, g) + d, 2 ** (8 * g.width) - 1));
  }
  return out;
}

/** Rebuild a ClientHello with these extensions (each with its header), fixing the block's and the message's lengths. */
export function withExtensions(hs: Uint8Array, layout: HelloLayout, exts: Uint8Array[]): Uint8Array {
  const block = concat(...exts);
  const body = concat(hs.subarray(4, layout.extensionsAt), Uint8Array.of(block.length >> 8, block.length & 0xff), block);
  return concat(Uint8Array.of(hs[0], body.length >> 16, (body.length >> 8) & 0xff, body.length & 0xff), body);
}

// ---------------------------------------------------------------------------------------------------------------
// Running the server

export interface ServerRun {
  /** 'ok', or the error's code. */
  code: string;
  message: string;
  /** The peer's alert ended it (nothing of ours to send). */
  received: boolean;
  trace: TraceRecorder;
  /** The alert the error carries (a TlsAlertError's). */
  alert?: string;
  /** Whether the connection promise settled before the per-case limit. */
  settled: boolean;
  /** Anything thrown outside the connection promise while it ran (an unhandled rejection, an uncaught exception). */
  stray: unknown[];
}

const stray: unknown[] = [];
let watching = 0;
const onStray = (e: unknown) => void stray.push(e);

/** Listen for unhandled rejections and uncaught exceptions while `run` goes on. */
export async function watchingStrays<T>(run: () => Promise<T>): Promise<{ value: T; stray: unknown[] }> {
  if (watching++ === 0) {
    process.on('unhandledRejection', onStray);
    process.on('uncaughtException', onStray);
  }
  const before = stray.length;
  try {
    const value = await run();
    // A rejection left unhandled is reported on a later turn.
    await new Promise((r) => setTimeout(r, 0));
    return { value, stray: stray.slice(before) };
  } finally {
    if (--watching === 0) {
      process.off('unhandledRejection', onStray);
      process.off('uncaughtException', onStray);
    }
  }
}

/** The settled server promise as a ServerRun, or not settled within `hangMs`. */
export async function settle(accepting: Promise<{ close(): Promise<void> }>, trace: TraceRecorder, hangMs: number): Promise<Omit<ServerRun, 'stray'>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<'hang'>((r) => (timer = setTimeout(() => r('hang'), hangMs)));
  const result: Omit<ServerRun, 'stray' | 'trace' | 'settled'> | 'hang' = await Promise.race([
    accepting.then(
      async (conn) => {
        await conn.close().catch(() => undefined);
        return { code: 'ok', message: '', received: false };
      },
      (e: { code?: string; message?: string; received?: boolean; receivedAlert?: string; alert?: number }) => ({
        code: String(e?.code),
        message: String(e?.message),
        received: !!e?.received || !!e?.receivedAlert,
        alert: typeof e?.alert === 'number' ? alertName(e.alert) : undefined,
      }),
    ),
    hang,
  ]);
  clearTimeout(timer);
  if (result === 'hang') return { code: 'hang', message: `the server's connection promise did not settle within ${hangMs} ms`, received: false, trace, settled: false };
  return { ...result, trace, settled: true };
}

/** Feed raw bytes to the server as one client would (one write per chunk), then hang up. */
export async function feedServer(chunks: Uint8Array[], options: ServerOptions, hangMs: number): Promise<ServerRun> {
  const { value, stray } = await watchingStrays(async () => {
    const [c, s] = memoryPair();
    const trace = new TraceRecorder(() => 0);
    // The server's own time limit is well above the case's: a hang is the case's finding, not the engine's TIMEOUT.
    const accepting = acceptTls(s, { ...options, recorder: trace.emit, timeoutMs: hangMs * 4 });
    for (const chunk of chunks) await c.write(chunk);
    // What was written is still read first: the hang-up comes after it.
    await c.close();
    return settle(accepting, trace, hangMs);
  });
  return { ...value, stray };
}

// ---------------------------------------------------------------------------------------------------------------
// The property

/** RFC 8446 §6.2: the error alerts a handshake may end with (internal_error is never the client's fault). */
export const HANDSHAKE_ALERTS = new Set([
  'unexpected_message', 'bad_record_mac', 'record_overflow', 'handshake_failure', 'bad_certificate', 'unsupported_certificate',
  'certificate_revoked', 'certificate_expired', 'certificate_unknown', 'illegal_parameter', 'unknown_ca', 'access_denied',
  'decode_error', 'decrypt_error', 'protocol_version', 'insufficient_security', 'missing_extension', 'unsupported_extension',
  'unrecognized_name', 'bad_certificate_status_response', 'unknown_psk_identity', 'certificate_required', 'no_application_protocol',
]);

/** Failures that send no alert of ours: the peer hung up, or its own alert ended it. */
const NO_ALERT = new Set(['CLOSED', 'TRUNCATED', 'USER_CANCELED', 'ALERT_RECEIVED']);

/** What a message in plain words never holds: JavaScript's own words, leaked values, stack frames. */
const NOT_PLAIN = /undefined|NaN|\[object |Cannot read prop|is not a function|is not iterable|Offset is outside|out of range|RangeError|TypeError|SyntaxError|Invalid (array|typed array) length|\bat .*\(.*:\d+:\d+\)|Maximum call stack|null \(reading/;

/** The alert the engine's failure table gives a code (null: none). */
export function tableAlert(code: string): string | null | undefined {
  if (Object.hasOwn(ENGINE_FAILURES, code)) return ENGINE_FAILURES[code as keyof typeof ENGINE_FAILURES].alert;
  if (Object.hasOwn(CERTIFICATE_ALERTS, code)) return CERTIFICATE_ALERTS[code as keyof typeof CERTIFICATE_ALERTS];
  return undefined;
}

/** The handshake type each server state reads (src/tls/server/states13.ts, states12.ts). */
const STATE_EXPECTS: Record<string, number> = {
  ExpectClientHello: 1,
  ExpectSecondClientHello: 1,
  ExpectEndOfEarlyData: 5,
  ExpectClientCertificate: 11,
  ExpectClientCertificateVerify: 15,
  ExpectClientFinished: 20,
  'ExpectClientCertificate (TLS 1.2)': 11,
  'ExpectClientKeyExchange (TLS 1.2)': 16,
  'ExpectClientCertificateVerify (TLS 1.2)': 15,
  'ExpectClientFinished (TLS 1.2)': 20,
};

/** RFC 5246 §7.4.6: TLS 1.2 has no certificate_required; the server then says handshake_failure (client-chain.ts). */
const tls12 = (events: TraceEvent[]) => events.some((e) => e.kind === 'note' && e.text.startsWith('server chose TLS 1.2'));

export const receivedRecords = (events: TraceEvent[]) => events.filter((e) => e.kind === 'record' && e.direction === 'client') as (TraceEvent & { bytes: string })[];

/**
 * The property of one run, given the records the client put on the wire (`wire`, whole records in order). Returns the
 * number of records the server traced from the client.
 */
export function checkRun(r: ServerRun, wire: Uint8Array[], why: string): number {
  const ev = r.trace.events;
  expect(r.settled, why).toBe(true);
  expect(r.stray.map(String), why).toEqual([]);
  // (The peer's own internal_error alert ends a run with that code, received.)
  if (!r.received) expect(r.code, `${why}: ${r.message}`).not.toMatch(/^(INTERNAL_ERROR|TIMEOUT|hang|undefined)$/);
  const sent = ev.filter((e) => e.kind === 'alert' && e.direction === 'server') as { name: string; level: string }[];
  const errors = ev.filter((e) => e.kind === 'error') as { code: string; message: string }[];
  if (r.code === 'ok') {
    // Up to the handshake's end nothing went wrong (what follows, settle() closing the connection, is not the handshake's).
    const end = ev.findIndex((e) => e.kind === 'state' && e.to === 'Connected');
    expect(end, why).toBeGreaterThan(0);
    expect(ev.slice(0, end).filter((e) => e.kind === 'error' || (e.kind === 'alert' && e.direction === 'server')), why).toEqual([]);
  } else {
    expect(errors.map((e) => e.code), why).toEqual([r.code]);
    expect(r.message, why).not.toMatch(NOT_PLAIN);
    expect(r.message.length, why).toBeGreaterThan(10);
    // The server's words name its peer as the client.
    expect(r.message, why).not.toMatch(/\bthe server (sent|may not be speaking|closed)/);
    const alert = r.received ? null : tableAlert(r.code);
    // A code the table does not know is a bug of its own.
    expect(alert === undefined && !r.received && !NO_ALERT.has(r.code), `${why}: code ${r.code} not in the failure table`).toBe(false);
    if (alert) {
      expect(sent.map((a) => `${a.level} ${a.name}`), `${why}: ${r.code} ${r.message}`).toEqual([`fatal ${r.alert ?? alert}`]);
      // The table's alert, but where TLS 1.2 has none of that name (certificate_required is TLS 1.3's).
      if (r.alert !== alert) expect([r.code, r.alert, tls12(ev)], `${why}: ${r.code} sent ${r.alert}, the table says ${alert}`).toEqual(['CERTIFICATE_REQUIRED', 'handshake_failure', true]);
      expect(HANDSHAKE_ALERTS.has(alert), `${why}: ${alert} for a handshake`).toBe(true);
    } else expect(sent, `${why}: ${r.code} ${r.message}`).toEqual([]);
  }
  // A message that does not decode is the decoder's failure only when it is the one the state waits for; any other
  // type is the wrong message, unexpected_message, whatever its body (RFC 8446 §6.2).
  const undecodable = ev.find((e) => e.kind === 'note' && e.text.startsWith('undecodable handshake message')) as { text: string } | undefined;
  const state = ev.filter((e) => e.kind === 'state').at(-1) as { to: string } | undefined;
  if (undecodable && state && Object.hasOwn(STATE_EXPECTS, state.to)) {
    const type = Number(/\(type (\d+)/.exec(undecodable.text)![1]);
    if (type !== STATE_EXPECTS[state.to]) expect(r.code, `${why}: in ${state.to}, a message of type ${type}: ${r.message}`).toBe('UNEXPECTED_MESSAGE');
  }
  // The records the server traced are the wire's, in order, none left out nor changed.
  const traced = receivedRecords(ev).map((e) => e.bytes);
  expect(traced, why).toEqual(wire.slice(0, traced.length).map(toHex));
  return traced.length;
}

/** A whole record whose header the record layer takes (RFC 8446 §5.1: known type, a 0x03XX version, at most 2^14 bytes). */
export function wellFramed(rec: Uint8Array): boolean {
  const length = (rec[3] << 8) | rec[4];
  return rec[0] >= 20 && rec[0] <= 23 && rec[1] === 3 && length <= 16_384 && rec.length === 5 + length;
}
