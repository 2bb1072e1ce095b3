// What a trace says of TLS 1.3 0-RTT, for the API views of both sides: the early_data extension in the ClientHello
// (offered), in EncryptedExtensions (accepted) and in NewSessionTicket (the size a ticket allows), records under the
// early keys, EndOfEarlyData, and the server engine's 'early-data' event (why it refused). No React.
import type { AppDataEvent, FieldNode, HandshakeMessageEvent, RecordEvent, TraceEvent } from '../trace/types.ts';

function findExtension(fields: FieldNode[], name: string): FieldNode | undefined {
  for (const f of fields) {
    if (f.name === 'extension' && f.value === name) return f;
    const inner = f.children && findExtension(f.children, name);
    if (inner) return inner;
  }
  return undefined;
}

const isHandshake = (e: TraceEvent | undefined, name: string, direction?: 'client' | 'server'): e is HandshakeMessageEvent =>
  e?.kind === 'handshake' && e.name === name && (!direction || e.direction === direction);

/** A handshake message with the early_data extension. */
export function carriesEarlyData(e: TraceEvent | undefined): e is HandshakeMessageEvent {
  return e?.kind === 'handshake' && !!findExtension(e.fields, 'early_data');
}

/** max_early_data_size of a NewSessionTicket, when its early_data extension is there. */
export function ticketEarlyDataLimit(e: TraceEvent | undefined): number | undefined {
  if (!isHandshake(e, 'NewSessionTicket')) return undefined;
  const size = findExtension(e.fields, 'early_data')?.children?.find((c) => c.name === 'max_early_data_size')?.value;
  return size === undefined ? undefined : Number(size);
}

/** The events of the connection event `at` belongs to, from its start up to `at` (a --reconnect trace holds two). */
export function connectionSoFar(events: TraceEvent[], at: number): TraceEvent[] {
  const conn = events[at]?.conn;
  let start = at;
  while (start > 0 && events[start - 1].conn === conn) start--;
  return events.slice(start, at + 1);
}

/** A record of application data under the client's early keys: 0-RTT as its sender and an accepting reader see it. */
export function isEarlyDataRecord(e: TraceEvent | undefined): e is RecordEvent {
  return e?.kind === 'record' && e.direction === 'client' && e.epoch === 'early' && e.protection?.innerContentType === 23;
}

/**
 * A record of early data a refusing server skipped, or the 'early-data' event saying so: the server could not open it,
 * so it stays an outer application_data record, traced under the early keys it did not have (skipped by trial
 * decryption) or in the clear (after a HelloRetryRequest).
 */
export function isSkippedEarlyRecord(e: TraceEvent | undefined): boolean {
  if (e?.kind === 'early-data') return e.side === 'server' && e.outcome === 'skipped';
  return e?.kind === 'record' && e.direction === 'client' && (e.epoch === 'plaintext' || e.epoch === 'early') && !e.protection && e.contentType === 23;
}

/** The early data record this event is, or whose data it carries (an app-data event names its record). */
export function earlyDataRecordOf(events: TraceEvent[], e: TraceEvent | undefined): RecordEvent | undefined {
  if (isEarlyDataRecord(e)) return e;
  if (e?.kind === 'app-data' && e.record !== undefined && isEarlyDataRecord(events[e.record])) return events[e.record] as RecordEvent;
  return undefined;
}

/** Bytes of application data the app-data event holds (or held, when the copy left them out). */
export function appDataLength(e: AppDataEvent): number {
  return e.summarised ? e.summarised.length : e.bytes.length / 2;
}

/** Bytes of application data carried by these records (as their app-data events say). */
export function bytesIn(events: TraceEvent[], records: RecordEvent[]): number {
  const indices = new Set(records.map((r) => r.index));
  return events.reduce((n, e) => (e.kind === 'app-data' && e.record !== undefined && indices.has(e.record) ? n + appDataLength(e) : n), 0);
}

/** The client's early data records in these events. */
export function earlyDataRecords(events: TraceEvent[]): RecordEvent[] {
  return events.filter(isEarlyDataRecord);
}

export type EarlyDataAnswer = 'accepted' | 'refused' | null;

/**
 * The server's answer to the 0-RTT offered in these events (one connection): early_data in EncryptedExtensions is
 * acceptance; EncryptedExtensions without it, a HelloRetryRequest (asking for a key share) or a handshake ended without
 * it (TLS 1.2) is refusal.
 * Null while no answer has come, or when no early data was offered.
 */
export function earlyDataAnswer(events: TraceEvent[]): EarlyDataAnswer {
  if (!events.some((e) => isHandshake(e, 'ClientHello', 'client') && carriesEarlyData(e))) return null;
  for (const e of events) {
    if (isHandshake(e, 'EncryptedExtensions', 'server')) return carriesEarlyData(e) ? 'accepted' : 'refused';
    if (isHandshake(e, 'HelloRetryRequest', 'server') || isHandshake(e, 'Finished', 'client')) return 'refused';
  }
  return null;
}

/** The server engine's reason for refusing 0-RTT, from its 'early-data' event (server/states13.ts). */
export function earlyDataRefusal(events: TraceEvent[]): string | undefined {
  const refused = events.find((e) => e.kind === 'early-data' && e.side === 'server' && e.outcome === 'refused');
  return refused?.kind === 'early-data' ? refused.reason : undefined;
}
