// TLS 1.3 handshake messages: each with its decoder and encoder side by side (RFC 8446 §4).
// A message's bytes include the 4-byte handshake header; field spans are offsets into those bytes.
import type { FieldNode } from '../../trace/types.ts';
import { equalBytes, toHex } from '../../util/bytes.ts';
import { defineLazy } from '../../trace/lazy-hex.ts';
import { Reader } from '../codec/reader.ts';
import { Writer } from '../codec/writer.ts';
import { decodeError, fail } from '../errors.ts';
import { describeSuite } from '../suites.ts';
import { HRR_RANDOM, HandshakeType as HT, handshakeName, versionName } from './constants.ts';
import { readExtensions, writeExtensions, type Extension, type ExtensionContext } from './extensions.ts';
import { readSchemeAndSignature, showHex, writeSchemeAndSignature } from './fields.ts';

export interface ClientHello {
  type: 'client_hello';
  legacyVersion: number;
  random: Uint8Array;
  sessionId: Uint8Array;
  cipherSuites: number[];
  compressionMethods: number[];
  extensions: Extension[];
}

/** A ServerHello or, when `random` is the special value, a HelloRetryRequest. */
export interface ServerHello {
  type: 'server_hello';
  isHelloRetryRequest: boolean;
  legacyVersion: number;
  random: Uint8Array;
  sessionIdEcho: Uint8Array;
  cipherSuite: number;
  compressionMethod: number;
  extensions: Extension[];
}

export interface EncryptedExtensions {
  type: 'encrypted_extensions';
  extensions: Extension[];
}

export interface CertificateRequest {
  type: 'certificate_request';
  context: Uint8Array;
  extensions: Extension[];
}

export interface CertificateEntry {
  certData: Uint8Array;
  extensions: Extension[];
}

export interface Certificate {
  type: 'certificate';
  context: Uint8Array;
  entries: CertificateEntry[];
}

export interface CertificateVerify {
  type: 'certificate_verify';
  scheme: number;
  signature: Uint8Array;
}

export interface Finished {
  type: 'finished';
  verifyData: Uint8Array;
}

export interface NewSessionTicket {
  type: 'new_session_ticket';
  lifetime: number;
  ageAdd: number;
  nonce: Uint8Array;
  ticket: Uint8Array;
  extensions: Extension[];
}

export interface KeyUpdate {
  type: 'key_update';
  updateRequested: boolean;
}

export interface EndOfEarlyData {
  type: 'end_of_early_data';
}

export type HandshakeMessage =
  | ClientHello
  | ServerHello
  | EncryptedExtensions
  | CertificateRequest
  | Certificate
  | CertificateVerify
  | Finished
  | NewSessionTicket
  | KeyUpdate
  | EndOfEarlyData;

/** A decoded message with its bytes and field tree, as the trace shows it. */
export interface DecodedMessage<M> {
  msgType: number;
  name: string;
  bytes: Uint8Array;
  fields: FieldNode[];
  message: M;
}

export type DecodedHandshake = DecodedMessage<HandshakeMessage>;


// ---------- ClientHello ----------

function readClientHello(r: Reader): ClientHello {
  const legacyVersion = r.u16('legacy_version', 'ch.legacy_version', versionName);
  const random = r.bytesField('random', 32, 'ch.random');
  const sessionId = r.opaque('legacy_session_id', 1, 'ch.session_id', showHex, { max: 32 });
  const cipherSuites: number[] = [];
  r.vector('cipher_suites', 2, 'ch.cipher_suites', (v) => {
    if (v.remaining % 2 !== 0 || v.remaining === 0) throw decodeError('cipher_suites must be a non-empty list of 2-byte codes', v.offset);
    v.untilEnd(() => cipherSuites.push(v.u16('cipher_suite', 'ch.cipher_suite', describeSuite)));
  });
  const compressionMethods: number[] = [];
  r.vector('legacy_compression_methods', 1, 'ch.compression', (v) => v.untilEnd(() => compressionMethods.push(v.u8('method', 'ch.compression'))));
  const extensions = r.remaining > 0 ? readExtensions(r, 'client_hello') : [];
  return { type: 'client_hello', legacyVersion, random, sessionId, cipherSuites, compressionMethods, extensions };
}

function writeClientHello(w: Writer, m: ClientHello): void {
  w.u16('legacy_version', m.legacyVersion, 'ch.legacy_version', versionName);
  w.bytesField('random', m.random, 'ch.random');
  w.opaque('legacy_session_id', 1, m.sessionId, 'ch.session_id', showHex);
  w.vector('cipher_suites', 2, 'ch.cipher_suites', () => m.cipherSuites.forEach((c) => w.u16('cipher_suite', c, 'ch.cipher_suite', describeSuite)));
  w.vector('legacy_compression_methods', 1, 'ch.compression', () => m.compressionMethods.forEach((c) => w.u8('method', c, 'ch.compression')));
  writeExtensions(w, m.extensions, 'client_hello');
}

