// The trace event for application data, with its hex shared with the record event that carried it.
import { lazyHex } from '../../trace/lazy-hex.ts';
import { keepEventBytes } from '../../trace/event-bytes.ts';
import { toHex } from '../../util/bytes.ts';
import { ContentType } from '../record/content-types.ts';
import type { NewTraceEvent, Side } from '../../trace/types.ts';

/** What a record channel gives for tracing data: the data's hex (lazy) and the first record's index. */
export interface TracedData {
  dataHex?: () => string;
  record: number;
}

/**
 * An app-data event. `dataHex` is the lazy hex the record layer already holds for these bytes; without
 * it the bytes are encoded on first read, so `data` must be memory nobody writes again.
 */
export function appDataEvent(direction: Side, data: Uint8Array, traced: TracedData): NewTraceEvent {
  const event = new LiveAppDataEvent(direction, traced.dataHex ?? lazyHex(data), traced.record);
  keepEventBytes(event, data);
  return event;
}

/**
 * `bytes` as an own accessor from a shared descriptor: an object literal getter costs V8 about 1 µs per event
 * (see record/record-event.ts), and there is one of these per record of application data.
 */
class LiveAppDataEvent {
  // `declare`: the constructor's assignments set the key order (kind, direction, bytes, record), as a literal's.
  declare kind: 'app-data';
  declare direction: Side;
  declare readonly bytes: string;
  declare record: number;
  #hex: () => string;

  constructor(direction: Side, hex: () => string, record: number) {
    this.kind = 'app-data';
    this.direction = direction;
    Object.defineProperty(this, 'bytes', APP_DATA_BYTES);
    this.record = record;
    this.#hex = hex;
  }

  static hexOf(e: LiveAppDataEvent): string {
    return e.#hex();
  }
}

const APP_DATA_BYTES: PropertyDescriptor = {
  get(this: LiveAppDataEvent) {
    return LiveAppDataEvent.hexOf(this);
  },
  enumerable: true,
  configurable: true,
};

interface DataChannel {
  write(contentType: number, data: Uint8Array): Promise<number[]>;
  writeTraced?(contentType: number, data: Uint8Array): Promise<{ records: number[]; dataHex: () => string }>;
}

/**
 * Write application data, with its hex for the trace: the record layer's own when the channel traces
 * writes, else encoded at once (before any await: the caller may reuse its buffer when write returns).
 */
export function writeAppData(channel: DataChannel, data: Uint8Array): Promise<{ records: number[]; dataHex: () => string }> {
  if (channel.writeTraced) return channel.writeTraced(ContentType.application_data, data);
  const hex = toHex(data);
  return channel.write(ContentType.application_data, data).then((records) => ({ records, dataHex: () => hex }));
}
