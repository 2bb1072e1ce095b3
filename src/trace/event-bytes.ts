// The bytes behind an event's hex, for a host that summarises events without reading their hex (the worker's
// application-data window): encoding 16 KiB to hex and back to hash it cost more than decrypting it. Not part of
// the trace: JSON, structured clone and spread never see it. An entry lives as long as its event unless taken.
const bytesByEvent = new WeakMap<object, Uint8Array>();
/** Only a host that takes the bytes asks for them: elsewhere (CLI, server) they would outlive the hex made from them. */
let wanted = false;

/** From now on keep the bytes behind new events (called by the one reader of them, the application-data window). */
export function wantEventBytes(): void {
  wanted = true;
}

/** Record the bytes an event stands for (an app-data event's data, a record's bytes, a protected record's plaintext); a
 * function gives them only when they are wanted (a record decrypted again: its buffer may be someone else's). */
export function keepEventBytes(event: object, bytes: Uint8Array | (() => Uint8Array)): void {
  if (wanted) bytesByEvent.set(event, typeof bytes === 'function' ? bytes() : bytes);
}

/** The bytes kept for this event, if any, let go of here (each is read once). */
export function takeEventBytes(event: object): Uint8Array | undefined {
  const bytes = bytesByEvent.get(event);
  if (bytes) bytesByEvent.delete(event);
  return bytes;
}
