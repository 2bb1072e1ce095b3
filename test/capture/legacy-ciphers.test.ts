// RC4-128 and 3DES-EDE-CBC sessions in TLS 1.0, 1.1 and 1.2, as old devices (Windows CE / Windows Mobile era,
// embedded systems) spoke them: real captures (tcpdump) of GnuTLS peers, gnutls-cli <-> gnutls-serv --echo, with
// gnutls-cli's NSS key log (gnutls-capture.ts; OpenSSL 3 here has neither cipher without its legacy provider).
// Each is decrypted both ways, every record's MAC and both Finished checked, and compared with tshark's decryption
// of the same file; a record altered fails its MAC, saying so. RC4's keystream runs on across a direction's records:
// with a record cut out of the capture the record after it is tried at each count of records the lost bytes could
// hold, its MAC deciding, and decryption goes on (test/capture/rc4-gap.test.ts tries more, and what cannot be). TLS 1.0's 3DES chains its 8-byte IVs from record to
// record: a record cut out takes the next one's IV with it, and the one after that opens again.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCapture, type CapturedPacket } from '../../src/capture/capture-file.ts';
import { importCapture } from '../../src/capture/import.ts';
import { parseKeyLog } from '../../src/capture/keylog.ts';
import { decodeStream, type DecodedStream } from '../../src/capture/session.ts';
import { scanCapture } from '../../src/capture/streams.ts';
import { createVerifier } from '../../src/x509/verifier.ts';
import type { RecordEvent } from '../../src/trace/types.ts';
import { usePki } from '../support/pki.ts';
import { isTcp, pcapFile, payloadOf, srcPort } from './frames.ts';
import { captureGnutls } from './gnutls-capture.ts';
import { ours, scribbled, traces, tsharkStreams, withNodeCrypto, type CapturedRun } from './helpers.ts';

const BIN = path.resolve(__dirname, '../../bin/tls-lens.js');
const pki = usePki();
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** What gnutls-cli types, a line (and so a record) at a time; gnutls-serv --echo sends each back. */
const LINES = ['the first line from the client', `a longer one ${'r'.repeat(3000)}`, 'the third line', 'the fourth, after the third', 'the last line'];
const SENT = LINES.map((l) => `${l}\n`);

interface Case {
  version: '1.0' | '1.1' | '1.2';
  suite: string;
  /** GnuTLS's names: cipher, MAC, key exchange; `extra` is added to the priority string. */
  gnutls: [cipher: string, mac: string, kx: string, extra?: string];
  /** The server's certificate: RSA, or the P-256 leaf for ECDHE_ECDSA. */
  ecdsa?: boolean;
  etm?: boolean;
}

const CASES: Case[] = [
  { version: '1.0', suite: 'TLS_RSA_WITH_RC4_128_SHA', gnutls: ['ARCFOUR-128', 'SHA1', 'RSA'] },
  { version: '1.1', suite: 'TLS_RSA_WITH_RC4_128_MD5', gnutls: ['ARCFOUR-128', 'MD5', 'RSA'] },
  { version: '1.2', suite: 'TLS_ECDHE_RSA_WITH_RC4_128_SHA', gnutls: ['ARCFOUR-128', 'SHA1', 'ECDHE-RSA'] },
  { version: '1.2', suite: 'TLS_ECDHE_ECDSA_WITH_RC4_128_SHA', gnutls: ['ARCFOUR-128', 'SHA1', 'ECDHE-ECDSA'], ecdsa: true },
  { version: '1.0', suite: 'TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA', gnutls: ['3DES-CBC', 'SHA1', 'ECDHE-RSA'], etm: true },
  { version: '1.0', suite: 'TLS_RSA_WITH_3DES_EDE_CBC_SHA', gnutls: ['3DES-CBC', 'SHA1', 'RSA', ':%NO_ETM'] },
  { version: '1.1', suite: 'TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA', gnutls: ['3DES-CBC', 'SHA1', 'DHE-RSA', ':%NO_ETM'] },
  { version: '1.2', suite: 'TLS_RSA_WITH_3DES_EDE_CBC_SHA', gnutls: ['3DES-CBC', 'SHA1', 'RSA'], etm: true },
  { version: '1.2', suite: 'TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA', gnutls: ['3DES-CBC', 'SHA1', 'ECDHE-ECDSA', ':%NO_ETM'], ecdsa: true },
];

const priority = (c: Case) => {
  const [cipher, mac, kx, extra = ''] = c.gnutls;
  return `NORMAL:-VERS-ALL:+VERS-TLS${c.version}:-CIPHER-ALL:+${cipher}:-MAC-ALL:+${mac}:-KX-ALL:+${kx}${extra}`;
};

