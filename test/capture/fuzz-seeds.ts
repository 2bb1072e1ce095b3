// Seeds for the capture fuzz tests: real captures made here, each with its key log, in the forms people bring.
// - openssl: one tcpdump of three s_client <-> s_server sessions (TLS 1.3; TLS 1.2 ECDHE-ECDSA-AES128-GCM; TLS 1.2
//   ECDHE-ECDSA-AES256-SHA, CBC MAC-then-encrypt), as pcap, as pcapng (editcap -F pcapng), and as pcapng with the
//   key log inside it (editcap --inject-secrets: a Decryption Secrets Block, no key log file);
// - smtp: a tcpdump of `openssl s_client -starttls smtp` to Debian's Postfix, as pcap and pcapng.
// The packet (pcap record, pcapng block) boundaries of each come from the project's own reader, so tests can drop,
// duplicate and reorder whole packets.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { readCapture } from '../../src/capture/capture-file.ts';
import { testCert } from '../starttls/helpers.ts';
import { startPostfix } from '../support/servers/index.ts';
import type { TestPki } from '../tls/helpers.ts';
import { captureOpenssl, runSClient, startTcpdump, tempDir, withoutGaps } from './helpers.ts';

/** One unit of a capture file that tests move around whole: a pcap record or a pcapng block, [start, end). */
export interface Unit {
  start: number;
  end: number;
  kind: 'packet' | 'secrets';
}

export interface Seed {
  name: string;
  format: 'pcap' | 'pcapng';
  bytes: Uint8Array;
  /** The key log given with the capture ('' when the capture carries its own: a Decryption Secrets Block). */
  keyLog: string;
  /** The file's packets and secrets blocks, in file order; the bytes before the first are the file's headers. */
  units: Unit[];
  /** PEM of the CA the server's chain checks against. */
  caPem: string;
}

/**
 * Packet and secrets block boundaries, as the project's reader reports them, from the first packet on (what comes
 * before it, secrets blocks included, is the file's headers). Each unit runs to the next, so blocks the reader
 * does not report (statistics, a second interface) travel with the packet before them.
 */
export async function unitsOf(bytes: Uint8Array, format: 'pcap' | 'pcapng'): Promise<Unit[]> {
  const items: { start: number; end: number; kind: Unit['kind'] }[] = [];
  const little = format === 'pcapng' && new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true) === 0x1a2b3c4d;
  for await (const item of readCapture([bytes])) {
    const start = item.offset;
    const end = format === 'pcap' ? start + 16 + (item.kind === 'packet' ? item.data.length : 0) : start + new DataView(bytes.buffer, bytes.byteOffset).getUint32(start + 4, little);
    items.push({ start, end, kind: item.kind });
  }
  const first = items.findIndex((i) => i.kind === 'packet');
  const units = first < 0 ? [] : items.slice(first);
  return units.map((u, i) => ({ ...u, end: i + 1 < units.length ? units[i + 1].start : u.end }));
}

async function seedOf(name: string, file: string, keyLog: string, caPem: string): Promise<Seed> {
  const bytes = new Uint8Array(fs.readFileSync(file));
  const format = name.endsWith('pcapng') ? 'pcapng' : 'pcap';
  return { name, format, bytes, keyLog, units: await unitsOf(bytes, format), caPem };
}

/** Three openssl sessions in one capture: pcap, pcapng, and pcapng with its key log inside. */
export async function opensslSeeds(pki: TestPki): Promise<{ seeds: Seed[]; dir: string }> {
  const run = await captureOpenssl(pki, 'fuzz', [], [
    { args: ['-tls1_3'] },
    { args: ['-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-GCM-SHA256'] },
    { args: ['-tls1_2', '-cipher', 'ECDHE-ECDSA-AES256-SHA', '-no_etm'] },
  ]);
  const ng = path.join(run.dir, 'fuzz.pcapng');
  const dsb = path.join(run.dir, 'fuzz-dsb.pcapng');
  execFileSync('editcap', ['-F', 'pcapng', run.pcap, ng]);
  execFileSync('editcap', ['--inject-secrets', `tls,${run.keyLog}`, run.pcap, dsb]);
  const keyLog = fs.readFileSync(run.keyLog, 'utf8');
  const ca = fs.readFileSync(pki.rootPem, 'utf8');
  return {
    dir: run.dir,
    seeds: [await seedOf('openssl.pcap', run.pcap, keyLog, ca), await seedOf('openssl.pcapng', ng, keyLog, ca), await seedOf('openssl-dsb.pcapng', dsb, '', ca)],
  };
}

/** An SMTP STARTTLS session with Postfix: pcap and pcapng. */
export async function smtpSeeds(): Promise<{ seeds: Seed[]; cleanup(): Promise<void> }> {
  const cert = testCert();
  const postfix = await startPostfix(cert);
  const dirs: string[] = [];
  try {
    const { pcap, keys } = await withoutGaps(
      async () => {
        const dir = tempDir('fuzz-smtp');
        dirs.push(dir);
        const files = { pcap: path.join(dir, 'smtp.pcap'), keys: path.join(dir, 'keys.log') };
        const dump = await startTcpdump(files.pcap, postfix.port);
        try {
          await runSClient(postfix.port, ['-starttls', 'smtp', '-keylogfile', files.keys, '-CAfile', cert.tlsCert], [{ type: 'EHLO again.example\r\n', until: /^250 /m }, { type: 'QUIT\r\n', until: /^221 /m }]);
        } finally {
          await dump.stop();
        }
        return files;
      },
      (r) => r.pcap,
    );
    const ng = pcap.replace(/\.pcap$/, '.pcapng');
    execFileSync('editcap', ['-F', 'pcapng', pcap, ng]);
    const keyLog = fs.readFileSync(keys, 'utf8');
    const ca = fs.readFileSync(cert.tlsCert, 'utf8');
    const seeds = [await seedOf('smtp.pcap', pcap, keyLog, ca), await seedOf('smtp.pcapng', ng, keyLog, ca)];
    return {
      seeds,
      async cleanup() {
        cert.cleanup();
        dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true }));
      },
    };
  } finally {
    await postfix.stop();
  }
}
