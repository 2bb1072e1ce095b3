// Key logs as OpenSSL 3.0 writes them hold lines TLS Lens does not use: an RSA line (the pre-master secret by the
// encrypted one's first bytes) next to each RSA key exchange's CLIENT_RANDOM line, and KeyUpdate secrets labelled
// with a literal N. Those are documented or real-world labels: the problem list says what they are and why they
// are not needed, not "unknown label". Labels that name Object's own properties are plain unknown labels.
// A secret's line is named where a reader finds it: in the key log file given, or in the capture's Decryption
// Secrets Block (whose lines are not the file's), and a text's final newline is no line.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importCapture } from '../../src/capture/import.ts';
import { addKeyLog, emptyKeyLog, parseKeyLog } from '../../src/capture/keylog.ts';
import { spawnSServer } from '../tls/helpers.ts';
import { usePki } from '../support/pki.ts';
import { captureOpenssl, runSClient, tempDir, type ClientStep } from './helpers.ts';

const pki = usePki();
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** The key log s_client writes for one session against s_server. */
async function opensslKeyLog(name: string, serverArgs: string[], steps: ClientStep[]): Promise<string> {
  const dir = tempDir(name);
  dirs.push(dir);
  const keyLog = path.join(dir, 'keys.log');
  const server = await spawnSServer(['-CAfile', pki.rootPem, ...serverArgs]);
  try {
    await runSClient(server.port, ['-keylogfile', keyLog, '-CAfile', pki.rootPem], steps, server);
  } finally {
    await server.stop();
  }
  return fs.readFileSync(keyLog, 'utf8');
}

describe("OpenSSL's key log lines that are not used", () => {
  it('an RSA key exchange: the RSA line is said to be covered by the CLIENT_RANDOM line', async () => {
    const text = await opensslKeyLog('rsa-kx', ['-cert', pki.rsaCert, '-key', pki.rsaKey, '-tls1_2', '-cipher', 'AES128-GCM-SHA256'], [{ type: 'hello\n' }]);
    expect(text).toMatch(/^RSA [0-9a-f]{16} [0-9a-f]{96}$/m);
    const log = parseKeyLog(text);
    expect(log.byRandom.size).toBe(1);
    expect(log.problems).toHaveLength(1);
    expect(log.problems[0].text).toMatch(/^RSA /);
    expect(log.problems[0].reason).not.toMatch(/unknown label/);
    expect(log.problems[0].reason).toMatch(/CLIENT_RANDOM/);
  }, 60_000);

  it('a KeyUpdate: the lines with a literal N are said to lack their generation', async () => {
    const text = await opensslKeyLog('keyupdate', ['-cert', pki.leafCert, '-key', pki.leafKey, '-tls1_3'], [{ type: 'k\n' }, { type: 'after the update\n' }]);
    expect(text).toMatch(/^CLIENT_TRAFFIC_SECRET_N /m);
    const log = parseKeyLog(text);
    expect(log.problems.length).toBeGreaterThan(0);
    for (const p of log.problems) {
      expect(p.text).toMatch(/^(CLIENT|SERVER)_TRAFFIC_SECRET_N /);
      expect(p.reason).toMatch(/without its generation number/);
    }
  }, 60_000);

  it("labels named like Object's properties are unknown labels, nothing else", () => {
    const random = 'ab'.repeat(32);
    const log = parseKeyLog(['constructor', 'toString', '__proto__', 'hasOwnProperty'].map((label) => `${label} ${random} ${'cd'.repeat(48)}`).join('\n'));
    expect(log.problems.map((p) => p.reason)).toEqual(['unknown label constructor', 'unknown label toString', 'unknown label __proto__', 'unknown label hasOwnProperty']);
    expect(log.byRandom.size).toBe(0);
  });
});

describe('where a secret was found', () => {
  it("a key log file and the capture's Decryption Secrets Block: each secret named by its own text's line", async () => {
    const run = await captureOpenssl(pki, 'dsb-lines', ['-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-GCM-SHA256'], [{ args: [] }]);
    dirs.push(run.dir);
    const fileText = fs.readFileSync(run.keyLog, 'utf8');
    const lineInFile = fileText.split('\n').findIndex((l) => l.startsWith('CLIENT_RANDOM')) + 1;
    expect(lineInFile).toBeGreaterThan(1);
    const pcapng = path.join(run.dir, 'with-secrets.pcapng');
    // The block holds the file's text with two lines of its own before it: its lines are not the file's.
    const blockText = path.join(run.dir, 'block.keys');
    fs.writeFileSync(blockText, `# injected\n# for the test\n${fileText}`);
    execFileSync('editcap', ['--inject-secrets', `tls,${blockText}`, run.pcap, pcapng]);
    const labels = async (file: string, keyLogText?: string) => {
      const keyLog = emptyKeyLog();
      if (keyLogText) addKeyLog(keyLog, keyLogText);
      const scan = await importCapture([new Uint8Array(fs.readFileSync(file))], { keyLog });
      return scan.streams[0].decoded!.events.flatMap((e) => (e.kind === 'key' && e.op === 'key log' ? [e.label] : []));
    };
    expect(await labels(run.pcap, fileText)).toEqual([`key log line ${lineInFile}: CLIENT_RANDOM`]);
    // The block, read after the file, has the same secret: named by its line in the block.
    expect(await labels(pcapng, fileText)).toEqual([`Decryption Secrets Block line ${lineInFile + 2}: CLIENT_RANDOM`]);
    expect(await labels(pcapng)).toEqual([`Decryption Secrets Block line ${lineInFile + 2}: CLIENT_RANDOM`]);
  }, 60_000);

  it("texts added one after another are numbered as their concatenation: a final newline is no line", () => {
    const log = emptyKeyLog();
    addKeyLog(log, '# first file\ngarbage one\n');
    addKeyLog(log, 'garbage two\n');
    expect(log.problems.map((p) => p.line)).toEqual([2, 3]);
  });
});
