// Mutations for the x509 input fuzz tests, at every layer a chain passes through: the DER of one certificate
// (bytes, lengths, tags, nesting, extensions, names, OIDs; some signed again so the checks past the signature run),
// the container (PEM armour, concatenated DER, PKCS#7) and a CRL.
import fc from 'fast-check';
import { createPrivateKey, sign } from 'node:crypto';
import { encodeTlv, parseTlv, type Tlv } from './resign.ts';

/** An element of DER, found by a lenient walk of the unmutated seed: where its header and value lie. */
export interface Element {
  start: number;
  valueStart: number;
  end: number;
  tag: number;
}

/** Every element of `der` (depth first), walked leniently; stops quietly at anything unreadable. */
export function elementsOf(der: Uint8Array, start = 0, end = der.length, out: Element[] = [], depth = 0): Element[] {
  for (let p = start; p < end && depth < 40; ) {
    const tag = der[p];
    let q = p + 1;
    let len = der[q++];
    if (len === undefined) return out;
    if (len & 0x80) {
      const n = len & 0x7f;
      if (n === 0 || n > 4) return out;
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + (der[q++] ?? 0);
    }
    if (q + len > end) return out;
    out.push({ start: p, valueStart: q, end: q + len, tag });
    if (tag & 0x20) elementsOf(der, q, q + len, out, depth + 1);
    p = q + len;
  }
  return out;
}

const cat = (...parts: (Uint8Array | number[])[]) => new Uint8Array(Buffer.concat(parts.map((p) => Buffer.from(p as Uint8Array))));

function lengthOctets(n: number): number[] {
  if (n < 0x80) return [n];
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return [0x80 | bytes.length, ...bytes];
}

/** `depth` SEQUENCEs inside each other around `inner`: definite lengths (built inside out) or indefinite (BER). */
export function nested(depth: number, inner: Uint8Array, indefinite: boolean): Uint8Array {
  if (indefinite) return cat(new Array(depth).fill([0x30, 0x80]).flat(), inner, new Array(depth * 2).fill(0));
  let v = Buffer.from(inner);
  for (let i = 0; i < depth; i++) v = Buffer.concat([Buffer.from([0x30, ...lengthOctets(v.length)]), v]);
  return new Uint8Array(v);
}

/** An OID's content with arcs no registry has: huge numbers, thousands of arcs, or a last arc never ended. */
function absurdOid(kind: 'huge' | 'many' | 'unended' | 'empty' | 'leading'): number[] {
  switch (kind) {
    case 'huge':
      return [0x2a, ...new Array(40).fill(0xff), 0x7f, 0x01];
    case 'many':
      return [0x2a, ...new Array(3000).fill(0x01)];
    case 'unended':
      return [0x2a, 0x86, 0x48, 0x86];
    case 'empty':
      return [];
    case 'leading':
      return [0x2a, 0x80, 0x80, 0x01];
  }
}

export type DerMutation =
  | { op: 'flip'; at: number; bit: number }
  | { op: 'byte'; at: number; value: number }
  | { op: 'cut'; at: number }
  | { op: 'insert'; at: number; bytes: number[] }
  | { op: 'length'; node: number; kind: 'giga' | 'indefinite' | 'plus' | 'minus' | 'five' | 'zero' }
  | { op: 'tag'; node: number; tag: number }
  | { op: 'nest'; node: number; depth: number; indefinite: boolean }
  | { op: 'ext'; action: 'dup' | 'drop' | 'swap'; k: number; resign: boolean }
  | { op: 'names'; count: number; kind: 'dns' | 'ip' | 'email' | 'dir'; resign: boolean }
  | { op: 'oid'; node: number; kind: 'huge' | 'many' | 'unended' | 'empty' | 'leading'; resign: boolean };

export const derMutation: fc.Arbitrary<DerMutation> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('byte' as const), at: fc.nat(), value: fc.constantFrom(0, 0x80, 0xff, 0x30, 0x05, 0x1f, 0x7f) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('cut' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.array(fc.nat(255), { minLength: 1, maxLength: 6 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('length' as const), node: fc.nat(), kind: fc.constantFrom('giga' as const, 'indefinite' as const, 'plus' as const, 'minus' as const, 'five' as const, 'zero' as const) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('tag' as const), node: fc.nat(), tag: fc.constantFrom(0x00, 0x01, 0x02, 0x04, 0x05, 0x06, 0x0c, 0x13, 0x17, 0x18, 0x1f, 0x30, 0x31, 0x80, 0xa0, 0xa3, 0xff) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('nest' as const), node: fc.nat(), depth: fc.integer({ min: 60, max: 5000 }), indefinite: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('ext' as const), action: fc.constantFrom('dup' as const, 'drop' as const, 'swap' as const), k: fc.nat(), resign: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('names' as const), count: fc.integer({ min: 200, max: 5000 }), kind: fc.constantFrom('dns' as const, 'ip' as const, 'email' as const, 'dir' as const), resign: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('oid' as const), node: fc.nat(), kind: fc.constantFrom('huge' as const, 'many' as const, 'unended' as const, 'empty' as const, 'leading' as const), resign: fc.boolean() }) },
);

