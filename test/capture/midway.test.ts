// Captures that begin after the TLS handshake started (tcpdump started late): real captures of s_client <->
// s_server with their first packets taken out. The stream has no ClientHello, yet its bytes are TLS records: they
// are shown (from the first record boundary when the capture begins inside a record), encrypted ones as
// encrypted, as tshark shows them; never "no TLS handshake found" with nothing decoded.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCapture, type CapturedPacket } from '../../src/capture/capture-file.ts';
import { parseKeyLog } from '../../src/capture/keylog.ts';
import { decodeStream, listingOf, type DecodedStream } from '../../src/capture/session.ts';
import { scanCapture, type TcpStream } from '../../src/capture/streams.ts';
import { usePki } from '../support/pki.ts';
import { TCP_FLAGS, isTcp, pcapFile, payloadOf, srcPort, tcpFrame, tcpPayloadLength, withPayload } from './frames.ts';
import { captureOpenssl, type CapturedRun, type ClientStep } from './helpers.ts';

const pki = usePki();
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

const steps: ClientStep[] = [...Array.from({ length: 4 }, (_, i) => ({ type: `line ${i} ${'y'.repeat(100)}\n` })), { serverType: 'hello from s_server\n' }];

interface Decoding {
  stream: TcpStream;
  decoded: DecodedStream;
}

async function decodeFrames(frames: CapturedPacket[], keyLog: string): Promise<Decoding> {
  const scan = await scanCapture([pcapFile(1, frames)]);
  expect(scan.streams).toHaveLength(1);
  return { stream: scan.streams[0], decoded: await decodeStream(scan.streams[0], { keyLog: parseKeyLog(keyLog) }) };
}

/** Each record's size, by the port that sent it (the stream's client/server guess does not matter here). */
function recordsByPort({ stream, decoded }: Decoding): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (const e of decoded.events) {
    if (e.kind !== 'record') continue;
    const port = e.direction === 'client' ? stream.client.port : stream.server.port;
    out.set(port, [...(out.get(port) ?? []), e.bytes.length / 2]);
  }
  return out;
}

for (const [version, serverArgs] of [
  ['1.3', ['-tls1_3']],
  ['1.2', ['-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-GCM-SHA256']],
] as const) {
  describe(`TLS ${version}: a capture that begins late`, () => {
    let run: CapturedRun;
    let keyLog: string;
    let frames: CapturedPacket[];
    let whole: Decoding;

    beforeAll(async () => {
      run = await captureOpenssl(pki, `midway-${version}`, [...serverArgs], [{ args: [], steps }]);
      dirs.push(run.dir);
      keyLog = fs.readFileSync(run.keyLog, 'utf8');
      frames = [];
      for await (const item of readCapture([new Uint8Array(fs.readFileSync(run.pcap))])) if (item.kind === 'packet' && isTcp(item.data)) frames.push({ ...item, data: item.data.slice() });
      whole = await decodeFrames(frames, keyLog);
      expect(whole.decoded.session.undecrypted).toEqual([]);
    }, 60_000);

    it('after the ClientHello: the ServerHello and every later record are shown, the encrypted ones as encrypted', async () => {
      const firstServerData = frames.findIndex((f) => srcPort(f.data) === run.serverPort && tcpPayloadLength(f.data) > 0);
      const late = await decodeFrames(frames.slice(firstServerData), keyLog);
      expect(late.decoded.start).toMatchObject({ kind: 'tls', midway: true });
      expect(listingOf(late.stream, late.decoded).tls).toBe(`TLS ${version}`);
      expect(late.decoded.events.some((e) => e.kind === 'handshake' && e.name === 'ServerHello')).toBe(true);
      // Every record the whole capture has after the ClientHello, each side.
      const all = recordsByPort(whole);
      const seen = recordsByPort(late);
      const clientPort = whole.stream.client.port;
      expect(seen.get(run.serverPort)).toEqual(all.get(run.serverPort));
      expect(seen.get(clientPort)).toEqual(all.get(clientPort)!.slice(1));
      // Nothing encrypted read as data, alerts or handshake messages; no decoding errors.
      expect(late.decoded.events.filter((e) => e.kind === 'app-data' || e.kind === 'alert' || e.kind === 'error')).toEqual([]);
      const messages = late.decoded.events.flatMap((e) => (e.kind === 'handshake' ? [e.name] : []));
      expect(messages).toEqual(version === '1.3' ? ['ServerHello'] : ['ServerHello', 'Certificate', 'ServerKeyExchange', 'ServerHelloDone', 'ClientKeyExchange', 'NewSessionTicket']);
      expect(late.decoded.session.undecrypted.map((u) => u.reason)).toEqual(['the handshake is not in the capture', 'the handshake is not in the capture']);
    });

    it('inside a record of application data: read from the next record boundary on, all of it encrypted', async () => {
      // The capture begins 7 bytes into the client's second line (its first bytes: the rest of a record header).
      const lines = frames.map((f, i) => ({ f, i })).filter(({ f }) => srcPort(f.data) !== run.serverPort && payloadOf(f.data)[0] === 23 && tcpPayloadLength(f.data) > 100);
      const { f, i } = lines[1];
      const cut = withPayload(f.data, 7, payloadOf(f.data).subarray(7));
      const late = await decodeFrames([{ ...f, data: cut }, ...frames.slice(i + 1)], keyLog);
      expect(late.decoded.start).toMatchObject({ kind: 'tls', midway: true });
      const all = recordsByPort(whole);
      const seen = recordsByPort(late);
      const clientPort = whole.stream.client.port;
      const clientAll = all.get(clientPort)!;
      // The cut record is skipped; the client's later records are all there.
      const clientSeen = seen.get(clientPort)!;
      expect(clientSeen.length).toBeGreaterThan(1);
      expect(clientSeen).toEqual(clientAll.slice(clientAll.length - clientSeen.length));
      expect(clientAll.length - clientSeen.length).toBeGreaterThanOrEqual(1);
      expect(late.decoded.events.filter((e) => e.kind === 'app-data' || e.kind === 'alert' || e.kind === 'handshake' || e.kind === 'error')).toEqual([]);
      expect(late.decoded.events.filter((e) => e.kind === 'record').every((e) => e.kind === 'record' && e.epoch === 'application')).toBe(true);
    });
  });
}

describe('who is the server when the capture did not see the SYN', () => {
  it('the endpoint with the lower port, whichever spoke first', async () => {
    const server = { src: '10.0.0.2', dst: '10.0.0.1', sport: 443, dport: 51000 };
    const data = new Uint8Array([23, 3, 3, 0, 20, ...new Array(20).fill(7)]);
    const frames = [
      { time: 1000, data: tcpFrame({ ...server, seq: 100, ack: 200, flags: TCP_FLAGS.ack | TCP_FLAGS.psh, payload: data }) },
      { time: 1001, data: tcpFrame({ src: server.dst, dst: server.src, sport: server.dport, dport: server.sport, seq: 200, ack: 125, flags: TCP_FLAGS.ack | TCP_FLAGS.psh, payload: data }) },
    ];
    const scan = await scanCapture([pcapFile(1, frames)]);
    expect(scan.streams[0].server).toEqual({ address: '10.0.0.2', port: 443 });
    expect(scan.streams[0].client).toEqual({ address: '10.0.0.1', port: 51000 });
    const decoded = await decodeStream(scan.streams[0]);
    expect(decoded.events.filter((e) => e.kind === 'record').map((e) => e.kind === 'record' && e.direction)).toEqual(['server', 'client']);
    expect(decoded.events.some((e) => e.kind === 'app-data')).toBe(false);
  });
});
