// Reads pcap and pcapng files block by block (never the whole file at once): packets with their link type and
// time, and the TLS key log lines of pcapng Decryption Secrets Blocks. The format is told by the magic number.
// pcap: https://www.tcpdump.org/manpages/pcap-savefile.5.html; pcapng: draft-ietf-opsawg-pcapng.
import { ChunkReader, type ByteChunks } from './chunk-reader.ts';
import { CaptureError } from './errors.ts';

export interface CapturedPacket {
  kind: 'packet';
  /** LINKTYPE_* of the interface the packet was captured on. */
  linkType: number;
  /** Interface number (pcapng; 0 for pcap). */
  interfaceId: number;
  /** Milliseconds since the Unix epoch (fractional). */
  time: number;
  data: Uint8Array;
  /** Length on the wire (more than data.length when the capture cut the packet). */
  originalLength: number;
  /** File offset of the packet's record or block. */
  offset: number;
}

export interface CapturedSecrets {
  kind: 'secrets';
  /** NSS key log text from a Decryption Secrets Block. */
  keyLog: string;
  offset: number;
}

export type CaptureItem = CapturedPacket | CapturedSecrets;

export type CaptureFormat = 'pcap' | 'pcapng';

/** Larger than any real packet or block: a length beyond this is corruption, not data. */
export const MAX_BLOCK_LENGTH = 64 * 1024 * 1024;

/** The furthest a JavaScript Date reaches from 1970, in milliseconds (ECMA-262: 10^8 days). */
const MAX_DATE_MS = 8.64e15;

const PCAPNG_SHB = 0x0a0d0d0a;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const TLS_KEY_LOG_SECRETS = 0x544c534b;

export function sniffFormat(head: Uint8Array): CaptureFormat | null {
  if (head.length < 4) return null;
  const be = ((head[0] << 24) | (head[1] << 16) | (head[2] << 8) | head[3]) >>> 0;
  const le = ((head[3] << 24) | (head[2] << 16) | (head[1] << 8) | head[0]) >>> 0;
  if (be === PCAPNG_SHB) return 'pcapng';
  if ([0xa1b2c3d4, 0xa1b23c4d].includes(be) || [0xa1b2c3d4, 0xa1b23c4d].includes(le)) return 'pcap';
  return null;
}

/** Every packet and key log block of a pcap or pcapng file, in file order. Throws CaptureError on bad input. */
export async function* readCapture(source: ByteChunks): AsyncGenerator<CaptureItem> {
  for await (const batch of readCaptureBatches(source)) yield* batch;
}

/**
 * The same items, in batches: all those read from the input at hand before more must be pulled, so a reader
 * goes through a file's packets in a plain loop instead of one await each. A packet's `data` is a view valid
 * until the next batch is asked for (the source may reuse its chunk): copy what is kept longer. Everything
 * read before bad input comes out first, then the CaptureError is thrown.
 */
export async function* readCaptureBatches(source: ByteChunks): AsyncGenerator<CaptureItem[]> {
  const reader = new ChunkReader(source);
  try {
    const head = await reader.read(4);
    const format = sniffFormat(head);
    if (!format) {
      if (head.length < 4) throw new CaptureError('TRUNCATED', `the file is ${head.length} bytes long: too short to be a pcap or pcapng capture`, 0);
      const hex = Array.from(head, (b) => b.toString(16).padStart(2, '0')).join(' ');
      throw new CaptureError('WRONG_MAGIC', `not a pcap or pcapng capture: it starts with ${hex}, not a pcap magic number (a1 b2 c3 d4, a1 b2 3c 4d, either byte order) or a pcapng Section Header Block (0a 0d 0d 0a)`, 0);
    }
    const batch = new Batcher();
    try {
      if (format === 'pcap') yield* readPcap(reader, head, batch);
      else yield* readPcapng(reader, head, batch);
    } catch (e) {
      if (batch.items.length) yield batch.take();
      throw e;
    }
    if (batch.items.length) yield batch.take();
  } finally {
    // Stopped early (bad input, or the consumer stopped): the source lets go of its file.
    await reader.close();
  }
}

