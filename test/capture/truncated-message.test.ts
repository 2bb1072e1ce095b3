// A handshake message cut between two of its records: with s_server -max_send_frag 512 the TLS 1.2 Certificate
// (RSA leaf) spans two records. A capture that ends after the first of them (tcpdump stopped there), or that
// record pasted into `tls-lens decode`, holds whole records and half a message: that must be said, with the
// message's name and how much of it came, not pass as a complete decode.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCapture, type CapturedPacket } from '../../src/capture/capture-file.ts';
import { parseKeyLog } from '../../src/capture/keylog.ts';
import { decodeStream } from '../../src/capture/session.ts';
import { scanCapture } from '../../src/capture/streams.ts';
import { spawnSServer } from '../tls/helpers.ts';
import { usePki } from '../support/pki.ts';
import { isTcp, pcapFile, payloadOf, srcPort, tcpPayloadLength, withPayload } from './frames.ts';
import { runSClient, startTcpdump, tempDir, tsharkStreams } from './helpers.ts';

const BIN = path.resolve(__dirname, '../../bin/tls-lens.js');
const pki = usePki();
let dir: string;
let port: number;
let pcap: string;
let keyLog: string;
let frames: CapturedPacket[];

beforeAll(async () => {
  dir = tempDir('cut-message');
  pcap = path.join(dir, 'frag.pcap');
  keyLog = path.join(dir, 'keys.log');
  const server = await spawnSServer(['-cert', pki.rsaCert, '-key', pki.rsaKey, '-CAfile', pki.rootPem, '-tls1_2', '-max_send_frag', '512']);
  port = server.port;
  const dump = await startTcpdump(pcap, port);
  try {
    await runSClient(port, ['-keylogfile', keyLog, '-CAfile', pki.rootPem], [{ type: 'hello\n' }], server);
  } finally {
    await dump.stop();
    await server.stop();
  }
  frames = [];
  for await (const item of readCapture([new Uint8Array(fs.readFileSync(pcap))])) if (item.kind === 'packet' && isTcp(item.data)) frames.push({ ...item, data: item.data.slice() });
}, 60_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The server's first flight: its frame's index, and the records in it (offset, whole record). */
function serverFlight() {
  const index = frames.findIndex((f) => srcPort(f.data) === port && tcpPayloadLength(f.data) > 0);
  const payload = payloadOf(frames[index].data);
  const records: { at: number; bytes: Uint8Array }[] = [];
  for (let at = 0; at + 5 <= payload.length; ) {
    const end = at + 5 + ((payload[at + 3] << 8) | payload[at + 4]);
    records.push({ at, bytes: payload.subarray(at, end) });
    at = end;
  }
  return { index, payload, records };
}

describe('a handshake message cut between its records', () => {
  it('a capture that ends after the Certificate\'s first record says so, as tshark sizes the message', async () => {
    const { index, payload, records } = serverFlight();
    // Record 0: ServerHello; record 1: the Certificate's first 512 bytes (its message header says the rest).
    expect(records[1].bytes[5]).toBe(11);
    const certificateLength = (records[1].bytes[6] << 16) | (records[1].bytes[7] << 8) | records[1].bytes[8];
    expect(certificateLength).toBeGreaterThan(512);
    expect(tsharkStreams(pcap, port, keyLog).get(0)!.messages).toContainEqual({ direction: 'server', type: 11, length: certificateLength });
    const cutAt = records[2].at;
    const cut = [...frames.slice(0, index), { ...frames[index], data: withPayload(frames[index].data, 0, payload.subarray(0, cutAt)) }];
    const scan = await scanCapture([pcapFile(1, cut)]);
    const d = await decodeStream(scan.streams[0], { keyLog: parseKeyLog(fs.readFileSync(keyLog, 'utf8')) });
    const errors = d.events.flatMap((e) => (e.kind === 'error' ? [`${e.code}: ${e.message}`] : []));
    expect(errors).toEqual([`TRUNCATED_MESSAGE: the server's handshake data ends in the middle of a Certificate message (${512 - 4} of its ${certificateLength} bytes)`]);
    expect(d.events.filter((e) => e.kind === 'handshake').map((e) => e.kind === 'handshake' && e.name)).toEqual(['ClientHello', 'ServerHello']);
  });

  it('tls-lens decode of that record alone: the cut message is an error, not a clean decode', async () => {
    const { records } = serverFlight();
    const hex = Buffer.from(records[1].bytes).toString('hex');
    const r = await new Promise<{ code: number; stdout: string }>((resolve) =>
      execFile('node', [BIN, 'decode', hex, '--json'], { timeout: 60_000 }, (err, stdout) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout })),
    );
    expect(r.code).toBe(1);
    const events = JSON.parse(r.stdout).events as { kind: string; code?: string; message?: string }[];
    expect(events.filter((e) => e.kind === 'error').map((e) => e.code)).toEqual(['TRUNCATED_MESSAGE']);
    expect(events.find((e) => e.kind === 'error')!.message).toMatch(/Certificate message \(508 of its \d+ bytes\)/);
  }, 60_000);
});
