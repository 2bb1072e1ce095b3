// Cipher suites OpenSSL speaks and TLS Lens has no record protection for (TLS 1.3's TLS_AES_128_CCM_SHA256, TLS
// 1.2's PSK suites): the key log holds the session's lines, so the capture must not claim they are missing; it
// says the suite is why the records stay encrypted, and shows the messages in clear as tshark does, errors aside.
import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { parseKeyLog } from '../../src/capture/keylog.ts';
import { decodeStream } from '../../src/capture/session.ts';
import { scanCapture } from '../../src/capture/streams.ts';
import { usePki } from '../support/pki.ts';
import { captureOpenssl, tsharkStreams } from './helpers.ts';

const pki = usePki();
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

const PSK = ['-psk', '0123456789abcdef0123456789abcdef'];

for (const [name, code, suiteName, serverArgs, clientArgs, label] of [
  ['TLS 1.3 TLS_AES_128_CCM_SHA256', '0x1304', 'TLS_AES_128_CCM_SHA256', ['-tls1_3', '-ciphersuites', 'TLS_AES_128_CCM_SHA256'], ['-ciphersuites', 'TLS_AES_128_CCM_SHA256'], 'SERVER_HANDSHAKE_TRAFFIC_SECRET'],
  ['TLS 1.2 PSK-AES128-GCM-SHA256', '0x00a8', 'TLS_PSK_WITH_AES_128_GCM_SHA256', ['-tls1_2', ...PSK, '-cipher', 'PSK-AES128-GCM-SHA256'], [...PSK, '-cipher', 'PSK-AES128-GCM-SHA256'], 'CLIENT_RANDOM'],
] as const) {
  describe(name, () => {
    it('the suite, not the key log, is named as what keeps the records encrypted', async () => {
      const run = await captureOpenssl(pki, `suite-${code}`, [...serverArgs], [{ args: [...clientArgs] }]);
      dirs.push(run.dir);
      const keyLogText = fs.readFileSync(run.keyLog, 'utf8');
      const scan = await scanCapture(fs.createReadStream(run.pcap));
      const d = await decodeStream(scan.streams[0], { keyLog: parseKeyLog(keyLogText) });
      // Named by IANA, though TLS Lens does not run it.
      expect(d.session.cipherSuite).toBe(suiteName);
      // The key log has this session's line: saying it lacks it would send the reader after the wrong thing.
      expect(keyLogText).toContain(`${label} ${d.session.clientRandom}`);
      expect(d.session.undecrypted.length).toBe(2);
      for (const u of d.session.undecrypted) expect(u.reason).toBe('the cipher suite is not one TLS Lens decrypts');
      expect(d.events.some((e) => e.kind === 'note' && e.text.includes(`cipher suite ${suiteName} is not one TLS Lens decrypts`))).toBe(true);
      expect(d.events.some((e) => e.kind === 'note' && /would open them/.test(e.text))).toBe(false);
      // What is in clear: tshark's messages (it decrypts these suites: compare up to its first encrypted one).
      expect(d.events.filter((e) => e.kind === 'error')).toEqual([]);
      const ours = d.events.flatMap((e) => (e.kind === 'handshake' ? [`${e.direction} ${e.msgType}:${e.bytes.length / 2 - 4}`] : []));
      const theirs = tsharkStreams(run.pcap, run.serverPort, run.keyLog).get(0)!.messages.map((m) => `${m.direction} ${m.type}:${m.length}`);
      expect(ours.length).toBeGreaterThanOrEqual(2);
      const inClear = (list: string[], side: string) => list.filter((m) => m.startsWith(side));
      for (const side of ['client', 'server']) expect(inClear(ours, side)).toEqual(inClear(theirs, side).slice(0, inClear(ours, side).length));
      if (code === '0x00a8') expect(ours).toContain('client 16:17');
    }, 60_000);
  });
}