// ---------- ServerHello / HelloRetryRequest ----------

function readServerHello(r: Reader): ServerHello {
  const legacyVersion = r.u16('legacy_version', 'sh.legacy_version', versionName);
  const random = r.bytesField('random', 32, 'sh.random');
  const isHelloRetryRequest = equalBytes(random, HRR_RANDOM);
  if (isHelloRetryRequest) r.annotateLast(`${toHex(random)} (HelloRetryRequest marker)`);
  const sessionIdEcho = r.opaque('legacy_session_id_echo', 1, 'sh.session_id_echo', showHex, { max: 32 });
  const cipherSuite = r.u16('cipher_suite', 'sh.cipher_suite', describeSuite);
  const compressionMethod = r.u8('legacy_compression_method', 'sh.compression');
  const extensions = r.remaining > 0 ? readExtensions(r, isHelloRetryRequest ? 'hello_retry_request' : 'server_hello') : [];
  return { type: 'server_hello', isHelloRetryRequest, legacyVersion, random, sessionIdEcho, cipherSuite, compressionMethod, extensions };
}

function writeServerHello(w: Writer, m: ServerHello): void {
  w.u16('legacy_version', m.legacyVersion, 'sh.legacy_version', versionName);
  w.bytesField('random', m.random, 'sh.random');
  w.opaque('legacy_session_id_echo', 1, m.sessionIdEcho, 'sh.session_id_echo', showHex);
  w.u16('cipher_suite', m.cipherSuite, 'sh.cipher_suite', describeSuite);
  w.u8('legacy_compression_method', m.compressionMethod, 'sh.compression');
  writeExtensions(w, m.extensions, m.isHelloRetryRequest ? 'hello_retry_request' : 'server_hello');
}

// ---------- Certificate ----------

function readCertificate(r: Reader): Certificate {
  const context = r.opaque('certificate_request_context', 1, 'cert.context', showHex);
  const entries: CertificateEntry[] = [];
  r.vector('certificate_list', 3, 'cert.list', (v) =>
    v.untilEnd((_, i) =>
      v.group(
        `certificate ${i}${i === 0 ? ' (leaf)' : ''}`,
        'cert.entry',
        () => {
          const certData = v.opaque('cert_data', 3, 'cert.data', (b) => `${b.length} bytes of DER`, { min: 1 });
          const extensions = readExtensions(v, 'certificate');
          entries.push({ certData, extensions });
        },
      ),
    ),
  );
  return { type: 'certificate', context, entries };
}

function writeCertificate(w: Writer, m: Certificate): void {
  w.opaque('certificate_request_context', 1, m.context, 'cert.context', showHex);
  w.vector('certificate_list', 3, 'cert.list', () =>
    m.entries.forEach((e, i) =>
      w.group(`certificate ${i}${i === 0 ? ' (leaf)' : ''}`, 'cert.entry', () => {
        w.opaque('cert_data', 3, e.certData, 'cert.data', (b) => `${b.length} bytes of DER`);
        writeExtensions(w, e.extensions, 'certificate');
      }),
    ),
  );
}

// ---------- the rest ----------

function readBody(r: Reader, type: number): HandshakeMessage {
  switch (type) {
    case HT.client_hello:
      return readClientHello(r);
    case HT.server_hello:
      return readServerHello(r);
    case HT.encrypted_extensions:
      return { type: 'encrypted_extensions', extensions: readExtensions(r, 'encrypted_extensions') };
    case HT.certificate_request: {
      const context = r.opaque('certificate_request_context', 1, 'cr.context', showHex);
      return { type: 'certificate_request', context, extensions: readExtensions(r, 'certificate_request') };
    }
    case HT.certificate:
      return readCertificate(r);
    case HT.certificate_verify:
      return { type: 'certificate_verify', ...readSchemeAndSignature(r, 'cv.signature') };
    case HT.finished: {
      if (r.remaining !== 32 && r.remaining !== 48) throw decodeError(`Finished verify_data must be 32 or 48 bytes, got ${r.remaining}`, r.offset);
      return { type: 'finished', verifyData: r.bytesField('verify_data', r.remaining, 'fin.verify_data') };
    }
    case HT.new_session_ticket: {
      const lifetime = r.u32('ticket_lifetime', 'nst.lifetime', (n) => `${n} s`);
      const ageAdd = r.u32('ticket_age_add', 'nst.age_add');
      const nonce = r.opaque('ticket_nonce', 1, 'nst.nonce', showHex);
      const ticket = r.opaque('ticket', 2, 'nst.ticket', showHex, { min: 1 });
      const extensions = readExtensions(r, 'new_session_ticket');
      return { type: 'new_session_ticket', lifetime, ageAdd, nonce, ticket, extensions };
    }
    case HT.key_update: {
      const v = r.u8('request_update', 'ku.request_update', (n) => (n === 1 ? 'update_requested (1)' : n === 0 ? 'update_not_requested (0)' : `invalid (${n})`));
      if (v > 1) throw fail.illegal(`KeyUpdate request_update must be 0 or 1, got ${v}`);
      return { type: 'key_update', updateRequested: v === 1 };
    }
    case HT.end_of_early_data:
      return { type: 'end_of_early_data' };
    default:
      throw fail.unexpected(`unknown handshake message type ${type}`);
  }
}

