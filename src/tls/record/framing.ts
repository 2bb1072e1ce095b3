// Cuts a byte stream into TLS records, whatever the chunk boundaries of the transport:
// one chunk may hold many records, one record may span many chunks. Checks the 5-byte header
// (known content type, plausible legacy version, length limit) before waiting for the body,
// so a peer that is not speaking TLS fails fast with a clear message instead of a hang.
import type { Transport } from '../../transport/types.ts';
import { alertError } from './alerts.ts';
import { RECORD_HEADER_LENGTH, contentTypeName, isKnownContentType } from './content-types.ts';

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
  private buffer = new Uint8Array(0);
  private eof = false;

  constructor(private readonly transport: Transport) {}

  /** Bytes received but not yet returned as records. */
  get buffered(): number {
    return this.buffer.length;
  }

  /**
   * The next record, or null on a clean end of stream (at a record boundary).
   * `maxFragment` is the length limit for this read (depends on whether the record is protected).
   */
  async next(maxFragment: number): Promise<RawRecord | null> {
    if (!(await this.fill(RECORD_HEADER_LENGTH))) {
      if (this.buffer.length === 0) return null;
      throw alertError('decode_error', `the connection closed in the middle of a record header (${this.buffer.length} of 5 bytes received)`, { code: 'TRUNCATED_RECORD' });
    }
    const b = this.buffer;
    const contentType = b[0];
    const version = (b[1] << 8) | b[2];
    const length = (b[3] << 8) | b[4];
    checkHeader(contentType, version, b);
    if (length > maxFragment) {
      throw alertError('record_overflow', `a ${contentTypeName(contentType)} record of ${length} bytes exceeds the limit of ${maxFragment} bytes`, { code: 'RECORD_OVERFLOW' });
    }
    const total = RECORD_HEADER_LENGTH + length;
    if (!(await this.fill(total))) {
      throw alertError('decode_error', `the connection closed in the middle of a record (${this.buffer.length - RECORD_HEADER_LENGTH} of ${length} bytes received)`, { code: 'TRUNCATED_RECORD' });
    }
    // A view, not a copy: the buffer (a chunk as delivered, or one fill() built) is never written, only replaced.
    const bytes = this.buffer.subarray(0, total);
    this.buffer = this.buffer.subarray(total);
    return { contentType, version, bytes, fragment: bytes.subarray(RECORD_HEADER_LENGTH) };
  }

  /**
   * The next record if it is already complete in the buffer, has outer type `contentType`, a TLS
   * 1.x version and fits `maxFragment`; otherwise null and nothing is consumed (next() then
   * reads it and reports whatever is wrong with it). Never waits for the transport.
   */
  nextBuffered(contentType: number, maxFragment: number): RawRecord | null {
    const b = this.buffer;
    if (b.length < RECORD_HEADER_LENGTH || b[0] !== contentType) return null;
    const version = (b[1] << 8) | b[2];
    const length = (b[3] << 8) | b[4];
    if (version < 0x0301 || version > 0x0303 || length > maxFragment || b.length < RECORD_HEADER_LENGTH + length) return null;
    const bytes = b.subarray(0, RECORD_HEADER_LENGTH + length);
    this.buffer = b.subarray(RECORD_HEADER_LENGTH + length);
    return { contentType, version, bytes, fragment: bytes.subarray(RECORD_HEADER_LENGTH) };
  }

  /** Read until `n` bytes are buffered; false if the stream ended first. */
  private async fill(n: number): Promise<boolean> {
    while (this.buffer.length < n) {
      if (this.eof) return false;
      const chunk = await this.transport.read();
      if (chunk === null) {
        this.eof = true;
        return false;
      }
      if (chunk.length === 0) continue;
      // Nothing left over: the chunk itself becomes the buffer (transports never write a chunk again once
      // delivered). Copying every chunk cost more than a sixth of a bulk transfer's time.
      if (this.buffer.length === 0) {
        this.buffer = chunk;
        continue;
      }
      const merged = new Uint8Array(this.buffer.length + chunk.length);
      merged.set(this.buffer, 0);
      merged.set(chunk, this.buffer.length);
      this.buffer = merged;
    }
    return true;
  }
}

function checkHeader(contentType: number, version: number, head: Uint8Array): void {
  if (!isKnownContentType(contentType)) {
    throw alertError('unexpected_message', `the peer sent a record of unknown content type ${contentType}${notTlsHint(head)}`, { code: 'UNEXPECTED_MESSAGE' });
  }
  // RFC 8446 §5.1: legacy_record_version is 0x0303, or 0x0301 on an initial ClientHello; TLS 1.0-1.2
  // peers (for the TLS 1.2 engine) use 0x0301-0x0303. Anything else is not a TLS 1.x record.
  if (version < 0x0301 || version > 0x0303) {
    const v = '0x' + version.toString(16).padStart(4, '0');
    throw alertError('protocol_version', `the peer sent a record with version ${v}, not a TLS 1.x record version${notTlsHint(head)}`, { code: 'PROTOCOL_VERSION' });
  }
}

/** When the first bytes look like text, say so: a plaintext protocol answered instead of TLS. */
function notTlsHint(head: Uint8Array): string {
  const sample = head.subarray(0, Math.min(head.length, 5));
  const printable = sample.every((c) => (c >= 0x20 && c < 0x7f) || c === 0x0d || c === 0x0a);
  if (!printable) return '';
  const text = String.fromCharCode(...sample).replace(/\r/g, '\\r').replace(/\n/g, '\\n');
  return ` — the bytes look like text ("${text}..."): the server may not be speaking TLS on this port (plaintext protocol, or STARTTLS needed)`;
}
