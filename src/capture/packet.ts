// From a captured frame to its TCP segment: link layer (Ethernet with VLAN tags, Linux cooked SLL and SLL2, raw IP,
// BSD loopback), then IPv4 or IPv6 (fragments put back together by IpFragments, RFC 791 §3.2 and RFC 8200 §4.5),
// then TCP. Anything else (ARP, UDP...) is not a TCP segment: null.

export const LinkType = { NULL: 0, ETHERNET: 1, RAW: 101, LOOP: 108, LINUX_SLL: 113, IPV4: 228, IPV6: 229, LINUX_SLL2: 276 } as const;

export interface TcpSegment {
  /** Address text: dotted IPv4 or IPv6 as written by URLs, without brackets. */
  srcAddr: string;
  dstAddr: string;
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  flags: { syn: boolean; ack: boolean; fin: boolean; rst: boolean };
  payload: Uint8Array;
  /**
   * Bytes the IP header says the packet has beyond those captured (a capture's snapshot length cut it): 0 when it
   * holds them all, null when the header does not say (a length of 0, as offloading writes).
   */
  beyond: number | null;
}

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const VLAN_TAGS = new Set([0x8100, 0x88a8, 0x9100]);

/** The IP packet inside a frame of this link type, or null when the frame carries something else. */
export function ipPayloadOf(linkType: number, frame: Uint8Array): Uint8Array | null {
  switch (linkType) {
    case LinkType.ETHERNET: {
      let p = 12;
      if (frame.length < 14) return null;
      let type = (frame[p] << 8) | frame[p + 1];
      while (VLAN_TAGS.has(type)) {
        p += 4;
        if (frame.length < p + 2) return null;
        type = (frame[p] << 8) | frame[p + 1];
      }
      return ipByEthertype(type, frame.subarray(p + 2));
    }
    case LinkType.LINUX_SLL:
      return frame.length < 16 ? null : ipByEthertype((frame[14] << 8) | frame[15], frame.subarray(16));
    case LinkType.LINUX_SLL2:
      return frame.length < 20 ? null : ipByEthertype((frame[0] << 8) | frame[1], frame.subarray(20));
    case LinkType.NULL:
    case LinkType.LOOP: {
      // A 4-byte address family: host byte order for NULL, network order for LOOP. AF_INET is 2 everywhere;
      // AF_INET6 is 24, 28 or 30 depending on the BSD. Reading the IP version nibble settles it either way.
      if (frame.length < 5) return null;
      return rawIp(frame.subarray(4));
    }
    case LinkType.RAW:
    case 12:
    case 14:
      return rawIp(frame);
    case LinkType.IPV4:
    case LinkType.IPV6:
      return rawIp(frame);
    default:
      return null;
  }
}

function ipByEthertype(type: number, payload: Uint8Array): Uint8Array | null {
  return type === ETHERTYPE_IPV4 || type === ETHERTYPE_IPV6 ? payload : null;
}

function rawIp(packet: Uint8Array): Uint8Array | null {
  const version = packet.length > 0 ? packet[0] >> 4 : 0;
  return version === 4 || version === 6 ? packet : null;
}

/** Fragments of IP datagrams not complete yet: at most this many datagrams, and this many bytes, are held. */
const MAX_FRAGMENTED_DATAGRAMS = 256;
const MAX_FRAGMENT_BYTES = 8 * 1024 * 1024;

interface Pending {
  /** The datagram's header, with its fragment fields to be cleared. */
  header: Uint8Array;
  version: 4 | 6;
  /** Protocol (IPv4) or the next header after the fragment header (IPv6). */
  protocol: number;
  parts: { offset: number; bytes: Uint8Array }[];
  /** Payload length, once the last fragment (more-fragments clear) came. */
  total: number | null;
  bytes: number;
}

/**
 * Puts fragmented IP datagrams back together: fragments in any order, duplicates and overlaps (the first copy of a
 * byte wins). Memory is bounded: past the limits, the oldest incomplete datagrams are dropped (their data then
 * shows as a TCP gap, never as guessed bytes).
 */