/** Items read so far, handed out before the reader waits for more input. */
class Batcher {
  items: CaptureItem[] = [];
  take(): CaptureItem[] {
    const out = this.items;
    this.items = [];
    return out;
  }
}

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

async function exact(reader: ChunkReader, n: number, what: string, at: number): Promise<Uint8Array> {
  const bytes = await reader.read(n);
  if (bytes.length < n) throw new CaptureError('TRUNCATED', `the file ends in the middle of ${what} (${bytes.length} of ${n} bytes)`, at);
  return bytes;
}

// ---------- pcap ----------

async function* readPcap(reader: ChunkReader, magic: Uint8Array, batch: Batcher): AsyncGenerator<CaptureItem[]> {
  const rest = await exact(reader, 20, 'the pcap file header', 0);
  const header = new Uint8Array(24);
  header.set(magic, 0);
  header.set(rest, 4);
  const dv = view(header);
  const little = dv.getUint32(0, true) === 0xa1b2c3d4 || dv.getUint32(0, true) === 0xa1b23c4d;
  const nanos = dv.getUint32(0, little) === 0xa1b23c4d;
  const major = dv.getUint16(4, little);
  if (major !== 2) throw new CaptureError('UNSUPPORTED', `pcap version ${major}.${dv.getUint16(6, little)} (only 2.x exists)`, 4);
  // The link type's low 16 bits; the upper bits may carry FCS information (pcap-savefile(5)).
  const linkType = dv.getUint32(20, little) & 0xffff;
  const perSecond = nanos ? 1e9 : 1e6;
  const perMs = nanos ? 1e6 : 1e3;
  for (;;) {
    const offset = reader.offset;
    let head = reader.tryRead(16);
    if (!head) {
      if (batch.items.length) yield batch.take();
      if (await reader.atEnd()) return;
      head = await exact(reader, 16, 'a packet record header', offset);
    }
    const rec = view(head);
    const seconds = rec.getUint32(0, little);
    const fraction = rec.getUint32(4, little);
    const capturedLength = rec.getUint32(8, little);
    const originalLength = rec.getUint32(12, little);
    if (capturedLength > MAX_BLOCK_LENGTH) {
      throw new CaptureError('ABSURD_LENGTH', `a packet record claims ${capturedLength} captured bytes, more than any packet (limit ${MAX_BLOCK_LENGTH})`, offset + 8);
    }
    if (fraction >= perSecond) throw new CaptureError('CORRUPT', `a packet time has ${fraction} ${nanos ? 'nano' : 'micro'}seconds, more than a second`, offset + 4);
    let data = reader.tryRead(capturedLength);
    if (!data) {
      if (batch.items.length) yield batch.take();
      data = await exact(reader, capturedLength, 'a packet', offset + 16);
    }
    batch.items.push({ kind: 'packet', linkType, interfaceId: 0, time: seconds * 1000 + fraction / perMs, data, originalLength, offset });
  }
}

// ---------- pcapng ----------

interface Interface {
  linkType: number;
  /** Timestamp units per second. */
  unitsPerSecond: number;
  /** if_tsoffset: seconds added to every timestamp of the interface (its timestamps are relative to it). */
  offsetSeconds: number;
}