/** How a certificate is signed again: its issuer's key (PEM) and the digest its algorithm names. */
export interface Signer {
  keyPem: string;
  hash: 'sha256' | null;
  ec: boolean;
}

/** The certificate with a new TBS, signed by `signer` (same algorithm identifier as before). */
export function resigned(cert: Tlv, tbs: Tlv, signer: Signer): Uint8Array {
  const tbsDer = encodeTlv(tbs);
  const key = createPrivateKey(signer.keyPem);
  const sig = sign(signer.hash, tbsDer, signer.ec ? { key, dsaEncoding: 'der' } : key);
  return encodeTlv({ tag: 0x30, kids: [tbs, cert.kids![1], { tag: 0x03, value: cat([0], sig) }] });
}

function generalName(kind: 'dns' | 'ip' | 'email' | 'dir', i: number): Tlv {
  const text = (s: string) => new Uint8Array(Buffer.from(s));
  if (kind === 'dns') return { tag: 0x82, value: text(`h${i}.example.test`) };
  if (kind === 'email') return { tag: 0x81, value: text(`u${i}@example.test`) };
  if (kind === 'ip') return { tag: 0x87, value: Uint8Array.of(10, (i >> 16) & 255, (i >> 8) & 255, i & 255) };
  const cn: Tlv = { tag: 0x31, kids: [{ tag: 0x30, kids: [{ tag: 0x06, value: Uint8Array.of(0x55, 4, 3) }, { tag: 0x0c, value: text(`n${i}`) }] }] };
  return { tag: 0xa4, kids: [{ tag: 0x30, kids: [cn] }] };
}

const SAN = Buffer.from([0x55, 0x1d, 0x11]);
const NAME_CONSTRAINTS = Buffer.from([0x55, 0x1d, 0x1e]);