interface Run {
  run: CapturedRun;
  keyLogText: string;
  decoded: DecodedStream;
}

async function capture(c: Case, lines = LINES): Promise<Run> {
  const [cert, key] = c.ecdsa ? [pki.leafCert, pki.leafKey] : [pki.rsaCert, pki.rsaKey];
  const run = await captureGnutls(`legacy-${c.suite.toLowerCase()}-${c.version}`, { priority: priority(c), cert, key, caFile: pki.rootPem, lines });
  dirs.push(run.dir);
  const keyLogText = fs.readFileSync(run.keyLog, 'utf8');
  const scan = await scanCapture(fs.createReadStream(run.pcap));
  expect(scan.streams.length).toBe(1);
  const decoded = await decodeStream(scan.streams[0], { keyLog: parseKeyLog(keyLogText), verifier: createVerifier({ anchors: [pki.rootDer] }) });
  return { run, keyLogText, decoded };
}

/** The capture's file decoded again the import's two ways, with the run's key log: they must agree. */
async function importedBothWays(r: Run, file: string): Promise<DecodedStream> {
  const slow = await importCapture([new Uint8Array(fs.readFileSync(file))], { keyLog: parseKeyLog(r.keyLogText) });
  expect(slow.streams.length).toBe(1);
  const fast = await withNodeCrypto(() => importCapture(scribbled(file, 1024), { keyLog: parseKeyLog(r.keyLogText) }));
  expect(traces(fast)).toEqual(traces(slow));
  return slow.streams[0].decoded!;
}

/** The capture's packets, each copied (the reader reuses its buffer). */
async function packetsOf(pcap: string): Promise<CapturedPacket[]> {
  const frames: CapturedPacket[] = [];
  for await (const item of readCapture([new Uint8Array(fs.readFileSync(pcap))])) if (item.kind === 'packet') frames.push({ ...item, data: item.data.slice() });
  return frames;
}

/** The capture without the segment carrying `side`'s line `n` (the client's, or the server's echo of it). */
function withoutLine(r: Run, frames: CapturedPacket[], side: 'client' | 'server', n: number): string {
  const lines = frames.map((f, i) => ({ f, i })).filter(({ f }) => isTcp(f.data) && (srcPort(f.data) === r.run.serverPort) === (side === 'server') && payloadOf(f.data)[0] === 23);
  expect(lines).toHaveLength(LINES.length);
  const file = path.join(r.run.dir, `without-${side}-${n}.pcap`);
  fs.writeFileSync(file, pcapFile(1, frames.filter((_, i) => i !== lines[n].i)));
  return file;
}

const records = (d: DecodedStream, side: 'client' | 'server') => d.events.filter((e): e is RecordEvent => e.kind === 'record' && e.direction === side && e.protection !== undefined);
const text = (d: DecodedStream, side: 'client' | 'server') => d.events.flatMap((e) => (e.kind === 'app-data' && e.direction === side ? [Buffer.from(e.bytes, 'hex').toString()] : []));
const errors = (d: DecodedStream) => d.events.flatMap((e) => (e.kind === 'error' ? [e] : []));

