// Key logs whose lines end in a lone CR (old Mac files, or a log a tool rewrote): each CR is a line end, as \n and
// \r\n are. A real capture (tcpdump of openssl s_client <-> s_server, TLS 1.3 and TLS 1.2) decrypted with its key
// log converted to CR-only line ends must decode exactly as with the original; problems keep their line numbers.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseKeyLog, placeOf } from '../../src/capture/keylog.ts';
import { decodeStream, type DecodedStream } from '../../src/capture/session.ts';
import { scanCapture } from '../../src/capture/streams.ts';
import { usePki } from '../support/pki.ts';
import { expectPlain } from '../support/plain-words.ts';
import { captureOpenssl, type CapturedRun } from './helpers.ts';

const pki = usePki();
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

const toCr = (text: string) => text.replace(/\r?\n/g, '\r');
const appData = (d: DecodedStream) => d.events.flatMap((e) => (e.kind === 'app-data' ? [`${e.direction} ${Buffer.from(e.bytes, 'hex').toString()}`] : []));

for (const [version, serverArgs] of [
  ['TLS 1.3', ['-tls1_3']],
  ['TLS 1.2', ['-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-GCM-SHA256']],
] as const) {
  describe(`${version}: a key log with lone CR line ends`, () => {
    let run: CapturedRun;
    let original: string;
    beforeAll(async () => {
      run = await captureOpenssl(pki, `keylog-cr-${version.replace(/\W+/g, '-')}`, [...serverArgs], [{ args: [] }]);
      dirs.push(run.dir);
      original = fs.readFileSync(run.keyLog, 'utf8');
    }, 60_000);

    const decodeWith = async (keyLogText: string) => {
      const scan = await scanCapture(fs.createReadStream(run.pcap));
      expect(scan.streams).toHaveLength(1);
      return decodeStream(scan.streams[0], { keyLog: parseKeyLog(keyLogText) });
    };

    it('decrypts exactly as with the original line ends', async () => {
      const cr = toCr(original);
      expect(cr).not.toMatch(/\n/);
      const lines = original.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#')).length;
      // At least two lines (OpenSSL's comment line first): merged, the secrets would be lost.
      expect(original.split('\n').filter((l) => l.trim() !== '').length).toBeGreaterThan(1);
      expect(lines).toBeGreaterThan(0);
      const parsed = parseKeyLog(cr);
      expect(parsed.problems).toEqual([]);
      expect([...parsed.byRandom.values()].reduce((n, m) => n + m.size, 0)).toBe(lines);
      const withOriginal = await decodeWith(original);
      expect(appData(withOriginal)).toEqual(['client hello from s_client\n', 'server hello from s_server\n']);
      expect(withOriginal.session.undecrypted).toEqual([]);
      const withCr = await decodeWith(cr);
      expect(JSON.stringify(withCr.events)).toBe(JSON.stringify(withOriginal.events));
      expect(withCr.session.undecrypted).toEqual([]);
    });

    it('problems keep their line numbers, whatever the line ends', () => {
      const good = original.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
      // A bad line after the first good one and one at the end, the lines ending each its own way.
      const lines = [good[0], 'NOT_A_LABEL 00 11', ...good.slice(1), '', 'CLIENT_RANDOM too few'];
      const ends = ['\r', '\n', '\r\n'];
      const text = lines.map((l, i) => l + ends[i % 3]).join('');
      const log = parseKeyLog(text);
      expect(log.lines).toBe(lines.length);
      expect(log.problems.map((p) => placeOf(p))).toEqual(['key log line 2', `key log line ${lines.length}`]);
      for (const p of log.problems) expectPlain(p.reason, 'a key log problem');
      expect([...log.byRandom.values()].reduce((n, m) => n + m.size, 0)).toBe(good.length);
      // A lone CR before a LF is one line end, not two: "\r\r\n" is an empty line and an end.
      expect(parseKeyLog(`${good[0]}\r\r\nbad line\r`).problems.map((p) => p.line)).toEqual([3]);
    });
  });
}