export class IpFragments {
  private pending = new Map<string, Pending>();
  private heldBytes = 0;
  /** Datagrams dropped incomplete to stay within the limits. */
  dropped = 0;

  /** The IP packet to read: the packet itself when not a fragment, the whole datagram once complete, else null. */
  add(ip: Uint8Array): Uint8Array | null {
    const version = ip[0] >> 4;
    if (version === 4) {
      if (ip.length < 20) return ip;
      const word = (ip[6] << 8) | ip[7];
      const more = (word & 0x2000) !== 0;
      const offset = (word & 0x1fff) * 8;
      if (!more && offset === 0) return ip;
      const headerLength = (ip[0] & 0x0f) * 4;
      const totalLength = (ip[2] << 8) | ip[3];
      const end = totalLength >= headerLength && totalLength <= ip.length ? totalLength : ip.length;
      const key = `4|${ip.subarray(12, 20).join('.')}|${ip[9]}|${(ip[4] << 8) | ip[5]}`;
      return this.fragment(key, 4, ip[9], offset === 0 ? ip.subarray(0, headerLength) : null, offset, more, ip.subarray(headerLength, end));
    }
    if (version !== 6 || ip.length < 40) return ip;
    const payloadLength = (ip[4] << 8) | ip[5];
    const end = payloadLength > 0 && 40 + payloadLength <= ip.length ? 40 + payloadLength : ip.length;
    let next = ip[6];
    let p = 40;
    while (next === 0 || next === 43 || next === 60) {
      if (p + 2 > end) return ip;
      next = ip[p];
      p += (ip[p + 1] + 1) * 8;
    }
    if (next !== 44 || p + 8 > end) return ip;
    const word = (ip[p + 2] << 8) | ip[p + 3];
    const offset = word & 0xfff8;
    const more = (word & 1) !== 0;
    const id = ((ip[p + 4] << 24) | (ip[p + 5] << 16) | (ip[p + 6] << 8) | ip[p + 7]) >>> 0;
    const key = `6|${ip.subarray(8, 40).join('.')}|${id}`;
    return this.fragment(key, 6, ip[p], offset === 0 ? ip.subarray(0, 40) : null, offset, more, ip.subarray(p + 8, end));
  }

  private fragment(key: string, version: 4 | 6, protocol: number, header: Uint8Array | null, offset: number, more: boolean, data: Uint8Array): Uint8Array | null {
    let d = this.pending.get(key);
    if (!d) {
      d = { header: new Uint8Array(0), version, protocol, parts: [], total: null, bytes: 0 };
      this.pending.set(key, d);
    }
    if (header) d.header = header.slice();
    if (!more) d.total = offset + data.length;
    d.parts.push({ offset, bytes: data.slice() });
    d.bytes += data.length;
    this.heldBytes += data.length;
    const whole = this.complete(d);
    if (whole) {
      this.forget(key, d);
      return whole;
    }
    while (this.pending.size > MAX_FRAGMENTED_DATAGRAMS || this.heldBytes > MAX_FRAGMENT_BYTES) {
      const [oldest, o] = this.pending.entries().next().value!;
      this.forget(oldest, o);
      this.dropped++;
    }
    return null;
  }

  private forget(key: string, d: Pending): void {
    this.pending.delete(key);
    this.heldBytes -= d.bytes;
  }

  /** The datagram, fragment fields cleared, when its first and last fragments and everything between are in. */
  private complete(d: Pending): Uint8Array | null {
    if (d.total === null || d.header.length === 0) return null;
    const parts = [...d.parts].sort((a, b) => a.offset - b.offset);
    let covered = 0;
    for (const part of parts) {
      if (part.offset > covered) return null;
      covered = Math.max(covered, part.offset + part.bytes.length);
    }
    if (covered < d.total) return null;
    const out = new Uint8Array(d.header.length + d.total);
    out.set(d.header, 0);
    // Where fragments overlap, the one that starts first wins: fill from the last part to the first.
    for (const part of parts.reverse()) out.set(part.bytes.subarray(0, Math.max(0, d.total - part.offset)), d.header.length + part.offset);
    if (d.version === 4) {
      const length = out.length;
      out[2] = length >> 8;
      out[3] = length & 0xff;
      out[6] = 0;
      out[7] = 0;
    } else {
      // The fixed header alone, then the reassembled payload (extension headers before the fragment header dropped).
      out[4] = d.total >> 8;
      out[5] = d.total & 0xff;
      out[6] = d.protocol;
    }
    return out;
  }
}

