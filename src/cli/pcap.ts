// `tls-lens pcap FILE`: the TCP streams of a pcap/pcapng capture, and the TLS inside them decoded (and decrypted
// with an NSS key log, from --keylog or the capture's Decryption Secrets Blocks), as for a live session.
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { addKeyLog, emptyKeyLog, placeOf } from '../capture/keylog.ts';
import { importCapture, type CaptureImport } from '../capture/import.ts';
import { fileChunks } from '../capture/file-chunks.ts';
import { listingOf, type DecodedStream, type StreamListing } from '../capture/session.ts';
import { connectionResult } from '../capture/summary.ts';
import type { CertificateVerifier } from '../capture/engine.ts';
import { renderEvent, styler } from './render.ts';
import { terminalSafeLines } from '../util/terminal-safe.ts';
import { useNodeHost } from './node-host.ts';
import { stdout } from './stdout.ts';

const HELP = `usage: tls-lens pcap FILE [options]

  --keylog FILE   NSS key log (SSLKEYLOGFILE) to decrypt with; a pcapng's Decryption Secrets Blocks are used too
  --stream N      show only TCP stream N (numbered as Wireshark's tcp.stream)
  --ca FILE       PEM trust anchors for the certificate checks (default: the Mozilla root store)
  --list          only list the streams
  --json          print JSON: {file, streams: [per stream the shape of 'connect --json' plus stream and undecrypted]}
  --verbose       also show every record

exit status: 0 capture read whole; 1 the capture is damaged (what could be read is still shown); 2 usage or unreadable file
`;

function pemBlocks(text: string): Uint8Array[] {
  return [...text.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)].map((m) => new Uint8Array(Buffer.from(m[1].replace(/\s+/g, ''), 'base64')));
}

function listLine(s: StreamListing): string {
  const what = s.starttls ? `STARTTLS ${s.starttls}${s.tls ? ` + ${s.tls}` : ''}` : s.tls || 'no TLS';
  return `#${s.index}  ${s.client} → ${s.server}  ${s.firstTime}  ${s.durationMs} ms  ${s.bytes.client}/${s.bytes.server} bytes  ${what}${s.serverName ? `  SNI ${s.serverName}` : ''}${s.gaps ? `  ${s.gaps} gap(s)` : ''}`;
}

