// Decoders for the extensions the verifier acts on. Each one is strict: a value that is not the
// DER the RFC describes throws a DerError with the offset inside the extension value.
import { children, decodeOid, DerError, readRoot, valueOf, type DerNode } from './der.ts';
import { decodeName, type DistinguishedName } from './names.ts';

export const EXT = {
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  issuerAltName: '2.5.29.18',
  basicConstraints: '2.5.29.19',
  nameConstraints: '2.5.29.30',
  crlDistributionPoints: '2.5.29.31',
  certificatePolicies: '2.5.29.32',
  policyMappings: '2.5.29.33',
  authorityKeyIdentifier: '2.5.29.35',
  policyConstraints: '2.5.29.36',
  extKeyUsage: '2.5.29.37',
  inhibitAnyPolicy: '2.5.29.54',
  authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
  subjectInfoAccess: '1.3.6.1.5.5.7.1.11',
  sctList: '1.3.6.1.4.1.11129.2.4.2',
  /** id-pkix-ocsp-nocheck (RFC 6960 §4.2.2.2.1): a delegated OCSP responder's own revocation is not checked. */
  ocspNoCheck: '1.3.6.1.5.5.7.48.1.5',
} as const;

export const EXTENSION_NAMES: Record<string, string> = Object.fromEntries(Object.entries(EXT).map(([k, v]) => [v, k]));

export const EKU = {
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  codeSigning: '1.3.6.1.5.5.7.3.3',
  emailProtection: '1.3.6.1.5.5.7.3.4',
  timeStamping: '1.3.6.1.5.5.7.3.8',
  ocspSigning: '1.3.6.1.5.5.7.3.9',
  any: '2.5.29.37.0',
} as const;

/** Key purposes by the names OpenSSL and RFC 5280 give them (OpenSSL's short names), for words. */
const EKU_NAMES: Record<string, string> = {
  [EKU.serverAuth]: 'serverAuth',
  [EKU.clientAuth]: 'clientAuth',
  [EKU.codeSigning]: 'codeSigning',
  [EKU.emailProtection]: 'emailProtection',
  '1.3.6.1.5.5.7.3.5': 'ipsecEndSystem',
  '1.3.6.1.5.5.7.3.6': 'ipsecTunnel',
  '1.3.6.1.5.5.7.3.7': 'ipsecUser',
  [EKU.timeStamping]: 'timeStamping',
  [EKU.ocspSigning]: 'OCSPSigning',
  '1.3.6.1.5.5.7.3.17': 'ipsecIKE',
  [EKU.any]: 'anyExtendedKeyUsage',
  '1.3.6.1.4.1.311.10.3.3': 'msSGC',
  '2.16.840.1.113730.4.1': 'nsSGC',
  '1.3.6.1.4.1.311.20.2.2': 'msSmartcardLogin',
};

/** A key purpose (extendedKeyUsage OID) by name, "serverAuth"; one without a known name stays its OID. */
export function ekuName(oid: string): string {
  return EKU_NAMES[oid] ?? oid;
}

/** A list of key purposes by name: "serverAuth, codeSigning, 1.2.3.4". */
export function ekuNames(oids: readonly string[]): string {
  return oids.map(ekuName).join(', ');
}

export const KEY_USAGE_BITS = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
] as const;
export type KeyUsageName = (typeof KEY_USAGE_BITS)[number];

export type GeneralName =
  | { type: 'dns'; value: string; raw: Uint8Array }
  | { type: 'email'; value: string; raw: Uint8Array }
  | { type: 'uri'; value: string; raw: Uint8Array }
  | { type: 'ip'; bytes: Uint8Array }
  | { type: 'dn'; name: DistinguishedName }
  | { type: 'other'; tagNumber: number; label: string };

const OTHER_LABELS: Record<number, string> = { 0: 'otherName', 3: 'x400Address', 5: 'ediPartyName', 8: 'registeredID' };

function ia5(bytes: Uint8Array, node: DerNode): string {
  const v = valueOf(bytes, node);
  let s = '';
  for (const b of v) s += b < 0x80 ? String.fromCharCode(b) : '\ufffd';
  return s;
}

