// What the Clients view holds: whether it is open, the clients the app has listed (followed live over the app's event
// stream once the view first opens), the listener's address, and the traces fetched so far. Kept apart from the
// session store: opening a client loads its trace there, as a saved trace would be.
import { create } from 'zustand';
import { MAX_CLIENTS_KEPT, type ClientEntry, type ClientsListenerInfo } from '../../clients/report-message.ts';
import { parseTraceFile } from '../../trace/recorder.ts';
import type { TraceFile } from '../../trace/types.ts';
import { earlierAfterList, readKept, writeKept, type EarlierClient } from './kept-clients.ts';

export type StreamState = 'off' | 'connecting' | 'live' | 'lost';

interface ClientsState {
  open: boolean;
  /** Oldest first, as the app received them. */
  entries: ClientEntry[];
  /** Reports from before a page reload or an app restart that the app no longer lists (kept-clients.ts), oldest first. */
  earlier: EarlierClient[];
  listener?: ClientsListenerInfo;
  stream: StreamState;
  selected?: number;
  /** Traces fetched, by client id (only for clients still listed). */
  traces: Record<number, TraceFile>;
  /** Plain-words problem with the stream or a trace. */
  error?: string;
  setOpen(open: boolean): void;
  select(id: number | undefined): void;
  loadTrace(id: number): Promise<TraceFile>;
}

let source: EventSource | undefined;

function follow(): void {
  if (source) return;
  useClients.setState({ stream: 'connecting' });
  source = new EventSource('/api/clients/events');
  source.addEventListener('clients', (e) => {
    const { clients, listener } = JSON.parse((e as MessageEvent).data) as { clients: ClientEntry[]; listener: ClientsListenerInfo };
    // Sent on every (re)connection: an app started afresh numbers its clients from 1 again, so nothing fetched
    // before may be reused and a selection of a client no longer listed goes.
    const selected = useClients.getState().selected;
    const { entries, earlier } = useClients.getState();
    useClients.setState({ entries: clients, earlier: earlierAfterList(earlier, entries, clients), listener, stream: 'live', error: undefined, traces: {}, selected: clients.some((c) => c.id === selected) ? selected : undefined });
  });
  source.addEventListener('client', (e) => {
    const entry = JSON.parse((e as MessageEvent).data) as ClientEntry;
    const { entries, traces } = useClients.getState();
    if (entries.some((x) => x.id === entry.id)) {
      // A later report of a listed client (its connection ended): the trace fetched before is out of date.
      const { [entry.id]: _stale, ...fresh } = traces;
      useClients.setState({ entries: entries.map((x) => (x.id === entry.id ? entry : x)), traces: fresh });
    } else useClients.setState({ entries: [...entries, entry].slice(-MAX_CLIENTS_KEPT) });
  });
  // EventSource tries again by itself; the 'clients' event on reconnection brings the list up to date.
  source.onerror = () => useClients.setState({ stream: 'lost', error: 'The app’s client list cannot be reached (is `npm start` running behind this page?). Trying again…' });
}

export const useClients = create<ClientsState>((set, get) => ({
  open: false,
  entries: [],
  earlier: readKept(),
  stream: 'off',
  traces: {},
  setOpen(open) {
    if (open) follow();
    set({ open });
  },
  select(selected) {
    set({ selected });
  },
  async loadTrace(id) {
    const have = get().traces[id];
    if (have) return have;
    const res = await fetch(`/api/clients/${id}/trace`);
    if (!res.ok) {
      let message = `HTTP ${res.status}`;
      try {
        message = ((await res.json()) as { message?: string }).message ?? message;
      } catch {
        /* the status says enough */
      }
      throw new Error(message);
    }
    const trace = parseTraceFile(await res.text());
    // Keep traces only for clients still listed: memory stays bounded by the list.
    const listed = new Set(get().entries.map((e) => e.id));
    const traces = Object.fromEntries(Object.entries(get().traces).filter(([k]) => listed.has(Number(k))));
    set({ traces: { ...traces, [id]: trace } });
    return trace;
  },
}));

// Whatever the list becomes, this tab keeps the newest reports for after a reload.
useClients.subscribe((now, before) => {
  if (now.entries !== before.entries || now.earlier !== before.earlier) writeKept(now.earlier, now.entries);
});
