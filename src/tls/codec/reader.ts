// A byte reader that records each field as it reads it: name, byte span, decoded value, explanation key.
// The field tree comes out of the same reads that produce the values, so it cannot drift from the bytes.
import type { FieldNode } from '../../trace/types.ts';
import { toHex } from '../../util/bytes.ts';
import { decodeError } from '../errors.ts';
import { FieldTreeBuilder } from './field-tree.ts';

export type Show<T> = (value: T) => string;

export class Reader extends FieldTreeBuilder {
  private pos: number;
  private readonly end: number;

  /**
   * @param bytes the whole object the spans refer to (e.g. a handshake message with its header)
   * @param fields where top-level fields are appended
   * @param start / end the part of `bytes` this reader may read
   */
  constructor(
    readonly bytes: Uint8Array,
    fields: FieldNode[] = [],
    start = 0,
    end = bytes.length,
    /** What is being decoded, for error messages. */
    public what = 'message',
    /** False: decode without recording fields (FieldTreeBuilder). */
    tracing = true,
  ) {
    super(fields, tracing);
    this.pos = start;
    this.end = end;
  }

  get offset(): number {
    return this.pos;
  }
  get remaining(): number {
    return this.end - this.pos;
  }

  /** `suffix` is appended to `name` in the error only, so that no string is made when the bytes are there. */
  private need(n: number, name: string, suffix = ''): void {
    if (n > this.end - this.pos) {
      throw decodeError(`${this.what}: ${name}${suffix} needs ${n} byte(s) but only ${this.end - this.pos} remain`, this.pos);
    }
  }

  private uint(n: number, name: string, explain?: string, show?: Show<number>): number {
    this.need(n, name);
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 256 + this.bytes[this.pos + i];
    const start = this.pos;
    this.pos += n;
    if (this.tracing) this.record(name, start, this.pos, show ? show(v) : String(v), explain);
    return v;
  }

  u8(name: string, explain?: string, show?: Show<number>): number {
    return this.uint(1, name, explain, show);
  }
  u16(name: string, explain?: string, show?: Show<number>): number {
    return this.uint(2, name, explain, show);
  }
  u24(name: string, explain?: string, show?: Show<number>): number {
    return this.uint(3, name, explain, show);
  }
  u32(name: string, explain?: string, show?: Show<number>): number {
    return this.uint(4, name, explain, show);
  }

  /** Fixed-length opaque bytes. */
  bytesField(name: string, n: number, explain?: string, show?: Show<Uint8Array>): Uint8Array {
    this.need(n, name);
    const start = this.pos;
    const v = this.bytes.slice(start, start + n);
    this.pos += n;
    if (this.tracing) this.record(name, start, this.pos, show ? show(v) : toHex(v), explain);
    return v;
  }

  // Without a tree (how received messages are first decoded), opaque and vector read straight through: no group
  // and no closure per field. The reads and checks are the same either way.

  /** opaque name<lenBytes>: the length prefix is a child field, the contents another. */
  opaque(name: string, lenBytes: 1 | 2 | 3, explain?: string, show?: Show<Uint8Array>, bounds?: { min?: number; max?: number }): Uint8Array {
    if (!this.tracing) return this.opaqueValue(name, lenBytes, explain, show, bounds);
    let out: Uint8Array = new Uint8Array(0);
    this.group(name, explain, () => {
      out = this.opaqueValue(name, lenBytes, explain, show, bounds);
    });
    return out;
  }

  private opaqueValue(name: string, lenBytes: 1 | 2 | 3, explain?: string, show?: Show<Uint8Array>, bounds?: { min?: number; max?: number }): Uint8Array {
    const len = this.uint(lenBytes, 'length', 'codec.length');
    if (bounds?.min !== undefined && len < bounds.min) throw decodeError(`${this.what}: ${name} is shorter than ${bounds.min} bytes`, this.pos);
    if (bounds?.max !== undefined && len > bounds.max) throw decodeError(`${this.what}: ${name} is longer than ${bounds.max} bytes`, this.pos);
    this.need(len, name);
    return this.bytesField('value', len, explain, show);
  }

  /**
   * A length-prefixed vector: `body` reads its contents with a sub-reader limited to the declared length,
   * which must be consumed exactly.
   */
  vector<T>(name: string, lenBytes: 1 | 2 | 3, explain: string | undefined, body: (r: Reader) => T): T {
    if (!this.tracing) return this.vectorContents(name, lenBytes, body);
    let result!: T;
    this.group(name, explain, () => {
      result = this.vectorContents(name, lenBytes, body);
    });
    return result;
  }

  private vectorContents<T>(name: string, lenBytes: 1 | 2 | 3, body: (r: Reader) => T): T {
    const len = this.uint(lenBytes, 'length', 'codec.length');
    this.need(len, name, ' contents');
    return this.sub(this.pos + len, body, name);
  }

  /** Read `end - offset` bytes with `body`, requiring that it consumes all of them. */
  sub<T>(end: number, body: (r: Reader) => T, name: string): T {
    const child = new Reader(this.bytes, this.target, this.pos, end, this.what, this.tracing);
    const result = body(child);
    if (child.remaining !== 0) throw decodeError(`${this.what}: ${child.remaining} unexpected byte(s) at the end of ${name}`, child.offset);
    this.pos = end;
    return result;
  }

  /** Read until this reader's end: `item` is called while bytes remain. */
  untilEnd(item: (r: Reader, i: number) => void): void {
    for (let i = 0; this.remaining > 0; i++) {
      const before = this.pos;
      item(this, i);
      if (this.pos === before) throw decodeError(`${this.what}: decoder made no progress`, this.pos);
    }
  }

  expectEnd(name: string): void {
    if (this.remaining !== 0) throw decodeError(`${this.what}: ${this.remaining} unexpected byte(s) after ${name}`, this.pos);
  }
}
