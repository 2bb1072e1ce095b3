// What the Clients view keeps across a reload or an app restart (src/ui/clients/kept-clients.ts): reports the app
// lists again are live, not "from before"; an app that lists none of the earlier reports restarted; bounded.
import { describe, expect, it } from 'vitest';
import { MAX_CLIENTS_KEPT, type ClientEntry } from '../../src/clients/report-message.ts';
import { earlierAfterList, keepText, keptFromText } from '../../src/ui/clients/kept-clients.ts';

/** An entry as the app lists it; only what the merge reads is filled in. */
function entry(id: number, receivedAt: string): ClientEntry {
  return { id, receivedAt, fromAppListener: true, phase: 'closed', hasTrace: true, report: { client: `127.0.0.1:${40000 + id}` } } as unknown as ClientEntry;
}

describe('clients kept across a reload or a restart', () => {
  const a = entry(1, '2026-12-05T10:00:00.000Z');
  const b = entry(2, '2026-12-05T10:00:01.000Z');

  it('after a reload, the reports the app lists again are live, the others stay earlier', () => {
    const kept = keptFromText(keepText([], [a, b]));
    expect(kept.map((x) => [x.entry.id, x.before])).toEqual([[1, 'reload'], [2, 'reload']]);
    // The app lists only b now (a fell off its list): a stays, marked from before the reload.
    expect(earlierAfterList(kept, [], [b]).map((x) => x.entry.id)).toEqual([1]);
    expect(earlierAfterList(kept, [], [a, b])).toEqual([]);
  });

  it('an app that lists none of the reports listed before restarted: they become earlier ones, even with reused ids', () => {
    const afresh = entry(1, '2026-12-05T11:00:00.000Z');
    const earlier = earlierAfterList([], [a, b], [afresh]);
    expect(earlier.map((x) => [x.entry.receivedAt, x.before])).toEqual([[a.receivedAt, 'restart'], [b.receivedAt, 'restart']]);
    // A reconnection to the same app (b still listed) moves nothing.
    expect(earlierAfterList([], [a, b], [b, entry(3, '2026-12-05T10:00:02.000Z')])).toEqual([]);
  });

  it(`keeps at most ${MAX_CLIENTS_KEPT}, the newest; damaged storage is nothing`, () => {
    const many = Array.from({ length: MAX_CLIENTS_KEPT + 7 }, (_, i) => entry(i + 1, new Date(Date.UTC(2026, 11, 5, 12, 0, i)).toISOString()));
    const kept = keptFromText(keepText([], many));
    expect(kept).toHaveLength(MAX_CLIENTS_KEPT);
    expect(kept[0].entry.id).toBe(8);
    expect(earlierAfterList([], many, [])).toHaveLength(MAX_CLIENTS_KEPT);
    expect(keptFromText('{not json')).toEqual([]);
    expect(keptFromText(JSON.stringify({ entries: [] }))).toEqual([]);
    expect(keptFromText(JSON.stringify([{ entry: { id: 'x' }, before: 'reload' }]))).toEqual([]);
  });
});
