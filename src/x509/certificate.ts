// One X.509 certificate, decoded once: the structure through @peculiar/asn1-x509, the exact byte
// spans (TBS, names, key) through our DER walker, so signatures are checked over the bytes as received.
import { toHex } from '../util/bytes.ts';
import { describePublicKey, type PublicKeyInfo } from '../crypto/signature.ts';
import { children, decodeOid, DerError, readRoot, valueOf, wholeOf, type DerNode } from './der.ts';
import {
  decodeAuthorityKeyIdentifier,
  decodeBasicConstraints,
  decodeExtKeyUsage,
  decodeGeneralNames,
  decodeKeyUsage,
  decodeNameConstraints,
  decodeSubjectKeyIdentifier,
  EXT,
  EXTENSION_NAMES,
  generalNameText,
  type AuthorityKeyIdentifier,
  type BasicConstraints,
  type GeneralName,
  type KeyUsageName,
  type NameConstraints,
} from './extensions.ts';
import { decodeName, type DistinguishedName } from './names.ts';

export interface RawExtension {
  oid: string;
  critical: boolean;
  value: Uint8Array;
  /** Offset of the Extension SEQUENCE in the certificate DER. */
  offset: number;
  /** Offset just past it. */
  end: number;
}

export interface Span {
  start: number;
  end: number;
}

/** Where each part of the certificate lies in its DER, for views that link checks to bytes. */
export interface CertificateSpans {
  tbs: Span;
  serial: Span;
  signatureAlgorithm: Span;
  issuer: Span;
  validity: Span;
  subject: Span;
  spki: Span;
  extensions?: Span;
  signatureValue: Span;
}

/** A decoding problem inside an extension: kept so the check that needs it can fail with a reason. */
export interface ExtensionProblem {
  oid: string;
  message: string;
}

export interface DecodedCertificate {
  der: Uint8Array;
  /** The TBSCertificate bytes exactly as received: the signed data. */
  tbs: Uint8Array;
  version: number;
  /** Content bytes of the serial INTEGER, as encoded (two's complement). */
  serial: Uint8Array;
  /** AlgorithmIdentifier DER of the outer signatureAlgorithm and of the TBS signature field. */
  signatureAlgorithm: Uint8Array;
  tbsSignatureAlgorithm: Uint8Array;
  signature: Uint8Array;
  issuer: DistinguishedName;
  subject: DistinguishedName;
  notBefore: Date;
  notAfter: Date;
  spki: Uint8Array;
  key: PublicKeyInfo | { type: 'malformed'; message: string };
  extensions: RawExtension[];
  spans: CertificateSpans;
  /** Decoded extensions (absent when the extension is absent or failed to decode). */
  basicConstraints?: BasicConstraints;
  keyUsage?: Set<KeyUsageName>;
  extKeyUsage?: string[];
  subjectAltNames?: GeneralName[];
  nameConstraints?: NameConstraints;
  authorityKeyId?: AuthorityKeyIdentifier;
  subjectKeyId?: Uint8Array;
  extensionProblems: ExtensionProblem[];
  /** Subject and issuer names compare equal (RFC 5280 "self-issued"). */
  selfIssued: boolean;
  /** Lowercase hex of the DER: a cheap identity for deduplication. */
  id: string;
}

export class MalformedCertificateError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'MalformedCertificateError';
  }
}


function expectTag(node: DerNode | undefined, tag: number, what: string, at: number): DerNode {
  if (!node) throw new DerError(`${what} is missing`, at);
  if (node.tag !== tag) throw new DerError(`${what} has tag 0x${node.tag.toString(16)}, expected 0x${tag.toString(16)}`, node.start);
  return node;
}

const DECODERS: Record<string, (c: DecodedCertificate, v: Uint8Array) => void> = {
  [EXT.basicConstraints]: (c, v) => (c.basicConstraints = decodeBasicConstraints(v)),
  [EXT.keyUsage]: (c, v) => (c.keyUsage = decodeKeyUsage(v)),
  [EXT.extKeyUsage]: (c, v) => (c.extKeyUsage = decodeExtKeyUsage(v)),
  [EXT.subjectAltName]: (c, v) => {
    const names = decodeGeneralNames(v, 'subjectAltName');
    if (names.length === 0) throw new DerError('subjectAltName is empty (SIZE (1..MAX))', 0);
    c.subjectAltNames = names;
  },
  [EXT.nameConstraints]: (c, v) => (c.nameConstraints = decodeNameConstraints(v)),
  [EXT.authorityKeyIdentifier]: (c, v) => (c.authorityKeyId = decodeAuthorityKeyIdentifier(v)),
  [EXT.subjectKeyIdentifier]: (c, v) => (c.subjectKeyId = decodeSubjectKeyIdentifier(v)),
};

/**
 * Decode a DER certificate. Throws MalformedCertificateError (with the byte offset) when the
 * outer structure cannot be read; problems inside single extensions are recorded instead,
 * so the checks can name them.
 */
