// TLS 1.2 handshake messages (RFC 5246 §7.4, RFC 4492/8422 for ECDHE, RFC 5077 for tickets), decoder and encoder
// side by side, with the byte spans and explanation keys of the TLS 1.3 messages. ClientHello and ServerHello have
// the same shape in both versions and come from handshake.ts. TLS 1.0 and 1.1 share every message but three, whose
// signed parts have no algorithm field (RFC 4346 §7.4.3, §7.4.4, §7.4.8): read and written here too, in their own
// form ('tls10'), for the capture decoder.
import type { FieldNode } from '../../trace/types.ts';
import { toHex } from '../../util/bytes.ts';
import { defineLazy } from '../../trace/lazy-hex.ts';
import { Reader } from '../codec/reader.ts';
import { Writer } from '../codec/writer.ts';
import { decodeError, fail } from '../errors.ts';
import type { KeyExchange12 } from '../suites12.ts';
import { groupName, handshakeName } from './constants.ts';
import { decodeHandshake, encodeHandshake, type ClientHello, type DecodedHandshake, type DecodedMessage, type ServerHello } from './handshake.ts';
import { readSchemeAndSignature, showHex, showScheme, writeSchemeAndSignature } from './fields.ts';
import { readCertificateStatusBody, writeCertificateStatusBody } from './extensions.ts';

export const HT12 = {
  hello_request: 0,
  client_hello: 1,
  server_hello: 2,
  new_session_ticket: 4,
  certificate: 11,
  server_key_exchange: 12,
  certificate_request: 13,
  server_hello_done: 14,
  certificate_verify: 15,
  client_key_exchange: 16,
  finished: 20,
  certificate_status: 22,
} as const;

const NAMES12: Record<number, string> = { 0: 'HelloRequest', 12: 'ServerKeyExchange', 14: 'ServerHelloDone', 16: 'ClientKeyExchange', 22: 'CertificateStatus' };

export function handshakeName12(type: number): string {
  return NAMES12[type] ?? handshakeName(type);
}

export interface HelloRequest {
  type: 'hello_request';
}
export interface Certificate12 {
  type: 'certificate12';
  /** DER certificates, the sender's first. */
  chain: Uint8Array[];
}
export interface ServerKeyExchange {
  type: 'server_key_exchange';
  kx: 'ECDHE' | 'DHE';
  /** ECDHE: the named group and the server's ephemeral public key. */
  group?: number;
  publicKey?: Uint8Array;
  /** DHE: prime, generator and the server's public value, big-endian. */
  dhP?: Uint8Array;
  dhG?: Uint8Array;
  dhYs?: Uint8Array;
  /** The exact params bytes the signature covers (after client_random || server_random). */
  params: Uint8Array;
  scheme: number;
  signature: Uint8Array;
}
export interface CertificateRequest12 {
  type: 'certificate_request12';
  certificateTypes: number[];
  schemes: number[];
  authorities: Uint8Array[];
}
export interface ServerHelloDone {
  type: 'server_hello_done';
}
export interface ClientKeyExchange {
  type: 'client_key_exchange';
  kx: KeyExchange12;
  /** ECDHE point, DHE Yc, or the RSA-encrypted premaster secret. */
  exchange: Uint8Array;
}
export interface CertificateVerify12 {
  type: 'certificate_verify12';
  scheme: number;
  signature: Uint8Array;
}
/**
 * TLS 1.0 and 1.1's ServerKeyExchange (RFC 4346 §7.4.3, RFC 4492 §5.4): the same params, then a signature with no
 * algorithm field (the certificate's key decides how it was made).
 */
export interface ServerKeyExchange10 extends Omit<ServerKeyExchange, 'type' | 'scheme'> {
  type: 'server_key_exchange10';
}
/** TLS 1.0 and 1.1's CertificateRequest (RFC 4346 §7.4.4): no supported_signature_algorithms. */
export interface CertificateRequest10 {
  type: 'certificate_request10';
  certificateTypes: number[];
  authorities: Uint8Array[];
}
/** TLS 1.0 and 1.1's CertificateVerify (RFC 4346 §7.4.8): the signature alone. */
export interface CertificateVerify10 {
  type: 'certificate_verify10';
  signature: Uint8Array;
}
export interface Finished12 {
  type: 'finished12';
  verifyData: Uint8Array;
}
/** RFC 6066 §8: the server's stapled OCSP response, right after its Certificate. */
export interface CertificateStatus12 {
  type: 'certificate_status';
  statusType: number;
  ocspResponse: Uint8Array;
}
export interface NewSessionTicket12 {
  type: 'new_session_ticket12';
  lifetimeHint: number;
  ticket: Uint8Array;
}

