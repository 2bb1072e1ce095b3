// The Clients view's memory across a page reload or an app restart: the app's list is the truth while it runs, but a
// reload (or an app started afresh, which numbers its clients from 1 again) would lose what was listed. The last
// MAX_CLIENTS_KEPT reports stay in this tab's sessionStorage and come back marked as from before; their traces do
// not (the app no longer holds them, and a restarted app reuses the numbers).
import { MAX_CLIENTS_KEPT, type ClientEntry } from '../../clients/report-message.ts';

/** A report the app no longer lists, and what came in between. */
export interface EarlierClient {
  entry: ClientEntry;
  before: 'reload' | 'restart';
}

const KEY = 'tls-lens.clients';

/** One report, the same one: the app's id and when it received it (a restarted app reuses the ids). */
const sameReport = (a: ClientEntry, b: ClientEntry) => a.id === b.id && a.receivedAt === b.receivedAt;

/**
 * The app's list arrived (on every (re)connection): reports the app lists again are live, not earlier; when none of
 * the reports listed before is in it, the app restarted and they become earlier ones. Bounded, oldest dropped first.
 */
export function earlierAfterList(earlier: EarlierClient[], listedBefore: ClientEntry[], list: ClientEntry[]): EarlierClient[] {
  const restarted = listedBefore.length > 0 && !listedBefore.some((x) => list.some((y) => sameReport(x, y)));
  const moved = restarted ? listedBefore.map((entry) => ({ entry, before: 'restart' as const })) : [];
  return [...earlier, ...moved].filter((x) => !list.some((y) => sameReport(x.entry, y))).slice(-MAX_CLIENTS_KEPT);
}

/** What this tab keeps: the earlier reports and the live ones, the newest MAX_CLIENTS_KEPT. */
export function keepText(earlier: EarlierClient[], live: ClientEntry[]): string {
  const all: EarlierClient[] = [...earlier, ...live.map((entry) => ({ entry, before: 'reload' as const }))];
  return JSON.stringify(all.slice(-MAX_CLIENTS_KEPT));
}

/** What a tab kept before its reload (a damaged or foreign value is nothing). */
export function keptFromText(text: string | null): EarlierClient[] {
  if (!text) return [];
  try {
    const kept = JSON.parse(text) as EarlierClient[];
    if (!Array.isArray(kept)) return [];
    return kept.filter((x) => x && typeof x.entry?.id === 'number' && typeof x.entry.receivedAt === 'string' && x.entry.report && (x.before === 'reload' || x.before === 'restart')).slice(-MAX_CLIENTS_KEPT);
  } catch {
    return [];
  }
}

/** The tab's storage, when the browser gives one (private modes may not). */
export function tabStorage(): Storage | null {
  try {
    return typeof sessionStorage === 'undefined' ? null : sessionStorage;
  } catch {
    return null;
  }
}

export function readKept(): EarlierClient[] {
  return keptFromText(tabStorage()?.getItem(KEY) ?? null);
}

export function writeKept(earlier: EarlierClient[], live: ClientEntry[]): void {
  try {
    tabStorage()?.setItem(KEY, keepText(earlier, live));
  } catch {
    // Full or refused: the view still works, it only forgets on reload.
  }
}
