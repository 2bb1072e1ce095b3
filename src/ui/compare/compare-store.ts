// What the Compare view holds: whether it is open, and the two traces (snapshots, so the live session can go on or
// be replaced without changing a side already picked). Kept apart from the session store on purpose.
import { create } from 'zustand';
import type { TraceEvent } from '../../trace/types.ts';
import { connectionsOf } from './model.ts';
import { shownName } from '../format.ts';

export type SlotId = 'a' | 'b';

export interface CompareSlot {
  /** Where it came from: a file name, or "current session: ...". */
  name: string;
  events: TraceEvent[];
  conn: number;
}

interface CompareState {
  open: boolean;
  a?: CompareSlot;
  b?: CompareSlot;
  /** Plain-words problem with a file the person picked, per side. */
  errors: Partial<Record<SlotId, string>>;
  setOpen(open: boolean): void;
  load(slot: SlotId, name: string, events: TraceEvent[]): void;
  setConn(slot: SlotId, conn: number): void;
  setError(slot: SlotId, message: string | undefined): void;
  clear(slot: SlotId): void;
}

export const useCompare = create<CompareState>((set, get) => ({
  open: false,
  errors: {},
  setOpen(open) {
    set({ open });
  },
  load(slot, name, events) {
    const conns = connectionsOf(events);
    if (conns.length === 0) throw new Error('this trace has no events');
    set({ [slot]: { name: shownName(name), events, conn: conns[0] }, errors: { ...get().errors, [slot]: undefined } });
  },
  setConn(slot, conn) {
    const current = get()[slot];
    if (current) set({ [slot]: { ...current, conn } });
  },
  setError(slot, message) {
    set({ errors: { ...get().errors, [slot]: message } });
  },
  clear(slot) {
    set({ [slot]: undefined });
  },
}));
