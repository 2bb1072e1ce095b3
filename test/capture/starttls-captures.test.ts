// STARTTLS recognised from captured bytes for the protocols beyond SMTP/IMAP/POP3: tcpdump on the loopback while
// TLS Lens's client talks to Debian's vsftpd (FTP), Prosody (XMPP), slapd (LDAP), PostgreSQL, MariaDB (MySQL
// protocol) and Dovecot (ManageSieve), writing its key log. Each capture must be recognised as its protocol from
// the bytes (the server's port says nothing), keep the plaintext lane the live session showed, decrypt with the
// key log, and — where tshark follows that protocol's switch to TLS — list the handshake messages tshark lists.
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importCapture } from '../../src/capture/import.ts';
import { parseKeyLog } from '../../src/capture/keylog.ts';
import type { StartTlsProtocol } from '../../src/starttls/index.ts';
import type { PreambleEvent } from '../../src/trace/types.ts';
import { testCert } from '../starttls/helpers.ts';
import { managesieveInstalled, startDovecot, startMariadb, startPostgres, startProsody, startSlapd, startVsftpd } from '../support/servers/index.ts';
import { startTcpdump, tempDir, withoutGaps } from './helpers.ts';

const BIN = path.resolve(__dirname, '../../bin/tls-lens.js');
const cert = testCert();
const dirs: string[] = [];
afterAll(() => {
  cert.cleanup();
  dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true }));
});

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('node', [BIN, ...args], { timeout: 60_000 }, (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
}

/** tshark's handshake messages for a capture, with `port` decoded as `dissector` (STARTTLS followed by tshark). */
function tsharkMessages(pcap: string, port: number, dissector: string, keys: string): string[] {
  const out = execFileSync('tshark', ['-r', pcap, '-d', `tcp.port==${port},${dissector}`, '-o', `tls.keylog_file:${keys}`, '-T', 'fields', '-e', 'tcp.srcport', '-e', 'tls.handshake.type', '-e', 'tls.handshake.length'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString();
  return out.split('\n').filter(Boolean).flatMap((l) => {
    const [src, types, lengths] = l.split('\t');
    const ls = lengths ? lengths.split(',') : [];
    return types ? types.split(',').map((t, i) => `${Number(src) === port ? 'server' : 'client'} ${t}:${ls[i]}`) : [];
  });
}

/** Each side's turns: consecutive preamble events of one side joined, as `side: hex`. */
function turns(events: PreambleEvent[]): string[] {
  const out: string[] = [];
  let last: string | null = null;
  for (const e of events) {
    if (e.direction === last) out[out.length - 1] += e.bytes;
    else out.push(`${e.direction}: ${e.bytes}`);
    last = e.direction;
  }
  return out;
}

interface Case {
  protocol: StartTlsProtocol;
  start: () => Promise<{ port: number; stop(): Promise<void> | void }>;
  /** tshark's dissector that follows this protocol's STARTTLS; null where tshark 4.0 does not. */
  tshark: string | null;
  options?: string[];
}

const CASES: Case[] = [
  { protocol: 'ftp', start: () => startVsftpd(cert), tshark: 'ftp' },
  { protocol: 'xmpp', start: () => startProsody(cert), tshark: 'xmpp', options: ['--servername', 'localhost'] },
  { protocol: 'ldap', start: () => startSlapd(cert), tshark: 'ldap' },
  { protocol: 'postgres', start: () => startPostgres(cert), tshark: 'pgsql' },
  { protocol: 'mysql', start: () => startMariadb(cert), tshark: 'mysql' },
  {
    protocol: 'sieve',
    start: async () => {
      const d = await startDovecot(cert);
      return { port: d.sievePort, stop: () => d.stop() };
    },
    tshark: null,
  },
];

for (const c of CASES) {
  describe(`a captured ${c.protocol} STARTTLS session`, () => {
    let server: { port: number; stop(): Promise<void> | void };
    beforeAll(async () => {
      if (c.protocol === 'sieve') expect(managesieveInstalled(), 'dovecot-managesieved is listed in scripts/debian-packages.txt').toBe(true);
      server = await c.start();
    }, 120_000);
    afterAll(() => server?.stop());

    it('is recognised from the bytes, keeps the live plaintext lane, and decrypts like tshark', async () => {
      const { pcap, keys, trace } = await withoutGaps(
        async () => {
          const dir = tempDir(`st-${c.protocol}`);
          dirs.push(dir);
          const files = { pcap: path.join(dir, 'st.pcap'), keys: path.join(dir, 'keys.log'), trace: path.join(dir, 'trace.json') };
          const dump = await startTcpdump(files.pcap, server.port);
          try {
            const r = await cli(['connect', `127.0.0.1:${server.port}`, '--starttls', c.protocol, '--ca', cert.tlsCert, '--keylog', files.keys, '--trace', files.trace, '--json', ...(c.options ?? ['--servername', 'localhost'])]);
            expect(JSON.parse(r.stdout).ok, r.stdout + r.stderr).toBe(true);
          } finally {
            await dump.stop();
          }
          return files;
        },
        (r) => r.pcap,
      );
      const imported = await importCapture(fs.createReadStream(pcap), { keyLog: parseKeyLog(fs.readFileSync(keys, 'utf8')) });
      // Our one connection to the server's port. (tcpdump's `port N` also takes any other test's connection that
      // happens to use N as its own end while this one runs: tests run in parallel.)
      const tcp = imported.streams.filter((s) => s.stream.bytes.client > 0 && s.stream.server.port === server.port);
      const seen = imported.streams.map((s) => `${s.stream.client.address}:${s.stream.client.port} -> ${s.stream.server.address}:${s.stream.server.port} (${s.stream.bytes.client}/${s.stream.bytes.server} bytes)`);
      expect(tcp.length, seen.join('; ')).toBe(1);
      const d = tcp[0].decoded!;
      expect(d.start).toMatchObject({ kind: 'starttls', protocol: c.protocol });
      // The plaintext lane: the live session's bytes, turn by turn (live events are the dialogue's messages,
      // captured ones are lines or packets: consecutive events of one side are joined before comparing).
      const live = (JSON.parse(fs.readFileSync(trace, 'utf8')).events as PreambleEvent[]).filter((e) => e.kind === 'preamble' && !e.note?.startsWith('inside TLS'));
      const captured = d.events.filter((e): e is PreambleEvent => e.kind === 'preamble');
      expect(turns(captured)).toEqual(turns(live));
      // Line-based protocols show the same lines as the live session.
      if (['ftp', 'sieve'].includes(c.protocol)) expect(captured.map((e) => e.text).join('\n')).toBe(live.map((e) => e.text).join('\n'));
      // Binary protocols: each packet described in the live session's words (the same describe functions), packet by packet.
      if (['ldap', 'postgres', 'mysql'].includes(c.protocol)) {
        expect(captured.map((e) => `${e.direction}: ${e.text}`)).toEqual(live.map((e) => `${e.direction}: ${e.text}`));
        expect(captured.map((e) => e.text).join('\n')).not.toMatch(/^\d+ bytes: /m);
      }
      if (c.protocol === 'mysql') expect(captured.map((e) => e.note)).toEqual(live.map((e) => e.note));
      // The switch point marked on the server's go-ahead (MySQL's server says nothing: the client's SSL Request is the switch).
      if (c.protocol !== 'mysql') expect(d.events.filter((e) => e.kind === 'preamble' && e.note?.includes('go-ahead'))).toHaveLength(1);
      else expect(captured.filter((e) => e.note?.includes('TLS handshake starts right after this packet'))).toHaveLength(1);
      expect(d.injected).toBe(0);
      // The TLS after the switch: decrypted, its proofs recomputed.
      expect(d.session.undecrypted).toEqual([]);
      expect(d.events.filter((e) => e.kind === 'error')).toEqual([]);
      expect(d.events.filter((e) => e.kind === 'finished').map((e) => e.kind === 'finished' && e.ok)).toEqual([true, true]);
      const ours = d.events.flatMap((e) => (e.kind === 'handshake' ? [`${e.direction} ${e.msgType}:${e.bytes.length / 2 - 4}`] : []));
      expect(ours.length).toBeGreaterThan(4);
      if (c.tshark) expect(ours).toEqual(tsharkMessages(pcap, server.port, c.tshark, keys));
    }, 120_000);
  });
}
