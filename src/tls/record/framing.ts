// Cuts a byte stream into TLS records, whatever the chunk boundaries of the transport:
// one chunk may hold many records, one record may span many chunks. Checks the 5-byte header
// (known content type, plausible legacy version, length limit) before waiting for the body,
// so a peer that is not speaking TLS fails fast with a clear message instead of a hang.
import { tlsFailure } from '../errors.ts';
import type { Transport } from '../../transport/types.ts';
import type { Side } from '../../trace/types.ts';

import { RECORD_HEADER_LENGTH, aContentType, isKnownContentType } from './content-types.ts';

export interface RawRecord {
  contentType: number;
  /** legacy_record_version as on the wire. */
  version: number;
  /** The whole record: header + fragment. */
  bytes: Uint8Array;
  /** The fragment (a view into `bytes`). */
  fragment: Uint8Array;
}

export class RecordReader {
  /**
   * Received bytes not yet returned as records: chunks as the transport delivered them, the first
   * one possibly cut at the front. A record inside one chunk is returned as a view into it; only a
   * record spanning chunks is copied, once, into its own buffer.
   */
  private chunks: Uint8Array[] = [];
  private size = 0;
  private eof = false;
  /** A transport read started before the records are asked for (startReading); the next fill takes it. */
  private early: Promise<Uint8Array | null> | null = null;
  /** A fill is waiting for the transport: no second read is started beside it. */
  private waiting = false;

  constructor(
    private readonly transport: Transport,
    /** Who sends what this reader reads: the hint for bytes that are text names the right side. */
    private readonly peer: Side = 'server',
  ) {}

  /**
   * Ask the transport for the peer's next bytes now, before a record is asked for: a transport that opens its
   * connection on the first read (FirstFlightTransport) opens it at once. Nothing is consumed or traced; the next
   * read takes what arrives, and a failure is reported by that read. Nothing happens while bytes are buffered.
   */
  startReading(): void {
    if (this.early || this.waiting || this.eof || this.size > 0) return;
    const early = this.transport.read();
    early.catch(() => undefined); // reported by the fill that takes it
    this.early = early;
  }

  /** Bytes received but not yet returned as records. */
  get buffered(): number {
    return this.size;
  }

  /**
   * The next record, or null on a clean end of stream (at a record boundary).
   * `maxFragment` is the length limit for this read (depends on whether the record is protected).
   */
  async next(maxFragment: number): Promise<RawRecord | null> {
    if (!(await this.fill(RECORD_HEADER_LENGTH))) {
      if (this.size === 0) return null;
      throw tlsFailure('TRUNCATED_RECORD', `the connection closed in the middle of a record header (${this.size} of 5 bytes received)`);
    }
    const head = this.peek(RECORD_HEADER_LENGTH);
    const contentType = head[0];
    const version = (head[1] << 8) | head[2];
    const length = (head[3] << 8) | head[4];
    checkHeader(contentType, version, head, this.peer);
    if (length > maxFragment) {
      throw tlsFailure('RECORD_OVERFLOW', `${aContentType(contentType)} record of ${length} bytes exceeds the limit of ${maxFragment} bytes`);
    }
    const total = RECORD_HEADER_LENGTH + length;
    if (!(await this.fill(total))) {
      throw tlsFailure('TRUNCATED_RECORD', `the connection closed in the middle of a record (${this.size - RECORD_HEADER_LENGTH} of ${length} bytes received)`);
    }
    const bytes = this.take(total);
    return { contentType, version, bytes, fragment: bytes.subarray(RECORD_HEADER_LENGTH) };
  }

  /**
   * The next record if it is already complete in the buffer, has outer type `contentType`, a TLS
   * 1.x version and fits `maxFragment`; otherwise null and nothing is consumed (next() then
   * reads it and reports whatever is wrong with it). Never waits for the transport.
   */
  nextBuffered(contentType: number, maxFragment: number): RawRecord | null {
    if (this.size < RECORD_HEADER_LENGTH) return null;
    const head = this.peek(RECORD_HEADER_LENGTH);
    if (head[0] !== contentType) return null;
    const version = (head[1] << 8) | head[2];
    const length = (head[3] << 8) | head[4];
    if (!isTlsRecordVersion(version) || length > maxFragment || this.size < RECORD_HEADER_LENGTH + length) return null;
    const bytes = this.take(RECORD_HEADER_LENGTH + length);
    return { contentType, version, bytes, fragment: bytes.subarray(RECORD_HEADER_LENGTH) };
  }

