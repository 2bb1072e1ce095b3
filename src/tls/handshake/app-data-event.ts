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
  const hex = traced.dataHex ?? lazyHex(data);
  const event: NewTraceEvent = {
    kind: 'app-data',
    direction,
    get bytes() {
      return hex();
    },
    record: traced.record,
  };
  keepEventBytes(event, data);
  return event;
}

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
