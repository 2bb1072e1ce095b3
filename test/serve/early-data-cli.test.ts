// 0-RTT through the CLI as a person runs it: `tls-lens connect --reconnect --early-data TEXT` against
// `tls-lens serve --early-data --echo` (accepted: the answer is the early data echoed; --json says offered, accepted
// and bytes), against a serve without --early-data (its tickets allow none: sent after the handshake), and the key
// log's CLIENT_EARLY_TRAFFIC_SECRET, with which tshark and our own capture decoder read the early records. And
// `openssl s_client -sess_in -early_data` twice with one session file against `serve --early-data`: accepted, then (a
// replay) refused the way OpenSSL refuses, without a HelloRetryRequest, and the walk of that trace shows the skip.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { serveForThisFile } from './serve-per-file.ts';
import { sClient } from './serve-process.ts';
import { runConnect } from './connect-cli.ts';

vi.setConfig({ testTimeout: 120_000 });

const BIN = path.resolve(__dirname, '../../bin/tls-lens.js');
const serve = serveForThisFile();

const connect = runConnect;

describe('connect --reconnect --early-data', () => {
  it('against serve --early-data --echo: the second connection sends the text as 0-RTT, accepted', async () => {
    const s = await serve(['--early-data', '--echo', '--tls1.3']);
    const keylog = path.join(s.dir, 'keys.log');
    const pcapng = path.join(s.dir, 'early.pcapng');
    const r = await connect([`127.0.0.1:${s.port}`, '--servername', 'localhost', '--ca', s.caFile, '--reconnect', '--early-data', 'early bird\\n', '--keylog', keylog, '--pcapng', pcapng, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const [first, second] = JSON.parse(r.stdout);
    expect(first.earlyData).toBeUndefined();
    expect(second).toMatchObject({ ok: true, resumed: true, helloRetryRequest: false, earlyData: { offered: true, accepted: true, bytes: 11, resent: 0 } });
    expect(second.received).toBe('early bird\n');
    expect(second.messages.map((m: { type: string }) => m.type).slice(0, 6)).toEqual(['ClientHello', 'ServerHello', 'EncryptedExtensions', 'Finished', 'EndOfEarlyData', 'Finished']);
    expect(fs.readFileSync(keylog, 'utf8')).toMatch(/^CLIENT_EARLY_TRAFFIC_SECRET [0-9a-f]{64} [0-9a-f]{64}$/m);
    // tshark reads the capture with the key log inside: EndOfEarlyData is under the early keys, so it decrypts only
    // with CLIENT_EARLY_TRAFFIC_SECRET; the early data record is shown decrypted too.
    const tshark = (args: string[]) => execFileSync('tshark', ['-r', pcapng, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(tshark(['-Y', 'tls.handshake.type == 5']).trim().split('\n')).toHaveLength(1);
    expect(tshark(['-x'])).toMatch(/Decrypted TLS \(11 bytes\):\n0000 {2}65 61 72 6c 79 20 62 69 72 64 0a/);
    // Our own capture decoder reads the same file: the resumed stream's EndOfEarlyData decrypted, nothing left over.
    const pcap = JSON.parse(execFileSync('node', [BIN, 'pcap', pcapng, '--json'], { encoding: 'utf8' }));
    expect(pcap.streams[1].messages.map((m: { type: string }) => m.type).slice(0, 6)).toEqual(['ClientHello', 'ServerHello', 'EncryptedExtensions', 'Finished', 'EndOfEarlyData', 'Finished']);
    expect(pcap.streams[1].undecrypted).toEqual([]);
    const reports = await s.waitForReports(2);
    expect(reports[1]).toMatchObject({ ok: true, resumed: true, earlyData: { offered: true, accepted: true, bytes: 11 } });

    // The walk says what became of the early data.
    const walk = await connect([`127.0.0.1:${s.port}`, '--servername', 'localhost', '--ca', s.caFile, '--reconnect', '--early-data', 'walk']);
    expect(walk.code, walk.stderr).toBe(0);
    expect(walk.stdout).toContain('0-RTT: 4 bytes of early data accepted');
  });

  it('against a serve without --early-data: its tickets allow none, so the text goes after the handshake, still echoed', async () => {
    const s = await serve(['--echo', '--tls1.3']);
    const r = await connect([`127.0.0.1:${s.port}`, '--servername', 'localhost', '--ca', s.caFile, '--reconnect', '--early-data', 'later', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const [, second] = JSON.parse(r.stdout);
    // serve's tickets announce no early data: the client does not even try, and sends the text after the handshake.
    expect(second).toMatchObject({ ok: true, resumed: true, earlyData: { offered: false, accepted: false, bytes: 0, resent: 5 } });
    expect(second.received).toBe('later');
  });

  it('openssl s_client -early_data twice with one session file: accepted, then refused without a HelloRetryRequest, resumed; the walk shows the record skipped', async () => {
    const traceDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tls-lens-early-traces-'));
    onTestFinished(() => fs.rmSync(traceDir, { recursive: true, force: true }));
    const s = await serve(['--early-data', '--echo', '--tls1.3', '--trace', traceDir]);
    const sess = path.join(s.dir, 'sess.pem');
    const early = path.join(s.dir, 'early.txt');
    fs.writeFileSync(early, 'zero round trip\n');
    await sClient(s, ['-tls1_3', '-sess_out', sess], ['']);
    const accepted = await sClient(s, ['-tls1_3', '-sess_in', sess, '-early_data', early], [], undefined, (out) => out.includes('zero round trip\n'));
    expect(accepted).toContain('Early data was accepted');
    const replayed = await sClient(s, ['-tls1_3', '-sess_in', sess, '-early_data', early], ['after'], undefined, (out) => /^after$/m.test(out.slice(out.indexOf('Early data was'))));
    expect(replayed).toContain('Early data was rejected');
    expect(replayed).toMatch(/^Reused, TLSv1\.3/m);
    const reports = await s.waitForReports(3);
    expect(reports[1]).toMatchObject({ ok: true, resumed: true, helloRetryRequest: false, earlyData: { offered: true, accepted: true, bytes: 16 } });
    expect(reports[2]).toMatchObject({ ok: true, resumed: true, helloRetryRequest: false, earlyData: { offered: true, accepted: false, bytes: 0 } });
    expect(reports[2].earlyData?.refusedBecause).toContain('already used for early data');
    // The walk of the replay's trace: the refusal, the record skipped, the count.
    const traces = fs.readdirSync(traceDir).filter((f) => f.startsWith('3-'));
    expect(traces).toHaveLength(1);
    const walk = await connect(['--replay', path.join(traceDir, traces[0])]);
    expect(walk.code, walk.stderr).toBe(0);
    expect(walk.stdout).toContain('early data refused: this ticket was already used for early data');
    expect(walk.stdout).toMatch(/early data record of \d+ bytes skipped unread: it does not open under the client's handshake key/);
    expect(walk.stdout).toMatch(/early data skipping over at a record that opened under the client's handshake key, the start of its second flight: 1 record of 0-RTT data skipped unread/);
    expect(walk.stdout).not.toContain('HelloRetryRequest');
  });

  it('--early-data without --reconnect is usage', async () => {
    const r = await connect(['127.0.0.1:1', '--early-data', 'x', '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error.code).toBe('MISSING_ARGUMENT');
  });
});
