// Bytes pasted as hex: one or more TLS records (either direction), or one handshake message without its record.
// Decoded with the same codecs and into the same trace events as a live session; a ClientHello gets fingerprints.
import { TraceRecorder } from '../trace/recorder.ts';
import type { Side, TraceEvent } from '../trace/types.ts';
import { fromHex, toHex } from '../util/bytes.ts';
import { decodeHandshake, decodeHandshake12, handshakeName12, type ClientHello, type KeyExchange12 } from './engine.ts';
import { clientHelloFingerprints, type ClientHelloFingerprints as Fingerprints } from '../tls/fingerprint.ts';
import { emptyKeyLog, type KeyLog } from './keylog.ts';
import { LARGEST_RECORD, looksLikeRecordHeader } from './record-header.ts';
import { TlsStreamDecoder } from './tls-decoder.ts';
import { readHexInput } from './hex-input.ts';

export interface PastedDecoding {
  what: 'records' | 'handshake message';
  direction: Side;
  events: TraceEvent[];
  fingerprints: Fingerprints[];
}

const CLIENT_TYPES = new Set([1, 16, 15, 5]);

/** Who sent it, from the first handshake message type, unless told. */
function guessDirection(bytes: Uint8Array, isRecord: boolean): Side {
  const type = isRecord ? (bytes[0] === 22 ? bytes[5] : undefined) : bytes[0];
  return type !== undefined && CLIENT_TYPES.has(type) ? 'client' : 'server';
}

function handshakeLength(b: Uint8Array): number {
  return b.length >= 4 ? (b[1] << 16) | (b[2] << 8) | b[3] : -1;
}

/** The record content types a record header may start with (looksLikeRecordHeader: 0x14 to 0x18). */
const RECORD_TYPES: Record<number, string> = { 0x14: 'change_cipher_spec', 0x15: 'alert', 0x16: 'handshake', 0x17: 'application_data', 0x18: 'heartbeat' };
const RECORD_HEADER = 'a TLS record header is 5 bytes: content type, version, 2-byte length';
const MESSAGE_HEADER = 'a handshake message header is 4 bytes: type, 3-byte length';

const byteHex = (b: number) => `0x${b.toString(16).padStart(2, '0')}`;
const spaced = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');
/** A handshake message type's name, when there is one. */
function messageName(type: number): string | null {
  const name = handshakeName12(type);
  return name.startsWith('unknown') ? null : name;
}

/**
 * Why bytes are neither TLS records nor one handshake message, saying what is there and what is missing; byte
 * values in hex (0x16, 03 01), counts in words.
 */
function notTlsMessage(b: Uint8Array): string {
  const n = b.length;
  const these = `${n === 1 ? '1 byte' : `${n} bytes`} (${spaced(b.subarray(0, 8))}${n > 8 ? ' …' : ''})`;
  const recordType = RECORD_TYPES[b[0]];
  // A content type, then (when there) the 03 every TLS version starts with: the start of a record header.
  const recordStart = recordType !== undefined && (n < 2 || b[1] === 3);
  if (n < 4) {
    const type = messageName(b[0]);
    const they = n === 1 ? 'it begins' : 'they begin';
    const like = recordStart
      ? `; ${they} like a record header (content type ${byteHex(b[0])}, ${recordType}${n >= 2 ? `, version ${spaced(b.subarray(1, 3))}${n === 2 ? ' …' : ''}` : ''}): paste the whole record`
      : type
        ? `; ${n === 1 ? 'it' : 'they'} may begin a handshake message (type ${byteHex(b[0])}, ${type}): paste the whole message`
        : '';
    return `${these}: too short for a TLS record header (5 bytes: content type, version, 2-byte length) or a handshake message header (4 bytes: type, 3-byte length)${like}`;
  }
  if (recordStart && n === 4) {
    return `${these}: a TLS record header cut short: content type ${byteHex(b[0])} (${recordType}), version ${spaced(b.subarray(1, 3))}, then only the first byte of its 2-byte length; ${RECORD_HEADER}, and the record's content follows it`;
  }
  if (recordStart) {
    const length = (b[3] << 8) | b[4];
    const why =
      b[2] > 4
        ? `version ${spaced(b.subarray(1, 3))} is no TLS version (03 00 to 03 04)`
        : `its length 0x${length.toString(16).padStart(4, '0')} (${length} bytes) is more than any TLS record holds (at most ${LARGEST_RECORD - 5} bytes after its header)`;
    return `${these}: they begin like a TLS record header (content type ${byteHex(b[0])}, ${recordType}), but ${why}; nor are they one handshake message (${messageLength(b)})`;
  }
  const type = messageName(b[0]);
  const length = handshakeLength(b);
  if (type && length > n - 4) {
    return `${these}: a ${type} handshake message (type ${byteHex(b[0])}) cut short: its 3-byte length says ${length} bytes follow the 4-byte header, but ${n - 4 === 0 ? 'none do' : n - 4 === 1 ? 'only 1 does' : `only ${n - 4} do`}`;
  }
  return `${these} are neither TLS records (a record starts with a content type 0x14 to 0x18 and a version 03 00 to 03 04; these start ${spaced(b.subarray(0, 5))}) nor one handshake message (${messageLength(b)})`;
}

