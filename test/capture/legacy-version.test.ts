// TLS 1.0 and 1.1 captures (openssl at security level 0): their key derivation and some messages differ from TLS
// 1.2's, and TLS Lens decrypts TLS 1.2 and 1.3 only. The capture must say which version it is, show the handshake
// in clear as tshark does, and say plainly why the rest stays encrypted, not claim the key log's secret is wrong.
import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { parseKeyLog } from '../../src/capture/keylog.ts';
import { decodeStream, listingOf } from '../../src/capture/session.ts';
import { scanCapture } from '../../src/capture/streams.ts';
import { connectionResult } from '../../src/capture/summary.ts';
import { usePki } from '../support/pki.ts';
import { captureOpenssl, tsharkStreams } from './helpers.ts';

const pki = usePki();
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

const CIPHER = 'ECDHE-ECDSA-AES128-SHA@SECLEVEL=0';

for (const [version, flag, openssl] of [
  ['1.0', '-tls1', 'TLSv1'],
  ['1.1', '-tls1_1', 'TLSv1.1'],
] as const) {
  describe(`TLS ${version}`, () => {
    it('is named, its handshake shown as tshark shows it, and its encrypted records said to be out of reach', async () => {
      const run = await captureOpenssl(pki, `tls${version}`, [flag, '-cipher', CIPHER], [{ args: ['-cipher', CIPHER] }]);
      dirs.push(run.dir);
      const scan = await scanCapture(fs.createReadStream(run.pcap));
      const d = await decodeStream(scan.streams[0], { keyLog: parseKeyLog(fs.readFileSync(run.keyLog, 'utf8')) });
      expect(d.session.version).toBe(version);
      expect(listingOf(scan.streams[0], d).tls).toBe(`TLS ${version}`);
      expect(connectionResult(d, listingOf(scan.streams[0], d)).version).toBe(openssl);
      expect(d.session.cipherSuite).toBe('TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA');

      // The messages in clear are tshark's, the ServerKeyExchange (no signature algorithm field) included.
      const theirs = tsharkStreams(run.pcap, run.serverPort, run.keyLog).get(0)!;
      const ours = d.events.flatMap((e) => (e.kind === 'handshake' ? [`${e.direction} ${e.msgType}:${e.bytes.length / 2 - 4}`] : []));
      const theirsInClear = theirs.messages.filter((m) => m.type !== 20).map((m) => `${m.direction} ${m.type}:${m.length}`);
      expect(ours).toEqual(theirsInClear);
      expect(ours).toContain('server 12:' + theirs.messages.find((m) => m.type === 12)!.length);

      // No error blames the key log or the capture: the records after ChangeCipherSpec are said to be out of reach.
      expect(d.events.filter((e) => e.kind === 'error')).toEqual([]);
      expect(d.session.undecrypted.map((u) => `${u.direction} ${u.reason}`).sort()).toEqual(['client TLS 1.1 and older are not decrypted', 'server TLS 1.1 and older are not decrypted']);
      expect(d.events.some((e) => e.kind === 'note' && e.text.includes(`the server chose TLS ${version}`))).toBe(true);
      expect(d.events.some((e) => e.kind === 'app-data' || e.kind === 'alert')).toBe(false);
    }, 60_000);
  });
}
