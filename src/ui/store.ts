// The one store every view reads: the trace, the ladder rows derived from it, the cursor, and
// the state of the live connection. The trace arrays are append-only and mutated in place;
// `revision` changes on every append so subscribers re-render without copying 10,000 events.
import { create } from 'zustand';
import type { BreakpointName, TraceEvent, TraceFile } from '../trace/types.ts';
import type { ConnectionSummary } from '../worker/messages.ts';
import { RowBuilder, type Row } from './rows.ts';
import { shownName } from './format.ts';

export type Status = 'idle' | 'connecting' | 'connected' | 'paused' | 'closed' | 'failed' | 'replay';
export type PanelId = 'ladder' | 'inspector' | 'keys' | 'certificates' | 'api';
export type Theme = 'light' | 'dark';

export interface PauseInfo {
  breakpoint: BreakpointName;
  detail?: string;
}

export interface TraceState {
  events: TraceEvent[];
  rows: Row[];
  revision: number;
  /** Selected ladder row, -1 when there is none yet. */
  cursor: number;
  /** Keep the cursor on the newest row while a live trace grows. */
  follow: boolean;
  status: Status;
  statusDetail?: string;
  pause?: PauseInfo;
  /** Plain-words error for the person; the trace up to the failure stays. */
  error?: string;
  source: 'none' | 'live' | 'replay';
  /** What the live connection agreed (status line only; views read the trace). */
  summary?: ConnectionSummary;
  target?: string;
  replayName?: string;
  panel: PanelId;
  presenter: boolean;
  theme: Theme;
  showConnect: boolean;
  /** The Connect form stays on the page, hidden, once its own Connect is drawn (removing it there was most of that
   * render); each showing after that is a fresh form, mounted anew (`connectFormId` is its key). */
  connectFormKept: boolean;
  connectFormId: number;
  /** Field selected in the inspector (path of child indices), reset when the cursor moves. */
  selectedField: number[] | null;

  /** `also`: more of the state set in the same update (each update runs every view's selector once); `events`: the
   * new trace's first events, taken in by the same update (the array becomes the trace's own). */
  reset(source: 'live' | 'replay', target?: string, also?: Partial<TraceState>, events?: TraceEvent[]): void;
  append(events: TraceEvent[], also?: Partial<TraceState>): void;
  loadReplay(file: TraceFile, name: string): void;
  setCursor(row: number): void;
  step(delta: number): void;
  setStatus(status: Status, detail?: string): void;
  setPause(pause: PauseInfo | undefined): void;
  setError(message: string | undefined): void;
  setPanel(panel: PanelId): void;
  setPresenter(on: boolean): void;
  setTheme(theme: Theme): void;
  setShowConnect(show: boolean): void;
  /** Hide the shown Connect form after its Connect (kept mounted, see `connectFormKept`). */
  keepConnectFormHidden(): void;
  selectField(path: number[] | null): void;
}

let builder = new RowBuilder();