async function* readPcapng(reader: ChunkReader, first: Uint8Array, batch: Batcher): AsyncGenerator<CaptureItem[]> {
  let little = true;
  let interfaces: Interface[] = [];
  let pendingType: Uint8Array | null = first;
  for (;;) {
    const offset = reader.offset - (pendingType ? 4 : 0);
    // The block header (type, total length): read whole, so no view outlives a pull.
    let blockHeader = pendingType ? null : reader.tryRead(8);
    if (!blockHeader) {
      if (batch.items.length) yield batch.take();
      if (pendingType) {
        const lengthBytes = await exact(reader, 4, 'a block header', offset);
        blockHeader = new Uint8Array(8);
        blockHeader.set(pendingType, 0);
        blockHeader.set(lengthBytes, 4);
        pendingType = null;
      } else {
        blockHeader = await reader.read(8);
        if (blockHeader.length === 0) return;
        if (blockHeader.length < 4) throw new CaptureError('TRUNCATED', `the file ends in the middle of a block header (${blockHeader.length} of 8 bytes)`, offset);
        if (blockHeader.length < 8) throw new CaptureError('TRUNCATED', `the file ends in the middle of a block header (${blockHeader.length - 4} of 4 bytes)`, offset);
      }
    }
    const hv = view(blockHeader);
    if (hv.getUint32(0, false) === PCAPNG_SHB) {
      // A Section Header Block: its byte-order magic decides how everything up to the next section is read.
      const lengths = { little: hv.getUint32(4, true), big: hv.getUint32(4, false) };
      const bom = await exact(reader, 4, 'a Section Header Block', offset);
      const bomLe = view(bom).getUint32(0, true);
      if (bomLe === BYTE_ORDER_MAGIC) little = true;
      else if (view(bom).getUint32(0, false) === BYTE_ORDER_MAGIC) little = false;
      else throw new CaptureError('CORRUPT', `a Section Header Block has byte-order magic ${hexWord(bom)}, not 1a2b3c4d in either byte order`, offset + 8);
      const total = little ? lengths.little : lengths.big;
      checkBlockLength(total, 28, offset);
      const body = await exact(reader, total - 12, 'a Section Header Block', offset);
      const major = view(body).getUint16(0, little);
      if (major !== 1) throw new CaptureError('UNSUPPORTED', `pcapng section version ${major} (only 1.x exists)`, offset + 12);
      checkTrailer(body, total, little, offset);
      interfaces = [];
      continue;
    }
    const type = hv.getUint32(0, little);
    const total = hv.getUint32(4, little);
    checkBlockLength(total, 12, offset);
    let body = reader.tryRead(total - 8);
    if (!body) {
      if (batch.items.length) yield batch.take();
      body = await exact(reader, total - 8, `a block of type ${type}`, offset);
    }
    checkTrailer(body, total, little, offset);
    const item = block(type, body, little, interfaces, offset);
    if (item) batch.items.push(item);
  }
}

