// TLS extensions: one decoder and one encoder per extension, side by side, with the same field names and
// explanation keys. An extension's meaning depends on the message that carries it (its "context").
import { utf8 } from '../../util/bytes.ts';
import type { Reader } from '../codec/reader.ts';
import type { Writer } from '../codec/writer.ts';
import { decodeError, fail } from '../errors.ts';
import { ExtensionType as X, extensionName, groupName, versionName } from './constants.ts';
import { misplacedExtension } from './extension-places.ts';
import { showHex, showScheme } from './fields.ts';

export type ExtensionContext =
  | 'client_hello'
  | 'server_hello'
  | 'hello_retry_request'
  | 'encrypted_extensions'
  | 'certificate_request'
  | 'certificate'
  | 'new_session_ticket';

export interface KeyShareEntry {
  group: number;
  keyExchange: Uint8Array;
}

export interface PskIdentity {
  identity: Uint8Array;
  obfuscatedTicketAge: number;
}

/** One extension, decoded. Only the fields of its type are set; `data` always holds the raw body. */
export interface Extension {
  code: number;
  data?: Uint8Array;
  hostName?: string;
  protocols?: string[];
  versions?: number[];
  selectedVersion?: number;
  groups?: number[];
  shares?: KeyShareEntry[];
  share?: KeyShareEntry;
  selectedGroup?: number;
  schemes?: number[];
  modes?: number[];
  identities?: PskIdentity[];
  binders?: Uint8Array[];
  selectedIdentity?: number;
  cookie?: Uint8Array;
  maxEarlyData?: number;
  recordSizeLimit?: number;
  /** certificate_authorities (RFC 8446 §4.2.4): DER DistinguishedNames. */
  authorities?: Uint8Array[];
  /** status_request (RFC 6066 §8): the CertificateStatusType asked for or answered (1: ocsp). */
  statusType?: number;
  /** status_request in a TLS 1.3 CertificateEntry (RFC 8446 §4.4.2.1): the stapled DER OCSPResponse. */
  ocspResponse?: Uint8Array;
}

/** CertificateStatusType ocsp (RFC 6066 §8), the only one a status_request offers here. */
export const STATUS_TYPE_OCSP = 1;
const showStatusType = (n: number) => (n === STATUS_TYPE_OCSP ? 'ocsp (1)' : n === 2 ? 'ocsp_multi (2)' : `unknown (${n})`);

/**
 * The body of a CertificateStatus (RFC 6066 §8): status_type, then for ocsp an OCSPResponse<1..2^24-1>. TLS 1.2 sends
 * it as a handshake message of its own, TLS 1.3 inside the leaf's CertificateEntry (RFC 8446 §4.4.2.1). Only ocsp is
 * defined there: any other type cannot be read, a decode_error (as OpenSSL's "unsupported status type").
 */
export function readCertificateStatusBody(r: Reader): { statusType: number; ocspResponse: Uint8Array } {
  const statusType = r.u8('status_type', 'ext.status_request.type', showStatusType);
  if (statusType !== STATUS_TYPE_OCSP) throw decodeError(`a CertificateStatus of type ${statusType}: only ocsp (1) is defined for it (RFC 6066 §8)`, r.offset - 1);
  const ocspResponse = r.opaque('OCSPResponse', 3, 'ext.status_request.response', (b) => `${b.length} bytes of DER`, { min: 1 });
  return { statusType, ocspResponse };
}

export function writeCertificateStatusBody(w: Writer, ocspResponse: Uint8Array): void {
  w.u8('status_type', STATUS_TYPE_OCSP, 'ext.status_request.type', showStatusType);
  w.opaque('OCSPResponse', 3, ocspResponse, 'ext.status_request.response', (b) => `${b.length} bytes of DER`);
}

export function findExtension(list: Extension[], code: number): Extension | undefined {
  return list.find((e) => e.code === code);
}