export const useTrace = create<TraceState>((set, get) => ({
  events: [],
  rows: builder.rows,
  revision: 0,
  cursor: -1,
  follow: true,
  status: 'idle',
  source: 'none',
  panel: 'inspector',
  presenter: false,
  theme: 'light',
  showConnect: true,
  connectFormKept: false,
  connectFormId: 0,
  selectedField: null,

  reset(source, target, also, events = []) {
    // A pending Connect ends with this update: the status line's writer then goes from "connecting" to the new
    // session's status in one pass (its pending listener, called after, finds nothing left to write).
    const wasPending = connectPending;
    connectPending = false;
    builder = new RowBuilder();
    for (const e of events) builder.add(e);
    // Following from the start: the cursor on the newest row (-1 with none), as append would put it.
    set({ events, rows: builder.rows, revision: get().revision + 1, cursor: builder.rows.length - 1, follow: true, source, target, replayName: undefined, summary: undefined, error: undefined, pause: undefined, selectedField: null, statusDetail: undefined, ...also });
    if (wasPending) for (const l of [...pendingListeners]) l();
  },

  append(incoming, also) {
    if (incoming.length === 0) {
      if (also) set(also);
      return;
    }
    const { events, follow } = get();
    for (const e of incoming) {
      events.push(e);
      builder.add(e);
    }
    const rows = builder.rows;
    set({ revision: get().revision + 1, cursor: follow ? rows.length - 1 : get().cursor, ...(follow ? { selectedField: null } : {}), ...also });
  },

  loadReplay(file, name) {
    get().reset('replay', file.target);
    get().append(file.events);
    set({ status: 'replay', replayName: shownName(name), cursor: builder.rows.length > 0 ? 0 : -1, follow: false, showConnect: false, connectFormKept: false });
  },

  setCursor(row) {
    const rows = get().rows;
    if (rows.length === 0) return;
    const cursor = Math.max(0, Math.min(rows.length - 1, row));
    set({ cursor, follow: cursor === rows.length - 1 && get().source === 'live', selectedField: null });
  },

  step(delta) {
    get().setCursor(get().cursor + delta);
  },

  setStatus(status, detail) {
    set({ status, statusDetail: detail });
  },
  setPause(pause) {
    set({ pause });
  },
  setError(error) {
    set({ error });
  },
  setPanel(panel) {
    set({ panel });
  },
  setPresenter(presenter) {
    set({ presenter });
  },
  setTheme(theme) {
    set({ theme });
  },
  setShowConnect(showConnect) {
    if (!showConnect) set({ showConnect, connectFormKept: false });
    else if (!get().showConnect) set({ showConnect, connectFormKept: false, connectFormId: get().connectFormId + 1 });
  },
  keepConnectFormHidden() {
    set(formKeptHidden(get()));
  },
  selectField(selectedField) {
    set({ selectedField });
  },
}));

/** The trace event behind the current row. */
export function currentEvent(s: Pick<TraceState, 'rows' | 'cursor' | 'events'>): TraceEvent | undefined {
  const row = s.rows[s.cursor];
  return row ? s.events[row.event] : undefined;
}

/**
 * Trace position the views show "up to": everything recorded before the next step begins, so a
 * message's step includes what the engine did with it (keys derived, checks made).
 */
export function currentIndex(s: Pick<TraceState, 'rows' | 'cursor' | 'events'>): number {
  const next = s.rows[s.cursor + 1];
  return next ? next.event - 1 : s.events.length - 1;
}

/** The Connect form hidden but kept mounted: the change keepConnectFormHidden makes, for a combined update. */
export function formKeptHidden(s: TraceState): Pick<TraceState, 'showConnect' | 'connectFormKept'> {
  return { showConnect: false, connectFormKept: s.showConnect || s.connectFormKept };
}

/** A Connect pressed and not drawn yet (worker-client.ts, `undrawn`): the status line's `data-status` says it is
 * connecting while everything else still shows the previous session until the draw (reset clears it). Kept out of
 * the store: nothing draws it (the press changes no pixel), and a store update at the press ran every view's
 * selector (~1 ms) just as the worker needed the core. Read by the status line's writer and afterConnecting. */
let connectPending = false;
const pendingListeners = new Set<() => void>();

export function isConnectPending(): boolean {
  return connectPending;
}

export function setConnectPending(on: boolean): void {
  if (connectPending === on) return;
  connectPending = on;
  for (const l of [...pendingListeners]) l();
}

/** Called when a Connect starts or stops being pending; returns the unsubscribe. */
export function onConnectPending(listener: () => void): () => void {
  pendingListeners.add(listener);
  return () => void pendingListeners.delete(listener);
}

const connecting = (s: TraceState) => s.status === 'connecting' || connectPending;

/** Run `then` once no connection is connecting (a pressed Connect not drawn yet included; at once if none is). */
export function afterConnecting(then: () => void): void {
  if (!connecting(useTrace.getState())) return then();
  const check = () => {
    if (connecting(useTrace.getState())) return;
    stopTrace();
    stopPending();
    // After the update that ended it and its drawing, not inside them.
    setTimeout(then, 0);
  };
  const stopTrace = useTrace.subscribe(check);
  const stopPending = onConnectPending(check);
}
