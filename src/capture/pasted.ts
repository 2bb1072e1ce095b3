// Bytes pasted as hex: one or more TLS records (either direction), or one handshake message without its record.
// Decoded with the same codecs and into the same trace events as a live session; a ClientHello gets fingerprints.
import { TraceRecorder } from '../trace/recorder.ts';
import type { Side, TraceEvent } from '../trace/types.ts';
import { fromHex, toHex } from '../util/bytes.ts';
import { decodeHandshake, decodeHandshake12, type ClientHello, type KeyExchange12 } from './engine.ts';
import { clientHelloFingerprints, type ClientHelloFingerprints as Fingerprints } from '../tls/fingerprint.ts';
import { emptyKeyLog, type KeyLog } from './keylog.ts';
import { looksLikeRecordHeader } from './record-header.ts';
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

export async function decodePasted(bytes: Uint8Array, options: { from?: Side; keyLog?: KeyLog; kx?: KeyExchange12 } = {}): Promise<PastedDecoding> {
  const rec = new TraceRecorder(() => 0);
  const isHandshake = !looksLikeRecordHeader(bytes) && handshakeLength(bytes) === bytes.length - 4;
  const direction = options.from ?? guessDirection(bytes, !isHandshake);
  if (!looksLikeRecordHeader(bytes) && !isHandshake) {
    const head = toHex(bytes.subarray(0, 5));
    throw new Error(`these ${bytes.length} bytes are neither TLS records (a record starts with a content type 20-23 and version 03 0x; these start ${head}) nor one handshake message (type, then a 3-byte length of ${bytes.length - 4})`);
  }
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
