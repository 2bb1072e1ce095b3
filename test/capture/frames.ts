// Building capture variants in tests: a pcap file from frames, and Ethernet/IPv4/TCP frames taken apart and
// rebuilt (payload, sequence number).

export function pcapFile(linkType: number, packets: { time: number; data: Uint8Array }[]): Uint8Array {
  const parts: Buffer[] = [];
  const head = Buffer.alloc(24);
  head.writeUInt32LE(0xa1b2c3d4, 0);
  head.writeUInt16LE(2, 4);
  head.writeUInt16LE(4, 6);
  head.writeUInt32LE(262144, 16);
  head.writeUInt32LE(linkType, 20);
  parts.push(head);
  for (const p of packets) {
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(Math.floor(p.time / 1000), 0);
    rec.writeUInt32LE(Math.round((p.time % 1000) * 1000) % 1_000_000, 4);
    rec.writeUInt32LE(p.data.length, 8);
    rec.writeUInt32LE(p.data.length, 12);
    parts.push(rec, Buffer.from(p.data));
  }
  return new Uint8Array(Buffer.concat(parts));
}

export const ipOf = (frame: Uint8Array) => frame.subarray(14);
export const tcpPayloadLength = (frame: Uint8Array) => {
  const ip = ipOf(frame);
  if (ip[9] !== 6) return 0; // the UDP probes that tell us tcpdump is capturing
  const ihl = (ip[0] & 15) * 4;
  return ((ip[2] << 8) | ip[3]) - ihl - (ip[ihl + 12] >> 4) * 4;
};

/** The same TCP segment with a different sequence number and payload (IPv4 length fixed up). */
export function withPayload(frame: Uint8Array, seqDelta: number, payload: Uint8Array): Uint8Array {
  const ip = ipOf(frame);
  const ihl = (ip[0] & 15) * 4;
  const tcpHeader = (ip[ihl + 12] >> 4) * 4;
  const headerEnd = 14 + ihl + tcpHeader;
  const out = new Uint8Array(headerEnd + payload.length);
  out.set(frame.subarray(0, headerEnd), 0);
  out.set(payload, headerEnd);
  const dv = new DataView(out.buffer);
  dv.setUint16(16, ihl + tcpHeader + payload.length);
  dv.setUint32(14 + ihl + 4, (dv.getUint32(14 + ihl + 4) + seqDelta) >>> 0);
  return out;
}

/** A segment whose payload is whole TLS records, cut into one segment per record (as if each had been sent alone). */
export function splitIntoRecords(frame: Uint8Array): Uint8Array[] {
  const payload = payloadOf(frame);
  const out: Uint8Array[] = [];
  for (let at = 0; at < payload.length; ) {
    const end = at + 5 + ((payload[at + 3] << 8) | payload[at + 4]);
    if (end > payload.length) throw new Error('the segment does not end at a record boundary');
    out.push(withPayload(frame, at, payload.subarray(at, end)));
    at = end;
  }
  return out;
}

export function payloadOf(frame: Uint8Array): Uint8Array {
  const ip = ipOf(frame);
  if (ip[9] !== 6) return new Uint8Array(0);
  const ihl = (ip[0] & 15) * 4;
  const tcpHeader = (ip[ihl + 12] >> 4) * 4;
  return frame.subarray(14 + ihl + tcpHeader, 14 + ((ip[2] << 8) | ip[3]));
}

export const srcPort = (frame: Uint8Array) => {
  const ip = ipOf(frame);
  const ihl = (ip[0] & 15) * 4;
  return (ip[ihl] << 8) | ip[ihl + 1];
};

export const isTcp = (frame: Uint8Array) => ipOf(frame)[9] === 6;

export const TCP_FLAGS = { fin: 0x01, syn: 0x02, rst: 0x04, psh: 0x08, ack: 0x10 } as const;

/** One Ethernet/IPv4/TCP frame (checksums left zero: the reader does not check them). */
export function tcpFrame(f: { src: string; dst: string; sport: number; dport: number; seq: number; ack?: number; flags: number; payload?: Uint8Array }): Uint8Array {
  const payload = f.payload ?? new Uint8Array(0);
  const out = Buffer.alloc(14 + 20 + 20 + payload.length);
  out.writeUInt16BE(0x0800, 12);
  out[14] = 0x45;
  out.writeUInt16BE(40 + payload.length, 16);
  out[22] = 64;
  out[23] = 6;
  Buffer.from(f.src.split('.').map(Number)).copy(out, 26);
  Buffer.from(f.dst.split('.').map(Number)).copy(out, 30);
  out.writeUInt16BE(f.sport, 34);
  out.writeUInt16BE(f.dport, 36);
  out.writeUInt32BE(f.seq >>> 0, 38);
  out.writeUInt32BE((f.ack ?? 0) >>> 0, 42);
  out[46] = 0x50;
  out[47] = f.flags | (f.ack !== undefined ? TCP_FLAGS.ack : 0);
  out.writeUInt16BE(65535, 48);
  out.set(payload, 54);
  return new Uint8Array(out);
}