for (const c of CASES) {
  const rc4 = c.suite.includes('_RC4_');
  describe(`TLS ${c.version}, ${c.suite}${c.etm ? ' (encrypt-then-MAC)' : ''}`, () => {
    let r: Run;
    beforeAll(async () => {
      r = await capture(c);
    }, 90_000);

    it('is decrypted both ways, every MAC and both Finished checked, as tshark decrypts it', () => {
      const d = r.decoded;
      expect(d.session.version).toBe(c.version);
      expect(d.session.cipherSuite).toBe(c.suite);
      expect(errors(d)).toEqual([]);
      expect(d.session.undecrypted).toEqual([]);
      expect(text(d, 'client')).toEqual(SENT);
      expect(text(d, 'server')).toEqual(SENT);
      // Both Finished: decrypted (the first record under the new keys) and matching the transcript.
      expect(d.events.flatMap((e) => (e.kind === 'finished' ? [`${e.direction} ${e.ok}`] : []))).toEqual(['client true', 'server true']);
      // The handshake read in full (the key exchange's messages too), its chain checked.
      expect(d.events.some((e) => e.kind === 'note' && /not decoded/.test(e.text))).toBe(false);
      expect(d.events.some((e) => e.kind === 'cert-result' && e.ok)).toBe(true);
      // tshark's decryption of the same file with the same key log.
      const theirs = tsharkStreams(r.run.pcap, r.run.serverPort, r.run.keyLog).get(0)!;
      expect(theirs.data.client.length).toBeGreaterThan(0);
      expect(ours(d).data).toEqual(theirs.data);
      expect(ours(d).messages.map((m) => `${m.direction} ${m.type}:${m.length}`)).toEqual(theirs.messages.map((m) => `${m.direction} ${m.type}:${m.length}`));
    });

    it(rc4 ? 'shows each record with no IV and no padding, its MAC header as the additional data' : 'shows each record with its 8-byte IV and its padding', () => {
      const d = r.decoded;
      for (const side of ['client', 'server'] as const) {
        const list = records(d, side);
        // Finished, five lines, close_notify.
        expect(list.length).toBe(7);
        list.forEach((rec, i) => {
          const p = rec.protection!;
          expect(p.cipherSuite).toBe(c.etm ? `${c.suite} (encrypt-then-MAC)` : c.suite);
          expect(rec.seq).toBe(i);
          // seq || type || version || length: the MAC's input before the content.
          expect(p.aad.slice(0, 16)).toBe(i.toString(16).padStart(16, '0'));
          expect(p.aad.slice(16, 22)).toBe(rec.bytes.slice(0, 6));
          if (rc4) {
            expect([p.iv, p.nonce, p.tag, p.paddingLength]).toEqual(['', '', '', 0]);
            // The whole fragment is ciphertext: content and MAC (20 bytes of HMAC-SHA1, 16 of HMAC-MD5) together.
            expect(p.ciphertext.length / 2).toBe(p.plaintext.length / 2 + (c.gnutls[1] === 'MD5' ? 16 : 20));
          } else {
            expect(p.iv.length).toBe(16);
            expect(p.paddingLength).toBeGreaterThan(0);
            expect((p.ciphertext.length / 2) % 8).toBe(0);
            expect(p.tag.length / 2).toBe(c.etm ? 20 : 0);
          }
        });
        if (!rc4 && c.version === '1.0') {
          // TLS 1.0: the first IV from the key block, each later one the last cipher block of the record before.
          const first = d.events.find((e) => e.kind === 'key' && e.name === `${side}_write_IV`);
          expect(list[0].protection!.iv).toBe(first && first.kind === 'key' ? first.output : 'none');
          const macHex = c.etm ? 40 : 0;
          for (let i = 1; i < list.length; i++) {
            const before = list[i - 1].bytes;
            expect(list[i].protection!.iv).toBe(before.slice(before.length - macHex - 16, before.length - macHex));
          }
        }
      }
      const keys = d.events.flatMap((e) => (e.kind === 'key' ? [e.name] : []));
      expect(keys).toEqual(expect.arrayContaining(['master_secret', 'key_block', 'client_write_key', c.version === '1.2' ? 'server_write_MAC_key' : 'server_write_MAC_secret']));
      expect(keys.includes('client_write_IV')).toBe(!rc4 && c.version === '1.0');
    });

    it("the import's fast way (node:crypto, a buffer read into again) decodes it exactly as the slow way", async () => {
      const d = await importedBothWays(r, r.run.pcap);
      expect(text(d, 'server')).toEqual(SENT);
    });

    it('a record altered in the capture fails its MAC check, said so; what came before stays decrypted', async () => {
      // The client's third line: a byte in the middle of its record flipped.
      const third = records(r.decoded, 'client')[3];
      expect(text(r.decoded, 'client')[2]).toBe(SENT[2]);
      const file = fs.readFileSync(r.run.pcap);
      const at = file.indexOf(Buffer.from(third.bytes, 'hex'));
      expect(at).toBeGreaterThan(0);
      file[at + 5 + Math.floor((third.bytes.length / 2 - 5) / 2)] ^= 0x01;
      const altered = path.join(r.run.dir, 'altered.pcap');
      fs.writeFileSync(altered, file);
      const d = await importedBothWays(r, altered);
      const problems = errors(d);
      expect(problems.map((e) => e.code)).toEqual(['KEY_DOES_NOT_DECRYPT']);
      expect(problems[0].message).toMatch(/^client record 3 .* failed its MAC (or padding )?check/);
      expect(text(d, 'client')).toEqual(SENT.slice(0, 2));
      expect(text(d, 'server')).toEqual(SENT);
    });
  });
}