export type Tls12Message =
  | HelloRequest
  | Certificate12
  | ServerKeyExchange
  | CertificateRequest12
  | ServerHelloDone
  | ClientKeyExchange
  | CertificateVerify12
  | Finished12
  | CertificateStatus12
  | NewSessionTicket12
  | ServerKeyExchange10
  | CertificateRequest10
  | CertificateVerify10;

/** Which form the messages with a signed part take: TLS 1.2's (a SignatureAndHashAlgorithm first) or TLS 1.0 and 1.1's. */
export type SignedForm = 'tls12' | 'tls10';

export type AnyMessage12 = Tls12Message | ClientHello | ServerHello;

export type Decoded12 = DecodedMessage<AnyMessage12>;

const CERT_TYPES: Record<number, string> = { 1: 'rsa_sign', 2: 'dss_sign', 3: 'rsa_fixed_dh', 4: 'dss_fixed_dh', 64: 'ecdsa_sign', 65: 'rsa_fixed_ecdh', 66: 'ecdsa_fixed_ecdh' };
const showCertType = (n: number) => `${CERT_TYPES[n] ?? 'unknown'} (${n})`;

function readSigned(r: Reader): { scheme: number; signature: Uint8Array } {
  return r.group('signed_params', 'ske.signature', () => readSchemeAndSignature(r, 'ske.signature'));
}

/** ServerECDHParams or ServerDHParams, with the exact bytes a signature covers. */
function readKeyExchangeParams(r: Reader, kx: KeyExchange12 | undefined): Omit<ServerKeyExchange, 'type' | 'scheme' | 'signature'> {
  if (kx !== 'ECDHE' && kx !== 'DHE') throw fail.unexpected(`a ServerKeyExchange is not sent with ${kx ?? 'no'} key exchange`);
  const start = r.offset;
  if (kx === 'ECDHE') {
    let group = 0;
    let publicKey!: Uint8Array;
    r.group('params (ServerECDHParams)', 'ske.params', () => {
      const curveType = r.u8('curve_type', 'ske.curve_type', (n) => (n === 3 ? 'named_curve (3)' : `unsupported (${n})`));
      if (curveType !== 3) throw fail.illegal(`ServerKeyExchange curve_type ${curveType}: only named curves are allowed (RFC 8422)`);
      group = r.u16('named_curve', 'ske.named_curve', groupName);
      publicKey = r.opaque('public', 1, 'ske.ec_public', showHex, { min: 1 });
    });
    return { kx, group, publicKey, params: r.bytes.slice(start, r.offset) };
  }
  let dhP!: Uint8Array, dhG!: Uint8Array, dhYs!: Uint8Array;
  r.group('params (ServerDHParams)', 'ske.params', () => {
    dhP = r.opaque('dh_p', 2, 'ske.dh_p', (b) => `${b.length * 8}-bit prime ${toHex(b.subarray(0, 8))}…`, { min: 1 });
    dhG = r.opaque('dh_g', 2, 'ske.dh_g', showHex, { min: 1 });
    dhYs = r.opaque('dh_Ys', 2, 'ske.dh_ys', showHex, { min: 1 });
  });
  return { kx, dhP, dhG, dhYs, params: r.bytes.slice(start, r.offset) };
}

