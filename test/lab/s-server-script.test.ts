// The step player behind the key-update scenario (server/lab/s-server-script.ts): a line is written only after the
// previous one's acknowledgement, and a step left unacknowledged past its deadline stops the script. Real s_server
// runs in key-update-stall.test.ts; here the order and the deadline are pinned line by line.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { lineSplitter, playScript, type ScriptStep } from '../../server/lab/s-server-script.ts';

const STEPS: ScriptStep[] = [
  { line: 'k\n', ack: /^SSL_do_handshake -> / },
  { line: 'text\n', ack: /^>>> .*RecordHeader/ },
  { line: 'K\n', ack: /^SSL_do_handshake -> / },
];

function harness(deadlineMs = 1000) {
  const written: string[] = [];
  const stuck: string[] = [];
  const player = playScript(STEPS, { write: (l) => written.push(l), stuck: (s) => stuck.push(s.line) }, deadlineMs);
  return { written, stuck, player };
}

describe('playScript', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('writes each line only after the acknowledgement of the one before', () => {
    const { written, player } = harness();
    player.line('SSL_do_handshake -> 1'); // before start: not an acknowledgement of anything
    expect(written).toEqual([]);
    player.start();
    player.start();
    expect(written).toEqual(['k\n']);
    player.line('>>> TLS 1.2, RecordHeader [length 0005]'); // not what "k" is acknowledged by
    expect(written).toEqual(['k\n']);
    player.line('SSL_do_handshake -> 1');
    expect(written).toEqual(['k\n', 'text\n']);
    player.line('  SSL_do_handshake -> 1'); // only at the start of a line
    expect(written).toEqual(['k\n', 'text\n']);
    player.line('>>> TLS 1.2, RecordHeader [length 0005]');
    player.line('SSL_do_handshake -> 1');
    player.line('SSL_do_handshake -> 1');
    expect(written).toEqual(['k\n', 'text\n', 'K\n']);
  });

  it('a step not acknowledged in time: stuck is called once and nothing more is written', () => {
    const { written, stuck, player } = harness(1000);
    player.start();
    player.line('SSL_do_handshake -> 1');
    vi.advanceTimersByTime(999);
    expect(stuck).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(stuck).toEqual(['text\n']);
    player.line('>>> TLS 1.2, RecordHeader [length 0005]');
    vi.advanceTimersByTime(5000);
    expect(written).toEqual(['k\n', 'text\n']);
    expect(stuck).toEqual(['text\n']);
  });

  it('each step has its own deadline, and a finished or stopped script has none', () => {
    const done = harness(1000);
    done.player.start();
    vi.advanceTimersByTime(900);
    done.player.line('SSL_do_handshake -> 1');
    vi.advanceTimersByTime(900);
    done.player.line('>>> TLS 1.3, RecordHeader');
    done.player.line('SSL_do_handshake -> 1');
    vi.advanceTimersByTime(5000);
    expect(done.written).toEqual(['k\n', 'text\n', 'K\n']);
    expect(done.stuck).toEqual([]);

    const stopped = harness(1000);
    stopped.player.start();
    stopped.player.stop();
    vi.advanceTimersByTime(5000);
    stopped.player.line('SSL_do_handshake -> 1');
    expect(stopped.written).toEqual(['k\n']);
    expect(stopped.stuck).toEqual([]);
  });
});

describe('lineSplitter', () => {
  it('gives whole lines across chunks, without their line ends', () => {
    const lines: string[] = [];
    const feed = lineSplitter((l) => lines.push(l));
    feed('ACCEPT 127.0.0.1:4');
    expect(lines).toEqual([]);
    feed('4433\nCIPHER is TLS_AES_256_GCM_SHA384\r\nSSL_do_');
    feed('handshake -> 1\n');
    expect(lines).toEqual(['ACCEPT 127.0.0.1:44433', 'CIPHER is TLS_AES_256_GCM_SHA384', 'SSL_do_handshake -> 1']);
  });

  it('keeps only the tail of an endless line', () => {
    const lines: string[] = [];
    const feed = lineSplitter((l) => lines.push(l));
    for (let i = 0; i < 100; i++) feed('x'.repeat(1024));
    feed('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0].length).toBe(16 * 1024);
  });
});