/** Apply one mutation to one certificate; `signer` (its issuer's key) signs it again when the mutation asks. */
export function mutateDer(der: Uint8Array, m: DerMutation, signer?: Signer): { der: Uint8Array; resigned: boolean } {
  const els = elementsOf(der);
  const pick = (n: number, of = els) => of[n % of.length];
  switch (m.op) {
    case 'flip': {
      const out = der.slice();
      out[m.at % out.length] ^= 1 << m.bit;
      return { der: out, resigned: false };
    }
    case 'byte': {
      const out = der.slice();
      out[m.at % out.length] = m.value;
      return { der: out, resigned: false };
    }
    case 'cut':
      return { der: der.slice(0, m.at % der.length), resigned: false };
    case 'insert': {
      const at = m.at % (der.length + 1);
      return { der: cat(der.subarray(0, at), m.bytes, der.subarray(at)), resigned: false };
    }
    case 'length': {
      const e = pick(m.node);
      const len = e.end - e.valueStart;
      const octets = { giga: [0x84, 0x7f, 0xff, 0xff, 0xff], indefinite: [0x80], plus: lengthOctets(len + 1), minus: lengthOctets(Math.max(0, len - 1)), five: [0x85, 1, 0, 0, 0, 0], zero: [0x00] }[m.kind];
      return { der: cat(der.subarray(0, e.start + 1), octets, der.subarray(e.valueStart)), resigned: false };
    }
    case 'tag': {
      const out = der.slice();
      out[pick(m.node).start] = m.tag;
      return { der: out, resigned: false };
    }
    case 'nest': {
      // An element replaced by thousands of SEQUENCEs inside each other; the lengths around it are written again.
      const e = pick(m.node);
      const bomb = nested(m.depth, Uint8Array.of(0x05, 0x00), m.indefinite);
      return { der: rebuildAround(der, e, bomb), resigned: false };
    }
    case 'ext':
    case 'names':
    case 'oid': {
      let cert: Tlv | undefined;
      try {
        [cert] = parseTlv(der);
      } catch {
        // The test's own parser recurses: a certificate already nested thousands deep is left as it is.
        return { der, resigned: false };
      }
      const tbs = cert?.kids?.[0];
      const exts = tbs?.kids?.find((k) => k.tag === 0xa3)?.kids?.[0]?.kids;
      if (!cert || !tbs || !exts || exts.length === 0) return { der, resigned: false };
      if (m.op === 'ext') {
        const k = m.k % exts.length;
        if (m.action === 'dup') exts.splice(k, 0, exts[k]);
        else if (m.action === 'drop') exts.splice(k, 1);
        else exts.push(...exts.splice(0, k + 1));
      } else if (m.op === 'names') {
        const names = Array.from({ length: m.count }, (_, i) => generalName(m.kind, i));
        const san = exts.find((e) => SAN.equals(Buffer.from(e.kids![0].value!)));
        const nc = exts.find((e) => NAME_CONSTRAINTS.equals(Buffer.from(e.kids![0].value!)));
        // A CA gets thousands of permitted subtrees, a leaf thousands of SANs.
        if (nc) {
          const subtrees: Tlv = { tag: 0xa0, kids: names.map((n) => ({ tag: 0x30, kids: [n] })) };
          nc.kids![nc.kids!.length - 1] = { tag: 0x04, value: encodeTlv({ tag: 0x30, kids: [subtrees] }) };
        } else if (san) san.kids![san.kids!.length - 1] = { tag: 0x04, value: encodeTlv({ tag: 0x30, kids: names }) };
        else return { der, resigned: false };
      } else {
        const oids: Tlv[] = [];
        const walk = (t: Tlv) => (t.tag === 0x06 ? oids.push(t) : t.kids?.forEach(walk));
        walk(tbs);
        if (oids.length === 0) return { der, resigned: false };
        oids[m.node % oids.length].value = Uint8Array.from(absurdOid(m.kind));
      }
      const resign = m.resign && signer;
      if (resign) return { der: resigned(cert, tbs, signer), resigned: true };
      return { der: encodeTlv({ tag: 0x30, kids: [tbs, ...cert.kids!.slice(1)] }), resigned: false };
    }
  }
}

/** `der` with element `e` replaced by `inner`, every length around it written again (definite lengths only). */
function rebuildAround(der: Uint8Array, e: Element, inner: Uint8Array): Uint8Array {
  const els = elementsOf(der);
  const parents = els.filter((p) => p.start < e.start && p.end >= e.end && p.tag & 0x20 && p !== e).sort((a, b) => b.start - a.start);
  let piece = inner;
  let from = e.start;
  let to = e.end;
  for (const p of parents) {
    const value = cat(der.subarray(p.valueStart, from), piece, der.subarray(to, p.end));
    piece = cat([der[p.start], ...lengthOctets(value.length)], value);
    from = p.start;
    to = p.end;
  }
  return cat(der.subarray(0, from), piece, der.subarray(to));
}

/** How the certificates are carried. */
export type Container = 'pem' | 'der' | 'p7-pem' | 'p7-der' | 'base64' | 'utf16-pem';

/** Damage to PEM armour, at block `k` (modulo the number of blocks). */
export type PemDamage =
  | { kind: 'none' }
  | { kind: 'label'; k: number; label: string }
  | { kind: 'base64'; k: number; at: number; char: string }
  | { kind: 'drop-char'; k: number; at: number }
  | { kind: 'no-end'; k: number }
  | { kind: 'no-begin'; k: number }
  | { kind: 'crlf' }
  | { kind: 'spaces' }
  | { kind: 'prose' }
  | { kind: 'cut'; at: number }
  | { kind: 'escaped-newlines' }
  | { kind: 'duplicate'; k: number };

export const pemDamage: fc.Arbitrary<PemDamage> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ kind: 'none' as const }) },
  fc.record({ kind: fc.constant('label' as const), k: fc.nat(), label: fc.constantFrom('CERTIFICATE REQUEST', 'X509 CRL', 'CERTIFICATES', 'certificate', 'PRIVATE KEY', 'PKCS7', 'TRUSTED CERTIFICATE', 'X509 CERTIFICATE', 'RSA PRIVATE KEY') }),
  fc.record({ kind: fc.constant('base64' as const), k: fc.nat(), at: fc.nat(), char: fc.constantFrom('!', '=', '-', '_', 'é', '\u0430', '\0', '====', '\t') }),
  fc.record({ kind: fc.constant('drop-char' as const), k: fc.nat(), at: fc.nat() }),
  fc.record({ kind: fc.constant('no-end' as const), k: fc.nat() }),
  fc.record({ kind: fc.constant('no-begin' as const), k: fc.nat() }),
  fc.constant({ kind: 'crlf' as const }),
  fc.constant({ kind: 'spaces' as const }),
  fc.constant({ kind: 'prose' as const }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.constant({ kind: 'escaped-newlines' as const }),
  fc.record({ kind: fc.constant('duplicate' as const), k: fc.nat() }),
);

