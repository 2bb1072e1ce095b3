// Distinguished names: a readable string for people and a comparison key for path building.
// RFC 5280 7.1 asks for case-insensitive, whitespace-compressed matching of string attributes;
// other attribute values compare byte for byte.
import { toHex } from '../util/bytes.ts';
import { children, decodeOid, DerError, readHeader, valueOf, type DerNode } from './der.ts';

const SHORT_NAMES: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.4': 'SN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'street',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.12': 'title',
  '2.5.4.42': 'GN',
  '2.5.4.97': 'organizationIdentifier',
  '0.9.2342.19200300.100.1.25': 'DC',
  '0.9.2342.19200300.100.1.1': 'UID',
  '1.2.840.113549.1.9.1': 'emailAddress',
};

export const OID_CN = '2.5.4.3';
export const OID_EMAIL = '1.2.840.113549.1.9.1';

export interface Attribute {
  oid: string;
  /** Universal tag of the value (12 UTF8String, 19 PrintableString, ...). */
  valueTag: number;
  /** Decoded text for string types, hex otherwise. */
  text: string;
  raw: Uint8Array;
}

export interface DistinguishedName {
  /** DER of the Name, exactly as in the certificate. */
  der: Uint8Array;
  rdns: Attribute[][];
  /** Comparison key (RFC 5280 7.1 normalisation). */
  key: string;
  /** Readable form, e.g. "CN=example.com, O=Example". */
  text: string;
  /** One key per RDN, for directoryName constraint prefix matching. */
  rdnKeys: string[];
}

const STRING_TAGS = new Set([12, 19, 20, 22, 26, 28, 30]);

function decodeString(tag: number, v: Uint8Array): string {
  if (tag === 30) {
    // BMPString: UTF-16BE.
    let s = '';
    for (let i = 0; i + 1 < v.length; i += 2) s += String.fromCharCode((v[i] << 8) | v[i + 1]);
    return s;
  }
  if (tag === 28) {
    let s = '';
    for (let i = 0; i + 3 < v.length; i += 4) {
      const code = ((v[i] << 24) | (v[i + 1] << 16) | (v[i + 2] << 8) | v[i + 3]) >>> 0;
      // Past Unicode's last code point: shown as U+FFFD, as a bad UTF-8 byte is (String.fromCodePoint would throw).
      s += String.fromCodePoint(code <= 0x10ffff ? code : 0xfffd);
    }
    return s;
  }
  if (tag === 20) {
    // Teletex, read as Latin-1 (in slices: one spread of a long value would overflow the call's arguments).
    let s = '';
    for (let i = 0; i < v.length; i += 0x2000) s += String.fromCharCode(...v.subarray(i, i + 0x2000));
    return s;
  }
  return new TextDecoder().decode(v);
}


function normalise(a: Attribute): string {
  if (!STRING_TAGS.has(a.valueTag)) return `${a.oid}=#${toHex(a.raw)}`;
  return `${a.oid}=${a.text.trim().replace(/\s+/g, ' ').toLowerCase()}`;
}

function escapeValue(s: string): string {
  return s.replace(/([,+"\\<>;])/g, '\\$1');
}

/** Decode a Name at `node` in `bytes` (a SEQUENCE OF SET OF AttributeTypeAndValue). */
export function decodeName(bytes: Uint8Array, node: DerNode): DistinguishedName {
  if (node.tag !== 0x30) throw new DerError('a Name must be a SEQUENCE', node.start);
  const rdns: Attribute[][] = [];
  for (const set of children(bytes, node)) {
    if (set.tag !== 0x31) throw new DerError('a relative distinguished name must be a SET', set.start);
    const avas = children(bytes, set);
    if (avas.length === 0) throw new DerError('an empty relative distinguished name', set.start);
    const rdn: Attribute[] = [];
    for (const ava of avas) {
      if (ava.tag !== 0x30) throw new DerError('an attribute must be a SEQUENCE', ava.start);
      const parts = children(bytes, ava);
      if (parts.length !== 2 || parts[0].tag !== 0x06) throw new DerError('an attribute needs a type and one value', ava.start);
      const oid = decodeOid(valueOf(bytes, parts[0]));
      const raw = valueOf(bytes, parts[1]);
      const valueTag = parts[1].cls === 0 ? parts[1].tagNumber : -1;
      const text = STRING_TAGS.has(valueTag) ? decodeString(valueTag, raw) : `#${toHex(raw)}`;
      rdn.push({ oid, valueTag, text, raw });
    }
    rdns.push(rdn);
  }
  const rdnKeys = rdns.map((rdn) => rdn.map(normalise).sort().join('+'));
  return {
    der: bytes.subarray(node.start, node.end),
    rdns,
    rdnKeys,
    key: rdnKeys.join(','),
    text: rdns.map((rdn) => rdn.map((a) => `${SHORT_NAMES[a.oid] ?? a.oid}=${escapeValue(a.text)}`).join(' + ')).join(', '),
  };
}

/** Decode a standalone DER Name. */
export function decodeNameDer(der: Uint8Array): DistinguishedName {
  const node = readHeader(der, 0, der.length);
  if (node.end !== der.length) throw new DerError('trailing bytes after a Name', node.end);
  return decodeName(der, node);
}

/** True when `subtree` is a prefix (RDN by RDN) of `name`: the directoryName constraint rule. */
export function nameWithin(name: DistinguishedName, subtree: DistinguishedName): boolean {
  if (subtree.rdnKeys.length > name.rdnKeys.length) return false;
  return subtree.rdnKeys.every((k, i) => name.rdnKeys[i] === k);
}

export function attributes(name: DistinguishedName, oid: string): Attribute[] {
  return name.rdns.flat().filter((a) => a.oid === oid);
}
