// One side's end of the both-sides channel over a real MessageChannel: bytes in the order written even when a tap
// is slow over one write, the end after them, the control message, and the Lamport clock moved past the writer's.
import { describe, expect, it } from 'vitest';
import { channelEnd, LamportClock, type PortLike } from '../../src/ui/both-sides/channel.ts';

function pair(tap?: (d: Uint8Array) => Promise<Uint8Array> | Uint8Array) {
  const { port1, port2 } = new MessageChannel();
  const clocks = { a: new LamportClock(), b: new LamportClock() };
  const a = channelEnd<string>(port1 as unknown as PortLike, clocks.a, tap);
  const b = channelEnd<string>(port2 as unknown as PortLike, clocks.b);
  return { a, b, clocks, ports: [port1, port2] };
}

async function readAll(t: { read(): Promise<Uint8Array | null> }): Promise<number[][]> {
  const out: number[][] = [];
  for (let chunk = await t.read(); chunk; chunk = await t.read()) out.push([...chunk]);
  return out;
}

describe('the both-sides channel', () => {
  it('keeps the writes in order behind a slow tap, closes after them, and carries the clock', async () => {
    const slowFirst = async (d: Uint8Array) => {
      if (d[0] === 1) await new Promise((r) => setTimeout(r, 30));
      return d[0] === 2 ? Uint8Array.of(2, 2) : d;
    };
    const { a, b, clocks, ports } = pair(slowFirst);
    for (let i = 0; i < 5; i++) clocks.a.tick();
    const buffer = Uint8Array.of(1);
    const first = a.write(buffer);
    buffer[0] = 9; // the writer reuses its buffer at once: what was written stays written
    void a.write(Uint8Array.of(2));
    await a.write(Uint8Array.of(3));
    await first;
    await a.close();
    expect(await readAll(b)).toEqual([[1], [2, 2], [3]]);
    // Everything the reader records from now on is stamped after the writer's five events.
    expect(clocks.b.value).toBeGreaterThanOrEqual(5);
    expect(clocks.b.tick()).toBeGreaterThan(5);
    await b.close();
    ports.forEach((p) => p.close());
  });

  it('delivers the control message apart from the bytes, whichever comes first', async () => {
    const { a, b, ports } = pair();
    a.sendControl('trust this root');
    await a.write(Uint8Array.of(7));
    expect(await b.control()).toBe('trust this root');
    expect([...(await b.read())!]).toEqual([7]);
    await a.close();
    expect(await b.read()).toBeNull();
    expect(await b.read()).toBeNull();
    await expect(a.write(Uint8Array.of(1))).rejects.toThrow('transport closed');
    await b.close();
    ports.forEach((p) => p.close());
  });
});
