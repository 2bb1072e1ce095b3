// Handshake messages' field trees made on the page, from the message's own bytes, when first read — not in the
// worker for every message of every Connect. The page shows one step at a time; the trees are most of a handshake's
// JSON (a ClientHello's is 12 K characters of a 58 K trace, sent while the bridge opens) and the worker made each by
// decoding the message a second time (the engine's trees are made when first read). In Chromium's worker that
// decoding was 80-125 µs a handshake and the trees' JSON a third of the rest (bench/browser/worker-encode.ts;
// docs/app-connect.md, session 11); the page then parsed them all again.
//
// Only where the engine's own tree is, by construction, `decodeHandshake(bytes).fields` (src/tls/messages/
// handshake.ts), so the page's is the same tree: TLS 1.3's encrypted handshake (the 'handshake' epoch: every message
// either way is read, or written and read back, with TLS 1.3's layouts; TLS 1.2 has no such epoch), the server's
// plaintext ServerHello (or HelloRetryRequest), read with TLS 1.3's layouts until a TLS 1.2 ServerHello switches
// them, and our plaintext ClientHello when the connection offers TLS 1.3 (TLS 1.3's code writes it and reads it
// back; a TLS 1.2-only ClientHello is TLS 1.2's, whose tree names each extension). A TLS 1.2 message (its key
// exchange shapes its layout) and anything in a later epoch (a renegotiation's) keep the engine's tree.
// test/worker/message-fields.test.ts holds every such message of real TLS 1.3 and 1.2 handshakes to it.
import { decodeHandshake } from '../tls/messages/handshake.ts';
import { defineLazy } from '../trace/lazy-hex.ts';
import type { HandshakeMessageEvent, TraceEvent } from '../trace/types.ts';
import { fromHex } from '../util/bytes.ts';

/** What stands in a message's JSON for the tree the page makes (a number, where a tree is an array). */
export const FIELDS_ON_PAGE = 0;

const CLIENT_HELLO = 1;
const SERVER_HELLO = 2;

/** What the encoding knows of the connection. */
export interface FieldsContext {
  /** The connection offers TLS 1.3 (its request's versions include it, or name none): TLS 1.3's code writes our
   * ClientHello. */
  offersTls13: boolean;
}

/** True when the page makes `e`'s field tree from its bytes (see above). */
export function fieldsOnPage(e: HandshakeMessageEvent, context: FieldsContext): boolean {
  if (e.epoch === 'handshake') return true;
  if (e.epoch !== 'plaintext') return false;
  return (e.direction === 'client' && e.msgType === CLIENT_HELLO && context.offersTls13) || (e.direction === 'server' && e.msgType === SERVER_HELLO);
}

/** `e` as plain data with FIELDS_ON_PAGE for its tree, in the tree's place: its tree is never read (nor made). */
export function withoutFields(e: HandshakeMessageEvent): HandshakeMessageEvent {
  const copy: Record<string, unknown> = {};
  const from = e as unknown as Record<string, unknown>;
  for (const key of Object.keys(e)) copy[key] = key === 'fields' ? FIELDS_ON_PAGE : from[key];
  return copy as unknown as HandshakeMessageEvent;
}

/** On the page: each event of a message whose tree was left to the page gets it as a part made when first read, in
 * the same place (every reader — the views, saving, Compare — reads it as before). */
export function fieldsFromBytes(events: TraceEvent[]): TraceEvent[] {
  for (const e of events)
    if (e.kind === 'handshake' && (e.fields as unknown) === FIELDS_ON_PAGE) defineLazy(e, 'fields', () => decodeHandshake(fromHex(e.bytes)).fields);
  return events;
}
