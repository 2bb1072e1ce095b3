// What every CBC record protector shares (TLS 1.2's, and the capture's TLS 1.0/1.1 reader): a record's crypto calls
// written once as a generator, run with awaits (WebCrypto) or in one synchronous loop (node:crypto); opening a
// record, with the MAC's header and the padding check.
import { AES_BLOCK } from '../../crypto/cbc.ts';
import { equalBytes } from '../../util/bytes.ts';
import { tlsFailure } from '../errors.ts';
import { MAX_PLAINTEXT } from './content-types.ts';
import type { RawRecord } from './framing.ts';
import type { OpenedRecord } from './protector.ts';
import { writeSeq } from './sequence.ts';

/** A cipher or MAC call's result: a value under a synchronous provider, a promise under WebCrypto. */
export type Step = Uint8Array | Promise<Uint8Array>;
/** A record's protection as its crypto calls in order: each yielded call's result is sent back in. */
export type Steps<T> = Generator<Step, T, Uint8Array>;

/** Run the steps, awaiting each call (the first runs before this returns, as an async function's would). */
export async function runAwaiting<T>(steps: Steps<T>): Promise<T> {
  let next = steps.next();
  while (!next.done) next = steps.next(await next.value);
  return next.value;
}

/** Run the steps in one go: every call must have given its result at once. */
export function runAtOnce<T>(steps: Steps<T>): T {
  let next = steps.next();
  while (!next.done) {
    if (!(next.value instanceof Uint8Array)) throw new Error('a synchronous CBC record step returned a promise');
    next = steps.next(next.value);
  }
  return next.value;
}

/** The MAC's header: seq_num(8) || type || version || length (RFC 5246 §6.2.3.1; RFC 2246 has the same). */
export function macHeader(seq: bigint, type: number, version: number, length: number): Uint8Array {
  const out = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, type, version >> 8, version & 0xff, length >> 8, length & 0xff);
  writeSeq(out, 0, seq);
  return out;
}

/** Every padding byte equals padLength; checks the largest possible padding area whatever padLength says. */
export function paddingOk(padded: Uint8Array, padLength: number): boolean {
  let diff = 0;
  const span = Math.min(256, padded.length);
  for (let i = 1; i <= span; i++) {
    const inPad = i <= padLength + 1 ? 0xff : 0;
    diff |= (padded[padded.length - i] ^ padLength) & inPad;
  }
  return diff === 0;
}

/** How one direction's CBC records are laid out: what opening one needs besides the keys. */
export interface CbcRecordForm {
  macLength: number;
  encryptThenMac: boolean;
  /** The version in the MAC's header: 0x0303, or the capture's 0x0301 / 0x0302. */
  version: number;
  /** For messages: the suite's name, with "(encrypt-then-MAC)" when it is. */
  cipherSuite: string;
  /** The cipher's block (and IV) length: AES's 16 when absent; 8 for the 3DES records a capture may hold. */
  blockLength?: number;
}

/** The cipher and MAC calls opening a record makes. */
export interface CbcOpenCalls {
  decrypt(iv: Uint8Array, data: Uint8Array): Step;
  sign(...parts: Uint8Array[]): Step;
}

/**
 * Open one CBC record at `seq`, in either order (RFC 5246 §6.2.3.2; RFC 7366):
 *   MAC-then-encrypt: E(content || HMAC(seq || header || content) || padding), the padding and the MAC failing the
 *     same way and the MAC computed either way (against padding oracles such as Lucky 13; "constant-time-ish":
 *     JavaScript gives no real guarantee);
 *   encrypt-then-MAC: [IV] || E(content || padding) || HMAC(seq || header' || [IV] || ciphertext), the MAC checked
 *     before anything is decrypted.
 * `implicitIv`: null when the IV is the fragment's first block (TLS 1.1, 1.2); TLS 1.0's IV is not on the wire.
 */
export function* openCbcSteps(record: RawRecord, seq: bigint, calls: CbcOpenCalls, form: CbcRecordForm, implicitIv: Uint8Array | null = null): Steps<OpenedRecord> {
  const fragment = record.fragment;
  const { macLength } = form;
  const bad = () => tlsFailure('BAD_RECORD_MAC', `record ${seq} (${form.cipherSuite}) failed its MAC or padding check: wrong keys, or the record was altered`);
  const block = form.blockLength ?? AES_BLOCK;
  const ivLength = implicitIv ? 0 : block;
  const ivOf = (front: Uint8Array) => implicitIv ?? front.subarray(0, block);
  if (form.encryptThenMac) {
    const encLength = fragment.length - macLength;
    if (encLength < ivLength + block || (encLength - ivLength) % block !== 0) throw bad();
    const covered = fragment.subarray(0, encLength);
    const iv = ivOf(covered);
    const ciphertext = covered.subarray(ivLength);
    const tag = fragment.subarray(encLength);
    const macInput = macHeader(seq, record.contentType, form.version, encLength);
    if (!equalBytes(yield calls.sign(macInput, covered), tag)) throw bad();
    const padded = yield calls.decrypt(iv, ciphertext);
    const padLength = padded[padded.length - 1];
    if (padLength + 1 > padded.length || !paddingOk(padded, padLength)) throw bad();
    const content = padded.subarray(0, padded.length - padLength - 1); // padded is fresh from the cipher: ours alone
    checkSize(content);
    return {
      contentType: record.contentType,
      fragment: content,
      seq,
      // Views into the received record (the reader never writes its buffer again): no copies needed.
      details: { cipherSuite: form.cipherSuite, nonce: iv, iv, aad: macInput, ciphertext, tag, plaintext: content, innerContentType: record.contentType, paddingLength: padLength + 1 },
    };
  }
  const encLength = fragment.length - ivLength;
  // The smallest MAC-then-encrypt record: the MAC plus one padding byte, rounded up to whole blocks.
  if (encLength < Math.ceil((macLength + 1) / block) * block || encLength % block !== 0) throw bad();
  const iv = ivOf(fragment);
  const ciphertext = fragment.subarray(ivLength);
  const padded = yield calls.decrypt(iv, ciphertext);
  let padLength = padded[padded.length - 1];
  let good = padLength + 1 + macLength <= padded.length && paddingOk(padded, padLength);
  // Bad padding: still compute a MAC (as if there were no padding), so both failures cost about the same.
  if (!good) padLength = 0;
  const contentLength = Math.max(0, padded.length - padLength - 1 - macLength);
  // Views: padded is fresh from the cipher, ours alone.
  const content = padded.subarray(0, contentLength);
  const tag = padded.subarray(contentLength, contentLength + macLength);
  const macInput = macHeader(seq, record.contentType, form.version, content.length);
  good = equalBytes(yield calls.sign(macInput, content), tag) && good;
  if (!good) throw bad();
  checkSize(content);
  return {
    contentType: record.contentType,
    fragment: content,
    seq,
    details: { cipherSuite: form.cipherSuite, nonce: iv, iv, aad: macInput, ciphertext, tag: new Uint8Array(0), plaintext: content, innerContentType: record.contentType, paddingLength: padLength + 1 },
  };
}

function checkSize(content: Uint8Array): void {
  if (content.length > MAX_PLAINTEXT) throw tlsFailure('RECORD_OVERFLOW', `decrypted record of ${content.length} bytes exceeds 2^14`);
}