export async function run(args: string[]): Promise<number> {
  useNodeHost();
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        keylog: { type: 'string' },
        stream: { type: 'string' },
        ca: { type: 'string' },
        list: { type: 'boolean' },
        json: { type: 'boolean' },
        verbose: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    process.stderr.write(`tls-lens pcap: ${(e as Error).message}\n\n${HELP}`);
    return 2;
  }
  const { values: v, positionals } = parsed;
  if (v.help) {
    stdout().write(HELP);
    return 0;
  }
  const fail = (message: string, code = 2) => {
    if (v.json) stdout().write(JSON.stringify({ error: { code: 'USAGE', message } }, null, 2) + '\n');
    process.stderr.write(`tls-lens pcap: ${message}\n`);
    return code;
  };
  if (positionals.length !== 1) return fail(`give exactly one capture file\n\n${HELP}`);
  const file = positionals[0];
  const only = v.stream !== undefined ? Number(v.stream) : undefined;
  if (only !== undefined && !(Number.isInteger(only) && only >= 0)) return fail('--stream takes a stream number (0, 1, ...)');
  if (!fs.existsSync(file)) return fail(`cannot read ${file}: no such file`);
  const keyLog = emptyKeyLog();
  if (v.keylog) {
    try {
      addKeyLog(keyLog, fs.readFileSync(v.keylog, 'utf8'));
    } catch (e) {
      return fail(`cannot read the key log ${v.keylog}: ${(e as Error).message}`);
    }
  }
  let verifier: CertificateVerifier | undefined;
  try {
    const { createVerifier } = await import('../x509/verifier.ts');
    verifier = createVerifier(v.ca ? { anchors: pemBlocks(fs.readFileSync(v.ca, 'utf8')) } : {});
  } catch (e) {
    return fail(`cannot read the trust anchors ${v.ca}: ${(e as Error).message}`);
  }

  // One pass over the file: streams are decoded as it is read (the ones not asked for: only their first bytes,
  // for the list). With --json each stream becomes its summary as soon as it ends, so its events are let go.
  const wanted = (i: number) => !v.list && (only === undefined || i === only);
  const summaries = new Map<number, { result: ReturnType<typeof connectionResult> | StreamListing; decoded: Pick<DecodedStream, 'session' | 'start'> }>();
  let scan: CaptureImport;
  try {
    // Read in large blocks into reused memory (file-chunks.ts): the import copies only what it keeps.
    scan = await importCapture(fileChunks(file), {
      keyLog,
      verifier,
      decode: wanted,
      ...(v.json && {
        onStream: (stream, decoded) => {
          if (only !== undefined && stream.index !== only) return;
          const listing = listingOf(stream, decoded);
          summaries.set(stream.index, { result: v.list ? listing : connectionResult(decoded, listing), decoded: { session: decoded.session, start: decoded.start } });
        },
      }),
    });
  } catch (e) {
    // The file itself could not be read (a directory, no permission): capture damage comes back in scan.error.
    if ((e as NodeJS.ErrnoException).code) return fail(`cannot read ${file}: ${(e as Error).message}`);
    throw e;
  }
  const streams = only === undefined ? scan.streams : scan.streams.filter((s) => s.stream.index === only);
  if (only !== undefined && streams.length === 0 && !scan.error) {
    const n = scan.streams.length;
    return fail(`there is no stream ${only} (the capture has ${n === 0 ? 'no TCP stream' : n === 1 ? 'only stream 0' : `streams 0 to ${n - 1}`})`);
  }
  const color = process.stdout.isTTY === true && !v.json;
  const paint = styler(color);
  // Names, STARTTLS lines and key log text come from the capture and the key log: made safe for the terminal.
  const say = (text: string) => stdout().write(terminalSafeLines(text, color));
  const keyLogProblems = keyLog.problems;
  const results = [];
  if (!v.json) {
    say(paint('bold', `${file}: ${scan.packets} packets, ${scan.streams.length} TCP stream(s)${keyLog.byRandom.size ? `, key log with ${keyLog.byRandom.size} session(s)` : ''}\n`));
    for (const p of keyLogProblems) say(paint('yellow', `  ${placeOf(p)} ignored: ${p.reason}: ${p.text}\n`));
  }
  for (const { stream: s, decoded } of streams) {
    if (v.json) {
      // The stream's figures as the whole capture counts them: the packets after its end (the last ACKs) may be
      // read after it was summarised, as far as reading got ahead of decoding.
      const { result, decoded: kept } = summaries.get(s.index)!;
      const listing = listingOf(s, kept);
      results.push(v.list ? listing : { ...result, stream: listing });
      continue;
    }
    const listing = listingOf(s, decoded!);
    if (v.list) {
      say(listLine(listing) + '\n');
      continue;
    }
    say('\n' + paint('bold', listLine(listing)) + '\n');
    for (const e of decoded!.events) {
      if (e.kind === 'preamble') {
        say(`${e.direction === 'client' ? '→' : '←'} ${paint('dim', `${e.protocol}:`)} ${e.text}${e.note ? paint('yellow', `  (${e.note})`) : ''}\n`);
        continue;
      }
      for (const line of renderEvent(e, { color, verbose: !!v.verbose })) say(line + '\n');
    }
    for (const u of decoded!.session.undecrypted) {
      say(paint('yellow', `  ${u.records} ${u.direction} record(s) under ${u.epoch} keys not decrypted (${u.reason}): needs key log line ${u.needs}\n`));
    }
  }
  if (scan.error && !v.json) say(paint('red', `\n✗ ${scan.error.code}: the capture is damaged: ${scan.error.message}; everything before it is shown above\n`));
  if (v.json) {
    const out = { file, packets: scan.packets, streams: results, keyLogProblems, ...(scan.error ? { error: scan.error } : {}) };
    stdout().write(JSON.stringify(out, null, 2) + '\n');
  }
  if (scan.error) process.stderr.write(`tls-lens pcap: ${scan.error.message}\n`);
  return scan.error ? 1 : 0;
}