const showAscii = (b: Uint8Array) => JSON.stringify(utf8.decode(b));
const showMode = (n: number) => (n === 1 ? 'psk_dhe_ke (1)' : n === 0 ? 'psk_ke (0)' : `unknown (${n})`);

/** extensions<lenBytes>: decode each extension in context. Duplicates are illegal (RFC 8446 §4.2). */
export function readExtensions(r: Reader, ctx: ExtensionContext): Extension[] {
  const list: Extension[] = [];
  r.vector('extensions', 2, 'ext.list', (v) => {
    v.untilEnd((e) => {
      const ext = readExtension(e, ctx);
      if (list.some((x) => x.code === ext.code)) throw fail.illegal(`the ${extensionName(ext.code)} extension appears twice in the ${ctx.replace(/_/g, ' ')} (RFC 8446 §4.2: at most one of each type)`);
      list.push(ext);
    });
  });
  return list;
}

function readExtension(r: Reader, ctx: ExtensionContext): Extension {
  let ext!: Extension;
  r.group('extension', undefined, () => {
    const code = r.u16('type', 'ext.type', (n) => `${extensionName(n)} (${n})`);
    // Decided before the contents: a wrong message's layout would misread them and blame the bytes.
    const misplaced = misplacedExtension(code, ctx);
    if (misplaced) throw fail.illegal(misplaced);
    const len = r.u16('length', 'codec.length');
    const end = r.offset + len;
    if (len > r.remaining) throw decodeError(`${extensionName(code)} extension claims ${len} bytes but only ${r.remaining} remain`, r.offset);
    const data = r.bytes.slice(r.offset, end);
    ext = r.sub(end, (d) => readExtensionBody(d, code, ctx), extensionName(code));
    ext.data = data;
  });
  r.annotateLast(extensionName(ext.code));
  return ext;
}

/** A list of 16-bit code points; these lists all hold at least one (RFC 8446 §4.2: versions<2..254>, ...<2..2^16-2>). */
function readU16List(r: Reader, name: string, explain: string, lenBytes: 1 | 2, show: (n: number) => string): number[] {
  const out: number[] = [];
  r.vector(name, lenBytes, explain, (v) => {
    if (v.remaining === 0) throw decodeError(`${name} is empty; it must list at least one value`, v.offset);
    if (v.remaining % 2 !== 0) throw decodeError(`${name} has an odd length`, v.offset);
    v.untilEnd(() => out.push(v.u16('item', explain, show)));
  });
  return out;
}

