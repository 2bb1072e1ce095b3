// Out: live TLS Lens sessions (TLS 1.3, TLS 1.2, SMTP STARTTLS against Debian's Postfix) exported with
// `connect --pcapng` decrypt in tshark with no key log option. In: a captured Postfix STARTTLS session (tcpdump of
// `openssl s_client -starttls smtp`) decodes with its plaintext lane and matches tshark; a pcapng made by
// `editcap --inject-secrets` opens decrypted without a separate key log.
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseKeyLog } from '../../src/capture/keylog.ts';
import { decodeStream } from '../../src/capture/session.ts';
import { exportPcapng } from '../../src/capture/pcapng-writer.ts';
import { scanCapture } from '../../src/capture/streams.ts';
import type { TraceEvent } from '../../src/trace/types.ts';
import { testCert } from '../starttls/helpers.ts';
import { startDovecot, startPostfix, type RunningDovecot, type RunningServer } from '../support/servers/index.ts';
import { spawnSServer, type SServer } from '../tls/helpers.ts';
import { usePki } from '../support/pki.ts';
import { captureOpenssl, runSClient, startTcpdump, tempDir, tsharkStreams } from './helpers.ts';

const BIN = path.resolve(__dirname, '../../bin/tls-lens.js');
const pki = usePki();
const cert = testCert();
const dirs: string[] = [];
let postfix: RunningServer;
let dovecot: RunningDovecot;
let www: SServer;