function readBody12(r: Reader, type: number, kx: KeyExchange12 | undefined, form: SignedForm): Tls12Message {
  switch (type) {
    case HT12.hello_request:
      return { type: 'hello_request' };
    case HT12.certificate: {
      const chain: Uint8Array[] = [];
      r.vector('certificate_list', 3, 'cert.list', (v) =>
        v.untilEnd((_, i) => chain.push(v.opaque(`certificate ${i}${i === 0 ? ' (leaf)' : ''}`, 3, 'cert.data', (b) => `${b.length} bytes of DER`, { min: 1 }))),
      );
      return { type: 'certificate12', chain };
    }
    case HT12.server_key_exchange: {
      const m = readKeyExchangeParams(r, kx);
      if (form === 'tls10') return { type: 'server_key_exchange10', ...m, signature: r.opaque('signature', 2, 'ske10.signature', showHex, { min: 1 }) };
      return { type: 'server_key_exchange', ...m, ...readSigned(r) };
    }
    case HT12.certificate_request: {
      const certificateTypes: number[] = [];
      r.vector('certificate_types', 1, 'cr12.types', (v) => v.untilEnd(() => certificateTypes.push(v.u8('type', 'cr12.types', showCertType))));
      const schemes: number[] = [];
      if (form === 'tls12') {
        r.vector('supported_signature_algorithms', 2, 'ext.signature_algorithms', (v) => {
          if (v.remaining % 2) throw decodeError('supported_signature_algorithms has an odd length', v.offset);
          v.untilEnd(() => schemes.push(v.u16('item', 'ext.signature_algorithms', showScheme)));
        });
      }
      const authorities: Uint8Array[] = [];
      r.vector('certificate_authorities', 2, 'cr12.authorities', (v) => v.untilEnd(() => authorities.push(v.opaque('distinguished_name', 2, 'cr12.authority', showHex, { min: 1 }))));
      if (form === 'tls10') return { type: 'certificate_request10', certificateTypes, authorities };
      return { type: 'certificate_request12', certificateTypes, schemes, authorities };
    }
    case HT12.server_hello_done:
      return { type: 'server_hello_done' };
    case HT12.client_key_exchange: {
      if (!kx) throw fail.unexpected('a ClientKeyExchange before the key exchange is known');
      const exchange =
        kx === 'ECDHE'
          ? r.opaque('ecdh_Yc', 1, 'cke.ecdh', showHex, { min: 1 })
          : kx === 'DHE'
            ? r.opaque('dh_Yc', 2, 'cke.dh', showHex, { min: 1 })
            : r.opaque('EncryptedPreMasterSecret', 2, 'cke.rsa', showHex, { min: 1 });
      return { type: 'client_key_exchange', kx, exchange };
    }
    case HT12.certificate_verify:
      if (form === 'tls10') return { type: 'certificate_verify10', signature: r.opaque('signature', 2, 'cv10.signature', showHex, { min: 1 }) };
      return { type: 'certificate_verify12', ...readSchemeAndSignature(r, 'cv12.signature') };
    case HT12.finished: {
      if (r.remaining !== 12) throw decodeError(`a TLS 1.2 Finished verify_data is 12 bytes, got ${r.remaining}`, r.offset);
      return { type: 'finished12', verifyData: r.bytesField('verify_data', 12, 'fin12.verify_data') };
    }
    case HT12.certificate_status:
      return { type: 'certificate_status', ...readCertificateStatusBody(r) };
    case HT12.new_session_ticket: {
      const lifetimeHint = r.u32('ticket_lifetime_hint', 'nst12.lifetime', (n) => (n === 0 ? '0 (unspecified)' : `${n} s`));
      const ticket = r.opaque('ticket', 2, 'nst12.ticket', showHex);
      return { type: 'new_session_ticket12', lifetimeHint, ticket };
    }
    default:
      throw fail.unexpected(`handshake message type ${type} (${handshakeName12(type)}) is not part of a TLS 1.2 handshake`);
  }
}

function writeBody12(w: Writer, m: Tls12Message): void {
  switch (m.type) {
    case 'hello_request':
    case 'server_hello_done':
      return;
    case 'certificate12':
      return w.vector('certificate_list', 3, 'cert.list', () => m.chain.forEach((c, i) => w.opaque(`certificate ${i}${i === 0 ? ' (leaf)' : ''}`, 3, c, 'cert.data', (b) => `${b.length} bytes of DER`)));
    case 'server_key_exchange':
      w.group('params', 'ske.params', () => w.bytesField('params', m.params, 'ske.params'));
      return w.group('signed_params', 'ske.signature', () => writeSchemeAndSignature(w, m.scheme, m.signature, 'ske.signature'));
    case 'server_key_exchange10':
      w.group('params', 'ske.params', () => w.bytesField('params', m.params, 'ske.params'));
      return w.opaque('signature', 2, m.signature, 'ske10.signature', showHex);
    case 'certificate_request12':
    case 'certificate_request10':
      w.vector('certificate_types', 1, 'cr12.types', () => m.certificateTypes.forEach((t) => w.u8('type', t, 'cr12.types', showCertType)));
      if (m.type === 'certificate_request12') w.vector('supported_signature_algorithms', 2, 'ext.signature_algorithms', () => m.schemes.forEach((s) => w.u16('item', s, 'ext.signature_algorithms', showScheme)));
      return w.vector('certificate_authorities', 2, 'cr12.authorities', () => m.authorities.forEach((a) => w.opaque('distinguished_name', 2, a, 'cr12.authority', showHex)));
    case 'client_key_exchange':
      if (m.kx === 'ECDHE') return w.opaque('ecdh_Yc', 1, m.exchange, 'cke.ecdh', showHex);
      if (m.kx === 'DHE') return w.opaque('dh_Yc', 2, m.exchange, 'cke.dh', showHex);
      return w.opaque('EncryptedPreMasterSecret', 2, m.exchange, 'cke.rsa', showHex);
    case 'certificate_verify12':
      return writeSchemeAndSignature(w, m.scheme, m.signature, 'cv12.signature');
    case 'certificate_verify10':
      return w.opaque('signature', 2, m.signature, 'cv10.signature', showHex);
    case 'finished12':
      return w.bytesField('verify_data', m.verifyData, 'fin12.verify_data');
    case 'certificate_status':
      return writeCertificateStatusBody(w, m.ocspResponse);
    case 'new_session_ticket12':
      w.u32('ticket_lifetime_hint', m.lifetimeHint, 'nst12.lifetime', (n) => `${n} s`);
      return w.opaque('ticket', 2, m.ticket, 'nst12.ticket', showHex);
  }
}