/** What the 3-byte length of a handshake message header says of these bytes, and what follows it. */
function messageLength(b: Uint8Array): string {
  const length = handshakeLength(b);
  const follow = b.length - 4;
  return `${MESSAGE_HEADER}; here type ${byteHex(b[0])} and a length of 0x${length.toString(16).padStart(6, '0')} (${length} bytes), but ${follow === 0 ? 'no bytes follow' : follow === 1 ? '1 byte follows' : `${follow} bytes follow`}`;
}

export async function decodePasted(bytes: Uint8Array, options: { from?: Side; keyLog?: KeyLog; kx?: KeyExchange12 } = {}): Promise<PastedDecoding> {
  const rec = new TraceRecorder(() => 0);
  // Fewer than 4 bytes hold no handshake message header (whose length would then seem to be -1).
  const isHandshake = bytes.length >= 4 && !looksLikeRecordHeader(bytes) && handshakeLength(bytes) === bytes.length - 4;
  const direction = options.from ?? guessDirection(bytes, !isHandshake);
  if (!looksLikeRecordHeader(bytes) && !isHandshake) throw new Error(notTlsMessage(bytes));
  if (isHandshake) {
    let decoded;
    try {
      decoded = decodeHandshake(bytes);
    } catch (first) {
      try {
        decoded = decodeHandshake12(bytes, options.kx ?? 'ECDHE');
      } catch {
        throw new Error(`the handshake message does not decode: ${(first as Error).message}`);
      }
    }
    rec.emit({ kind: 'handshake', direction, epoch: 'plaintext', msgType: decoded.msgType, name: decoded.name, bytes: toHex(bytes), fields: decoded.fields, records: [] });
  } else {
    const decoder = new TlsStreamDecoder({ keyLog: options.keyLog ?? emptyKeyLog(), emit: rec.emit, alone: true });
    await decoder.feed({ direction, time: 0, bytes });
    await decoder.finish();
  }
  const fingerprints: Fingerprints[] = [];
  for (const e of rec.events) {
    if (e.kind !== 'handshake' || e.msgType !== 1) continue;
    const m = decodeHandshake(fromHex(e.bytes)).message as ClientHello;
    fingerprints.push(clientHelloFingerprints(m));
  }
  return { what: isHandshake ? 'handshake message' : 'records', direction, events: rec.events, fingerprints };
}

/** Why pasted text did not decode in full: not hex from `line`/`column` on, or bytes that are not TLS. */
export interface PastedProblem {
  code: 'NOT_HEX' | 'NOT_TLS';
  message: string;
  line?: number;
  column?: number;
}

/** Pasted text decoded: what the bytes read hold (`decoding`), and the problem that stopped the reading, if one did. */
export interface PastedText {
  /** How many bytes were read from the text (all of them, or those before the problem). */
  bytes: number;
  decoding?: PastedDecoding;
  error?: PastedProblem;
}

/**
 * Hex as a person pastes it, decoded: the one function behind the page's paste box and `tls-lens decode`. Text that
 * stops being hex partway still has the bytes before the problem decoded (a record cut short says so), with the
 * problem's line and column. Never throws for bad input.
 */
export async function decodePastedText(text: string, options: { from?: Side; keyLog?: KeyLog; kx?: KeyExchange12 } = {}): Promise<PastedText> {
  const read = readHexInput(text);
  const n = read.bytes.length;
  const hex: PastedProblem | undefined = read.problem && {
    code: 'NOT_HEX',
    message: n ? `${read.problem.message} (the ${n} byte${n === 1 ? '' : 's'} before it are decoded)` : read.problem.message,
    line: read.problem.line,
    column: read.problem.column,
  };
  if (n === 0) return { bytes: 0, error: hex ?? { code: 'NOT_HEX', message: 'no hex bytes found' } };
  try {
    return { bytes: n, decoding: await decodePasted(read.bytes, options), ...(hex ? { error: hex } : {}) };
  } catch (e) {
    // Bytes cut short by bad hex are rarely TLS on their own: the hex is the problem to name then.
    return { bytes: n, error: hex ? { ...hex, message: read.problem!.message } : { code: 'NOT_TLS', message: (e as Error).message } };
  }
}

/** The JSON `tls-lens decode --json` prints for it: the decoding, with `error` when reading stopped early. */
export function pastedJson(r: PastedText): object {
  return { ...(r.decoding ?? {}), ...(r.error ? { error: r.error } : {}) };
}
