// Importing a capture in one pass: each TCP stream is decoded while the file is read (several streams at once,
// each in its own order), so nothing holds the capture's data: the file is read a block at a time, each stream
// keeps what its decoder keeps (partial records, the first 256 KiB of application data each way), and reading
// waits when decoding falls behind.
//
// Where the crypto provider opens records synchronously (node:crypto), a stream's data is decoded as it is read,
// straight from the reader's buffer, with no await unless the decoder needs one (handshake checks, key
// derivations): the decoder copies only what it keeps. Otherwise (WebCrypto) each piece is copied and decoded on
// the stream's promise chain, records decrypting ahead.
import { createAead, type CertificateVerifier } from './engine.ts';
import type { ByteChunks } from './chunk-reader.ts';
import { addKeyLog, emptyKeyLog, type KeyLog } from './keylog.ts';
import { StreamDecoder, type DecodedStream } from './session.ts';
import { DecryptAhead } from './tls-decoder.ts';
import { readTcpStreams, type CaptureScan, type TcpStream } from './streams.ts';
import { captureTruncation, type CaptureTruncation } from './truncation.ts';

/** Records decrypting at once over all streams (measured in Node 20: WebCrypto calls beyond a few dozen in flight only queue). */
const IMPORT_DECRYPT_AHEAD = 32;
/** Stream data waiting to be decoded, over all streams, before reading the file waits. */
const MAX_QUEUED_BYTES = 8 * 1024 * 1024;
/**
 * Application data shown in full per direction of each stream (default): less than a live session's 256 KiB,
 * because a capture's streams are decoded all at once.
 */
export const IMPORT_APP_DATA_WINDOW = 64 * 1024;
/** Bytes of each direction decoded for a stream that is only listed. */
export const LISTING_PREFIX = 64 * 1024;

export interface ImportOptions {
  /** Secrets to decrypt with; the capture's Decryption Secrets Blocks are added to it as they are read. */
  keyLog?: KeyLog;
  verifier?: CertificateVerifier;
  /** Streams decoded whole (default all); the others only their first LISTING_PREFIX bytes each way (a listing). */
  decode?: (index: number) => boolean;
  /** Application data shown in full per direction of each stream (default IMPORT_APP_DATA_WINDOW). */
  appDataWindow?: number;
  /** Each stream once decoded, in the order streams end; with it, the result does not keep the decodings. */
  onStream?: (stream: TcpStream, decoded: DecodedStream) => void;
}

export interface ImportedStream {
  stream: TcpStream;
  /** Absent when `onStream` took it. */
  decoded?: DecodedStream;
}

export interface CaptureImport {
  /** By stream index. */
  streams: ImportedStream[];
  /** Key log text found in the capture's Decryption Secrets Blocks. */
  keyLog: string;
  packets: number;
  /** Packets the capture's snapshot length cut short, and what that means, in words (said once for the capture). */
  truncated?: CaptureTruncation;
  error?: CaptureScan['error'];
}

export async function importCapture(source: ByteChunks, options: ImportOptions = {}): Promise<CaptureImport> {
  const keyLog = options.keyLog ?? emptyKeyLog();
  const decodeWhole = options.decode ?? (() => true);
  const transient = await opensSynchronously();
  const ahead = new DecryptAhead(IMPORT_DECRYPT_AHEAD);
  const streams: ImportedStream[] = [];
  const running: Promise<unknown>[] = [];
  let delivered: Promise<unknown> = Promise.resolve();
  let dsbText = '';
  let queued = 0;
  let failure: unknown;
  /** Reading waits on this while too much is queued. */
  let wake: (() => void) | null = null;
  const decoded = (length: number) => {
    queued -= length;
    if (wake && queued <= MAX_QUEUED_BYTES) {
      wake();
      wake = null;
    }
  };

  const result = await readTcpStreams(source, {
    secrets(text) {
      dsbText += text.endsWith('\n') || text === '' ? text : text + '\n';
      addKeyLog(keyLog, text, 'Decryption Secrets Block');
    },
    open(stream) {
      const whole = decodeWhole(stream.index);
      const decoder = new StreamDecoder(stream, { keyLog, verifier: options.verifier, appDataWindow: options.appDataWindow ?? IMPORT_APP_DATA_WINDOW, ahead, transient, ...(whole ? {} : { prefixBytes: LISTING_PREFIX }) });
      const imported: ImportedStream = { stream };
      streams.push(imported);
      // One chain per stream: its chunks are decoded in order; other streams' chains run meanwhile.
      let tail: Promise<void> | null = null;
      const chain = (work: Promise<void>) => {
        const next = work.catch((e) => void (failure ??= e));
        tail = next;
        void next.then(() => {
          if (tail === next) tail = null;
        });
        return next;
      };
      const step = (work: () => void | Promise<void>) => chain((tail ?? Promise.resolve()).then(work));
      return {
        data(piece) {
          if (transient && !tail) {
            // Nothing of this stream waiting: decoded now, from the reader's buffer.
            let pending: void | Promise<void>;
            try {
              pending = decoder.feed(piece);
            } catch (e) {
              failure ??= e;
              return;
            }
            if (pending) chain(pending);
            return;
          }
          // Kept for later: the piece is a view into the reader's buffer, which is read into again.
          const chunk = 'bytes' in piece ? { ...piece, bytes: piece.bytes.slice() } : piece;
          const length = 'bytes' in chunk ? chunk.bytes.length : 0;
          queued += length;
          step(() => {
            const pending = decoder.feed(chunk);
            return pending ? pending.finally(() => decoded(length)) : decoded(length);
          });
        },
        end() {
          let done: DecodedStream | undefined;
          // The stream's time as it ended: the last ACKs read before the decoder gets to finish (as many as the
          // reading got ahead, which depends on how the file came in chunks) must not move the trace's end.
          const endTime = stream.lastTime;
          const finished = step(async () => {
            done = await decoder.finish(endTime);
          });
          // Handed on in the order the streams ended, whichever decoder finishes first.
          delivered = Promise.all([delivered, finished]).then(() => {
            if (!done) return;
            if (options.onStream) options.onStream(stream, done);
            else imported.decoded = done;
          }).catch((e) => void (failure ??= e));
          running.push(delivered);
        },
      };
    },
    afterPacket() {
      if (queued <= MAX_QUEUED_BYTES) return undefined;
      return new Promise<void>((resolve) => (wake = resolve));
    },
  });
  await Promise.all(running);
  if (failure) throw failure;
  return { streams, keyLog: dsbText, packets: result.packets, ...(result.truncated && { truncated: captureTruncation(result.truncated) }), ...(result.error && { error: result.error }) };
}

/** Whether the crypto provider opens records synchronously (node:crypto does; WebCrypto cannot). */
async function opensSynchronously(): Promise<boolean> {
  const aead = await createAead('AES-GCM', new Uint8Array(16));
  return typeof aead.openSync === 'function';
}
