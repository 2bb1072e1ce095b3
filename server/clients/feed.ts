// The clients the app has been told about (by its own serve listener or a `tls-lens serve --report`): the newest
// MAX_CLIENTS_KEPT with their traces, and the pages listening for new ones.
import { MAX_CLIENTS_KEPT, type ClientEntry, type ClientReportMessage } from '../../src/clients/report-message.ts';
import type { TraceFile } from '../../src/trace/types.ts';

interface Kept {
  entry: ClientEntry;
  trace: TraceFile | null;
}

export class ClientFeed {
  private kept: Kept[] = [];
  private nextId = 1;
  private listeners = new Set<(entry: ClientEntry) => void>();

  constructor(private readonly limit = MAX_CLIENTS_KEPT) {}

  /** Keep one client (oldest dropped past the limit) and tell every listener. */
  add(message: ClientReportMessage, fromAppListener: boolean): ClientEntry {
    const entry: ClientEntry = {
      id: this.nextId++,
      receivedAt: new Date().toISOString(),
      fromAppListener,
      server: message.server,
      report: message.report,
      hasTrace: message.trace !== null,
      ...(message.traceOmitted ? { traceOmitted: message.traceOmitted } : {}),
    };
    this.kept.push({ entry, trace: message.trace });
    if (this.kept.length > this.limit) this.kept.splice(0, this.kept.length - this.limit);
    for (const listener of this.listeners) listener(entry);
    return entry;
  }

  /** The clients kept, oldest first. */
  list(): ClientEntry[] {
    return this.kept.map((k) => k.entry);
  }

  trace(id: number): TraceFile | null | undefined {
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
