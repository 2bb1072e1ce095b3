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