export function decodeGeneralName(bytes: Uint8Array, node: DerNode): GeneralName {
  if (node.cls !== 2) throw new DerError('a GeneralName must have a context-specific tag', node.start);
  switch (node.tagNumber) {
    case 1:
      return { type: 'email', value: ia5(bytes, node), raw: valueOf(bytes, node) };
    case 2:
      return { type: 'dns', value: ia5(bytes, node), raw: valueOf(bytes, node) };
    case 6:
      return { type: 'uri', value: ia5(bytes, node), raw: valueOf(bytes, node) };
    case 7:
      if (node.constructed) throw new DerError('an iPAddress must be primitive', node.start);
      return { type: 'ip', bytes: valueOf(bytes, node) };
    case 4: {
      if (!node.constructed) throw new DerError('a directoryName must be constructed', node.start);
      const inner = children(bytes, node);
      if (inner.length !== 1) throw new DerError('a directoryName holds exactly one Name', node.start);
      return { type: 'dn', name: decodeName(bytes, inner[0]) };
    }
    default:
      if (node.tagNumber > 8) throw new DerError(`unknown GeneralName tag [${node.tagNumber}]`, node.start);
      return { type: 'other', tagNumber: node.tagNumber, label: OTHER_LABELS[node.tagNumber] ?? `[${node.tagNumber}]` };
  }
}

export function generalNameText(n: GeneralName): string {
  switch (n.type) {
    case 'dns':
      return `DNS:${n.value}`;
    case 'email':
      return `email:${n.value}`;
    case 'uri':
      return `URI:${n.value}`;
    case 'ip':
      return `IP:${ipText(n.bytes)}`;
    case 'dn':
      return `DirName:${n.name.text}`;
    case 'other':
      return n.label;
  }
}

/** Text of a 4- or 16-byte address, or an 8/32-byte address+mask as CIDR. */
export function ipText(b: Uint8Array): string {
  const addr = (x: Uint8Array): string => {
    if (x.length === 4) return Array.from(x).join('.');
    if (x.length === 16) {
      const groups: string[] = [];
      for (let i = 0; i < 16; i += 2) groups.push(((x[i] << 8) | x[i + 1]).toString(16));
      return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::').replace(/:{3,}/, '::');
    }
    return Array.from(x, (v) => v.toString(16).padStart(2, '0')).join('');
  };
  if (b.length === 8 || b.length === 32) {
    const half = b.length / 2;
    const mask = b.subarray(half);
    let bits = 0;
    for (const m of mask) bits += m.toString(2).replace(/0/g, '').length;
    return `${addr(b.subarray(0, half))}/${bits}`;
  }
  return addr(b);
}

function seq(bytes: Uint8Array, what: string): { root: DerNode; items: DerNode[] } {
  const root = readRoot(bytes);
  if (root.tag !== 0x30) throw new DerError(`${what} must be a SEQUENCE`, root.start);
  return { root, items: children(bytes, root) };
}

export function decodeGeneralNames(bytes: Uint8Array, what = 'GeneralNames'): GeneralName[] {
  const { items } = seq(bytes, what);
  return items.map((n) => decodeGeneralName(bytes, n));
}

export interface BasicConstraints {
  ca: boolean;
  pathLen?: number;
}

export function decodeBasicConstraints(bytes: Uint8Array): BasicConstraints {
  const { items } = seq(bytes, 'basicConstraints');
  let i = 0;
  let ca = false;
  if (items[i]?.tag === 0x01) {
    const v = valueOf(bytes, items[i]);
    if (v.length !== 1 || (v[0] !== 0 && v[0] !== 0xff)) throw new DerError('cA is not a DER BOOLEAN', items[i].start);
    // DER forbids encoding the default value FALSE; tolerated, as every validator does.
    ca = v[0] === 0xff;
    i++;
  }
  let pathLen: number | undefined;
  if (items[i]?.tag === 0x02) {
    const v = valueOf(bytes, items[i]);
    if (v.length === 0 || v.length > 4 || v[0] & 0x80) throw new DerError('pathLenConstraint is not a small non-negative INTEGER', items[i].start);
    pathLen = 0;
    for (const b of v) pathLen = pathLen * 256 + b;
    i++;
  }
  if (i !== items.length) throw new DerError('unexpected field in basicConstraints', items[i].start);
  return { ca, pathLen };
}

export function decodeKeyUsage(bytes: Uint8Array): Set<KeyUsageName> {
  const root = readRoot(bytes);
  if (root.tag !== 0x03) throw new DerError('keyUsage must be a BIT STRING', root.start);
  const v = valueOf(bytes, root);
  if (v.length < 1 || v[0] > 7 || (v.length === 1 && v[0] !== 0)) throw new DerError('malformed BIT STRING', root.start);
  const out = new Set<KeyUsageName>();
  KEY_USAGE_BITS.forEach((name, bit) => {
    const byte = 1 + (bit >> 3);
    if (byte < v.length && v[byte] & (0x80 >> (bit & 7))) out.add(name);
  });
  return out;
}

