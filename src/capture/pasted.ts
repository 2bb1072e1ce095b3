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
