// Collects trace events in order, stamps index/time/connection, and tells listeners.
import { upgradeLegacyEvents } from './legacy.ts';
import type { NewTraceEvent, TraceEvent, TraceFile } from './types.ts';

/** How the engine layers report what they do. Returns the index the event received. */
export type Emit = (event: NewTraceEvent) => number;

export type Clock = () => number;

export class TraceRecorder {
  readonly events: TraceEvent[] = [];
  private listeners = new Set<(event: TraceEvent) => void>();
  private start: number;
  /** Connection number stamped on new events (0 = first connection of a session). */
  conn = 0;

  constructor(private clock: Clock = () => Date.now()) {
    this.start = clock();
  }

  emit: Emit = (event) => {
    // Stamped in place, not copied: a copy would read every lazily encoded hex field (trace/lazy-hex.ts).
    const full = Object.assign(event, { index: this.events.length, t: this.clock() - this.start, conn: this.conn }) as TraceEvent;
    this.events.push(full);
    for (const listener of this.listeners) listener(full);
    return full.index;
  };

  subscribe(listener: (event: TraceEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  toFile(target?: string): TraceFile {
    return { format: 'tls-lens-trace', version: 1, createdAt: new Date().toISOString(), target, events: this.events };
  }
}

/** Parse a saved trace, with a plain-words error for anything that is not one. */
export function parseTraceFile(text: string): TraceFile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new Error(`this file is not JSON: ${(e as Error).message}`);
  }
  const file = data as Partial<TraceFile>;
  if (!file || file.format !== 'tls-lens-trace') throw new Error('this file is not a TLS Lens trace (format field missing)');
  if (file.version !== 1) throw new Error(`unsupported trace version ${String(file.version)}`);
  if (!Array.isArray(file.events)) throw new Error('this trace has no events list');
  file.events.forEach((e, i) => {
    if (!e || typeof e !== 'object' || typeof (e as TraceEvent).kind !== 'string') throw new Error(`event ${i} is malformed`);
  });
  return { ...(file as TraceFile), events: upgradeLegacyEvents(file.events) };
}
