// Mutations of a seed capture for the fuzz tests, as plain data (so a failing case prints as something a
// regression test can write down): whole packets dropped, duplicated or reordered (pcap records, pcapng blocks),
// then bytes flipped, overwritten, inserted, deleted or cut off, and length fields set to hostile values.
// Each mutated file comes with K: no byte before offset K was changed, so what the seed's bytes before K held
// must still be decoded from the mutated file.
import fc from 'fast-check';
import type { Seed, Unit } from './fuzz-seeds.ts';

export type PacketOp = { op: 'drop'; unit: number } | { op: 'dup'; unit: number; to: number } | { op: 'move'; unit: number; to: number };

export type ByteOp =
  | { op: 'flip'; at: number; bit: number }
  | { op: 'set'; at: number; bytes: number[] }
  | { op: 'insert'; at: number; bytes: number[] }
  | { op: 'delete'; at: number; length: number }
  | { op: 'truncate'; at: number }
  /** A length field of the seed (`lengthSites`) set to `value` (its low bytes when the field is narrower). */
  | { op: 'length'; site: number; value: number };

export interface Mutation {
  packets: PacketOp[];
  bytes: ByteOp[];
}

export interface Mutated {
  bytes: Uint8Array;
  /** Every byte before this offset is the seed's. */
  untouchedBefore: number;
}

/** A length field in a seed: where, how wide, which byte order, and what it is. */
export interface LengthSite {
  at: number;
  width: 1 | 2 | 3 | 4;
  little: boolean;
  what: string;
}

/** Values a hostile or broken writer puts in length fields. */
export const HOSTILE_LENGTHS = [
  0, 1, 2, 3, 4, 5, 8, 12, 16, 20, 24, 28, 0x7f, 0xff, 0x100, 0x3fff, 0x4000, 0x4001, 0x4100, 0x4800, 0x4805, 0x7fff, 0x8000, 0xfffe, 0xffff, 0x10000,
  0xffffff, 0x1000000, 0x3ffffff, 0x4000000, 0x4000004, 0x7fffffff, 0x80000000, 0xfffffffc, 0xffffffff,
];

const u32 = (b: Uint8Array, at: number, little: boolean) => new DataView(b.buffer, b.byteOffset).getUint32(at, little);

/**
 * The length fields of a seed: each record's captured and original length (pcap), each block's opening and
 * closing length and an Enhanced Packet Block's captured length (pcapng), a Decryption Secrets Block's secrets
 * length; inside each Ethernet/IPv4/TCP packet, the IP total length, header lengths and TCP data offset; and the
 * length of each TLS record and handshake message that starts in a packet.
 */
export function lengthSites(seed: Seed): LengthSite[] {
  const b = seed.bytes;
  const little = seed.format === 'pcap' ? u32(b, 0, true) === 0xa1b2c3d4 || u32(b, 0, true) === 0xa1b23c4d : u32(b, 8, true) === 0x1a2b3c4d;
  const sites: LengthSite[] = [];
  if (seed.format === 'pcapng') {
    // The headers' blocks too: the Section Header Block's length and section length, the Interface Description Block's.
    for (let at = 0; at < (seed.units[0]?.start ?? b.length); ) {
      const total = u32(b, at + 4, little);
      sites.push({ at: at + 4, width: 4, little, what: 'header block length' }, { at: at + total - 4, width: 4, little, what: 'header block closing length' });
      if (total < 12) break;
      at += total;
    }
  }
  for (const u of seed.units) {
    let frame: number;
    let frameLength: number;
    if (seed.format === 'pcap') {
      sites.push({ at: u.start + 8, width: 4, little, what: 'captured length' }, { at: u.start + 12, width: 4, little, what: 'original length' });
      frame = u.start + 16;
      frameLength = u.end - frame;
    } else {
      sites.push({ at: u.start + 4, width: 4, little, what: 'block length' }, { at: u.end - 4, width: 4, little, what: 'closing block length' });
      if (u.kind === 'secrets') {
        sites.push({ at: u.start + 12, width: 4, little, what: 'secrets length' });
        continue;
      }
      sites.push({ at: u.start + 20, width: 4, little, what: 'EPB captured length' });
      frame = u.start + 28;
      frameLength = u32(b, u.start + 20, little);
    }
    // Ethernet + IPv4 + TCP (tcpdump on lo).
    if (frameLength < 54 || b[frame + 12] !== 0x08 || b[frame + 13] !== 0x00 || b[frame + 23] !== 6) continue;
    const ip = frame + 14;
    const ihl = (b[ip] & 15) * 4;
    sites.push({ at: ip + 2, width: 2, little: false, what: 'IPv4 total length' }, { at: ip, width: 1, little: false, what: 'IPv4 version/header length' });
    const tcp = ip + ihl;
    sites.push({ at: tcp + 12, width: 1, little: false, what: 'TCP data offset' });
    const payload = tcp + (b[tcp + 12] >> 4) * 4;
    const end = ip + ((b[ip + 2] << 8) | b[ip + 3]);
    // TLS records that start in this packet (segments here carry whole records, or the first part of one).
    for (let at = payload; at + 5 <= end; ) {
      const type = b[at];
      if (type < 20 || type > 24 || b[at + 1] !== 3) break;
      sites.push({ at: at + 3, width: 2, little: false, what: 'TLS record length' });
      if (type === 22 && at + 9 <= end) sites.push({ at: at + 6, width: 3, little: false, what: 'handshake message length' });
      at += 5 + ((b[at + 3] << 8) | b[at + 4]);
    }
  }
  return sites;
}

