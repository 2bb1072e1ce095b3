// MySQL / MariaDB client/server protocol: the server's Initial Handshake packet (protocol 10), the CLIENT_SSL
// capability flag, and the client's SSL Request packet; TLS follows with no answer from the server.
import type { Dialogue } from './dialogue.ts';
import { StartTlsError } from './errors.ts';
import type { PlaintextCodec, PlaintextDescription, ProtocolHandler } from './protocol.ts';

const CAPABILITY_NAMES: [number, string][] = [
  [0x1, 'CLIENT_LONG_PASSWORD'], [0x2, 'CLIENT_FOUND_ROWS'], [0x4, 'CLIENT_LONG_FLAG'], [0x8, 'CLIENT_CONNECT_WITH_DB'],
  [0x10, 'CLIENT_NO_SCHEMA'], [0x20, 'CLIENT_COMPRESS'], [0x40, 'CLIENT_ODBC'], [0x80, 'CLIENT_LOCAL_FILES'],
  [0x100, 'CLIENT_IGNORE_SPACE'], [0x200, 'CLIENT_PROTOCOL_41'], [0x400, 'CLIENT_INTERACTIVE'], [0x800, 'CLIENT_SSL'],
  [0x1000, 'CLIENT_IGNORE_SIGPIPE'], [0x2000, 'CLIENT_TRANSACTIONS'], [0x4000, 'CLIENT_RESERVED'], [0x8000, 'CLIENT_SECURE_CONNECTION'],
  [0x10000, 'CLIENT_MULTI_STATEMENTS'], [0x20000, 'CLIENT_MULTI_RESULTS'], [0x40000, 'CLIENT_PS_MULTI_RESULTS'],
  [0x80000, 'CLIENT_PLUGIN_AUTH'], [0x100000, 'CLIENT_CONNECT_ATTRS'], [0x200000, 'CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA'],
  [0x400000, 'CLIENT_CAN_HANDLE_EXPIRED_PASSWORDS'], [0x800000, 'CLIENT_SESSION_TRACK'], [0x1000000, 'CLIENT_DEPRECATE_EOF'],
  [0x2000000, 'CLIENT_OPTIONAL_RESULTSET_METADATA'], [0x4000000, 'CLIENT_ZSTD_COMPRESSION_ALGORITHM'],
  [0x8000000, 'CLIENT_QUERY_ATTRIBUTES'], [0x10000000, 'MULTI_FACTOR_AUTHENTICATION'],
  [0x20000000, 'CLIENT_CAPABILITY_EXTENSION'], [0x40000000, 'CLIENT_SSL_VERIFY_SERVER_CERT'], [0x80000000, 'CLIENT_REMEMBER_OPTIONS'],
];

export const CLIENT_SSL = 0x800;
const CLIENT_PROTOCOL_41 = 0x200;
const CLIENT_SECURE_CONNECTION = 0x8000;
const CLIENT_PLUGIN_AUTH = 0x80000;
const CLIENT_LONG_PASSWORD = 0x1;
const CLIENT_TRANSACTIONS = 0x2000;

export function capabilityNames(flags: number): string[] {
  return CAPABILITY_NAMES.filter(([bit]) => (flags & bit) >>> 0 === bit).map(([, name]) => name);
}

export interface MysqlGreeting {
  protocolVersion: number;
  serverVersion: string;
  connectionId: number;
  capabilities: number;
  characterSet: number;
  statusFlags: number;
  authPluginName?: string;
}

/** One packet: 3-byte little-endian length, sequence id, payload. */
function parsePacket(buf: Uint8Array): { used: number; value: { seq: number; payload: Uint8Array } } | null {
  if (buf.length < 4) return null;
  const len = buf[0] | (buf[1] << 8) | (buf[2] << 16);
  if (buf.length < 4 + len) return null;
  return { used: 4 + len, value: { seq: buf[3], payload: buf.slice(4, 4 + len) } };
}

function cString(p: Uint8Array, at: number): { value: string; next: number } {
  let end = p.indexOf(0, at);
  if (end < 0) end = p.length;
  return { value: new TextDecoder().decode(p.slice(at, end)), next: end + 1 };
}

export function parseGreeting(p: Uint8Array): MysqlGreeting {
  const bad = (why: string) => new StartTlsError('PROTOCOL_ERROR', `MySQL: malformed server greeting (${why})`);
  if (p.length < 1) throw bad('empty');
  if (p[0] !== 10) throw bad(`protocol version ${p[0]}, only 10 is known`);
  const version = cString(p, 1);
  let i = version.next;
  if (p.length < i + 4 + 8 + 1 + 2) throw bad('too short');
  const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const connectionId = dv.getUint32(i, true);
  i += 4 + 8 + 1; // connection id, auth-plugin-data part 1, filler
  let capabilities = dv.getUint16(i, true);
  i += 2;
  const g: MysqlGreeting = { protocolVersion: 10, serverVersion: version.value, connectionId, capabilities, characterSet: 0, statusFlags: 0 };
  if (p.length >= i + 1 + 2 + 2 + 1 + 10) {
    g.characterSet = p[i];
    g.statusFlags = dv.getUint16(i + 1, true);
    capabilities = (capabilities | (dv.getUint16(i + 3, true) << 16)) >>> 0;
    g.capabilities = capabilities;
    const authDataLen = p[i + 5];
    i += 6 + 10;
    if (capabilities & CLIENT_SECURE_CONNECTION) i += Math.max(13, authDataLen - 8);
    if (capabilities & CLIENT_PLUGIN_AUTH && i < p.length) g.authPluginName = cString(p, i).value;
  }
  return g;
}

