// `tls-lens decode`: a ClientHello record and a ServerHello taken from a real capture, pasted as xxd, hexdump -C,
// plain, spaced and 0x-prefixed hex; the JA3 fingerprint equals tshark's for the same ClientHello.
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCapture } from '../../src/capture/capture-file.ts';
import { parseHexInput } from '../../src/capture/hex-input.ts';
import { decodeStream } from '../../src/capture/session.ts';
import { scanCapture } from '../../src/capture/streams.ts';
import { usePki } from '../support/pki.ts';
import { captureOpenssl, type CapturedRun } from './helpers.ts';

const BIN = path.resolve(__dirname, '../../bin/tls-lens.js');
const pki = usePki();
let run: CapturedRun;
let clientHelloRecord: Buffer;
let serverHello: Buffer;

beforeAll(async () => {
  run = await captureOpenssl(pki, 'decode', ['-tls1_3'], [{ args: ['-alpn', 'h2,http/1.1'] }]);
  const scan = await scanCapture(fs.createReadStream(run.pcap));
  const d = await decodeStream(scan.streams[0]);
  const record = d.events.find((e) => e.kind === 'record' && e.direction === 'client');
  const sh = d.events.find((e) => e.kind === 'handshake' && e.name === 'ServerHello');
  clientHelloRecord = Buffer.from(record && record.kind === 'record' ? record.bytes : '', 'hex');
  serverHello = Buffer.from(sh && sh.kind === 'handshake' ? sh.bytes : '', 'hex');
}, 60_000);
afterAll(() => fs.rmSync(run.dir, { recursive: true, force: true }));

function decode(args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile('node', [BIN, 'decode', ...args], { timeout: 60_000 }, (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
    if (input !== undefined) child.stdin!.end(input);
  });
}

describe('tls-lens decode', () => {
  it('reads the same bytes from xxd, hexdump -C, plain, spaced and 0x-prefixed hex', () => {
    const file = path.join(run.dir, 'ch.bin');
    fs.writeFileSync(file, clientHelloRecord);
    const forms = [
      execFileSync('xxd', [file]).toString(),
      execFileSync('hexdump', ['-C', file]).toString(),
      clientHelloRecord.toString('hex'),
      clientHelloRecord.toString('hex').replace(/(..)/g, '$1 '),
      [...clientHelloRecord].map((b) => `0x${b.toString(16).padStart(2, '0')}`).join(', '),
    ];
    for (const text of forms) expect(Buffer.from(parseHexInput(text))).toEqual(clientHelloRecord);
    expect(() => parseHexInput('16 03 zz')).toThrow(/'z' is not a hex digit/);
  });

  it("reads Wireshark's hex dump layout (tshark -x of the SYN frame) byte for byte", async () => {
    const dump = execFileSync('tshark', ['-r', run.pcap, '-x', '-Y', 'tcp.flags.syn == 1 && tcp.flags.ack == 0'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString();
    let syn: Uint8Array | undefined;
    for await (const item of readCapture(fs.createReadStream(run.pcap))) {
      if (item.kind === 'packet' && item.data.length > 47 && item.data[23] === 6 && (item.data[47] & 0x12) === 0x02) {
        syn = item.data;
        break;
      }
    }
    expect(dump).toMatch(/^0000 {2}/);
    expect(Buffer.from(parseHexInput(dump))).toEqual(Buffer.from(syn!));
  });

  it('a ClientHello record from stdin (xxd): the field tree, and JA3 as tshark computes it', async () => {
    const file = path.join(run.dir, 'ch.bin');
    fs.writeFileSync(file, clientHelloRecord);
    const r = await decode(['-', '--json'], execFileSync('xxd', [file]).toString());
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json).toMatchObject({ what: 'records', direction: 'client' });
    const hello = json.events.find((e: { kind: string }) => e.kind === 'handshake');
    expect(hello.name).toBe('ClientHello');
    expect(JSON.stringify(hello.fields)).toContain('localhost');
    const tshark = execFileSync('tshark', ['-r', run.pcap, '-Y', 'tls.handshake.type == 1', '-T', 'fields', '-e', 'tls.handshake.ja3', '-e', 'tls.handshake.ja3_full'], { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim()
      .split('\t');
    expect(json.fingerprints[0].ja3).toBe(tshark[0]);
    expect(json.fingerprints[0].ja3Text).toBe(tshark[1]);
    // JA4: TCP, TLS 1.3, a name (SNI), ALPN h2 -> "h2".
    expect(json.fingerprints[0].ja4).toMatch(/^t13d\d{4}h2_[0-9a-f]{12}_[0-9a-f]{12}$/);
  });

  it('one handshake message without its record (a ServerHello), in the text view', async () => {
    const r = await decode([serverHello.toString('hex')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/handshake message from the server/);
    expect(r.stdout).toMatch(/ServerHello/);
    expect(r.stdout).toMatch(/cipher_suite = TLS_AES_256_GCM_SHA384/);
  });

  it('bad input: not hex, not TLS, or cut short — a plain message, never a crash', async () => {
    const notHex = await decode(['hello', '--json']);
    expect(notHex.code).toBe(2);
    expect(JSON.parse(notHex.stdout).error.code).toBe('NOT_HEX');
    const notTls = await decode(['474554202f20485454502f312e310d0a']);
    expect(notTls.code).toBe(1);
    expect(notTls.stderr).toMatch(/neither TLS records .* nor one handshake message/);
    const cut = await decode([clientHelloRecord.subarray(0, 100).toString('hex'), '--json']);
    expect(cut.code).toBe(1);
    const events = JSON.parse(cut.stdout).events as { kind: string; code?: string }[];
    expect(events.some((e) => e.kind === 'error' && e.code === 'TRUNCATED_RECORD')).toBe(true);
  });
});