  /** Read until `n` bytes are buffered; false if the stream ended first. */
  private async fill(n: number): Promise<boolean> {
    while (this.size < n) {
      if (this.eof) return false;
      const pending = this.early ?? this.transport.read();
      this.early = null;
      this.waiting = true;
      let chunk: Uint8Array | null;
      try {
        chunk = await pending;
      } finally {
        this.waiting = false;
      }
      if (chunk === null) {
        this.eof = true;
        return false;
      }
      if (chunk.length === 0) continue;
      // Kept as delivered: transports never write a chunk again once it is handed over.
      this.chunks.push(chunk);
      this.size += chunk.length;
    }
    return true;
  }

  /** The first `n` buffered bytes (n <= size), not consumed: a view, or a small copy across chunks. */
  private peek(n: number): Uint8Array {
    const first = this.chunks[0];
    return first.length >= n ? first.subarray(0, n) : this.copyFront(n, false);
  }

  /** Remove and return the first `n` buffered bytes (n <= size). */
  private take(n: number): Uint8Array {
    const first = this.chunks[0];
    if (first.length < n) return this.copyFront(n, true);
    if (first.length === n) this.chunks.shift();
    else this.chunks[0] = first.subarray(n);
    this.size -= n;
    return first.subarray(0, n);
  }

  /** The first `n` bytes joined into a new buffer from several chunks, consumed or not. */
  private copyFront(n: number, consume: boolean): Uint8Array {
    const out = new Uint8Array(n);
    let filled = 0;
    let i = 0;
    while (filled < n) {
      const chunk = this.chunks[i];
      const k = Math.min(chunk.length, n - filled);
      out.set(chunk.subarray(0, k), filled);
      filled += k;
      if (!consume) i++;
      else if (k === chunk.length) this.chunks.shift();
      else this.chunks[0] = chunk.subarray(k);
    }
    if (consume) this.size -= n;
    return out;
  }
}

function checkHeader(contentType: number, version: number, head: Uint8Array, peer: Side): void {
  if (!isKnownContentType(contentType)) {
    throw tlsFailure('UNEXPECTED_MESSAGE', `the ${peer} sent a record of unknown content type ${contentType}${notTlsHint(head, peer)}`);
  }
  if (!isTlsRecordVersion(version)) {
    const v = '0x' + version.toString(16).padStart(4, '0');
    throw tlsFailure('PROTOCOL_VERSION', `the ${peer} sent a record with version ${v}, not an SSL 3 / TLS record version (0x03XX)${notTlsHint(head, peer)}`);
  }
}

/**
 * The record header's version, as a framing check only. RFC 8446 §5.1 says to ignore legacy_record_version, and RFC
 * 5246 §E.1 has servers accept any {03,XX} on the record of a ClientHello (OpenSSL does): the versions themselves
 * are negotiated in the hellos. A first byte other than 3 is no TLS record at all, which is worth failing on fast.
 */
function isTlsRecordVersion(version: number): boolean {
  return version >> 8 === 0x03;
}

/** When the first bytes look like text, say so: a plaintext protocol instead of TLS, on the side that sent them. */
function notTlsHint(head: Uint8Array, peer: Side): string {
  const sample = head.subarray(0, Math.min(head.length, 5));
  const printable = sample.every((c) => (c >= 0x20 && c < 0x7f) || c === 0x0d || c === 0x0a);
  if (!printable) return '';
  const text = String.fromCharCode(...sample).replace(/\r/g, '\\r').replace(/\n/g, '\\n');
  const why = peer === 'server' ? 'the server may not be speaking TLS on this port (plaintext protocol, or STARTTLS needed)' : 'the client may be speaking a plaintext protocol (HTTP, or a STARTTLS one before its upgrade) to this TLS port';
  return ` — the bytes look like text ("${text}..."): ${why}`;
}
