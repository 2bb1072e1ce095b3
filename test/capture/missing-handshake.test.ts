// Captures that lack the start of the handshake: tcpdump with a snap length of 200 bytes keeps the ServerHello
// but cuts the ClientHello (so its random, which finds the keys in the key log, is lost) and every larger record.
// The records after the hellos are encrypted: they must be shown as encrypted, never as application data or
// alerts made of ciphertext, and the version and suite the ServerHello names are still known (as tshark shows).
// Also: events of records framed at the very end of a stream after a gap carry the stream's time, not 0.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseKeyLog } from '../../src/capture/keylog.ts';
import { decodeStream, listingOf, type DecodedStream } from '../../src/capture/session.ts';
import { scanCapture } from '../../src/capture/streams.ts';
import { spawnSServer } from '../tls/helpers.ts';
import { usePki } from '../support/pki.ts';
import { runSClient, startTcpdump, tempDir, tsharkStreams } from './helpers.ts';

const pki = usePki();
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** One s_client session against s_server, captured with tcpdump's -s (snap length). */
async function captureCut(name: string, serverArgs: string[], snapLength: number) {
  const dir = tempDir(name);
  dirs.push(dir);
  const keyLog = path.join(dir, 'keys.log');
  const pcap = path.join(dir, `${name}.pcap`);
  const server = await spawnSServer(['-cert', pki.leafCert, '-key', pki.leafKey, '-CAfile', pki.rootPem, ...serverArgs]);
  const dump = await startTcpdump(pcap, server.port, ['-s', String(snapLength)]);
  try {
    await runSClient(server.port, ['-keylogfile', keyLog, '-CAfile', pki.rootPem], [{ type: 'hello from s_client\n' }, { serverType: 'hello from s_server\n' }], server);
  } finally {
    await dump.stop();
    await server.stop();
  }
  const scan = await scanCapture(fs.createReadStream(pcap));
  expect(scan.streams).toHaveLength(1);
  const stream = scan.streams[0];
  const decoded = await decodeStream(stream, { keyLog: parseKeyLog(fs.readFileSync(keyLog, 'utf8')) });
  return { pcap, keyLog, port: server.port, stream, decoded };
}

const kinds = (d: DecodedStream, kind: string) => d.events.filter((e) => e.kind === kind);

for (const [version, serverArgs, suite] of [
  ['1.3', ['-tls1_3'], 'TLS_AES_256_GCM_SHA384'],
  ['1.2', ['-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-GCM-SHA256'], 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'],
] as const) {
  describe(`TLS ${version} captured with a 200-byte snap length: the ClientHello is cut`, () => {
    it('the encrypted records stay encrypted; version and suite come from the ServerHello', async () => {
      const { pcap, keyLog, port, stream, decoded } = await captureCut(`snap-${version}`, [...serverArgs], 200);
      expect(stream.gaps).toBeGreaterThan(0);
      // The ClientHello is not decoded, the ServerHello is.
      const names = kinds(decoded, 'handshake').map((e) => e.kind === 'handshake' && `${e.direction} ${e.name}`);
      expect(names).not.toContain('client ClientHello');
      expect(names).toContain('server ServerHello');
      expect(decoded.session.version).toBe(version);
      expect(decoded.session.cipherSuite).toBe(suite);
      expect(listingOf(stream, decoded).tls).toBe(`TLS ${version}`);
      // tshark agrees: the same suite, and nothing decrypted without the ClientHello's random.
      const theirs = tsharkStreams(pcap, port, keyLog).get(0)!;
      expect(theirs.suite).toBe(parseInt(suiteCode(decoded), 16));
      expect(theirs.data).toEqual({ client: '', server: '' });
      // Ciphertext is never shown as data or as alerts: both sides' close_notify are encrypted records here.
      expect(kinds(decoded, 'app-data')).toEqual([]);
      expect(kinds(decoded, 'alert')).toEqual([]);
      const encrypted = decoded.events.filter((e) => e.kind === 'record' && e.contentType === 23);
      expect(encrypted.length).toBeGreaterThan(0);
      for (const r of encrypted) expect(r.kind === 'record' && r.epoch).not.toBe('plaintext');
      expect(decoded.session.undecrypted.length).toBeGreaterThan(0);
      for (const u of decoded.session.undecrypted) expect(['the handshake is not in the capture', 'records were lost before them']).toContain(u.reason);
      expect(decoded.session.undecrypted.some((u) => u.reason === 'the handshake is not in the capture' && /client random unknown/.test(u.needs))).toBe(true);
      // Every event is dated within the stream (none at the epoch, as records found at the end once were).
      const duration = stream.lastTime - stream.firstTime;
      for (const e of decoded.events) {
        expect(e.t).toBeGreaterThanOrEqual(0);
        expect(e.t).toBeLessThanOrEqual(duration + 1);
      }
    }, 60_000);
  });
}

function suiteCode(d: DecodedStream): string {
  const sh = d.events.find((e) => e.kind === 'handshake' && e.name === 'ServerHello');
  // The ServerHello's cipher_suite: after version (2), random (32), session id (1 + n).
  const b = Buffer.from(sh && sh.kind === 'handshake' ? sh.bytes : '', 'hex');
  const at = 4 + 2 + 32 + 1 + b[4 + 2 + 32];
  return b.subarray(at, at + 2).toString('hex');
}
