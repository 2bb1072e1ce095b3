// A small, strict DER walker. It is a *view* of the bytes: every node knows where its header and
// value start, so the UI can link an ASN.1 tree to the hex and the verifier can slice the exact
// bytes that were signed (never re-encoded ones).
import { concat, toHex } from '../util/bytes.ts';

export class DerError extends Error {
  constructor(
    message: string,
    /** Byte offset where the problem was found. */
    readonly offset: number,
  ) {
    super(`${message} (at byte ${offset})`);
    this.name = 'DerError';
  }
}

export interface DerNode {
  /** The identifier octet (class | constructed | tag number for low tag numbers). */
  tag: number;
  /** Tag class: 0 universal, 1 application, 2 context-specific, 3 private. */
  cls: number;
  constructed: boolean;
  /** Tag number within its class. */
  tagNumber: number;
  /** Offset of the identifier octet. */
  start: number;
  /** Offset of the first value byte. */
  valueStart: number;
  /** Offset just past the value. */
  end: number;
  depth: number;
}

/** Limits that keep hostile input cheap: nesting depth and node count. */
export const DER_LIMITS = { maxDepth: 64, maxNodes: 100_000 };

/** Read one TLV header at `pos`; the value must fit inside [pos, limit). */
export function readHeader(bytes: Uint8Array, pos: number, limit: number, depth = 0): DerNode {
  const start = pos;
  if (pos >= limit) throw new DerError('expected a tag, found the end of the data', pos);
  const tag = bytes[pos++];
  let tagNumber = tag & 0x1f;
  if (tagNumber === 0x1f) {
    // High tag number form: base-128, bounded to keep the walker simple and safe.
    tagNumber = 0;
    for (let i = 0; ; i++) {
      if (pos >= limit) throw new DerError('truncated high tag number', pos);
      if (i >= 4) throw new DerError('tag number too large', pos);
      const b = bytes[pos++];
      tagNumber = tagNumber * 128 + (b & 0x7f);
      if (!(b & 0x80)) break;
    }
  }
  if (pos >= limit) throw new DerError('truncated length', pos);
  let len = bytes[pos++];
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0) throw new DerError('indefinite length is not allowed in DER', pos - 1);
    if (n > 4) throw new DerError(`length of ${n} bytes is too large`, pos - 1);
    if (pos + n > limit) throw new DerError('truncated length', pos);
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + bytes[pos++];
    if (len < 0x80 || (n > 1 && bytes[pos - n] === 0)) throw new DerError('length is not in its shortest form', pos - n - 1);
  }
  if (pos + len > limit) {
    throw new DerError(`value of ${len} bytes runs past the end of its container (${limit - pos} bytes left)`, start);
  }
  return {
    tag,
    cls: tag >> 6,
    constructed: (tag & 0x20) !== 0,
    tagNumber,
    start,
    valueStart: pos,
    end: pos + len,
    depth,
  };
}

/** The children of a constructed node, in order; throws if they do not tile its value exactly. */
export function children(bytes: Uint8Array, node: DerNode): DerNode[] {
  const out: DerNode[] = [];
  let p = node.valueStart;
  while (p < node.end) {
    const child = readHeader(bytes, p, node.end, node.depth + 1);
    out.push(child);
    p = child.end;
  }
  return out;
}

/** Parse exactly one top-level element spanning all of `bytes`. */
export function readRoot(bytes: Uint8Array): DerNode {
  const root = readHeader(bytes, 0, bytes.length);
  if (root.end !== bytes.length) throw new DerError(`${bytes.length - root.end} trailing bytes after the DER element`, root.end);
  return root;
}

export function valueOf(bytes: Uint8Array, node: DerNode): Uint8Array {
  return bytes.subarray(node.valueStart, node.end);
}

/** One DER element built from its tag and value: the walker's inverse, for the few structures the project writes. */
export function derElement(tag: number, value: Uint8Array): Uint8Array {
  const n = value.length;
  if (n < 0x80) return concat(Uint8Array.of(tag, n), value);
  const length: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) length.unshift(v & 0xff);
  return concat(Uint8Array.of(tag, 0x80 | length.length, ...length), value);
}

export function wholeOf(bytes: Uint8Array, node: DerNode): Uint8Array {
  return bytes.subarray(node.start, node.end);
}

const UNIVERSAL_NAMES: Record<number, string> = {
  1: 'BOOLEAN',
  2: 'INTEGER',
  3: 'BIT STRING',
  4: 'OCTET STRING',
  5: 'NULL',
  6: 'OBJECT IDENTIFIER',
  10: 'ENUMERATED',
  12: 'UTF8String',
  16: 'SEQUENCE',
  17: 'SET',
  19: 'PrintableString',
  20: 'TeletexString',
  22: 'IA5String',
  23: 'UTCTime',
  24: 'GeneralizedTime',
  26: 'VisibleString',
  28: 'UniversalString',
  30: 'BMPString',
};

export function tagName(node: Pick<DerNode, 'cls' | 'tagNumber' | 'constructed'>): string {
  if (node.cls === 0) return UNIVERSAL_NAMES[node.tagNumber] ?? `UNIVERSAL ${node.tagNumber}`;
  const cls = ['UNIVERSAL', 'APPLICATION', '', 'PRIVATE'][node.cls];
  return `${cls ? cls + ' ' : ''}[${node.tagNumber}]${node.constructed ? '' : ' IMPLICIT'}`;
}