function readExtensionBody(r: Reader, code: number, ctx: ExtensionContext): Extension {
  const hello = ctx === 'client_hello';
  switch (code) {
    case X.server_name: {
      if (!hello) return { code }; // empty in EncryptedExtensions: "I used your name"
      // RFC 6066 §3: a non-empty list, at most one name of each type, a host name of at least one byte and no NUL.
      let hostName: string | undefined;
      r.vector('server_name_list', 2, 'ext.server_name', (v) => {
        if (v.remaining === 0) throw decodeError('server_name_list is empty (RFC 6066 §3)', v.offset);
        v.untilEnd(() =>
          v.group('server_name', 'ext.server_name', () => {
            const type = v.u8('name_type', 'ext.server_name.type', (n) => (n === 0 ? 'host_name (0)' : `unknown (${n})`));
            const name = v.opaque('host_name', 2, 'ext.server_name', showAscii, { min: 1 });
            if (type !== 0) return;
            if (hostName !== undefined) throw decodeError('server_name_list holds more than one host_name (RFC 6066 §3)', v.offset);
            if (name.includes(0)) throw fail.illegal('the host_name holds a NUL byte, which no host name has (RFC 6066 §3)');
            hostName = utf8.decode(name);
          }),
        );
      });
      return { code, hostName };
    }
    case X.alpn: {
      const protocols: string[] = [];
      r.vector('protocol_name_list', 2, 'ext.alpn', (v) =>
        v.untilEnd(() => protocols.push(utf8.decode(v.opaque('protocol_name', 1, 'ext.alpn', showAscii, { min: 1 })))),
      );
      if (ctx === 'encrypted_extensions' && protocols.length !== 1) throw fail.illegal('the server must select exactly one ALPN protocol');
      return { code, protocols };
    }
    case X.supported_versions: {
      if (hello) return { code, versions: readU16List(r, 'versions', 'ext.supported_versions', 1, versionName) };
      return { code, selectedVersion: r.u16('selected_version', 'ext.supported_versions.selected', versionName) };
    }
    case X.supported_groups:
      return { code, groups: readU16List(r, 'named_group_list', 'ext.supported_groups', 2, groupName) };
    case X.key_share: {
      if (ctx === 'hello_retry_request') return { code, selectedGroup: r.u16('selected_group', 'ext.key_share.hrr', groupName) };
      if (ctx === 'server_hello') return { code, share: readKeyShareEntry(r) };
      const shares: KeyShareEntry[] = [];
      r.vector('client_shares', 2, 'ext.key_share', (v) => v.untilEnd(() => shares.push(readKeyShareEntry(v))));
      return { code, shares };
    }
    case X.signature_algorithms:
      return { code, schemes: readU16List(r, 'supported_signature_algorithms', 'ext.signature_algorithms', 2, showScheme) };
    case X.signature_algorithms_cert:
      return { code, schemes: readU16List(r, 'supported_signature_algorithms', 'ext.signature_algorithms_cert', 2, showScheme) };
    case X.psk_key_exchange_modes: {
      const modes: number[] = [];
      r.vector('ke_modes', 1, 'ext.psk_key_exchange_modes', (v) => v.untilEnd(() => modes.push(v.u8('mode', 'ext.psk_key_exchange_modes', showMode))));
      return { code, modes };
    }
    case X.pre_shared_key: {
      if (ctx === 'server_hello') return { code, selectedIdentity: r.u16('selected_identity', 'ext.pre_shared_key.selected') };
      const identities: PskIdentity[] = [];
      const binders: Uint8Array[] = [];
      r.vector('identities', 2, 'ext.pre_shared_key.identities', (v) =>
        v.untilEnd(() =>
          v.group('identity', 'ext.pre_shared_key.identity', () => {
            const identity = v.opaque('identity', 2, 'ext.pre_shared_key.ticket', showHex, { min: 1 });
            const obfuscatedTicketAge = v.u32('obfuscated_ticket_age', 'ext.pre_shared_key.age');
            identities.push({ identity, obfuscatedTicketAge });
          }),
        ),
      );
      r.vector('binders', 2, 'ext.pre_shared_key.binders', (v) => v.untilEnd(() => binders.push(v.opaque('binder', 1, 'ext.pre_shared_key.binder', showHex, { min: 32 }))));
      return { code, identities, binders };
    }
    case X.cookie:
      return { code, cookie: r.opaque('cookie', 2, 'ext.cookie', showHex, { min: 1 }) };
    case X.early_data:
      if (ctx === 'new_session_ticket') return { code, maxEarlyData: r.u32('max_early_data_size', 'ext.early_data') };
      return { code };
    case X.record_size_limit:
      return { code, recordSizeLimit: r.u16('record_size_limit', 'ext.record_size_limit') };
    case X.certificate_authorities: {
      const authorities: Uint8Array[] = [];
      r.vector('authorities', 2, 'ext.certificate_authorities', (v) => v.untilEnd(() => authorities.push(v.opaque('distinguished_name', 2, 'ext.certificate_authorities.name', showHex, { min: 1 }))));
      return { code, authorities };
    }
    case X.status_request: {
      // RFC 6066 §8: asked for in a ClientHello (empty in a TLS 1.3 CertificateRequest), acknowledged empty in a
      // TLS 1.2 ServerHello, answered with the CertificateStatus in a TLS 1.3 CertificateEntry.
      if (ctx === 'certificate') return { code, ...readCertificateStatusBody(r) };
      if (ctx === 'server_hello') {
        if (r.remaining > 0) throw decodeError('the ServerHello\'s status_request must be empty (RFC 6066 §8)', r.offset);
        return { code };
      }
      // RFC 8446 §4.4.2.1: a server asks for the client's OCSP response with an empty one in its CertificateRequest.
      if (ctx === 'certificate_request' && r.remaining === 0) return { code };
      const statusType = r.u8('status_type', 'ext.status_request.type', showStatusType);
      if (statusType === STATUS_TYPE_OCSP) {
        r.vector('responder_id_list', 2, 'ext.status_request.responders', (v) => v.untilEnd(() => v.opaque('ResponderID', 2, 'ext.status_request.responders', showHex, { min: 1 })));
        r.opaque('request_extensions', 2, 'ext.status_request.extensions', showHex);
      } else if (r.remaining > 0) r.bytesField('request', r.remaining, 'ext.opaque', showHex);
      return { code, statusType };
    }
    default:
      if (r.remaining > 0) r.bytesField('extension_data', r.remaining, code in KNOWN_OPAQUE ? KNOWN_OPAQUE[code] : 'ext.unknown', showHex);
      return { code };
  }
}

