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
import { CliError, EXIT, fileReason, fromParseArgsError, readInputFile, reportCliError, wantsJson } from './errors.ts';
import { anchorsIn } from './files.ts';
import { useNodeHost } from './node-host.ts';
import { stdout } from './stdout.ts';

const HELP = `usage: tls-lens pcap FILE [options]

  --keylog FILE   NSS key log (SSLKEYLOGFILE) to decrypt with; a pcapng's Decryption Secrets Blocks are used too
  --stream N      show only TCP stream N (numbered as Wireshark's tcp.stream)
  --ca FILE       trust anchors for the certificate checks (PEM, DER or PKCS#7; default: the Mozilla root store)
  --list          only list the streams
  --json          print JSON: {file, streams: [per stream the shape of 'connect --json' plus stream and undecrypted],
                  truncated: {packets, snapLength, message} when the capture's snapshot length cut packets short}
  --verbose       also show every record

exit status: 0 capture read whole; 1 the capture is damaged (what could be read is still shown); 2 usage or unreadable file
  (with --json, bad usage or an unreadable file is {"ok": false, "error": {"code", "message"}})
`;

function listLine(s: StreamListing): string {
  const what = s.starttls ? `STARTTLS ${s.starttls}${s.tls ? ` + ${s.tls}` : ''}` : s.tls || 'no TLS';
  return `#${s.index}  ${s.client} → ${s.server}  ${s.firstTime}  ${s.durationMs} ms  ${s.bytes.client}/${s.bytes.server} bytes  ${what}${s.serverName ? `  SNI ${s.serverName}` : ''}${s.gaps ? `  ${s.gaps} gap(s)` : ''}${s.truncatedPackets ? `  ${s.truncatedPackets} packet(s) cut short` : ''}`;
}

export async function run(args: string[]): Promise<number> {
  useNodeHost();
  // Bad usage and unreadable input: a plain line on stderr, and with --json the error object on stdout, as every
  // command answers (src/cli/errors.ts).
  const fail = (e: unknown) => reportCliError('tls-lens pcap', e, wantsJson(args), HELP);
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
    return fail(fromParseArgsError(e));
  }
  const { values: v, positionals } = parsed;
  if (v.help) {
    stdout().write(HELP);
    return 0;
  }
  if (positionals.length !== 1) {
    const message = positionals.length === 0 ? 'give the capture file (pcap or pcapng)' : `give exactly one capture file, not ${positionals.length}`;
    return fail(new CliError(positionals.length === 0 ? 'MISSING_ARGUMENT' : 'BAD_OPTION_VALUE', message, EXIT.usage, true));
  }
  const file = positionals[0];
  const only = v.stream !== undefined ? Number(v.stream) : undefined;
  if (only !== undefined && !(/^\d+$/.test(v.stream!) && Number.isSafeInteger(only))) return fail(new CliError('BAD_OPTION_VALUE', `--stream takes a stream number (0, 1, ...), not "${v.stream}"`));
  if (!fs.existsSync(file)) return fail(new CliError('UNREADABLE_FILE', `cannot read capture file "${file}": no such file`));
  const keyLog = emptyKeyLog();
  let verifier: CertificateVerifier | undefined;
  try {
    if (v.keylog) addKeyLog(keyLog, keyLogText(v.keylog));
    // Every certificate format the other commands read (PEM, DER, PKCS#7); a file with none is bad input, not a
    // capture whose chains all fail for want of the anchor the user named.
    const anchors = v.ca ? anchorsIn({ file: v.ca, what: '--ca', command: 'tls-lens pcap' }, 'server').map((c) => c.der) : undefined;
    const { createVerifier } = await import('../x509/verifier.ts');
    verifier = createVerifier(anchors ? { anchors } : {});
  } catch (e) {
    return fail(e);
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
    if ((e as NodeJS.ErrnoException).code) return fail(new CliError('UNREADABLE_FILE', `cannot read capture file "${file}": ${fileReason(e)}`));
    throw e;
  }
  const streams = only === undefined ? scan.streams : scan.streams.filter((s) => s.stream.index === only);
  if (only !== undefined && streams.length === 0 && !scan.error) {
    const n = scan.streams.length;
    return fail(new CliError('BAD_OPTION_VALUE', `there is no stream ${only} (the capture has ${n === 0 ? 'no TCP stream' : n === 1 ? 'only stream 0' : `streams 0 to ${n - 1}`})`));
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
    // Said once for the capture: every stream's gaps that these cuts made say so too.
    if (scan.truncated) say(paint('yellow', `  ${scan.truncated.message}\n`));
    // A key log of another capture (or another run of the client) opens nothing: said once, up front, rather than
    // left to each stream's "no key in the key log".
    const used = streams.some(({ decoded }) => decoded?.events.some((e) => e.kind === 'key' && e.op === 'key log'));
    const wanting = streams.filter(({ decoded }) => decoded?.session.undecrypted.some((u) => u.reason === 'no key in the key log'));
    if (keyLog.byRandom.size && wanting.length && !used) {
      say(paint('yellow', `  the key log's ${keyLog.byRandom.size} session(s) match none of this capture's TLS streams: it may be the key log of another capture\n`));
    }
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
    const out = { file, packets: scan.packets, streams: results, keyLogProblems, ...(scan.truncated ? { truncated: scan.truncated } : {}), ...(scan.error ? { error: scan.error } : {}) };
    stdout().write(JSON.stringify(out, null, 2) + '\n');
  }
  if (scan.error) process.stderr.write(`tls-lens pcap: ${scan.error.message}\n`);
  return scan.error ? 1 : 0;
}

/** The first four bytes of a pcap (either byte order, micro- or nanosecond) or a pcapng file. */
const CAPTURE_MAGICS = [0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1, 0x0a0d0d0a];

/**
 * The --keylog file's text. A capture file named by mistake is bad input, said once, rather than each of its "lines"
 * listed as an ignored key log line. Any other damage (binary lines among good ones) is read line by line as ever:
 * the good lines still open their sessions, and each bad one is listed with its number.
 */
function keyLogText(file: string): string {
  const bytes = readInputFile(file, 'key log');
  if (bytes.length >= 4 && CAPTURE_MAGICS.includes(bytes.readUInt32BE(0))) {
    throw new CliError('BAD_INPUT', `--keylog file "${file}" is not an NSS key log (lines such as "CLIENT_RANDOM <hex> <hex>"): it is a capture file`);
  }
  return bytes.toString('utf8');
}