export function decodeCertificate(der: Uint8Array): DecodedCertificate {
  const id = toHex(der);
  let cert = decodedByDer.get(id);
  if (cert) {
    decodedByDer.delete(id);
  } else {
    // Decoded from a copy: the caller may change its bytes later, the cached certificate must not.
    cert = decodeOrExplain(Uint8Array.from(der), id);
    if (decodedByDer.size >= DECODED_CACHE_SIZE) decodedByDer.delete(decodedByDer.keys().next().value!);
  }
  decodedByDer.set(id, cert);
  // Each caller gets its own object (path building tells certificates apart by identity, as when each was decoded
  // afresh); the parts inside are shared and never changed after decoding.
  return { ...cert };
}

/**
 * Certificates decoded before, by DER (hex), least recently used first: a server's chain comes again with every
 * connection to it, and decoding is the costliest part of checking a short chain. Only the decoding is kept;
 * every check (signatures included) still runs on every validation.
 */
const decodedByDer = new Map<string, DecodedCertificate>();
const DECODED_CACHE_SIZE = 128;

function decodeOrExplain(der: Uint8Array, id: string): DecodedCertificate {
  try {
    return decodeUnchecked(der, id);
  } catch (e) {
    if (e instanceof MalformedCertificateError) throw e;
    const offset = e instanceof DerError ? e.offset : 0;
    const msg = e instanceof DerError ? e.message : `cannot decode the certificate: ${(e as Error).message}`;
    throw new MalformedCertificateError(msg, offset);
  }
}

function decodeUnchecked(der: Uint8Array, id: string): DecodedCertificate {
  const root = readRoot(der);
  expectTag(root, 0x30, 'Certificate', 0);
  const top = children(der, root);
  if (top.length !== 3) throw new DerError(`a Certificate has 3 parts, found ${top.length}`, root.start);
  const tbsNode = expectTag(top[0], 0x30, 'tbsCertificate', root.valueStart);
  const sigAlgNode = expectTag(top[1], 0x30, 'signatureAlgorithm', tbsNode.end);
  const sigNode = expectTag(top[2], 0x03, 'signatureValue', sigAlgNode.end);
  const sigBits = valueOf(der, sigNode);
  if (sigBits.length < 1 || sigBits[0] !== 0) throw new DerError('signatureValue must have no unused bits', sigNode.start);

  const f = children(der, tbsNode);
  let i = 0;
  let version = 1;
  if (f[i]?.tag === 0xa0) {
    const inner = children(der, f[i]);
    if (inner.length !== 1 || inner[0].tag !== 0x02) throw new DerError('malformed version', f[i].start);
    const v = valueOf(der, inner[0]);
    if (v.length !== 1) throw new DerError('malformed version', inner[0].start);
    version = v[0] + 1;
    i++;
  }
  const serialNode = expectTag(f[i++], 0x02, 'serialNumber', tbsNode.valueStart);
  const tbsSigAlg = expectTag(f[i++], 0x30, 'signature', serialNode.end);
  const issuerNode = expectTag(f[i++], 0x30, 'issuer', tbsSigAlg.end);
  const validityNode = expectTag(f[i++], 0x30, 'validity', issuerNode.end);
  const subjectNode = expectTag(f[i++], 0x30, 'subject', validityNode.end);
  const spkiNode = expectTag(f[i++], 0x30, 'subjectPublicKeyInfo', subjectNode.end);
  const extensions: RawExtension[] = [];
  let extensionsSpan: Span | undefined;
  let last = 0;
  for (; i < f.length; i++) {
    const n = f[i];
    if (n.cls !== 2 || n.tagNumber < 1 || n.tagNumber > 3 || n.tagNumber <= last) throw new DerError('unexpected field in tbsCertificate', n.start);
    last = n.tagNumber;
    if (n.tagNumber === 3) {
      if (version !== 3) throw new DerError('extensions are only allowed in version 3 certificates', n.start);
      extensionsSpan = { start: n.start, end: n.end };
      const list = children(der, n);
      if (list.length !== 1 || list[0].tag !== 0x30) throw new DerError('malformed extensions', n.start);
      const exts = children(der, list[0]);
      if (exts.length === 0) throw new DerError('an empty extensions list', list[0].start);
      for (const e of exts) {
        const parts = children(der, expectTag(e, 0x30, 'Extension', e.start));
        let k = 0;
        const oidNode = expectTag(parts[k++], 0x06, 'extnID', e.start);
        let critical = false;
        if (parts[k]?.tag === 0x01) {
          const b = valueOf(der, parts[k]);
          if (b.length !== 1 || (b[0] !== 0 && b[0] !== 0xff)) throw new DerError('critical is not a DER BOOLEAN', parts[k].start);
          critical = b[0] === 0xff;
          k++;
        }
        const valNode = expectTag(parts[k++], 0x04, 'extnValue', e.start);
        if (k !== parts.length) throw new DerError('unexpected field in Extension', e.start);
        extensions.push({ oid: decodeOid(valueOf(der, oidNode)), critical, value: valueOf(der, valNode), offset: e.start, end: e.end });
      }
    }
  }

  const validity = children(der, validityNode);
  if (validity.length !== 2) throw new DerError('validity needs notBefore and notAfter', validityNode.start);
  const [notBefore, notAfter] = validity.map((t) => timeOf(der, t));

  let key: DecodedCertificate['key'];
  const spki = wholeOf(der, spkiNode);
  try {
    key = describePublicKey(spki);
  } catch (e) {
    key = { type: 'malformed', message: (e as Error).message };
  }
  const subject = decodeName(der, subjectNode);
  const issuer = decodeName(der, issuerNode);
  const cert: DecodedCertificate = {
    der,
    tbs: wholeOf(der, tbsNode),
    version,
    serial: valueOf(der, serialNode),
    signatureAlgorithm: wholeOf(der, sigAlgNode),
    tbsSignatureAlgorithm: wholeOf(der, tbsSigAlg),
    signature: sigBits.subarray(1),
    issuer,
    subject,
    notBefore,
    notAfter,
    spki,
    key,
    extensions,
    spans: {
      tbs: span(tbsNode),
      serial: span(serialNode),
      signatureAlgorithm: span(sigAlgNode),
      issuer: span(issuerNode),
      validity: span(validityNode),
      subject: span(subjectNode),
      spki: span(spkiNode),
      ...(extensionsSpan ? { extensions: extensionsSpan } : {}),
      signatureValue: span(sigNode),
    },
    extensionProblems: [],
    selfIssued: subject.key === issuer.key,
    id,
  };
  for (const ext of extensions) {
    const decode = DECODERS[ext.oid];
    if (!decode) continue;
    try {
      decode(cert, ext.value);
    } catch (e) {
      cert.extensionProblems.push({ oid: ext.oid, message: `${EXTENSION_NAMES[ext.oid] ?? ext.oid}: ${(e as Error).message}` });
    }
  }
  return cert;
}