function describeGreeting(g: MysqlGreeting): string {
  return [
    `Initial Handshake (protocol ${g.protocolVersion})`,
    `server version: ${g.serverVersion}`,
    `connection id: ${g.connectionId}`,
    `capabilities: 0x${g.capabilities.toString(16).padStart(8, '0')} = ${capabilityNames(g.capabilities).join(' | ')}`,
    `character set: ${g.characterSet}`,
    `status flags: 0x${g.statusFlags.toString(16).padStart(4, '0')}`,
    g.authPluginName ? `auth plugin: ${g.authPluginName}` : '',
  ].filter(Boolean).join('\n');
}

/** SSL Request: the first 32 bytes of a HandshakeResponse41, sent with sequence id 1. */
export function sslRequest(serverCapabilities: number): { bytes: Uint8Array; flags: number } {
  const wanted = CLIENT_SSL | CLIENT_PROTOCOL_41 | CLIENT_SECURE_CONNECTION | CLIENT_PLUGIN_AUTH | CLIENT_LONG_PASSWORD | CLIENT_TRANSACTIONS;
  const flags = (wanted & serverCapabilities) >>> 0 | CLIENT_SSL;
  const bytes = new Uint8Array(4 + 32);
  const dv = new DataView(bytes.buffer);
  bytes[0] = 32; // payload length (3 bytes LE)
  bytes[3] = 1; // sequence id
  dv.setUint32(4, flags >>> 0, true);
  dv.setUint32(8, 16 * 1024 * 1024, true); // max packet size
  bytes[12] = 45; // utf8mb4_general_ci; the remaining 23 bytes stay zero
  return { bytes, flags };
}

/** The client's SSL Request packet (header included) in words. */
function describeSslRequest(packet: Uint8Array): string {
  const p = packet.subarray(4);
  const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const flags = dv.getUint32(0, true);
  const charset = p[8];
  const filler = p.subarray(9, 32);
  return [
    `SSL Request (packet sequence ${packet[3]}, ${p.length} bytes)`,
    `client flags: 0x${flags.toString(16).padStart(8, '0')} = ${capabilityNames(flags).join(' | ')}`,
    `max packet size: ${dv.getUint32(4, true)}`,
    `character set: ${charset}${charset === 45 ? ' (utf8mb4_general_ci)' : ''}`,
    filler.every((b) => b === 0) ? `filler: ${filler.length} zero bytes` : `filler: ${filler.length} bytes, not all zero`,
  ].join('\n');
}

/** The SSL Request: a 32-byte HandshakeResponse41 prefix with CLIENT_SSL set. */
function isSslRequest(packet: Uint8Array): boolean {
  return packet.length === 4 + 32 && (new DataView(packet.buffer, packet.byteOffset + 4, 4).getUint32(0, true) & CLIENT_SSL) !== 0;
}

/** One packet (4-byte header included) of the plaintext phase in words: the greeting, an ERR packet, the SSL Request. */
export function describeMysqlPacket(side: 'client' | 'server', packet: Uint8Array): PlaintextDescription {
  const p = packet.subarray(4);
  if (side === 'client') {
    if (isSslRequest(packet)) return { text: describeSslRequest(packet), note: 'the server does not answer: the TLS handshake starts right after this packet' };
    return { text: `client packet (sequence ${packet[3]}, ${p.length} bytes), not an SSL Request` };
  }
  if (p[0] === 0xff) {
    // ERR packet: 0xff, error code (2), then the message (with or without SQL state).
    const code = p.length >= 3 ? p[1] | (p[2] << 8) : 0;
    let msg = new TextDecoder().decode(p.slice(3));
    if (msg.startsWith('#')) msg = msg.slice(6);
    return { text: `ERR packet: error ${code}: ${msg}` };
  }
  try {
    return { text: describeGreeting(parseGreeting(p)), note: `packet sequence ${packet[3]}` };
  } catch (e) {
    return { text: (e as Error).message, note: `packet sequence ${packet[3]}` };
  }
}

/** MySQL's plaintext: length-prefixed packets each way; the client's SSL Request is the switch (the server says nothing). */
export const mysqlCodec: PlaintextCodec = {
  unitLength: (_side, buf) => parsePacket(buf)?.used ?? null,
  describe: describeMysqlPacket,
  switchesToTls: (side, unit) => side === 'client' && isSslRequest(unit),
};

async function readPacket(d: Dialogue, what: string) {
  return d.readUnit(parsePacket, what);
}

export const mysql: ProtocolHandler = {
  id: 'mysql',
  name: 'MySQL / MariaDB',
  defaultPort: 3306,
  rfc: 'MySQL client/server protocol (Initial Handshake, SSL Request)',
  async negotiate(d: Dialogue) {
    const { bytes, value } = await readPacket(d, 'the server greeting');
    const p = value.payload;
    const said = describeMysqlPacket('server', bytes);
    d.recordReceived(bytes, said.text, said.note);
    if (p[0] === 0xff) throw new StartTlsError('STARTTLS_REFUSED', `MySQL: the server refused the connection: ${said.text.replace(/^ERR packet: /, '')}`);
    const g = parseGreeting(p);
    const caps = capabilityNames(g.capabilities);
    // MySQL has no go-ahead: a server without TLS shows its refusal by not answering the ClientHello with TLS.
    if (!(g.capabilities & CLIENT_SSL)) d.notAdvertised('the server greeting lacks the CLIENT_SSL capability flag');
    const req = sslRequest(g.capabilities);
    const request = describeMysqlPacket('client', req.bytes);
    await d.sendStartTlsBytes(req.bytes, request.text, request.note);
    return { capabilitiesBefore: caps };
  },
  async afterTls(d) {
    d.note('the server sends nothing more until the client authenticates; nothing to compare after TLS');
    return null;
  },
};