/** The mutation's file, and how far the seed's bytes are untouched. */
export function applyMutation(seed: Seed, m: Mutation, sites: LengthSite[]): Mutated {
  const { units } = seed;
  const head = seed.units.length ? seed.units[0].start : seed.bytes.length;
  const tail = seed.units.length ? seed.units[units.length - 1].end : seed.bytes.length;
  // Whole packets first: the file is its headers, the units in their new order, and whatever followed them.
  const order = units.map((_, i) => i);
  for (const p of m.packets) {
    if (order.length === 0) break;
    const i = p.unit % order.length;
    if (p.op === 'drop') order.splice(i, 1);
    else if (p.op === 'dup') order.splice(p.to % (order.length + 1), 0, order[i]);
    else {
      const [u] = order.splice(i, 1);
      order.splice(p.to % (order.length + 1), 0, u);
    }
  }
  let untouched = seed.bytes.length;
  let bytes = seed.bytes;
  if (m.packets.length) {
    let first = 0;
    while (first < order.length && first < units.length && order[first] === first) first++;
    untouched = first === units.length && order.length === units.length ? seed.bytes.length : first < units.length ? units[first].start : tail;
    const parts = [seed.bytes.subarray(0, head), ...order.map((i) => seed.bytes.subarray(units[i].start, units[i].end)), seed.bytes.subarray(tail)];
    bytes = concat(parts);
  } else bytes = seed.bytes.slice();
  // Then bytes; offsets wrap around the file as it is at that point.
  for (const op of m.bytes) {
    const n = bytes.length;
    if (op.op === 'length') {
      const site = sites[op.site % sites.length];
      if (!site || site.at + site.width > n) continue;
      untouched = Math.min(untouched, site.at);
      for (let k = 0; k < site.width; k++) {
        const byte = (op.value >>> (8 * k)) & 0xff;
        bytes[site.little ? site.at + k : site.at + site.width - 1 - k] = byte;
      }
      continue;
    }
    if (op.op === 'insert') {
      const at = op.at % (n + 1);
      untouched = Math.min(untouched, at);
      bytes = concat([bytes.subarray(0, at), Uint8Array.from(op.bytes), bytes.subarray(at)]);
      continue;
    }
    if (n === 0) continue;
    const at = op.at % n;
    untouched = Math.min(untouched, at);
    if (op.op === 'flip') bytes[at] ^= 1 << (op.bit & 7);
    else if (op.op === 'set') op.bytes.forEach((v, k) => at + k < n && (bytes[at + k] = v));
    else if (op.op === 'delete') bytes = concat([bytes.subarray(0, at), bytes.subarray(Math.min(n, at + op.length))]);
    else bytes = bytes.slice(0, at);
  }
  return { bytes, untouchedBefore: untouched };
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

// ---------- arbitraries ----------

const offset = fc.nat({ max: 1 << 20 });
const someBytes = (max: number) => fc.array(fc.nat({ max: 255 }), { minLength: 1, maxLength: max });

export const packetOp: fc.Arbitrary<PacketOp> = fc.oneof(
  fc.record({ op: fc.constant('drop' as const), unit: fc.nat({ max: 1000 }) }),
  fc.record({ op: fc.constant('dup' as const), unit: fc.nat({ max: 1000 }), to: fc.nat({ max: 1000 }) }),
  fc.record({ op: fc.constant('move' as const), unit: fc.nat({ max: 1000 }), to: fc.nat({ max: 1000 }) }),
);

export const byteOp: fc.Arbitrary<ByteOp> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant('flip' as const), at: offset, bit: fc.nat({ max: 7 }) }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constant('set' as const), at: offset, bytes: someBytes(8) }), weight: 2 },
  fc.record({ op: fc.constant('insert' as const), at: offset, bytes: someBytes(64) }),
  fc.record({ op: fc.constant('delete' as const), at: offset, length: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: offset }),
);

export const lengthOp: fc.Arbitrary<ByteOp> = fc.record({
  op: fc.constant('length' as const),
  site: fc.nat({ max: 1 << 16 }),
  value: fc.oneof(fc.constantFrom(...HOSTILE_LENGTHS), fc.nat({ max: 0xffffffff })),
});

/** Byte-level mutations (a few at once). */
export const byteMutation: fc.Arbitrary<Mutation> = fc.record({ packets: fc.constant([]), bytes: fc.array(byteOp, { minLength: 1, maxLength: 4 }) });

/** Whole packets dropped, duplicated, moved, sometimes with a byte changed too. */
export const packetMutation: fc.Arbitrary<Mutation> = fc.record({ packets: fc.array(packetOp, { minLength: 1, maxLength: 4 }), bytes: fc.array(byteOp, { maxLength: 1 }) });

/** Length fields set to hostile values. */
export const lengthMutation: fc.Arbitrary<Mutation> = fc.record({ packets: fc.constant([]), bytes: fc.array(lengthOp, { minLength: 1, maxLength: 3 }) });

/** The prefix of a seed that ends at the last unit boundary at or before `k`: what the seed holds wholly before k. */
export function prefixBefore(seed: Seed, k: number): { bytes: Uint8Array; units: number } {
  let end = seed.units.length ? seed.units[0].start : seed.bytes.length;
  let count = 0;
  for (const u of seed.units) {
    if (u.end > k) break;
    end = u.end;
    count++;
  }
  return { bytes: seed.bytes.subarray(0, end), units: count };
}

export type { Unit };