function writeBody(w: Writer, m: HandshakeMessage): void {
  switch (m.type) {
    case 'client_hello':
      return writeClientHello(w, m);
    case 'server_hello':
      return writeServerHello(w, m);
    case 'encrypted_extensions':
      return writeExtensions(w, m.extensions, 'encrypted_extensions');
    case 'certificate_request':
      w.opaque('certificate_request_context', 1, m.context, 'cr.context', showHex);
      return writeExtensions(w, m.extensions, 'certificate_request');
    case 'certificate':
      return writeCertificate(w, m);
    case 'certificate_verify':
      return writeSchemeAndSignature(w, m.scheme, m.signature, 'cv.signature');
    case 'finished':
      return w.bytesField('verify_data', m.verifyData, 'fin.verify_data');
    case 'new_session_ticket':
      w.u32('ticket_lifetime', m.lifetime, 'nst.lifetime', (n) => `${n} s`);
      w.u32('ticket_age_add', m.ageAdd, 'nst.age_add');
      w.opaque('ticket_nonce', 1, m.nonce, 'nst.nonce', showHex);
      w.opaque('ticket', 2, m.ticket, 'nst.ticket', showHex);
      return writeExtensions(w, m.extensions, 'new_session_ticket');
    case 'key_update':
      return w.u8('request_update', m.updateRequested ? 1 : 0, 'ku.request_update', (n) => (n === 1 ? 'update_requested (1)' : 'update_not_requested (0)'));
    case 'end_of_early_data':
      return;
  }
}

const TYPE_CODES: Record<HandshakeMessage['type'], number> = {
  client_hello: HT.client_hello,
  server_hello: HT.server_hello,
  encrypted_extensions: HT.encrypted_extensions,
  certificate_request: HT.certificate_request,
  certificate: HT.certificate,
  certificate_verify: HT.certificate_verify,
  finished: HT.finished,
  new_session_ticket: HT.new_session_ticket,
  key_update: HT.key_update,
  end_of_early_data: HT.end_of_early_data,
};

/** Encode a message with its handshake header; fields span the whole message. */
export function encodeHandshake(m: HandshakeMessage, fieldsWhenRead = false): DecodedHandshake {
  const w = new Writer(!fieldsWhenRead);
  const msgType = TYPE_CODES[m.type];
  w.u8('msg_type', msgType, 'hs.msg_type', (n) => `${handshakeName(n)} (${n})`);
  w.vector('body', 3, 'hs.body', () => writeBody(w, m));
  const bytes = w.finish();
  const encoded = { msgType, name: displayName(m), bytes, fields: w.fields, message: m };
  // Decoded from the bytes sent (ours alone, never changed), not encoded again from the message object, which its
  // owner may change after sending it: the Writer and Reader record the same fields (test/tls/lazy-trace-fields.test.ts).
  return fieldsWhenRead ? defineLazy(encoded, 'fields', () => decodeHandshake(bytes).fields) : encoded;
}

/**
 * Decode one complete handshake message (header included). Throws TlsError (decode_error, ...) on bad input.
 * `fieldsWhenRead`: the field tree is made when `fields` is first read, by decoding the same bytes again (the
 * bytes must not change afterwards); a handshake's trace events hand it on unread.
 */
export function decodeHandshake(bytes: Uint8Array, fieldsWhenRead = false): DecodedHandshake {
  const fields: FieldNode[] = [];
  const r = new Reader(bytes, fields, 0, bytes.length, 'handshake message', !fieldsWhenRead);
  const msgType = r.u8('msg_type', 'hs.msg_type', (n) => `${handshakeName(n)} (${n})`);
  const what = handshakeName(msgType);
  const m = r.vector('body', 3, 'hs.body', (b) => {
    b.what = what;
    return readBody(b, msgType);
  });
  r.expectEnd(what);
  const decoded = { msgType, name: displayName(m), bytes, fields, message: m };
  return fieldsWhenRead ? defineLazy(decoded, 'fields', () => decodeHandshake(bytes).fields) : decoded;
}

function displayName(m: HandshakeMessage): string {
  if (m.type === 'server_hello' && m.isHelloRetryRequest) return 'HelloRetryRequest';
  return handshakeName(TYPE_CODES[m.type]);
}

/** Bytes of a handshake message up to (not including) the PSK binders list, for the binder's transcript hash. */
export function truncateBeforeBinders(clientHello: Uint8Array, binders: Uint8Array[]): Uint8Array {
  const bindersLength = 2 + binders.reduce((n, b) => n + 1 + b.length, 0);
  return clientHello.subarray(0, clientHello.length - bindersLength);
}

export type { Extension, ExtensionContext };
