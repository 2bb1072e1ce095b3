// The small part of BER (X.690) LDAP needs: definite lengths, identifier octets below tag 31.

export interface BerNode {
  /** Identifier octet: class (bits 8-7), constructed (bit 6), tag number (bits 5-1). */
  id: number;
  tag: number;
  cls: 'universal' | 'application' | 'context' | 'private';
  constructed: boolean;
  /** Offsets within the decoded buffer: [start, end) of the whole TLV and of the value. */
  start: number;
  end: number;
  valueStart: number;
  value: Uint8Array;
  children?: BerNode[];
}

const CLASSES = ['universal', 'application', 'context', 'private'] as const;

export function berLength(n: number): number[] {
  if (n < 0x80) return [n];
  const out: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) out.unshift(v & 0xff);
  return [0x80 | out.length, ...out];
}

export function tlv(id: number, value: Uint8Array | number[]): Uint8Array {
  const v = value instanceof Uint8Array ? Array.from(value) : value;
  return new Uint8Array([id, ...berLength(v.length), ...v]);
}

export const ber = {
  sequence: (...parts: Uint8Array[]) => tlv(0x30, parts.flatMap((p) => Array.from(p))),
  integer(n: number): Uint8Array {
    const out: number[] = [];
    let v = n;
    do {
      out.unshift(v & 0xff);
      v = Math.floor(v / 256);
    } while (v > 0);
    if (out[0] & 0x80) out.unshift(0);
    return tlv(0x02, out);
  },
  enumerated: (n: number) => tlv(0x0a, [n]),
  boolean: (b: boolean) => tlv(0x01, [b ? 0xff : 0]),
  octets: (s: string, id = 0x04) => tlv(id, new TextEncoder().encode(s)),
  constructed: (id: number, ...parts: Uint8Array[]) => tlv(id, parts.flatMap((p) => Array.from(p))),
};

/** Read one element's header: returns null when more bytes are needed. Throws on what BER forbids here. */
export function berHeader(buf: Uint8Array, at = 0): { id: number; headerLength: number; length: number } | null {
  if (buf.length < at + 2) return null;
  const id = buf[at];
  if ((id & 0x1f) === 0x1f) throw new Error('high tag numbers are not used by LDAP');
  const first = buf[at + 1];
  if (first < 0x80) return { id, headerLength: 2, length: first };
  const count = first & 0x7f;
  if (count === 0) throw new Error('indefinite lengths are not allowed in LDAP (RFC 4511 5.1)');
  if (count > 4) throw new Error(`a length of ${count} octets is too large`);
  if (buf.length < at + 2 + count) return null;
  let length = 0;
  for (let i = 0; i < count; i++) length = length * 256 + buf[at + 2 + i];
  return { id, headerLength: 2 + count, length };
}

/** Deepest nesting decoded: LDAP needs a handful; a hostile server's thousands would overflow the call stack. */
export const BER_MAX_DEPTH = 64;

/** Decode the elements in buf[start, end). */
export function berDecode(buf: Uint8Array, start = 0, end = buf.length, depth = 0): BerNode[] {
  if (depth > BER_MAX_DEPTH) throw new Error(`elements nested more than ${BER_MAX_DEPTH} deep`);
  const nodes: BerNode[] = [];
  let at = start;
  while (at < end) {
    const h = berHeader(buf.subarray(0, end), at);
    if (!h || at + h.headerLength + h.length > end) throw new Error(`truncated element at offset ${at}`);
    const valueStart = at + h.headerLength;
    const node: BerNode = {
      id: h.id,
      tag: h.id & 0x1f,
      cls: CLASSES[h.id >> 6],
      constructed: (h.id & 0x20) !== 0,
      start: at,
      end: valueStart + h.length,
      valueStart,
      value: buf.slice(valueStart, valueStart + h.length),
    };
    if (node.constructed) node.children = berDecode(buf, valueStart, node.end, depth + 1);
    nodes.push(node);
    at = node.end;
  }
  return nodes;
}

export function berInteger(node: BerNode): number {
  let v = 0;
  for (const b of node.value) v = v * 256 + b;
  return node.value.length && node.value[0] & 0x80 ? v - 2 ** (8 * node.value.length) : v;
}

export function berString(node: BerNode): string {
  return new TextDecoder().decode(node.value);
}
