// A byte writer that records each field it writes, with the same names and explanation keys the Reader uses.
// Length prefixes are reserved first and fill themselves in when their contents are done.
import { toHex } from '../../util/bytes.ts';
import { FieldTreeBuilder } from './field-tree.ts';
import type { Show } from './reader.ts';

export class Writer extends FieldTreeBuilder {
  private buf = new Uint8Array(256);
  private len = 0;

  /** @param tracing false: no field recorded (the same bytes), for a message whose tree is made later if read */
  constructor(tracing = true) {
    super([], tracing);
  }

  get offset(): number {
    return this.len;
  }

  private grow(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  /**
   * n is 1 to 4, so 32-bit operations are exact: `v >>> 0 === v` holds for integers from 0 to 2^32 - 1 only (not for
   * NaN, fractions or negatives). A handshake runs this a few hundred times, mostly before the JIT optimises it,
   * where each Number.isInteger, Math.floor and ** is a call of its own.
   */
  private putUint(n: number, v: number): void {
    if (v >>> 0 !== v || (n < 4 && v >>> (8 * n) !== 0)) throw new RangeError(`value ${v} does not fit in ${n} byte(s)`);
    this.grow(n);
    const buf = this.buf;
    const start = this.len;
    for (let i = n - 1; i >= 0; i--, v >>>= 8) buf[start + i] = v & 0xff;
    this.len = start + n;
  }

  private uint(n: number, name: string, v: number, explain?: string, show?: Show<number>): void {
    const start = this.len;
    this.putUint(n, v);
    if (this.tracing) this.record(name, start, this.len, show ? show(v) : String(v), explain);
  }

  u8(name: string, v: number, explain?: string, show?: Show<number>): void {
    this.uint(1, name, v, explain, show);
  }
  u16(name: string, v: number, explain?: string, show?: Show<number>): void {
    this.uint(2, name, v, explain, show);
  }
  u24(name: string, v: number, explain?: string, show?: Show<number>): void {
    this.uint(3, name, v, explain, show);
  }
  u32(name: string, v: number, explain?: string, show?: Show<number>): void {
    this.uint(4, name, v, explain, show);
  }

  bytesField(name: string, v: Uint8Array, explain?: string, show?: Show<Uint8Array>): void {
    const start = this.len;
    this.grow(v.length);
    this.buf.set(v, this.len);
    this.len += v.length;
    // Values are written out only for a tree that is recorded (the Reader does the same).
    if (this.tracing) this.record(name, start, this.len, show ? show(v) : toHex(v), explain);
  }

  // Without a tree (how messages are sent), opaque and vector write straight through: no group, no closure, no
  // string made for an error that does not happen. The bytes and checks are the same either way.

  opaque(name: string, lenBytes: 1 | 2 | 3, v: Uint8Array, explain?: string, show?: Show<Uint8Array>): void {
    if (!this.tracing) {
      this.putUint(lenBytes, v.length);
      return this.bytesField(name, v);
    }
    this.group(name, explain, () => {
      this.uint(lenBytes, 'length', v.length, 'codec.length');
      this.bytesField('value', v, explain, show);
    });
  }

  /** A length-prefixed vector whose length is filled in after `body` wrote the contents. */
  vector(name: string, lenBytes: 1 | 2 | 3, explain: string | undefined, body: () => void): void {
    if (!this.tracing) return this.fillLength(lenBytes, body, name);
    this.group(name, explain, () => this.fillLength(lenBytes, body, name));
  }

  /** A length field (named "length") followed by `body`'s fields at the same level; `what` names them in the too-long error. */
  lengthPrefixed(lenBytes: 1 | 2 | 3, body: () => void, what = 'contents'): void {
    this.fillLength(lenBytes, body, undefined, what);
  }

  /** lengthPrefixed; the too-long error names a vector as "`vectorName` is", anything else as `what`. */
  private fillLength(lenBytes: 1 | 2 | 3, body: () => void, vectorName: string | undefined, what = 'contents'): void {
    const lengthAt = this.len;
    this.uint(lenBytes, 'length', 0, 'codec.length');
    const lengthNode = this.tracing ? this.target[this.target.length - 1] : undefined;
    body();
    const size = this.len - lengthAt - lenBytes;
    if (size >>> (8 * lenBytes) !== 0) throw new RangeError(`${vectorName === undefined ? what : `${vectorName} is`} too long for a ${lenBytes}-byte length`);
    for (let i = lenBytes - 1, v = size; i >= 0; i--, v >>>= 8) this.buf[lengthAt + i] = v & 0xff;
    if (lengthNode) lengthNode.value = String(size);
  }

  /** Overwrite bytes already written (PSK binders are computed after the rest of the ClientHello). */
  patch(at: number, bytes: Uint8Array): void {
    if (at + bytes.length > this.len) throw new RangeError('patch beyond written bytes');
    this.buf.set(bytes, at);
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}