const KNOWN_OPAQUE: Record<number, string> = {
  [X.signed_certificate_timestamp]: 'ext.opaque',
  [X.renegotiation_info]: 'ext.renegotiation_info',
  [X.ec_point_formats]: 'ext.ec_point_formats',
  [X.session_ticket]: 'ext.session_ticket',
  [X.padding]: 'ext.opaque',
};

function readKeyShareEntry(r: Reader): KeyShareEntry {
  let entry!: KeyShareEntry;
  r.group('key_share_entry', 'ext.key_share.entry', () => {
    const group = r.u16('group', 'ext.key_share.group', groupName);
    const keyExchange = r.opaque('key_exchange', 2, 'ext.key_share.key', showHex, { min: 1 });
    entry = { group, keyExchange };
  });
  r.annotateLast(groupName(entry.group));
  return entry;
}

/** Write one extension: type, a self-filling length, and its body. */
export function writeExtension(w: Writer, ext: Extension, ctx: ExtensionContext): void {
  w.group('extension', undefined, () => {
    w.u16('type', ext.code, 'ext.type', (n) => `${extensionName(n)} (${n})`);
    w.lengthPrefixed(2, () => writeExtensionBody(w, ext, ctx));
  }, extensionName(ext.code));
}

export function writeExtensions(w: Writer, list: Extension[], ctx: ExtensionContext): void {
  w.vector('extensions', 2, 'ext.list', () => {
    for (const ext of list) writeExtension(w, ext, ctx);
  });
}

function writeU16List(w: Writer, name: string, explain: string, lenBytes: 1 | 2, list: number[], show: (n: number) => string): void {
  w.vector(name, lenBytes, explain, () => list.forEach((n) => w.u16('item', n, explain, show)));
}

function writeKeyShareEntry(w: Writer, e: KeyShareEntry): void {
  w.group('key_share_entry', 'ext.key_share.entry', () => {
    w.u16('group', e.group, 'ext.key_share.group', groupName);
    w.opaque('key_exchange', 2, e.keyExchange, 'ext.key_share.key', showHex);
  }, groupName(e.group));
}

