// The store's one-update draw of a new connection (reset with its first events, as worker-client.ts's drawConnect
// does) gives the same trace, rows and cursor as a reset followed by an append; afterConnecting waits for a pressed
// Connect (setConnectPending) and a 'connecting' status to end; a pressed Connect is marked without a store update.
import { describe, expect, it } from 'vitest';
import { afterConnecting, isConnectPending, onConnectPending, setConnectPending, useTrace } from '../../src/ui/store.ts';
import { recordRealTrace } from './real-trace.ts';

describe('the store', () => {
  it('draws a connection with its first events in one update, as reset then append would', async () => {
    const { events } = await recordRealTrace();
    const plain = JSON.parse(JSON.stringify(events));
    const s = useTrace.getState();
    s.reset('live', 'a:1');
    s.append(JSON.parse(JSON.stringify(plain)), { status: 'connected' });
    const twoSteps = useTrace.getState();
    const expected = { events: twoSteps.events, rows: twoSteps.rows, cursor: twoSteps.cursor, status: twoSteps.status, follow: twoSteps.follow };
    let updates = 0;
    const stop = useTrace.subscribe(() => updates++);
    useTrace.getState().reset('live', 'a:1', { status: 'connected' }, JSON.parse(JSON.stringify(plain)));
    stop();
    const one = useTrace.getState();
    expect(updates).toBe(1);
    expect(one.rows.length).toBeGreaterThan(5);
    expect({ events: one.events, rows: one.rows, cursor: one.cursor, status: one.status, follow: one.follow }).toEqual(expected);
    // With no events: an empty trace and no row under the cursor.
    useTrace.getState().reset('live', 'b:2');
    expect(useTrace.getState().cursor).toBe(-1);
    expect(useTrace.getState().events).toEqual([]);
  });

  it('runs afterConnecting once no connection is connecting, a pressed one not yet drawn included', async () => {
    useTrace.getState().reset('live', 'a:1', { status: 'closed' });
    const ran: string[] = [];
    afterConnecting(() => ran.push('at once'));
    expect(ran).toEqual(['at once']);
    setConnectPending(true);
    afterConnecting(() => ran.push('after'));
    // The draw: still connecting.
    useTrace.getState().reset('live', 'b:2', { status: 'connecting' });
    await new Promise((r) => setTimeout(r, 5));
    expect(ran).toEqual(['at once']);
    useTrace.getState().setStatus('connected');
    await new Promise((r) => setTimeout(r, 5));
    expect(ran).toEqual(['at once', 'after']);
    useTrace.getState().setStatus('closed');
    await new Promise((r) => setTimeout(r, 5));
    expect(ran).toEqual(['at once', 'after']);
  });

  it('marks a pressed Connect without a store update, and the draw clears it after its one update', () => {
    useTrace.getState().reset('live', 'a:1', { status: 'closed' });
    let storeUpdates = 0;
    const seen: string[] = [];
    const stopStore = useTrace.subscribe(() => storeUpdates++);
    const stopPending = onConnectPending(() => seen.push(`pending ${isConnectPending()} with status ${useTrace.getState().status}`));
    setConnectPending(true);
    // The press: no view's selector runs.
    expect(storeUpdates).toBe(0);
    expect(seen).toEqual(['pending true with status closed']);
    // The draw: the store's update sees no pending Connect, and the pending listeners hear of it after that update.
    const pendingDuringUpdate: boolean[] = [];
    const stopProbe = useTrace.subscribe(() => pendingDuringUpdate.push(isConnectPending()));
    useTrace.getState().reset('live', 'b:2', { status: 'connected' });
    expect(storeUpdates).toBe(1);
    expect(pendingDuringUpdate).toEqual([false]);
    expect(seen).toEqual(['pending true with status closed', 'pending false with status connected']);
    stopStore();
    stopPending();
    stopProbe();
  });
});