function pemBlock(der: Uint8Array, label: string): string {
  const body = Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n');
  return `-----BEGIN ${label}-----\n${body}-----END ${label}-----\n`;
}

/**
 * The certificates as PEM text with `damage`; `damagedFrom` is the first block whose certificate may be lost to
 * it (Infinity when none is), so the test knows which certificates before it must still be read.
 */
export function pemText(ders: Uint8Array[], damage: PemDamage): { text: string; damagedFrom: number } {
  const blocks = ders.map((d) => pemBlock(d, 'CERTIFICATE'));
  const k = 'k' in damage ? damage.k % blocks.length : 0;
  switch (damage.kind) {
    case 'none':
      return { text: blocks.join(''), damagedFrom: Infinity };
    case 'label':
      blocks[k] = pemBlock(ders[k], damage.label);
      return { text: blocks.join(''), damagedFrom: k };
    case 'base64':
    case 'drop-char': {
      const b = blocks[k];
      const first = b.indexOf('\n') + 1;
      const last = b.lastIndexOf('-----END');
      const at = first + (damage.at % Math.max(1, last - first));
      blocks[k] = damage.kind === 'base64' ? b.slice(0, at) + damage.char + b.slice(at) : b.slice(0, at) + b.slice(at + 1);
      return { text: blocks.join(''), damagedFrom: k };
    }
    case 'no-end':
      blocks[k] = blocks[k].replace(/-----END CERTIFICATE-----\n/, '');
      return { text: blocks.join(''), damagedFrom: k };
    case 'no-begin':
      blocks[k] = blocks[k].replace(/-----BEGIN CERTIFICATE-----\n/, '');
      return { text: blocks.join(''), damagedFrom: k };
    case 'crlf':
      return { text: blocks.join('').replace(/\n/g, '\r\n'), damagedFrom: Infinity };
    case 'spaces':
      return { text: blocks.join('').replace(/^/gm, '   ').replace(/\n/g, ' \n'), damagedFrom: Infinity };
    case 'prose':
      return { text: blocks.map((b, i) => `subject=/CN=block ${i}\nissuer= whatever: -----\n${b}\n# comment\n`).join('Bag Attributes\n'), damagedFrom: Infinity };
    case 'cut': {
      const text = blocks.join('');
      const at = damage.at % text.length;
      // Blocks wholly before the cut survive.
      let end = 0;
      let whole = 0;
      for (const b of blocks) if ((end += b.length) <= at) whole++;
      return { text: text.slice(0, at), damagedFrom: whole };
    }
    case 'escaped-newlines':
      return { text: JSON.stringify(blocks.join('')).slice(1, -1), damagedFrom: Infinity };
    case 'duplicate':
      blocks.splice(k, 0, blocks[k]);
      return { text: blocks.join(''), damagedFrom: Infinity };
  }
}

/** A degenerate ("certs-only") PKCS#7 SignedData holding `ders` as they are, written as openssl writes one. */
export function pkcs7Of(ders: Uint8Array[]): Uint8Array {
  const oid = (hex: string): Tlv => ({ tag: 0x06, value: new Uint8Array(Buffer.from(hex, 'hex')) });
  const certs = cat(...ders);
  const certsTlv = cat([0xa0, ...lengthOctets(certs.length)], certs);
  const signed = cat(encodeTlv({ tag: 0x02, value: Uint8Array.of(1) }), encodeTlv({ tag: 0x31, kids: [] }), encodeTlv({ tag: 0x30, kids: [oid('2a864886f70d010701')] }), certsTlv, encodeTlv({ tag: 0x31, kids: [] }));
  const sd = cat([0x30, ...lengthOctets(signed.length)], signed);
  const content = cat([0xa0, ...lengthOctets(sd.length)], sd);
  const inner = cat(encodeTlv(oid('2a864886f70d010702')), content);
  return cat([0x30, ...lengthOctets(inner.length)], inner);
}

export { pemBlock, cat };
