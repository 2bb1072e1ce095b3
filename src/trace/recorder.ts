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

/** Parse a saved trace, with a plain-words error for anything that is not one, a malformed event included. */
export function parseTraceFile(text: string): TraceFile {
  const file = parseTraceFrame(text);
  file.events.forEach((e, i) => {
    if (!e || typeof e !== 'object' || typeof (e as TraceEvent).kind !== 'string') throw new Error(`event ${i} is malformed`);
  });
  return file;
}

/**
 * A saved trace's frame (JSON, format, version, an events list), its events not checked: for readers that show a
 * file as far as it is sound (trace-check.ts soundPart), where one malformed event must not hide those before it.
 */
export function parseTraceFrame(text: string): TraceFile {
  let data: unknown;
  // An editor may save the file with a byte-order mark; JSON.parse refuses it.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    data = JSON.parse(text);
  } catch (e) {
    // The engine's own wording ("Unexpected token ... in JSON at position 8707") is not for people: say where.
    throw new Error(`this file is not JSON (${whereBroken(text, (e as Error).message)})`);
  }
  const file = data as Partial<TraceFile>;
  if (!file || file.format !== 'tls-lens-trace') throw new Error('this file is not a TLS Lens trace (format field missing)');
  if (file.version !== 1) throw new Error(`${versionWords(file.version)}: this reader knows version 1`);
  if (!Array.isArray(file.events)) throw new Error('this trace has no events list');
  return { ...(file as TraceFile), events: upgradeLegacyEvents(file.events) };
}

/** Where JSON.parse stopped, as "it breaks at line 3, column 7" or "it ends too soon". */
function whereBroken(text: string, message: string): string {
  const m = /position (\d+)/.exec(message);
  if (!m) return /end of (JSON|data) input|Unterminated/i.test(message) || text.trim() === '' ? 'it ends too soon' : 'it does not parse';
  const at = Math.min(Number(m[1]), text.length);
  if (at >= text.length) return 'it ends too soon';
  const before = text.slice(0, at);
  const line = before.split('\n').length;
  return `it breaks at line ${line}, column ${at - before.lastIndexOf('\n')}`;
}

/** A bad version field in words; String() would print "[object Object]" or "undefined". */
function versionWords(v: unknown): string {
  if (v === undefined) return 'this trace has no version field';
  if (typeof v === 'number' && Number.isFinite(v)) return `unsupported trace version ${v}`;
  const what = v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'string' ? 'text' : typeof v === 'boolean' ? 'true/false' : 'an object';
  return `the trace version is ${what}, not a number`;
}