function writeExtensionBody(w: Writer, ext: Extension, ctx: ExtensionContext): void {
  const hello = ctx === 'client_hello';
  switch (ext.code) {
    case X.server_name:
      if (!hello || ext.hostName === undefined) return;
      w.vector('server_name_list', 2, 'ext.server_name', () =>
        w.group('server_name', 'ext.server_name', () => {
          w.u8('name_type', 0, 'ext.server_name.type', () => 'host_name (0)');
          w.opaque('host_name', 2, utf8.encode(ext.hostName!), 'ext.server_name', showAscii);
        }),
      );
      return;
    case X.alpn:
      w.vector('protocol_name_list', 2, 'ext.alpn', () => (ext.protocols ?? []).forEach((p) => w.opaque('protocol_name', 1, utf8.encode(p), 'ext.alpn', showAscii)));
      return;
    case X.supported_versions:
      if (hello) writeU16List(w, 'versions', 'ext.supported_versions', 1, ext.versions ?? [], versionName);
      else w.u16('selected_version', ext.selectedVersion ?? 0, 'ext.supported_versions.selected', versionName);
      return;
    case X.supported_groups:
      writeU16List(w, 'named_group_list', 'ext.supported_groups', 2, ext.groups ?? [], groupName);
      return;
    case X.key_share:
      if (ctx === 'hello_retry_request') w.u16('selected_group', ext.selectedGroup ?? 0, 'ext.key_share.hrr', groupName);
      else if (ctx === 'server_hello') writeKeyShareEntry(w, ext.share!);
      else w.vector('client_shares', 2, 'ext.key_share', () => (ext.shares ?? []).forEach((s) => writeKeyShareEntry(w, s)));
      return;
    case X.signature_algorithms:
    case X.signature_algorithms_cert:
      writeU16List(w, 'supported_signature_algorithms', ext.code === X.signature_algorithms ? 'ext.signature_algorithms' : 'ext.signature_algorithms_cert', 2, ext.schemes ?? [], showScheme);
      return;
    case X.psk_key_exchange_modes:
      w.vector('ke_modes', 1, 'ext.psk_key_exchange_modes', () => (ext.modes ?? []).forEach((m) => w.u8('mode', m, 'ext.psk_key_exchange_modes', showMode)));
      return;
    case X.pre_shared_key:
      if (ctx === 'server_hello') {
        w.u16('selected_identity', ext.selectedIdentity ?? 0, 'ext.pre_shared_key.selected');
        return;
      }
      w.vector('identities', 2, 'ext.pre_shared_key.identities', () =>
        (ext.identities ?? []).forEach((id) =>
          w.group('identity', 'ext.pre_shared_key.identity', () => {
            w.opaque('identity', 2, id.identity, 'ext.pre_shared_key.ticket', showHex);
            w.u32('obfuscated_ticket_age', id.obfuscatedTicketAge, 'ext.pre_shared_key.age');
          }),
        ),
      );
      w.vector('binders', 2, 'ext.pre_shared_key.binders', () => (ext.binders ?? []).forEach((b) => w.opaque('binder', 1, b, 'ext.pre_shared_key.binder', showHex)));
      return;
    case X.cookie:
      w.opaque('cookie', 2, ext.cookie ?? new Uint8Array(0), 'ext.cookie', showHex);
      return;
    case X.early_data:
      if (ctx === 'new_session_ticket') w.u32('max_early_data_size', ext.maxEarlyData ?? 0, 'ext.early_data');
      return;
    case X.record_size_limit:
      w.u16('record_size_limit', ext.recordSizeLimit ?? 16385, 'ext.record_size_limit');
      return;
    case X.certificate_authorities:
      w.vector('authorities', 2, 'ext.certificate_authorities', () => (ext.authorities ?? []).forEach((a) => w.opaque('distinguished_name', 2, a, 'ext.certificate_authorities.name', showHex)));
      return;
    case X.status_request:
      if (ctx === 'certificate' && ext.ocspResponse) return writeCertificateStatusBody(w, ext.ocspResponse);
      if (ctx === 'server_hello' || ext.statusType === undefined) {
        if (ext.data?.length) w.bytesField('extension_data', ext.data, 'ext.opaque', showHex);
        return;
      }
      // An OCSP request naming no responder and no request extensions: "the server knows its responder".
      w.u8('status_type', ext.statusType, 'ext.status_request.type', showStatusType);
      w.vector('responder_id_list', 2, 'ext.status_request.responders', () => undefined);
      w.opaque('request_extensions', 2, new Uint8Array(0), 'ext.status_request.extensions', showHex);
      return;
    default:
      if (ext.data && ext.data.length) w.bytesField('extension_data', ext.data, ext.code in KNOWN_OPAQUE ? KNOWN_OPAQUE[ext.code] : 'ext.unknown', showHex);
  }
}