export function decodeExtKeyUsage(bytes: Uint8Array): string[] {
  const { root, items } = seq(bytes, 'extKeyUsage');
  if (items.length === 0) throw new DerError('extKeyUsage lists no purpose (SIZE (1..MAX))', root.start);
  return items.map((n) => {
    if (n.tag !== 0x06) throw new DerError('a key purpose must be an OBJECT IDENTIFIER', n.start);
    return decodeOid(valueOf(bytes, n));
  });
}

export interface AuthorityKeyIdentifier {
  keyId?: Uint8Array;
  hasIssuer: boolean;
  hasSerial: boolean;
}

export function decodeAuthorityKeyIdentifier(bytes: Uint8Array): AuthorityKeyIdentifier {
  const { items } = seq(bytes, 'authorityKeyIdentifier');
  const out: AuthorityKeyIdentifier = { hasIssuer: false, hasSerial: false };
  let last = -1;
  for (const n of items) {
    if (n.cls !== 2 || n.tagNumber <= last || n.tagNumber > 2) throw new DerError('unexpected field in authorityKeyIdentifier', n.start);
    last = n.tagNumber;
    if (n.tagNumber === 0) out.keyId = valueOf(bytes, n);
    if (n.tagNumber === 1) out.hasIssuer = true;
    if (n.tagNumber === 2) out.hasSerial = true;
  }
  return out;
}

export function decodeSubjectKeyIdentifier(bytes: Uint8Array): Uint8Array {
  const root = readRoot(bytes);
  if (root.tag !== 0x04) throw new DerError('subjectKeyIdentifier must be an OCTET STRING', root.start);
  return valueOf(bytes, root);
}

export interface GeneralSubtree {
  base: GeneralName;
}

export interface NameConstraints {
  permitted?: GeneralSubtree[];
  excluded?: GeneralSubtree[];
}

function decodeSubtrees(bytes: Uint8Array, node: DerNode): GeneralSubtree[] {
  const items = children(bytes, node);
  if (items.length === 0) throw new DerError('an empty list of subtrees (SIZE (1..MAX))', node.start);
  return items.map((st) => {
    if (st.tag !== 0x30) throw new DerError('a GeneralSubtree must be a SEQUENCE', st.start);
    const parts = children(bytes, st);
    if (parts.length === 0) throw new DerError('a GeneralSubtree without a base', st.start);
    // minimum must be 0 and maximum absent in this profile (RFC 5280 4.2.1.10).
    for (const extra of parts.slice(1)) {
      if (extra.cls !== 2 || extra.tagNumber > 1) throw new DerError('unexpected field in GeneralSubtree', extra.start);
      if (extra.tagNumber === 1) throw new DerError('GeneralSubtree maximum must be absent', extra.start);
      const v = valueOf(bytes, extra);
      if (v.length !== 1 || v[0] !== 0) throw new DerError('GeneralSubtree minimum must be 0', extra.start);
    }
    return { base: decodeGeneralName(bytes, parts[0]) };
  });
}

export function decodeNameConstraints(bytes: Uint8Array): NameConstraints {
  const { root, items } = seq(bytes, 'nameConstraints');
  const out: NameConstraints = {};
  let last = -1;
  for (const n of items) {
    if (n.cls !== 2 || !n.constructed || n.tagNumber > 1 || n.tagNumber <= last) {
      throw new DerError('nameConstraints holds only [0] permittedSubtrees and [1] excludedSubtrees', n.start);
    }
    last = n.tagNumber;
    if (n.tagNumber === 0) out.permitted = decodeSubtrees(bytes, n);
    else out.excluded = decodeSubtrees(bytes, n);
  }
  if (!out.permitted && !out.excluded) throw new DerError('nameConstraints has neither permitted nor excluded subtrees', root.start);
  return out;
}

/** AuthorityInfoAccess / SubjectInfoAccess: SEQUENCE SIZE (1..MAX) OF { accessMethod OID, accessLocation GeneralName }. */
export function decodeInfoAccess(bytes: Uint8Array): { method: string; location: GeneralName }[] {
  const { root, items } = seq(bytes, 'infoAccess');
  if (items.length === 0) throw new DerError('an empty access description list', root.start);
  return items.map((ad) => {
    if (ad.tag !== 0x30) throw new DerError('an AccessDescription must be a SEQUENCE', ad.start);
    const parts = children(bytes, ad);
    if (parts.length !== 2 || parts[0].tag !== 0x06) throw new DerError('an AccessDescription needs a method and a location', ad.start);
    return { method: decodeOid(valueOf(bytes, parts[0])), location: decodeGeneralName(bytes, parts[1]) };
  });
}

/** Structural check for extensions we recognise but do not act on (a SEQUENCE is enough). */
export function decodeAnySequence(bytes: Uint8Array, what: string): void {
  seq(bytes, what);
}
