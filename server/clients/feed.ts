// The clients the app has been told about (by its own serve listener or a `tls-lens serve --report`): the newest
// MAX_CLIENTS_KEPT with their traces, and the pages listening for new ones.
import { MAX_CLIENTS_KEPT, type ClientEntry } from '../../src/clients/report-message.ts';
import type { CheckedReport } from './check-report.ts';

interface Kept {
  /** The reporting server and the client's number there: a later report of the same client replaces this one. */
  key: string;
  entry: ClientEntry;
  /** The trace file as JSON text. */
  trace: string | null;
}

export class ClientFeed {
  private kept: Kept[] = [];
  private nextId = 1;
  private listeners = new Set<(entry: ClientEntry) => void>();

  constructor(private readonly limit = MAX_CLIENTS_KEPT) {}

  /**
   * Keep one client's report and tell every listener: a client already listed (its handshake reported, now its
   * connection's end) keeps its id and place; a new one goes last, and the oldest drop past the limit.
   */
  add({ message, traceText }: CheckedReport, fromAppListener: boolean): ClientEntry {
    const key = JSON.stringify([message.server.url, message.server.startedAt, message.report.n]);
    const earlier = this.kept.find((k) => k.key === key);
    const entry: ClientEntry = {
      id: earlier?.entry.id ?? this.nextId++,
      receivedAt: earlier?.entry.receivedAt ?? new Date().toISOString(),
      fromAppListener,
      phase: message.phase,
      server: message.server,
      report: message.report,
      hasTrace: traceText !== null,
      ...(message.traceOmitted ? { traceOmitted: message.traceOmitted } : {}),
    };
    if (earlier) Object.assign(earlier, { entry, trace: traceText });
    else this.kept.push({ key, entry, trace: traceText });
    if (this.kept.length > this.limit) this.kept.splice(0, this.kept.length - this.limit);
    for (const listener of this.listeners) listener(entry);
    return entry;
  }

  /** The clients kept, oldest first. */
  list(): ClientEntry[] {
    return this.kept.map((k) => k.entry);
  }

  /** The client's trace file as JSON text; null when it came without one, undefined when it is not listed. */
  trace(id: number): string | null | undefined {
    const found = this.kept.find((k) => k.entry.id === id);
    return found ? found.trace : undefined;
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  subscribe(listener: (entry: ClientEntry) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