/** Decode a frame down to its TCP segment, or null. With `fragments`, IP fragments are put back together. */
export function tcpSegmentOf(linkType: number, frame: Uint8Array, fragments?: IpFragments): TcpSegment | null {
  const packet = ipPayloadOf(linkType, frame);
  if (!packet) return null;
  const ip = fragments ? fragments.add(packet) : packet;
  if (!ip) return null;
  const version = ip[0] >> 4;
  let srcAddr: string, dstAddr: string, tcp: Uint8Array;
  let beyond: number | null;
  if (version === 4) {
    if (ip.length < 20) return null;
    const headerLength = (ip[0] & 0x0f) * 4;
    const totalLength = (ip[2] << 8) | ip[3];
    const fragment = ((ip[6] << 8) | ip[7]) & 0x3fff; // more-fragments flag and fragment offset
    if (ip[9] !== 6 || headerLength < 20 || fragment !== 0) return null;
    // Ethernet pads short frames: the IP total length says where the packet ends (0 when offloaded: take all).
    const end = totalLength >= headerLength && totalLength <= ip.length ? totalLength : ip.length;
    beyond = totalLength >= headerLength ? Math.max(0, totalLength - ip.length) : null;
    srcAddr = `${ip[12]}.${ip[13]}.${ip[14]}.${ip[15]}`;
    dstAddr = `${ip[16]}.${ip[17]}.${ip[18]}.${ip[19]}`;
    tcp = ip.subarray(headerLength, end);
  } else {
    if (ip.length < 40) return null;
    const payloadLength = (ip[4] << 8) | ip[5];
    let next = ip[6];
    let p = 40;
    const end = payloadLength > 0 && 40 + payloadLength <= ip.length ? 40 + payloadLength : ip.length;
    // Extension headers before TCP: hop-by-hop, routing, destination options (length in 8-byte units);
    // a fragment header means a fragment (IpFragments puts them together first).
    while (next === 0 || next === 43 || next === 60) {
      if (p + 2 > end) return null;
      next = ip[p];
      p += (ip[p + 1] + 1) * 8;
    }
    if (next !== 6) return null;
    beyond = payloadLength > 0 ? Math.max(0, 40 + payloadLength - ip.length) : null;
    srcAddr = ipv6Text(ip.subarray(8, 24));
    dstAddr = ipv6Text(ip.subarray(24, 40));
    tcp = ip.subarray(p, end);
  }
  if (tcp.length < 20) return null;
  const dataOffset = (tcp[12] >> 4) * 4;
  if (dataOffset < 20 || dataOffset > tcp.length) return null;
  const flags = tcp[13];
  return {
    srcAddr,
    dstAddr,
    srcPort: (tcp[0] << 8) | tcp[1],
    dstPort: (tcp[2] << 8) | tcp[3],
    seq: ((tcp[4] << 24) | (tcp[5] << 16) | (tcp[6] << 8) | tcp[7]) >>> 0,
    ack: ((tcp[8] << 24) | (tcp[9] << 16) | (tcp[10] << 8) | tcp[11]) >>> 0,
    flags: { fin: (flags & 1) !== 0, syn: (flags & 2) !== 0, rst: (flags & 4) !== 0, ack: (flags & 16) !== 0 },
    payload: tcp.subarray(dataOffset),
    beyond,
  };
}

/** RFC 5952 text: lowercase, the longest run of zero groups as "::". */
export function ipv6Text(b: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((b[i] << 8) | b[i + 1]);
  let bestStart = -1, bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i > 1) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}