beforeAll(async () => {
  [postfix, dovecot] = await Promise.all([startPostfix(cert), startDovecot(cert)]);
  www = await spawnSServer(['-www', '-cert', pki.leafCert, '-key', pki.leafKey]);
});
afterAll(async () => {
  await postfix?.stop();
  await dovecot?.stop();
  await www?.stop();
  cert.cleanup();
  dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true }));
});

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('node', [BIN, ...args], { timeout: 60_000 }, (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
}

/** tshark with no option at all: per frame, source port, handshake types, HTTP response code. */
function tsharkPlain(file: string): { port: number; types: number[]; http: string; smtp: string }[] {
  const out = execFileSync('tshark', ['-r', file, '-T', 'fields', '-E', 'separator=/t', '-e', 'tcp.srcport', '-e', 'tls.handshake.type', '-e', 'http.request.method', '-e', 'smtp.req.command'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString();
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [port, types, http, smtp] = l.split('\t');
      return { port: Number(port), types: types ? types.split(',').map(Number) : [], http, smtp };
    });
}

describe('pcapng export of live sessions, decrypted by tshark with no key log option', () => {
  for (const version of ['1.3', '1.2']) {
    it(`TLS ${version} against openssl s_server -www`, async () => {
      const dir = tempDir('export');
      dirs.push(dir);
      const file = path.join(dir, 'live.pcapng');
      const trace = path.join(dir, 'trace.json');
      const r = await cli(['connect', `127.0.0.1:${www.port}`, '--servername', 'localhost', '--ca', pki.rootPem, `--tls${version}`, '--send', 'GET / HTTP/1.0\\r\\n\\r\\n', '--pcapng', file, '--trace', trace, '--json']);
      expect(JSON.parse(r.stdout).ok).toBe(true);
      const frames = tsharkPlain(file);
      const events = JSON.parse(fs.readFileSync(trace, 'utf8')).events as { kind: string; direction: string; msgType: number }[];
      const ours = (side: string) => events.filter((e) => e.kind === 'handshake' && e.direction === side).map((e) => e.msgType);
      expect(frames.filter((f) => f.port !== 443).flatMap((f) => f.types)).toEqual(ours('client'));
      expect(frames.filter((f) => f.port === 443).flatMap((f) => f.types)).toEqual(ours('server'));
      // Encrypted messages (TLS 1.3: EncryptedExtensions, Certificate, Finished; TLS 1.2: Finished) and the HTTP
      // request are only visible to tshark because the key log inside the file opened them.
      expect(frames.flatMap((f) => f.types)).toContain(20);
      if (version === '1.3') expect(frames.flatMap((f) => f.types)).toContain(8);
      expect(frames.map((f) => f.http).filter(Boolean)).toEqual(['GET']);
    });
  }

  it('SMTP STARTTLS against Postfix keeps its plaintext preamble', async () => {
    const dir = tempDir('export-smtp');
    dirs.push(dir);
    const file = path.join(dir, 'smtp.pcapng');
    const trace = path.join(dir, 'trace.json');
    const r = await cli(['connect', `127.0.0.1:${postfix.port}`, '--starttls', 'smtp', '--servername', 'localhost', '--ca', cert.tlsCert, '--pcapng', file, '--trace', trace, '--json']);
    expect(JSON.parse(r.stdout).ok).toBe(true);
    const frames = tsharkPlain(file);
    // The plaintext EHLO and STARTTLS, then (decrypted) the EHLO the client sends again over TLS.
    // (tshark 4.0 names STARTTLS by its first four letters.)
    expect(frames.map((f) => f.smtp).filter(Boolean)).toEqual(['EHLO', expect.stringMatching(/^STAR/), 'EHLO']);
    const events = JSON.parse(fs.readFileSync(trace, 'utf8')).events as { kind: string; direction: string; msgType: number }[];
    const ours = events.filter((e) => e.kind === 'handshake').map((e) => e.msgType);
    expect(frames.flatMap((f) => f.types).sort()).toEqual(ours.sort());
    // Our own reader reads our own export back: the same stream, decrypted from the DSB alone.
    const scan = await scanCapture([fs.readFileSync(file)]);
    const back = await decodeStream(scan.streams[0], { keyLog: parseKeyLog(scan.keyLog) });
    expect(back.start.protocol).toBe('smtp');
    expect(back.session.undecrypted).toEqual([]);
    expect(back.events.filter((e) => e.kind === 'handshake').map((e) => (e.kind === 'handshake' ? e.msgType : 0)).sort()).toEqual(ours.sort());
  });
});

describe('captured STARTTLS and Decryption Secrets Blocks', () => {
  it('a tcpdump of openssl s_client -starttls smtp to Postfix: plaintext lane, switch point, TLS like tshark', async () => {
    const dir = tempDir('smtp');
    dirs.push(dir);
    const pcap = path.join(dir, 'smtp.pcap');
    const keys = path.join(dir, 'keys.log');
    const dump = await startTcpdump(pcap, postfix.port);
    try {
      await runSClient(postfix.port, ['-starttls', 'smtp', '-keylogfile', keys, '-CAfile', cert.tlsCert], [{ type: 'EHLO again.example\r\n', until: /^250 /m }, { type: 'QUIT\r\n', until: /^221 /m }]);
    } finally {
      await dump.stop();
    }
    const scan = await scanCapture(fs.createReadStream(pcap));
    expect(scan.streams.length).toBe(1);
    const d = await decodeStream(scan.streams[0], { keyLog: parseKeyLog(fs.readFileSync(keys, 'utf8')) });
    expect(d.start).toMatchObject({ kind: 'starttls', protocol: 'smtp' });
    const preamble = d.events.flatMap((e) => (e.kind === 'preamble' ? [`${e.direction}: ${e.text}`] : []));
    expect(preamble[0]).toMatch(/^server: 220 /);
    expect(preamble).toContain('client: STARTTLS');
    expect(preamble.at(-1)).toMatch(/^server: 220 /);
    expect(d.events.find((e) => e.kind === 'preamble' && e.note?.includes('go-ahead'))).toBeTruthy();
    expect(d.injected).toBe(0);
    const theirs = tsharkStreams(pcap, postfix.port, keys);
    // tshark needs to be told the port is SMTP to follow STARTTLS on a random port.
    const smtp = execFileSync('tshark', ['-r', pcap, '-d', `tcp.port==${postfix.port},smtp`, '-o', `tls.keylog_file:${keys}`, '-T', 'fields', '-e', 'tcp.srcport', '-e', 'tls.handshake.type', '-e', 'tls.handshake.length', '-e', 'smtp.req.command'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString();
    const theirMessages = smtp.split('\n').filter(Boolean).flatMap((l) => {
      const [port, types, lengths] = l.split('\t');
      const ls = lengths ? lengths.split(',') : [];
      return types ? types.split(',').map((t, i) => `${Number(port) === postfix.port ? 'server' : 'client'} ${t}:${ls[i]}`) : [];
    });
    const ourMessages = d.events.flatMap((e) => (e.kind === 'handshake' ? [`${e.direction} ${e.msgType}:${e.bytes.length / 2 - 4}`] : []));
    expect(ourMessages).toEqual(theirMessages);
    expect(smtp).toMatch(/\tEHLO/); // decrypted EHLO inside TLS
    expect(d.events.some((e) => e.kind === 'app-data' && e.direction === 'client' && Buffer.from(e.bytes, 'hex').toString().startsWith('EHLO again.example'))).toBe(true);
    expect(theirs.size).toBe(1);
  });

  it('editcap --inject-secrets: the pcapng opens decrypted with no key log given', async () => {
    const run = await captureOpenssl(pki, 'dsb', ['-tls1_3'], [{ args: [] }]);
    dirs.push(run.dir);
    const withSecrets = path.join(run.dir, 'with-secrets.pcapng');
    execFileSync('editcap', ['--inject-secrets', `tls,${run.keyLog}`, run.pcap, withSecrets]);
    const scan = await scanCapture(fs.createReadStream(withSecrets));
    expect(scan.keyLog.trim().split('\n').filter((l) => !l.startsWith('#'))).toEqual(fs.readFileSync(run.keyLog, 'utf8').trim().split('\n').filter((l) => !l.startsWith('#')));
    const fromDsb = await decodeStream(scan.streams[0], { keyLog: parseKeyLog(scan.keyLog) });
    expect(fromDsb.session.undecrypted).toEqual([]);
    expect(fromDsb.events.some((e) => e.kind === 'app-data' && Buffer.from(e.bytes, 'hex').toString().includes('hello from s_client'))).toBe(true);
    // The CLI too: no --keylog, decrypted from the file.
    const r = await cli(['pcap', withSecrets, '--json', '--ca', pki.rootPem]);
    const json = JSON.parse(r.stdout);
    expect(r.code).toBe(0);
    expect(json.streams[0]).toMatchObject({ version: 'TLSv1.3', serverName: 'localhost', undecrypted: [], certificate: { verified: true } });
    expect(json.streams[0].messages.map((m: { type: string }) => m.type)).toEqual(['ClientHello', 'ServerHello', 'EncryptedExtensions', 'Certificate', 'CertificateVerify', 'Finished', 'Finished', 'NewSessionTicket', 'NewSessionTicket']);
  });
});

describe('STARTTLS recognised from the bytes alone (sessions against Debian servers, exported, read back)', () => {
  const cases: [string, () => number][] = [
    ['smtp', () => postfix.port],
    ['imap', () => dovecot.imapPort],
    ['pop3', () => dovecot.pop3Port],
  ];
  for (const [protocol, port] of cases) {
    it(`${protocol}: the protocol, its plaintext lane and the switch point`, async () => {
      const dir = tempDir(`rec-${protocol}`);
      dirs.push(dir);
      const file = path.join(dir, 'out.pcapng');
      const trace = path.join(dir, 'trace.json');
      const r = await cli(['connect', `127.0.0.1:${port()}`, '--starttls', protocol, '--servername', 'localhost', '--ca', cert.tlsCert, '--pcapng', file, '--trace', trace, '--json']);
      expect(JSON.parse(r.stdout).ok).toBe(true);
      const scan = await scanCapture([fs.readFileSync(file)]);
      const d = await decodeStream(scan.streams[0], { keyLog: parseKeyLog(scan.keyLog) });
      expect(d.start).toMatchObject({ kind: 'starttls', protocol });
      const live = (JSON.parse(fs.readFileSync(trace, 'utf8')).events as { kind: string; note?: string; text: string }[]).filter((e) => e.kind === 'preamble' && !e.note?.startsWith('inside TLS'));
      const captured = d.events.filter((e) => e.kind === 'preamble');
      // The captured lane holds the same lines as the live session's (line by line; a multi-line reply is one
      // event live and several lines here).
      expect(captured.map((e) => (e.kind === 'preamble' ? e.text : '')).join('\n')).toBe(live.map((e) => e.text).join('\n'));
      expect(d.session.undecrypted).toEqual([]);
      expect(d.injected).toBe(0);
    });
  }

  it('plaintext the server sent after its go-ahead is flagged as injected', async () => {
    const dir = tempDir('inject');
    dirs.push(dir);
    const trace = path.join(dir, 'trace.json');
    const r = await cli(['connect', `127.0.0.1:${postfix.port}`, '--starttls', 'smtp', '--servername', 'localhost', '--ca', cert.tlsCert, '--trace', trace, '--json']);
    expect(JSON.parse(r.stdout).ok).toBe(true);
    const events = JSON.parse(fs.readFileSync(trace, 'utf8')).events as TraceEvent[];
    // A man in the middle adds a line after the server's "220 ... Ready to start TLS".
    const goAhead = events.findIndex((e) => e.kind === 'preamble' && e.direction === 'server' && /^220 /.test(e.text) && events.slice(0, events.indexOf(e)).some((x) => x.kind === 'preamble' && x.text === 'STARTTLS'));
    const injected = { ...events[goAhead], bytes: Buffer.from('250 injected\r\n').toString('hex'), text: '250 injected' } as TraceEvent;
    events.splice(goAhead + 1, 0, injected);
    const scan = await scanCapture([exportPcapng(events)]);
    const d = await decodeStream(scan.streams[0], { keyLog: parseKeyLog(scan.keyLog) });
    expect(d.injected).toBe(14);
    const flagged = d.events.find((e) => e.kind === 'preamble' && e.text === '250 injected');
    expect(flagged && flagged.kind === 'preamble' && flagged.note).toMatch(/INJECTED/);
    expect(d.events.find((e) => e.kind === 'error' && e.code === 'STARTTLS_INJECTION')).toBeTruthy();
  });
});
