// What the handshake needs from the record layer: read and write records, and switch keys.
import type { Epoch, Side } from '../../trace/types.ts';
import { ContentType } from '../messages/constants.ts';
import type { RecordProtector } from '../record/protector.ts';
import type { Tls13Suite } from '../suites.ts';

export interface ReceivedRecord {
  contentType: number;
  fragment: Uint8Array;
  epoch: Epoch;
  /** Index of the 'record' trace event. */
  eventIndex: number;
  /** The fragment's hex, shared with the record event and encoded when first read. */
  fragmentHex?: () => string;
  /** True when the trace never reads `fragment` (see record/record-layer.ts): no copy needed to hand it out. */
  fragmentUntraced?: boolean;
  /** A protected record that did not open, under trial decryption (setTrialDecryption): its ciphertext, unread. */
  unopened?: boolean;
}

export interface RecordChannel {
  /** Next record (decrypted when keys are set), or null at a clean end of stream. */
  read(): Promise<ReceivedRecord | null>;
  /** The next record when it is whole at hand and opens at once; null when read() would wait (record-layer.ts
   * readBufferedSync). Throws as read() rejects. */
  readBuffered?(): ReceivedRecord | null;
  /** The record after, if it is already decrypting: untaken and untraced (record-layer.ts peekAhead). */
  peekAhead?(): Promise<{ contentType: number; fragment: Uint8Array } | null>;
  /** Ask the transport for the peer's answer before reading it (record-layer.ts startReading). */
  startReading?(): void;
  /** Our flight is over and no read follows: what the transport holds goes now (Transport.flush). */
  flush?(): void;
  /** Send data of one content type, fragmenting as needed. Returns the indices of the record events. */
  write(contentType: number, data: Uint8Array): Promise<number[]>;
  /** write(), also returning the data as hex from the record events (so the caller need not encode it again). */
  writeTraced?(contentType: number, data: Uint8Array): Promise<{ records: number[]; dataHex: () => string }>;
  /** Protect incoming / outgoing records from now on with keys for this suite. */
  setReadKeys(suite: Tls13Suite, keys: { key: Uint8Array; iv: Uint8Array }, epoch: Epoch): Promise<void>;
  setWriteKeys(suite: Tls13Suite, keys: { key: Uint8Array; iv: Uint8Array }, epoch: Epoch): Promise<void>;
  /** Install a ready-made protector (TLS 1.2 derives its own from the key block); null goes back to plaintext. */
  setReadProtector(protector: RecordProtector | null): void;
  setWriteProtector(protector: RecordProtector | null): void;
  /**
   * RFC 8446 §4.2.10: records that do not open under the read keys installed now come as `unopened` records (traced
   * as `tracedAs`) instead of failing, until null or the next key change (record-layer.ts setTrialDecryption).
   */
  setTrialDecryption(tracedAs: Epoch | null): void;
  /** The epoch records we send now belong to. */
  readonly writeEpoch: Epoch;
  /** TLS 1.3's middlebox-compatibility ChangeCipherSpec: always a plaintext record (RFC 8446 §5). */
  writeCompatibilityCcs(): Promise<number>;
  /** TLS 1.2's ChangeCipherSpec: a protocol message, protected by the current keys during a renegotiation. */
  writeChangeCipherSpec(): Promise<number[]>;
  /** The record version written in headers (0x0301 for a first ClientHello, for old middleboxes: RFC 8446 §5.1). */
  setLegacyRecordVersion(version: number): void;
  /** Release the transport. */
  close(): Promise<void>;
}

import { RecordLayer } from '../record/record-layer.ts';
import { Tls13RecordProtector } from '../record/tls13-protector.ts';
import { TlsAlertError } from '../record/alerts.ts';
import { TlsError } from '../errors.ts';
import type { Transport } from '../../transport/types.ts';
import type { Emit } from '../../trace/recorder.ts';
import type { AeadOptions } from '../../crypto/aead.ts';

/** The record layer as the handshake sees it; transport failures become TlsError CLOSED. */
export function recordChannel(transport: Transport, emit: Emit, opts: { padding?: number; maxFragmentLength?: number; side?: Side } = {}): RecordChannel {
  const layer = new RecordLayer(transport, emit, { side: opts.side ?? 'client', maxFragmentLength: opts.maxFragmentLength });
  // A rejection handler rather than an async wrapper: one promise reaction per record read or written.
  const wrap = <T>(p: Promise<T>): Promise<T> => p.catch(asChannelError);
  return {
    read: () => wrap(layer.readRecord()),
    readBuffered: () => {
      try {
        return layer.readBufferedSync();
      } catch (e) {
        return asChannelError(e);
      }
    },
    peekAhead: () => layer.peekAhead(),
    startReading: () => layer.startReading(),
    flush: () => transport.flush?.(),
    write: (type, data) => wrap(layer.writeRecord(type, data, { padding: opts.padding })),
    writeTraced: (type, data) => wrap(layer.writeRecordTraced(type, data, { padding: opts.padding })),
    async setReadKeys(suite, keys, epoch) {
      layer.setReadProtector(await Tls13RecordProtector.create(suite, keys.key, keys.iv, epoch, importOptions(epoch)));
    },
    async setWriteKeys(suite, keys, epoch) {
      layer.setWriteProtector(await Tls13RecordProtector.create(suite, keys.key, keys.iv, epoch, importOptions(epoch)));
    },
    setReadProtector: (protector) => layer.setReadProtector(protector),
    setWriteProtector: (protector) => layer.setWriteProtector(protector),
    setTrialDecryption: (tracedAs) => layer.setTrialDecryption(tracedAs),
    get writeEpoch() {
      return layer.writeEpoch;
    },
    writeCompatibilityCcs: () => wrap(layer.writeChangeCipherSpec()),
    writeChangeCipherSpec: () => wrap(layer.writeRecord(ContentType.change_cipher_spec, Uint8Array.of(1))),
    setLegacyRecordVersion: (version) => void (layer.legacyRecordVersion = version),
    close: () => layer.close().catch(() => undefined),
  };
}

/**
 * Application keys are first used after a wait (the peer's next flight, the caller's first write): their import
 * waits for that first use (AeadOptions.importAtFirstUse) instead of running inside the handshake's last step.
 */
function importOptions(epoch: Epoch): AeadOptions {
  return epoch === 'application' ? { importAtFirstUse: true } : {};
}

/** What a read or write failed with, as the handshake reports it: TLS errors as they are, transport failures as CLOSED. */
function asChannelError(e: unknown): never {
  if (e instanceof TlsAlertError || e instanceof TlsError) throw e;
  // A transport that never connected keeps its own code (CONNECT_FAILED, TIMEOUT).
  const code = (e as { code?: string })?.code;
  if (code === 'CONNECT_FAILED' || code === 'TIMEOUT') throw new TlsError(code, (e as Error).message, { cause: e });
  throw new TlsError('CLOSED', `the connection failed: ${(e as Error)?.message ?? String(e)}`, { cause: e });
}

/** A transport that may still be connecting: the handshake prepares its first flight meanwhile. */
export function whenConnected(transport: Transport | Promise<Transport>): Transport {
  if (!(transport instanceof Promise)) return transport;
  transport.catch(() => undefined);
  return {
    write: async (data) => (await transport).write(data),
    read: async () => (await transport).read(),
    flush: () => void transport.then((t) => t.flush?.(), () => undefined),
    close: async () => {
      try {
        await (await transport).close();
      } catch {
        // Never connected: nothing to close.
      }
    },
  };
}