/** One pcapng block other than a Section Header Block: a packet, secrets, or nothing (an interface is noted). */
function block(type: number, body: Uint8Array, little: boolean, interfaces: Interface[], offset: number): CaptureItem | null {
  const dv = view(body);
  switch (type) {
    case 1: {
      // Interface Description Block: link type, snap length, options (if_tsresol decides the time unit).
      if (body.length < 12) throw new CaptureError('CORRUPT', 'an Interface Description Block is too short', offset);
      const linkType = dv.getUint16(0, little);
      let unitsPerSecond = 1e6;
      let offsetSeconds = 0;
      for (const opt of options(body, 8, body.length - 4, little, offset)) {
        if (opt.code === 9 && opt.value.length >= 1) {
          const r = opt.value[0];
          unitsPerSecond = r & 0x80 ? 2 ** (r & 0x7f) : 10 ** (r & 0x7f);
        }
        if (opt.code === 14 && opt.value.length >= 8) offsetSeconds = Number(view(opt.value).getBigInt64(0, little));
      }
      interfaces.push({ linkType, unitsPerSecond, offsetSeconds });
      return null;
    }
    case 6:
    case 2: {
      // Enhanced Packet Block (6), or the obsolete Packet Block (2): the same layout but for a 16-bit interface id
      // followed by a 16-bit drop count.
      const name = type === 6 ? 'an Enhanced Packet Block' : 'a Packet Block';
      if (body.length < 24) throw new CaptureError('CORRUPT', `${name} is too short`, offset);
      const interfaceId = type === 6 ? dv.getUint32(0, little) : dv.getUint16(0, little);
      const iface = interfaces[interfaceId];
      if (!iface) throw new CaptureError('CORRUPT', `a packet names interface ${interfaceId}, but the section describes ${interfaces.length}`, offset + 8);
      const ts = dv.getUint32(4, little) * 2 ** 32 + dv.getUint32(8, little);
      const capturedLength = dv.getUint32(12, little);
      const originalLength = dv.getUint32(16, little);
      if (20 + capturedLength > body.length - 4) {
        throw new CaptureError('ABSURD_LENGTH', `a packet claims ${capturedLength} captured bytes but its block holds ${Math.max(0, body.length - 24)}`, offset + 20);
      }
      const time = (ts / iface.unitsPerSecond + iface.offsetSeconds) * 1000;
      // A 64-bit time stamp can say more than any date: a damaged block, as a pcap time with too many microseconds is.
      if (!(Math.abs(time) <= MAX_DATE_MS)) throw new CaptureError('CORRUPT', `a packet's time stamp lies ${time < 0 ? 'before the first' : 'after the last'} date there is (more than 275,000 years from 1970)`, offset + 12);
      return { kind: 'packet', linkType: iface.linkType, interfaceId, time, data: body.subarray(20, 20 + capturedLength), originalLength, offset };
    }
    case 3: {
      // Simple Packet Block: interface 0, no time.
      const iface = interfaces[0];
      if (!iface || body.length < 8) throw new CaptureError('CORRUPT', 'a Simple Packet Block without an interface, or too short', offset);
      const originalLength = dv.getUint32(0, little);
      const data = body.subarray(4, Math.min(body.length - 4, 4 + originalLength));
      return { kind: 'packet', linkType: iface.linkType, interfaceId: 0, time: 0, data, originalLength, offset };
    }
    case 0x0a: {
      // Decryption Secrets Block: a secrets type and its data; TLS key logs are NSS key log text.
      if (body.length < 12) throw new CaptureError('CORRUPT', 'a Decryption Secrets Block is too short', offset);
      const secretsType = dv.getUint32(0, little);
      const length = dv.getUint32(4, little);
      if (8 + length > body.length - 4) throw new CaptureError('ABSURD_LENGTH', `a Decryption Secrets Block claims ${length} bytes of secrets but holds ${body.length - 12}`, offset + 12);
      return secretsType === TLS_KEY_LOG_SECRETS ? { kind: 'secrets', keyLog: new TextDecoder().decode(body.subarray(8, 8 + length)), offset } : null;
    }
    default:
      // Statistics, name resolution, custom blocks...: nothing a TLS view needs.
      return null;
  }
}

function checkBlockLength(total: number, min: number, offset: number): void {
  if (total < min || total % 4 !== 0 || total > MAX_BLOCK_LENGTH) {
    const why = total > MAX_BLOCK_LENGTH ? `more than any real block (limit ${MAX_BLOCK_LENGTH})` : total < min ? `less than the ${min}-byte minimum` : 'not a multiple of 4';
    throw new CaptureError('ABSURD_LENGTH', `a pcapng block claims a length of ${total} bytes: ${why}`, offset + 4);
  }
}

function checkTrailer(body: Uint8Array, total: number, little: boolean, offset: number): void {
  const trailer = view(body).getUint32(body.length - 4, little);
  if (trailer !== total) throw new CaptureError('CORRUPT', `a pcapng block's closing length ${trailer} differs from its opening length ${total}`, offset + total - 4);
}

function* options(body: Uint8Array, start: number, end: number, little: boolean, offset: number): Generator<{ code: number; value: Uint8Array }> {
  const dv = view(body);
  let p = start;
  while (p + 4 <= end) {
    const code = dv.getUint16(p, little);
    const length = dv.getUint16(p + 2, little);
    if (code === 0) return;
    if (p + 4 + length > end) throw new CaptureError('CORRUPT', `an option of ${length} bytes runs past the end of its block`, offset + 8 + p);
    yield { code, value: body.subarray(p + 4, p + 4 + length) };
    p += 4 + ((length + 3) & ~3);
  }
}

function hexWord(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}