const CODES: Record<Tls12Message['type'], number> = {
  hello_request: HT12.hello_request,
  certificate12: HT12.certificate,
  server_key_exchange: HT12.server_key_exchange,
  certificate_request12: HT12.certificate_request,
  server_hello_done: HT12.server_hello_done,
  client_key_exchange: HT12.client_key_exchange,
  certificate_verify12: HT12.certificate_verify,
  finished12: HT12.finished,
  certificate_status: HT12.certificate_status,
  new_session_ticket12: HT12.new_session_ticket,
  server_key_exchange10: HT12.server_key_exchange,
  certificate_request10: HT12.certificate_request,
  certificate_verify10: HT12.certificate_verify,
};

/**
 * The bytes of ServerECDHParams / ServerDHParams (RFC 8422 §5.4, RFC 5246 §7.4.3) from their fields: what a server
 * signs and sends as ServerKeyExchange.params, laid out exactly as the reader above reads it.
 */
export function serverKeyExchangeParams(p: { kx: 'ECDHE'; group: number; publicKey: Uint8Array } | { kx: 'DHE'; dhP: Uint8Array; dhG: Uint8Array; dhYs: Uint8Array }): Uint8Array {
  const w = new Writer();
  if (p.kx === 'ECDHE') {
    w.u8('curve_type', 3, 'ske.curve_type');
    w.u16('named_curve', p.group, 'ske.named_curve', groupName);
    w.opaque('public', 1, p.publicKey, 'ske.ec_public', showHex);
  } else {
    w.opaque('dh_p', 2, p.dhP, 'ske.dh_p', showHex);
    w.opaque('dh_g', 2, p.dhG, 'ske.dh_g', showHex);
    w.opaque('dh_Ys', 2, p.dhYs, 'ske.dh_ys', showHex);
  }
  return w.finish();
}

/** ClientHello and ServerHello have one layout for both versions: handshake.ts reads and writes them. */
function asHello12(d: DecodedHandshake): Decoded12 {
  const m = d.message;
  if (m.type !== 'client_hello' && m.type !== 'server_hello') throw fail.internal(`${d.name} decoded where a hello was expected`);
  return d as Decoded12; // the same object (a copy would read a field tree made when first read)
}

/** Encode a TLS 1.2 message (or a ClientHello) with its 4-byte header. */
export function encodeHandshake12(m: AnyMessage12): Decoded12 {
  if (m.type === 'client_hello' || m.type === 'server_hello') return asHello12(encodeHandshake(m));
  const w = new Writer();
  const msgType = CODES[m.type];
  w.u8('msg_type', msgType, 'hs.msg_type', (n) => `${handshakeName12(n)} (${n})`);
  w.vector('body', 3, 'hs.body', () => writeBody12(w, m));
  return { msgType, name: handshakeName12(msgType), bytes: w.finish(), fields: w.fields, message: m };
}

/**
 * Decode one TLS 1.2 handshake message. `kx` (the negotiated key exchange) is needed for ServerKeyExchange and
 * ClientKeyExchange, whose shape depends on it; `form` 'tls10' reads TLS 1.0 and 1.1's signed messages.
 */
export function decodeHandshake12(bytes: Uint8Array, kx?: KeyExchange12, fieldsWhenRead = false, form: SignedForm = 'tls12'): Decoded12 {
  if (bytes[0] === HT12.client_hello || bytes[0] === HT12.server_hello) return asHello12(decodeHandshake(bytes, fieldsWhenRead));
  const fields: FieldNode[] = [];
  const r = new Reader(bytes, fields, 0, bytes.length, 'handshake message', !fieldsWhenRead);
  const msgType = r.u8('msg_type', 'hs.msg_type', (n) => `${handshakeName12(n)} (${n})`);
  const what = handshakeName12(msgType);
  const m = r.vector('body', 3, 'hs.body', (b) => {
    b.what = what;
    return readBody12(b, msgType, kx, form);
  });
  r.expectEnd(what);
  const decoded = { msgType, name: what, bytes, fields, message: m };
  return fieldsWhenRead ? defineLazy(decoded, 'fields', () => decodeHandshake12(bytes, kx, false, form).fields) : decoded;
}