/** One node of the ASN.1 tree shown by the UI: byte spans index the DER given to asn1Tree. */
export interface Asn1TreeNode {
  tag: number;
  tagName: string;
  /** Offset of the identifier octet. */
  offset: number;
  headerLength: number;
  length: number;
  depth: number;
  /** A short rendering of primitive values (OID, integer, string, time). */
  value?: string;
  children?: Asn1TreeNode[];
}

/**
 * The whole ASN.1 tree of a DER blob, with byte spans. Bounded: nesting deeper than
 * DER_LIMITS.maxDepth or more than DER_LIMITS.maxNodes nodes is reported as an error with its offset.
 * BIT STRING and OCTET STRING values that hold DER themselves (extensions, keys) are opened too.
 */
export function asn1Tree(der: Uint8Array): Asn1TreeNode {
  let count = 0;
  const build = (node: DerNode): Asn1TreeNode => {
    if (++count > DER_LIMITS.maxNodes) throw new DerError('too many ASN.1 elements', node.start);
    if (node.depth > DER_LIMITS.maxDepth) throw new DerError(`nesting deeper than ${DER_LIMITS.maxDepth} levels`, node.start);
    const out: Asn1TreeNode = {
      tag: node.tag,
      tagName: tagName(node),
      offset: node.start,
      headerLength: node.valueStart - node.start,
      length: node.end - node.valueStart,
      depth: node.depth,
    };
    if (node.constructed) {
      out.children = children(der, node).map(build);
      return out;
    }
    const encapsulated = tryEncapsulated(node);
    if (encapsulated) {
      out.children = encapsulated.map(build);
      return out;
    }
    out.value = renderPrimitive(der, node);
    return out;
  };
  const tryEncapsulated = (node: DerNode): DerNode[] | undefined => {
    if (node.cls !== 0 || (node.tagNumber !== 3 && node.tagNumber !== 4)) return undefined;
    const start = node.tagNumber === 3 ? node.valueStart + 1 : node.valueStart;
    if (node.tagNumber === 3 && (node.end - node.valueStart < 2 || der[node.valueStart] !== 0)) return undefined;
    if (start >= node.end || (der[start] & 0x20) === 0) return undefined; // only constructed contents
    try {
      const inner = readHeader(der, start, node.end, node.depth + 1);
      if (inner.end !== node.end) return undefined;
      // Validate the whole subtree before committing to this reading.
      const check = (n: DerNode): void => {
        if (n.depth > DER_LIMITS.maxDepth) throw new DerError('too deep', n.start);
        if (n.constructed) children(der, n).forEach(check);
      };
      check(inner);
      return [inner];
    } catch {
      return undefined;
    }
  };
  const root = readHeader(der, 0, der.length);
  if (root.end !== der.length) throw new DerError(`${der.length - root.end} trailing bytes after the DER element`, root.end);
  return build(root);
}

function renderPrimitive(der: Uint8Array, node: DerNode): string | undefined {
  const v = valueOf(der, node);
  if (node.cls !== 0) return v.length <= 64 ? printableOrHex(v) : `${v.length} bytes`;
  switch (node.tagNumber) {
    case 1:
      return v[0] ? 'TRUE' : 'FALSE';
    case 2:
      return v.length <= 8 ? BigInt('0x' + (toHex(v) || '0')).toString() : toHex(v);
    case 5:
      return '';
    case 6:
      try {
        return decodeOid(v);
      } catch {
        return toHex(v);
      }
    case 12:
    case 19:
    case 20:
    case 22:
    case 23:
    case 24:
    case 26:
      return new TextDecoder().decode(v);
    default:
      return v.length <= 64 ? toHex(v) : `${v.length} bytes`;
  }
}

function printableOrHex(v: Uint8Array): string {
  for (const b of v) if (b < 0x20 || b > 0x7e) return toHex(v);
  return String.fromCharCode(...v);
}


/** Dotted-decimal form of an OBJECT IDENTIFIER's content bytes. */
export function decodeOid(v: Uint8Array): string {
  if (v.length === 0) throw new Error('empty OID');
  // Arcs in plain numbers while they stay exact (below 2^52), as every OID of a real certificate does; a certificate
  // decodes some twenty OIDs, and BigInt arithmetic made them three times slower (a handshake's chain check decodes
  // the peer's certificates each time). Larger arcs go the BigInt way below.
  let text = '';
  let arc = 0;
  for (let i = 0; i < v.length; i++) {
    if (arc === 0 && v[i] === 0x80) throw new Error('OID arc with a leading zero byte');
    if (arc >= 2 ** 45) return decodeOidBig(v);
    arc = arc * 128 + (v[i] & 0x7f);
    if (!(v[i] & 0x80)) {
      if (text === '') {
        const first = arc < 40 ? 0 : arc < 80 ? 1 : 2;
        text = `${first}.${arc - first * 40}`;
      } else text += `.${arc}`;
      arc = 0;
    } else if (i === v.length - 1) throw new Error('truncated OID');
  }
  return text;
}

/** decodeOid with arcs of any size. */
function decodeOidBig(v: Uint8Array): string {
  const arcs: string[] = [];
  let acc = 0n;
  let first = true;
  for (let i = 0; i < v.length; i++) {
    if (acc === 0n && v[i] === 0x80) throw new Error('OID arc with a leading zero byte');
    acc = (acc << 7n) | BigInt(v[i] & 0x7f);
    if (!(v[i] & 0x80)) {
      if (first) {
        const a = acc < 40n ? 0n : acc < 80n ? 1n : 2n;
        arcs.push(a.toString(), (acc - a * 40n).toString());
        first = false;
      } else arcs.push(acc.toString());
      acc = 0n;
    } else if (i === v.length - 1) throw new Error('truncated OID');
  }
  return arcs.join('.');
}