describe('RC4 with a record cut out of the capture (TLS 1.0, TLS_RSA_WITH_RC4_128_SHA)', () => {
  let r: Run;
  let frames: CapturedPacket[];
  beforeAll(async () => {
    r = await capture(CASES[0]);
    frames = await packetsOf(r.run.pcap);
  }, 90_000);

  const withoutEcho = (n: number) => withoutLine(r, frames, 'server', n);

  it("picks RC4's keystream up again after the cut (the record lost counted, its MAC deciding); keeps the client's side", async () => {
    const d = await importedBothWays(r, withoutEcho(2));
    const problems = errors(d);
    expect(problems.map((e) => e.code)).toEqual(['CAPTURE_GAP']);
    expect(problems[0].message).toMatch(/RC4 is a stream cipher whose keystream runs on from one record to the next/);
    expect(d.events.some((e) => e.kind === 'note' && /^1 server record\(s\) were lost in the gap: the record after it opened at sequence number 4, RC4's keystream \d+ bytes on \(its MAC checked\)/.test(e.text))).toBe(true);
    // Everything but the line cut, and the other direction whole.
    expect(text(d, 'server')).toEqual([...SENT.slice(0, 2), ...SENT.slice(3)]);
    expect(text(d, 'client')).toEqual(SENT);
    expect(d.events.flatMap((e) => (e.kind === 'finished' ? [`${e.direction} ${e.ok}`] : []))).toEqual(['client true', 'server true']);
    expect(d.session.undecrypted).toEqual([]);
    expect(d.session.gaps).toEqual([expect.objectContaining({ direction: 'server', recordsLost: 1 })]);
    const afterCut = d.events.filter((e): e is RecordEvent => e.kind === 'record' && e.direction === 'server' && e.epoch === 'application' && !e.protection);
    expect(afterCut).toHaveLength(0);
  });

  it('tls-lens pcap shows the lines around the cut, and what the cut cost', () => {
    const file = withoutEcho(1);
    const json = JSON.parse(execFileSync('node', [BIN, 'pcap', file, '--keylog', r.run.keyLog, '--json'], { encoding: 'utf8', timeout: 120_000 }));
    expect(json.streams[0]).toMatchObject({ version: 'TLSv1', cipherSuite: 'TLS_RSA_WITH_RC4_128_SHA' });
    expect(JSON.stringify(json.streams[0].errors)).toMatch(/RC4 is a stream cipher/);
    expect(json.streams[0].gaps).toEqual([{ direction: 'server', bytes: expect.any(Number), recordsLost: 1 }]);
    expect(json.streams[0].undecrypted).toEqual([]);
    const out = execFileSync('node', [BIN, 'pcap', r.run.pcap, '--keylog', r.run.keyLog], { encoding: 'utf8', timeout: 120_000 });
    expect(out).toContain('| the first line from the client');
    expect(out).toContain('| the last line');
  });
});

describe('3DES in TLS 1.0 with a record cut out (TLS_RSA_WITH_3DES_EDE_CBC_SHA, MAC-then-encrypt)', () => {
  it("the next record's IV (the lost record's last 8-byte block) is gone: it is shown encrypted, the one after opens", async () => {
    const r = await capture(CASES[5]);
    const d = await importedBothWays(r, withoutLine(r, await packetsOf(r.run.pcap), 'client', 1));
    expect(errors(d).map((e) => e.code)).toEqual(['CAPTURE_GAP']);
    expect(d.events.some((e) => e.kind === 'note' && /is not decrypted: in TLS 1\.0 a record's IV is the last ciphertext block of the record before it/.test(e.text))).toBe(true);
    expect(d.events.some((e) => e.kind === 'note' && /^1 client record\(s\) were lost in the gap: the record after it \(after 1 record\(s\) found but not decrypted, their IV lost\)/.test(e.text))).toBe(true);
    // Line 1 lost, line 2 found without its IV; the rest, and the server's side, whole.
    expect(text(d, 'client')).toEqual([SENT[0], SENT[3], SENT[4]]);
    expect(text(d, 'server')).toEqual(SENT);
    expect(d.session.undecrypted).toEqual([expect.objectContaining({ direction: 'client', records: 1, reason: 'records were lost before them' })]);
  }, 90_000);
});

describe('3DES through the command line', () => {
  it('tls-lens pcap decrypts a TLS 1.1 3DES session', async () => {
    const r = await capture(CASES[6], ['one line for the CLI']);
    const json = JSON.parse(execFileSync('node', [BIN, 'pcap', r.run.pcap, '--keylog', r.run.keyLog, '--json'], { encoding: 'utf8', timeout: 120_000 }));
    expect(json.streams[0]).toMatchObject({ version: 'TLSv1.1', cipherSuite: 'TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA', undecrypted: [], errors: [] });
    const out = execFileSync('node', [BIN, 'pcap', r.run.pcap, '--keylog', r.run.keyLog], { encoding: 'utf8', timeout: 120_000 });
    expect(out.match(/\| one line for the CLI/g)).toHaveLength(2);
  }, 90_000);
});