function span(n: DerNode): Span {
  return { start: n.start, end: n.end };
}

/**
 * A validity time, read here rather than through the schema library (measured: its parse of the
 * Validity was the costliest step of decoding a leaf). RFC 5280 §4.1.2.5: UTCTime YYMMDDHHMMSSZ, YY >= 50 meaning
 * 19YY and below 50 meaning 20YY; GeneralizedTime YYYYMMDDHHMMSSZ. Computed with Date.UTC, as the library does.
 */
function timeOf(der: Uint8Array, node: DerNode): Date {
  const s = String.fromCharCode(...valueOf(der, node));
  const utc = node.tag === 0x17;
  const ok = utc ? /^\d{12}Z$/.test(s) : node.tag === 0x18 ? /^\d{14}Z$/.test(s) : false;
  if (!ok) throw new DerError(`validity time "${s}" is not in the RFC 5280 form`, node.start);
  const yy = Number(s.slice(0, utc ? 2 : 4));
  const year = utc ? (yy >= 50 ? 1900 + yy : 2000 + yy) : yy;
  const at = utc ? 2 : 4;
  const field = (i: number) => Number(s.slice(at + 2 * i, at + 2 * i + 2));
  const month = field(0);
  const day = field(1);
  const hour = field(2);
  const minute = field(3);
  const second = field(4);
  // Date.UTC would roll an impossible time over (February 30 into March 2, hour 24 into the next day): refuse it,
  // as OpenSSL does, rather than validate against a moment the certificate does not name.
  if (!isRealDateTime(year, month, day, hour, minute, second)) {
    throw new DerError(`validity time "${s}" is not a real date and time`, node.start);
  }
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second));
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Whether these fields name a real moment (month 1-12, a day its month has in `year`, Gregorian, hour 0-23,
 * minute and second 0-59): Date.UTC rolls anything else over into another moment.
 */
export function isRealDateTime(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): boolean {
  if (month < 1 || month > 12) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 && leap ? 29 : MONTH_DAYS[month - 1];
  return day >= 1 && day <= days && hour <= 23 && minute <= 59 && second <= 59;
}

export function extensionName(oid: string): string {
  return EXTENSION_NAMES[oid] ?? oid;
}

export function describeKey(key: DecodedCertificate['key']): string {
  switch (key.type) {
    case 'rsa':
      return `RSA ${key.bits} bits${key.pssOnly ? ' (PSS only)' : ''}`;
    case 'ec':
      return `EC ${key.curve || 'explicit or unknown curve'}`;
    case 'ed25519':
      return 'Ed25519';
    case 'ed448':
      return 'Ed448';
    case 'unknown':
      return key.oid === '1.2.840.10040.4.1' ? 'DSA' : `unsupported key type ${key.oid}`;
    case 'malformed':
      return `malformed key: ${key.message}`;
  }
}

export { generalNameText };

/** Whether `der` decodes as a certificate: to tell a certificate given where something else is wanted (a CRL). */
export function isCertificate(der: Uint8Array): boolean {
  try {
    decodeCertificate(der);
    return true;
  } catch {
    return false;
  }
}
