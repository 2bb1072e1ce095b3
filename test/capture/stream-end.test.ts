// A stream is handed on (its decoding finished) as soon as both directions closed — each FIN seen with every byte
// before it, or an RST — not only when its ports are reused or the capture ends; so a capture with many streams
// open at once lets go of each one early. Captures generated here, packet by packet.
import { describe, expect, it } from 'vitest';
import { importCapture } from '../../src/capture/import.ts';
import { readTcpStreams } from '../../src/capture/streams.ts';
import { pcapFile, TCP_FLAGS, tcpFrame } from './frames.ts';

const { fin, syn, rst, psh } = TCP_FLAGS;
const CLIENT = '10.0.0.1';
const SERVER = '10.0.0.2';
const ISN = { client: 1000, server: 5000 };

/** One connection's packets, written as steps; each returns the frame for the current sequence numbers. */
function connection(port: number) {
  const seq = { client: ISN.client, server: ISN.server };
  const frame = (from: 'client' | 'server', flags: number, payload = new Uint8Array(0), at = seq[from]) => {
    const to = from === 'client' ? 'server' : 'client';
    const f = tcpFrame({ src: from === 'client' ? CLIENT : SERVER, dst: from === 'client' ? SERVER : CLIENT, sport: from === 'client' ? port : 443, dport: from === 'client' ? 443 : port, seq: at, ack: flags & syn && from === 'client' ? undefined : seq[to], flags, payload });
    return f;
  };
  return {
    open: () => {
      const a = frame('client', syn);
      seq.client++;
      const b = frame('server', syn);
      seq.server++;
      return [a, b, frame('client', 0)];
    },
    send(from: 'client' | 'server', text: string) {
      const data = new TextEncoder().encode(text);
      const f = frame(from, psh, data);
      seq[from] += data.length;
      return f;
    },
    /** A data segment sent at the current position without advancing (to replay it later, out of order). */
    sendLater(from: 'client' | 'server', text: string) {
      const data = new TextEncoder().encode(text);
      const at = seq[from];
      seq[from] += data.length;
      return () => frame(from, psh, data, at);
    },
    fin(from: 'client' | 'server') {
      const f = frame(from, fin);
      seq[from]++;
      return f;
    },
    rst: (from: 'client' | 'server') => frame(from, rst),
    ack: (from: 'client' | 'server') => frame(from, 0),
  };
}

/** Packets of a pcap, stamped one millisecond apart. */
const capture = (frames: Uint8Array[]) => pcapFile(1, frames.map((data, i) => ({ time: 1_700_000_000_000 + i, data })));

/** Read the capture, logging when each stream ends, by the number of packets read so far. */
async function endings(file: Uint8Array) {
  const ends: { stream: number; afterPacket: number; bytes: { client: number; server: number }; gaps: number }[] = [];
  let packets = 0;
  await readTcpStreams([file], {
    open: (stream) => ({ data() {}, end: () => void ends.push({ stream: stream.index, afterPacket: packets, bytes: { ...stream.bytes }, gaps: stream.gaps }) }),
    afterPacket() {
      packets++;
      return undefined;
    },
  });
  return ends;
}

describe('a stream ends when both directions closed', () => {
  it('many streams open at once, closed in reverse order: each handed on right after its last FIN, in closing order', async () => {
    const N = 12;
    const conns = Array.from({ length: N }, (_, i) => connection(40000 + i));
    const frames: Uint8Array[] = [];
    const lastFinAt: number[] = [];
    for (const c of conns) frames.push(...c.open());
    conns.forEach((c, i) => frames.push(c.send('client', `request ${i}\n`), c.send('server', `response ${i}\n`)));
    for (let i = N - 1; i >= 0; i--) {
      frames.push(conns[i].fin('client'), conns[i].fin('server'));
      lastFinAt[i] = frames.length;
      frames.push(conns[i].ack('client'));
    }
    const file = capture(frames);
    const ends = await endings(file);
    // Stream i ends while the packet after its second FIN has not been read yet (afterPacket counts finished packets).
    expect(ends.map((e) => e.stream)).toEqual(Array.from({ length: N }, (_, i) => N - 1 - i));
    ends.forEach((e) => expect(e.afterPacket).toBe(lastFinAt[e.stream] - 1));
    expect(ends.every((e) => e.gaps === 0)).toBe(true);

    // importCapture hands each decoded stream on in the same order, each with both directions' data.
    const order: number[] = [];
    const result = await importCapture([file], { onStream: (s, d) => {
      order.push(s.index);
      expect(d.start.kind).toBe('unknown');
      expect(s.bytes).toEqual({ client: `request ${s.index}\n`.length, server: `response ${s.index}\n`.length });
    } });
    expect(order).toEqual(ends.map((e) => e.stream));
    // The final ACKs, read after each stream ended, still count in its packets: SYN, SYN-ACK, ACK, 2 data, 2 FIN, ACK.
    expect(result.streams.map((s) => s.stream.packets)).toEqual(Array(N).fill(8));
  });

  it('a FIN that arrives before the data in front of it: the stream waits for that data, no gap', async () => {
    const c = connection(40100);
    const frames = [...c.open(), c.send('client', 'hello\n')];
    const late = c.sendLater('server', 'the reply that the capture recorded late\n');
    frames.push(c.fin('server'), c.fin('client'));
    const beforeLate = frames.length;
    frames.push(late(), c.ack('client'), ...connection(40101).open());
    const [end] = await endings(capture(frames));
    expect(end).toMatchObject({ stream: 0, afterPacket: beforeLate, gaps: 0 });
    expect(end.bytes.server).toBe('the reply that the capture recorded late\n'.length);
  });

  it('one FIN only: the stream stays open until the capture ends', async () => {
    const c = connection(40200);
    const frames = [...c.open(), c.send('client', 'hello\n'), c.fin('client'), c.send('server', 'still talking\n')];
    const [end] = await endings(capture(frames));
    expect(end.afterPacket).toBe(frames.length);
  });

  it('an RST ends the stream at once; a data segment still held becomes a gap', async () => {
    const c = connection(40300);
    const frames = [...c.open(), c.send('client', 'hello\n')];
    c.sendLater('server', 'lost\n');
    frames.push(c.send('server', 'after the lost one\n'), c.rst('client'));
    const rstAt = frames.length;
    frames.push(c.ack('server'));
    const [end] = await endings(capture(frames));
    expect(end).toMatchObject({ stream: 0, afterPacket: rstAt - 1, gaps: 1 });
  });
});
