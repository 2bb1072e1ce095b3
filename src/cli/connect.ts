// `tls-lens connect HOST:PORT`: a TLS 1.3 handshake against a real server, explained step by step
// (or as JSON). Exit 0 only for a handshake whose server certificate was verified.
// Named imports only: a default import of a builtin makes the bundle copy all of its exports as getters at load.
import { createHash, createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { appendFileSync, writeFileSync } from 'node:fs';
import type { parseArgs } from 'node:util';
import { connectTls, type TlsClientOptions, type TlsConnection, type TlsSession } from '../tls/client.ts';
import { describeFailure } from '../tls/errors.ts';
import { keyLogText } from '../tls/keylog.ts';
import { groupByName, suiteByName, type GroupName } from '../tls/suites.ts';
import { suite12ByName } from '../tls/suites12.ts';
import type { DecodedCertificate } from '../x509/certificate.ts';
import type { CertificateVerifier } from '../tls/verifier.ts';
import { TraceRecorder, parseTraceFrame } from '../trace/recorder.ts';
import { soundPart } from '../trace/trace-check.ts';
import type { TraceEvent } from '../trace/types.ts';
import { connectTcp, TransportError } from '../transport/tcp.ts';
import type { Transport } from '../transport/types.ts';
import type { StartTlsProtocol, StartTlsTranscript } from '../starttls/index.ts';
import { utf8 } from '../util/bytes.ts';
import { isIpAddressText, parseReferenceIdentity } from '../x509/hostname.ts';
import { domainToASCII } from 'node:url';
import { parseCommandLine } from './args.ts';
import { CliError, EXIT, fromParseArgsError, readInputFile, reportCliError, wantsJson } from './errors.ts';
import { renderEvent, styler } from './render.ts';
import { ocspHeadline } from '../trace/ocsp-words.ts';
import { terminalSafe } from '../util/terminal-safe.ts';
import { anchorsIn, certificatesIn, ensureWritable } from './files.ts';
import { cryptoProvider } from '../crypto/provider.ts';
import { useNodeHost } from './node-host.ts';
import { stdout, writeStdout } from './stdout.ts';
import { handshakeMessages, lastAlert, type HandshakeResult } from '../trace/handshake-result.ts';

const HELP = `usage: tls-lens connect HOST:PORT [options]

  --servername NAME   SNI and the name the certificate must match (default: HOST unless an IP address)
  --alpn a,b          offer these ALPN protocols
  --groups g,...      groups to offer: x25519, secp256r1, secp384r1, secp521r1, X25519MLKEM768 (hybrid
                      post-quantum, TLS 1.3 only), ffdhe2048, ffdhe3072, ffdhe4096 (finite-field: TLS 1.3
                      key shares, TLS 1.2 DHE) (default: the first four)
  --keyshare g,...    groups that get a key share in the first ClientHello (default: the first group)
  --suites s,...      cipher suites to offer, TLS 1.3 and TLS 1.2 alike: IANA names (TLS_AES_128_GCM_SHA256,
                      TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256) or OpenSSL names (ECDHE-RSA-AES128-GCM-SHA256)
  --ca FILE           trust anchors (PEM, DER or PKCS#7; default: the Mozilla root store)
  --cert FILE --key FILE   client certificate chain (PEM) and its private key (PEM or DER); TLS 1.3 also offers
                      post-handshake authentication, answered while --send reads the reply
  --reconnect         connect a second time, resuming with a session ticket (TLS 1.2: ticket or session id)
  --early-data TEXT   with --reconnect: the second connection sends TEXT (\\r \\n \\t escapes) as TLS 1.3 0-RTT
                      early data, before the handshake ends (as s_client -early_data), if the ticket allows it
                      (at most its max_early_data_size); refused or not allowed, it goes after the handshake.
                      The answer is printed as with --send
  --tls1.2            offer TLS 1.2 only (same as --versions 1.2)
  --tls1.3            offer TLS 1.3 only (same as --versions 1.3)
  --versions LIST     versions to offer: 1.3, 1.2 or 1.3,1.2 (default 1.3,1.2: one ClientHello offering both)
  --renegotiate       TLS 1.2: renegotiate once after the handshake (RFC 5746 secure renegotiation only)
  --starttls PROTO    plaintext preamble first, then TLS: smtp, lmtp, imap, pop3, ftp, xmpp, ldap, postgres, mysql, nntp, sieve
  --send TEXT         send TEXT (\\r \\n \\t escapes) after the handshake and print the answer (its first
                      bytes awaited up to --timeout, then read until 1.5 s pass with nothing more)
  --keylog FILE       append NSS key log lines (for Wireshark)
  --trace FILE        save the trace (JSON) for replay
  --pcapng FILE       save the session as a pcapng with its key log inside (Wireshark decrypts it, no settings)
  --no-status-request do not ask for a stapled OCSP response (asked by default, as browsers do; a revoked one
                      fails the handshake with certificate_revoked, one that cannot be verified is a warning)
  --insecure          report certificate failures but carry on (exit status stays non-zero)
  --timeout MS        give up after MS milliseconds (default 10000)
  --verbose           also show every record and transcript hash
  --replay FILE       walk through a saved trace (from --trace) again, with no network (with --json: its
                      events, as {ok, target, createdAt, damage, events})
  --json              print a JSON object (an array of two with --reconnect)

exit status: 0 verified handshake; 1 TLS failure; 2 usage; 3 certificate not verified; 4 connection failed or timed out
`;

export interface ConnectionResult extends HandshakeResult {
  certificate: {
    verified: boolean;
    error: { code: string; message: string } | null;
    chain: { subject: string; issuer: string; notBefore: string; notAfter: string; sha256: string }[];
    /**
     * The stapled OCSP response as checked (the trace's 'ocsp' event without its index and times): null when asked
     * for and none was stapled; absent with --no-status-request.
     */
    ocsp?: Omit<Extract<TraceEvent, { kind: 'ocsp' }>, 'kind' | 'index' | 't' | 'conn'> | null;
  };
  /** Which crypto provider did the work: 'node' (node:crypto, what the CLI installs) or 'webcrypto'. */
  cryptoProvider?: string;
  /** `postHandshake` (TLS 1.3, present once the server asked after the handshake): requests seen, certificates sent. */
  clientCertificate: { requested: boolean; sent: boolean; postHandshake?: { offered: boolean; requests: number; certificatesSent: number } };
  received?: string;
  /** TLS 1.2 only: key exchange, EMS, secure renegotiation, encrypt-then-MAC, resumed by id/ticket, renegotiations. */
  tls12?: NonNullable<TlsConnection['summary']['tls12']>;
  /** --starttls: the plaintext dialogue before TLS and the capabilities before and after. */
  starttls?: StartTlsTranscript;
  /**
   * --early-data, on the connection that tried it: offered (sent as 0-RTT), accepted by the server, bytes sent as
   * 0-RTT, and bytes sent after the handshake instead (refused, or beyond the ticket's limit).
   */
  earlyData?: { offered: boolean; accepted: boolean; bytes: number; resent: number };
}

function unescape(s: string): string {
  return s.replace(/\\r/g, '\r').replace(/\\n/g, '\n').replace(/\\t/g, '\t');
}

/** HOST:PORT (an IPv6 address in brackets), or a CliError saying what is wrong with it. */
function parseTarget(target: string): { host: string; port: number } {
  const bad = (why: string) => new CliError('BAD_OPTION_VALUE', `'${target}' ${why}; give HOST:PORT, e.g. example.org:443, 127.0.0.1:4433 or [::1]:4433`, EXIT.usage, true);
  const m = /^\[([^\]]+)\]:([^:]*)$/.exec(target) ?? /^([^:[\]]+):([^:]*)$/.exec(target);
  if (!m) {
    if (/^[^[\]]*:[^[\]]*:/.test(target) && isIpAddressText(target.slice(0, target.lastIndexOf(':')))) throw bad('is an IPv6 address and port without brackets');
    throw bad(target.includes(':') ? 'is not a host and port' : 'has no port');
  }
  if (!m[1]) throw bad('has no host');
  if (!/^\d+$/.test(m[2])) throw bad(m[2] ? `has the port '${m[2]}', which is not a number` : 'has no port');
  const port = Number(m[2]);
  if (!(port > 0 && port < 65536)) throw bad(`has the port ${m[2]} (a port is 1 to 65535)`);
  return { host: m[1], port };
}

/** The STARTTLS dialogues, loaded only when --starttls asks for one (most connections never need their code). */
const loadStartTls = () => import('../starttls/index.ts');

/** The x509 verifier over `anchors` (the Mozilla store when none are given), loaded only when a connection needs it. */
async function loadVerifier(anchors: DecodedCertificate[] | undefined): Promise<CertificateVerifier> {
  const { createVerifier } = await import('../x509/verifier.ts');
  return createVerifier({ anchors });
}

async function chainInfo(chain: Uint8Array[]): Promise<ConnectionResult['certificate']['chain']> {
  const [{ decodeCertificate }, { fmt }] = await Promise.all([import('../x509/certificate.ts'), import('../x509/checks.ts')]);
  // toISOString's digits, from the chain check's own formatter (toISOString's first call in a process starts ICU's
  // time zone, ~1 ms of a connect): fmt leaves out ".000" for whole seconds, this puts it back.
  const iso = (d: Date) => fmt(d).replace(/(:\d\d)Z$/, '$1.000Z');
  const out = [];
  for (const der of chain) {
    // node:crypto is loaded already (the provider): a native hash, where a JS one would run on cold code.
    const sha256 = createHash('sha256').update(der).digest('hex');
    try {
      const c = decodeCertificate(der);
      out.push({ subject: c.subject.text, issuer: c.issuer.text, notBefore: iso(c.notBefore), notAfter: iso(c.notAfter), sha256 });
    } catch (e) {
      out.push({ subject: `(undecodable: ${(e as Error).message})`, issuer: '', notBefore: '', notAfter: '', sha256 });
    }
  }
  return out;
}

/** The most of an answer kept: a server that streams without pause (a large download, s_server fed from a pipe) is
 * read this far and no further, instead of until the process runs out of memory. */
const MAX_ANSWER_BYTES = 1 << 20;

async function readAnswer(conn: TlsConnection, firstMs: number, idleMs: number): Promise<{ text: string; cut: boolean }> {
  // One decoder for the whole answer: a character split across two records is decoded whole.
  const decoder = new TextDecoder();
  let text = '';
  let bytes = 0;
  for (;;) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    // A slow server (or a busy machine) may take a while to start answering; once it has, a pause ends the answer.
    const wait = bytes ? idleMs : firstMs;
    const idle = new Promise<'idle'>((r) => (timer = setTimeout(() => r('idle'), wait)));
    const chunk = await Promise.race([conn.read(), idle]).finally(() => clearTimeout(timer));
    if (chunk === 'idle' || chunk === null) return { text: text + decoder.decode(), cut: false };
    const room = MAX_ANSWER_BYTES - bytes;
    bytes += Math.min(chunk.length, room);
    if (chunk.length >= room) return { text: text + decoder.decode(chunk.subarray(0, room)), cut: true };
    text += decoder.decode(chunk, { stream: true });
  }
}

interface Run {
  result: ConnectionResult;
  session?: TlsSession;
}

/**
 * One connection. `resumesVerified`: the ticket offered came from a connection whose server was verified, so a
 * resumed handshake (which has no certificate) counts as verified too.
 */
interface RunSettings {
  host: string;
  port: number;
  send?: string;
  wantTicket: boolean;
  timeoutMs: number;
  /** The ticket offered came from a verified connection. */
  resumesVerified?: boolean;
  renegotiate?: boolean;
  starttls?: StartTlsProtocol;
}

async function runOne(options: TlsClientOptions, rec: TraceRecorder, conn: number, run: RunSettings): Promise<Run> {
  const { host, port, send, wantTicket, timeoutMs, resumesVerified = false, renegotiate = false } = run;
  rec.conn = conn;
  const startIndex = rec.events.length;
  const t0 = Date.now();
  let connection: TlsConnection | undefined;
  let error: { code: string; message: string } | null = null;
  let received: string | undefined;
  let session: TlsSession | undefined;
  let starttls: StartTlsTranscript | undefined;
  let transport: Promise<Transport> | undefined;
  const starttlsCode = run.starttls ? await loadStartTls() : undefined;
  try {
    // TCP connects while the engine prepares its key shares and ClientHello.
    transport = connectTcp(host, port, { timeoutMs });
    transport.then(() => rec.emit({ kind: 'connection', phase: 'transport-open', target: `${host}:${port}` }), () => undefined);
    if (run.starttls && starttlsCode) {
      // A deferred handshake: the plaintext preamble runs to the server's go-ahead, then TLS starts on the same stream.
      const { runStartTls, starttlsTranscript } = starttlsCode;
      const protocol = run.starttls;
      const preamble = await runStartTls(protocol, await transport, rec.emit, { hostname: options.serverName ?? host, timeoutMs });
      starttls = starttlsTranscript(protocol, rec.events.slice(startIndex), preamble.capabilitiesBefore);
      transport = Promise.resolve(preamble.transport);
      const alpn = preamble.alpn ?? options.alpn;
      connection = await connectTls(transport, { ...options, alpn, timeoutMs }, rec.emit);
      const { capabilitiesAfter } = await preamble.afterTls(connection);
      starttls = starttlsTranscript(protocol, rec.events.slice(startIndex), preamble.capabilitiesBefore, capabilitiesAfter);
    } else {
      connection = await connectTls(transport, { ...options, timeoutMs }, rec.emit);
    }
    // --renegotiate: a second handshake over the encrypted TLS 1.2 connection (src/tls/handshake12/).
    if (renegotiate) await connection.renegotiate();
    if (send !== undefined || options.earlyData) {
      if (send !== undefined) await connection.write(utf8.encode(send));
      const answer = await readAnswer(connection, timeoutMs, 1500);
      received = answer.text;
      if (answer.cut) rec.emit({ kind: 'note', text: `the answer was cut at ${MAX_ANSWER_BYTES} bytes: the server was still sending, and the rest was not read` });
    }
    if (wantTicket) session = connection.session ?? (await connection.waitForSession(2000));
    await connection.close();
  } catch (e) {
    error = e instanceof TransportError || (starttlsCode && e instanceof starttlsCode.StartTlsError) ? { code: e.code, message: e.message } : describeFailure(e);
    if (e instanceof TransportError) rec.emit({ kind: 'error', code: e.code, message: e.message });
    // A failure may leave the TCP connection up (a server that declines --renegotiate with a warning alert goes on;
    // options the engine refuses before it sends anything): closed here, or its socket would keep the process alive
    // after the result is printed. (A connection that failed has released its transport already: closing it again
    // does nothing.)
    if (transport) await transport.then((t) => t.close()).catch(() => undefined);
  }
  const events = rec.events.slice(startIndex);
  const summary = connection?.summary;
  // The last: a stapled OCSP response that says "revoked" adds a failed result after the chain's.
  const certEvent = events.findLast((e) => e.kind === 'cert-result') as Extract<TraceEvent, { kind: 'cert-result' }> | undefined;
  const ocspEvent = events.findLast((e) => e.kind === 'ocsp') as Extract<TraceEvent, { kind: 'ocsp' }> | undefined;
  const chainDer = certEvent ? certEvent.chain.map((h) => new Uint8Array(Buffer.from(h, 'hex'))) : [];
  const verified = summary ? summary.certificate.verified || (summary.resumed && resumesVerified) : !!certEvent?.ok;
  const certError = certEvent?.error ? { code: certEvent.error.code, message: certEvent.error.message } : null;
  const result: ConnectionResult = {
    ok: error === null && verified,
    version: summary ? summary.version : null,
    cipherSuite: summary?.cipherSuite ?? null,
    group: summary?.group ?? null,
    helloRetryRequest: summary?.helloRetryRequest ?? events.some((e) => e.kind === 'handshake' && e.name === 'HelloRetryRequest'),
    alpn: summary?.alpn ?? null,
    resumed: summary?.resumed ?? false,
    serverName: options.serverName ?? null,
    certificate: { verified, error: certError, chain: await chainInfo(chainDer), ...ocspResult(options, ocspEvent) },
    messages: handshakeMessages(events),
    alertSent: lastAlert(events, 'client'),
    alertReceived: lastAlert(events, 'server'),
    error,
    timing: { handshakeMs: connection ? connection.handshakeMs : Date.now() - t0 },
    cryptoProvider: cryptoProvider().name,
    clientCertificate: {
      requested: summary?.clientCertificateRequested ?? false,
      sent: summary?.clientCertificateSent ?? false,
      // Only when the server asked after the handshake, so the usual shape stays {requested, sent}.
      ...(summary?.postHandshakeAuth?.requests ? { postHandshake: { ...summary.postHandshakeAuth } } : {}),
    },
  };
  if (received !== undefined) result.received = received;
  if (summary?.tls12) result.tls12 = summary.tls12;
  if (summary?.earlyData) result.earlyData = { ...summary.earlyData };
  if (run.starttls && starttlsCode) result.starttls = starttls ?? starttlsCode.starttlsTranscript(run.starttls, events, []);
  return { result, session };
}

/** The `ocsp` field: the response's checked fields, null when asked for and none came, nothing when not asked. */
function ocspResult(options: TlsClientOptions, e: Extract<TraceEvent, { kind: 'ocsp' }> | undefined): Pick<ConnectionResult['certificate'], 'ocsp'> {
  if (options.statusRequest === false) return {};
  if (!e) return { ocsp: null };
  const { kind: _kind, index: _index, t: _t, conn: _conn, ...fields } = e;
  return { ocsp: fields };
}

/** What became of --early-data, in words. */
function earlyDataLine(e: NonNullable<ConnectionResult['earlyData']>): string {
  if (e.accepted) return `0-RTT: ${e.bytes} bytes of early data accepted${e.resent ? ` (${e.resent} more after the handshake: beyond the ticket's limit)` : ''}`;
  if (e.offered) return `0-RTT: ${e.bytes} bytes of early data refused by the server; sent again after the handshake (${e.resent} bytes)`;
  return `0-RTT: not sent as early data (no ticket allowing it); ${e.resent} bytes sent after the handshake`;
}

function exitCode(r: ConnectionResult): number {
  if (r.ok) return 0;
  if (r.error && ['CONNECT_FAILED', 'TIMEOUT'].includes(r.error.code)) return 4;
  if (!r.error && !r.certificate.verified) return 3;
  if (r.error && r.certificate.error && r.error.code === r.certificate.error.code) return 3;
  return 1;
}

/** --replay: the same annotated walk, read from a saved trace file instead of a live connection. */
function replay(file: string, verbose: boolean, json: boolean): number {
  let trace;
  let damage: string | null = null;
  try {
    const text = readInputFile(file, '--replay').toString('utf8');
    try {
      trace = parseTraceFrame(text);
    } catch (e) {
      throw new CliError('BAD_INPUT', `cannot replay ${file}: ${(e as Error).message}`);
    }
    // A file damaged part-way is replayed as far as it is sound, and the damage said.
    const sound = soundPart(trace);
    if (sound.problem && sound.file.events.length === 0) throw new CliError('BAD_INPUT', `cannot replay ${file}: ${sound.problem}`);
    if (sound.problem) process.stderr.write(`tls-lens connect: warning: ${terminalSafe(file)} is damaged part-way: ${terminalSafe(sound.problem)}\n`);
    damage = sound.problem ?? null;
    trace = sound.file;
  } catch (e) {
    return reportCliError('tls-lens connect', e, json);
  }
  if (json) {
    // The walk as data: the events replayed (the sound part of a damaged file, the damage said).
    writeStdout(JSON.stringify({ ok: true, target: trace.target ?? null, createdAt: trace.createdAt, damage, events: trace.events.map(printable) }, null, 2) + '\n');
    return 0;
  }
  const color = process.stdout.isTTY === true;
  // A saved trace is a file anyone may send: its target is shown made safe, like its events.
  stdout().write(terminalSafe(styler(color)('bold', `replaying ${trace.target ?? file} (recorded ${trace.createdAt}, ${trace.events.length} events)`), color) + '\n');
  for (const e of trace.events) for (const line of renderEvent(e, { color, verbose })) stdout().write(line + '\n');
  return 0;
}

/**
 * An event as JSON can print it: a hand-made file may nest a field tree deeper than JSON.stringify can recurse (the
 * text walk shows it); such an event keeps its place and kind, and says what was left out.
 */
function printable(e: TraceEvent): unknown {
  try {
    JSON.stringify(e);
    return e;
  } catch {
    return { kind: e.kind, index: e.index, t: e.t, conn: e.conn, leftOut: 'this event nests too deep to print as JSON (the text walk shows it)' };
  }
}

/** What a valid command line asks for. */
interface Request {
  target: { host: string; port: number };
  options: TlsClientOptions;
  timeoutMs: number;
  starttls?: StartTlsProtocol;
}

const usage = (message: string) => new CliError('BAD_OPTION_VALUE', message);

/** The command line checked and its files read, or a CliError saying what is wrong. */
async function parseRequest(v: ParsedValues, positionals: string[]): Promise<Request> {
  if (positionals.length !== 1) {
    const message = positionals.length === 0 ? 'give the server as HOST:PORT' : `give exactly one HOST:PORT, not ${positionals.length} arguments (${positionals.join(' ')})`;
    throw new CliError(positionals.length === 0 ? 'MISSING_ARGUMENT' : 'BAD_OPTION_VALUE', message, EXIT.usage, true);
  }
  const target = parseTarget(positionals[0]);
  const list = (s?: string) => (s ? s.split(',').map((x) => x.trim()).filter(Boolean) : undefined);
  const timeoutMs = v.timeout ? Number(v.timeout) : 10_000;
  if (!(timeoutMs > 0)) throw usage('--timeout must be a positive number of milliseconds');
  // Node's timers take at most 2^31 - 1 ms; a larger delay fires at once (every connection "timed out" in 1 ms).
  if (timeoutMs > 2_147_483_647) throw usage(`--timeout ${v.timeout}: at most 2147483647 ms (about 24 days)`);
  if (v.servername !== undefined) {
    const ascii = /[^\x00-\x7f]/.test(v.servername) ? domainToASCII(v.servername) : v.servername;
    // No certificate can match it, so the handshake could only end "not verified" (exit 3) after sending it as SNI.
    if (!ascii || !parseReferenceIdentity(ascii)) throw usage(`--servername: "${v.servername}" is neither a host name nor an IP address`);
  }
  for (const g of [...(list(v.groups) ?? []), ...(list(v.keyshare) ?? [])]) {
    if (!groupByName(g)) throw usage(`unknown group '${g}' (x25519, secp256r1, secp384r1, secp521r1, X25519MLKEM768, ffdhe2048, ffdhe3072, ffdhe4096)`);
  }
  for (const name of list(v.suites) ?? []) {
    if (!suiteByName(name) && !suite12ByName(name)) {
      throw usage(`unknown cipher suite '${name}' (TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256, or a TLS 1.2 suite such as TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 or ECDHE-RSA-AES128-GCM-SHA256)`);
    }
  }
  const versionNames: Record<string, 'TLS1.2' | 'TLS1.3'> = { '1.2': 'TLS1.2', '1.3': 'TLS1.3', 'tls1.2': 'TLS1.2', 'tls1.3': 'TLS1.3' };
  const versions: ('TLS1.2' | 'TLS1.3')[] | undefined = v['tls1.2'] ? ['TLS1.2'] : v['tls1.3'] ? ['TLS1.3'] : list(v.versions)?.map((x) => versionNames[x.toLowerCase()]);
  if (versions?.some((x) => !x)) throw usage('--versions takes 1.2 and/or 1.3, e.g. --versions 1.3,1.2');
  if (v['tls1.2'] && v['tls1.3']) throw usage('--tls1.2 and --tls1.3 exclude each other (leave both out, or give --versions 1.3,1.2, to offer both)');
  // Checked here as the engine would check them once connected (a usage error then came after the connection was
  // open), or, for TLS 1.3 alone with TLS 1.2 suites only, not at all: its default suites were offered instead.
  const suiteNames = list(v.suites) ?? [];
  if (versions && suiteNames.length) {
    const named = (version: 'TLS1.2' | 'TLS1.3') => suiteNames.some((n) => (version === 'TLS1.3' ? suiteByName(n) : !suiteByName(n) && suite12ByName(n)));
    if (!versions.some(named)) {
      const offered = [...new Set(versions)].map((x) => x.replace('TLS', 'TLS ')).join(' and ');
      throw usage(`--suites names no ${offered} suite, and only ${offered} is offered: no handshake could complete`);
    }
  }
  const groupNames = list(v.groups) ?? ['x25519', 'secp256r1', 'secp384r1', 'secp521r1'];
  for (const g of list(v.keyshare) ?? []) {
    if (!groupNames.some((n) => groupByName(n)?.name === groupByName(g)?.name)) throw usage(`--keyshare ${g}: a key share goes only to a group offered, and --groups ${v.groups ? `is ${v.groups}` : 'defaults to x25519, secp256r1, secp384r1, secp521r1'}: add ${g} to --groups`);
  }
  if (v.starttls !== undefined) {
    const { isStartTlsProtocol, PROTOCOLS } = await loadStartTls();
    if (!isStartTlsProtocol(v.starttls)) throw usage(`unknown --starttls protocol '${v.starttls}' (${PROTOCOLS.map((p) => p.id).join(', ')})`);
  }
  if (!!v.cert !== !!v.key) throw new CliError('MISSING_ARGUMENT', '--cert and --key go together');
  if (v['early-data'] !== undefined && !v.reconnect) throw new CliError('MISSING_ARGUMENT', '--early-data needs --reconnect: the early data rides on the first connection\'s ticket');
  if (v['early-data'] === '') throw usage('--early-data needs some text to send');
  for (const [option, file] of [['--keylog', v.keylog], ['--trace', v.trace], ['--pcapng', v.pcapng]] as const) if (file) ensureWritable(file, option);

  const anchors = v.ca ? anchorsIn({ file: v.ca, what: '--ca', command: 'tls-lens connect' }, 'server') : undefined;
  const verifier = await loadVerifier(anchors);
  let clientCertificate: TlsClientOptions['clientCertificate'];
  if (v.cert && v.key) {
    const chain = certificatesIn({ file: v.cert, what: '--cert', command: 'tls-lens connect' });
    let key: KeyObject;
    const keyBytes = readInputFile(v.key, '--key');
    try {
      key = createPrivateKey(keyBytes);
    } catch {
      // OpenSSL's own words ("error:1E08010C:DECODER routines::unsupported") tell a user nothing: what the file holds does.
      const text = keyBytes.toString('latin1');
      const why = /ENCRYPTED/.test(text)
        ? 'the key is encrypted; decrypt it first (openssl pkey -in KEY -out PLAIN.key)'
        : /-----BEGIN CERTIFICATE-----/.test(text) && !/PRIVATE KEY-----/.test(text)
          ? 'it holds a certificate, not a private key'
          : 'no private key this program can read in it (PEM or DER: PKCS#8, PKCS#1 or SEC1)';
      throw new CliError('BAD_KEY_INPUT', `--key file "${v.key}": ${why}`);
    }
    // A key that is not the certificate's would only show as the server's decrypt_error alert after the handshake
    // has gone wrong: refused here, before connecting, as serve refuses it before listening.
    let matches = true;
    try {
      matches = new X509Certificate(chain[0]).checkPrivateKey(key);
    } catch {
      // A certificate node:crypto cannot read: left for the server to judge.
    }
    if (!matches) throw new CliError('BAD_KEY_INPUT', `--key file "${v.key}" is not the private key of the --cert certificate "${v.cert}" (their public keys differ)`);
    clientCertificate = { chain, privateKey: new Uint8Array(key.export({ type: 'pkcs8', format: 'der' })) };
  }
  const options: TlsClientOptions = {
    serverName: v.servername ?? (isIpAddressText(target.host) ? undefined : target.host),
    alpn: list(v.alpn),
    groups: list(v.groups)?.map((g) => groupByName(g)!.name as GroupName),
    keyShareGroups: list(v.keyshare)?.map((g) => groupByName(g)!.name as GroupName),
    suites: list(v.suites),
    ...(versions ? { versions } : {}),
    clientCertificate,
    verifier,
    insecure: !!v.insecure,
    ...(v['no-status-request'] ? { statusRequest: false } : {}),
  };
  return { target, options, timeoutMs, starttls: v.starttls as StartTlsProtocol | undefined };
}

const OPTIONS = {
  servername: { type: 'string' },
  alpn: { type: 'string' },
  groups: { type: 'string' },
  keyshare: { type: 'string' },
  suites: { type: 'string' },
  ca: { type: 'string' },
  cert: { type: 'string' },
  key: { type: 'string' },
  reconnect: { type: 'boolean' },
  'early-data': { type: 'string' },
  'tls1.2': { type: 'boolean' },
  'tls1.3': { type: 'boolean' },
  versions: { type: 'string' },
  renegotiate: { type: 'boolean' },
  send: { type: 'string' },
  keylog: { type: 'string' },
  pcapng: { type: 'string' },
  trace: { type: 'string' },
  insecure: { type: 'boolean' },
  'no-status-request': { type: 'boolean' },
  timeout: { type: 'string' },
  verbose: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  replay: { type: 'string' },
  starttls: { type: 'string' },
} as const;

type ParsedValues = ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; options: typeof OPTIONS }>>['values'];

export async function run(args: string[]): Promise<number> {
  useNodeHost();
  const fail = (e: unknown) => reportCliError('tls-lens connect', e, wantsJson(args), HELP);
  let v: ParsedValues;
  let request: Request;
  try {
    const parsed = (() => {
      try {
        return parseCommandLine({ args, allowPositionals: true, options: OPTIONS });
      } catch (e) {
        throw fromParseArgsError(e);
      }
    })();
    v = parsed.values;
    if (v.help) {
      stdout().write(HELP);
      return 0;
    }
    if (v.replay) return replay(v.replay, !!v.verbose, !!v.json);
    request = await parseRequest(v, parsed.positionals);
  } catch (e) {
    return fail(e);
  }
  const { target, options, timeoutMs, starttls } = request;

  const rec = new TraceRecorder();
  const color = !v.json && process.stdout.isTTY === true;
  if (!v.json) rec.subscribe((e) => {
    for (const line of renderEvent(e, { color, verbose: v.verbose })) stdout().write(line + '\n');
  });

  const results: ConnectionResult[] = [];
  const send = v.send !== undefined ? unescape(v.send) : undefined;
  const first = await runOne(options, rec, 0, { host: target.host, port: target.port, send, wantTicket: !!v.reconnect, timeoutMs, renegotiate: !!v.renegotiate, starttls });
  results.push(first.result);
  if (v.reconnect) {
    if (!first.session) {
      rec.emit({ kind: 'note', text: 'no session ticket arrived: the second connection is a full handshake' });
    }
    const earlyData = v['early-data'] !== undefined ? utf8.encode(unescape(v['early-data'])) : undefined;
    const second = await runOne({ ...options, session: first.session, ...(earlyData ? { earlyData } : {}) }, rec, 1, { host: target.host, port: target.port, send, wantTicket: false, timeoutMs, resumesVerified: first.result.certificate.verified, starttls });
    results.push(second.result);
  }

  // Both files were opened before connecting (parseRequest), so these writes do not fail on a bad path.
  if (v.keylog) appendFileSync(v.keylog, keyLogText(rec.events));
  if (v.trace) writeFileSync(v.trace, JSON.stringify(rec.toFile(`${target.host}:${target.port}`), null, 1));
  if (v.pcapng) writeFileSync(v.pcapng, (await import('../capture/pcapng-writer.ts')).exportPcapng(rec.events, { start: new Date(Date.now() - (rec.events.at(-1)?.t ?? 0)) }));

  const codes = results.map(exitCode);
  const code = codes.find((c) => c !== 0) ?? 0;
  if (v.json) {
    // Nothing else went to stdout: one write to the descriptor, without process.stdout's stream.
    writeStdout(JSON.stringify(results.length === 1 ? results[0] : results, null, 2) + '\n');
  } else {
    const paint = styler(color);
    for (const [i, r] of results.entries()) {
      const what = `${r.version ?? 'TLS'} ${r.cipherSuite ?? ''} ${r.group ?? ''}${r.helloRetryRequest ? ' (after HelloRetryRequest)' : ''}${r.resumed ? ' resumed' : ''}`;
      // The messages may quote the server (its certificate's names): made safe for the terminal.
      const say = (line: string) => stdout().write(terminalSafe(line, color) + '\n');
      if (r.ok) say(paint('green', `✓ connection ${i}: ${what.trim()}, server verified, ${r.timing.handshakeMs} ms`));
      else if (!r.error) say(paint('yellow', `! connection ${i}: ${what.trim()}, but the server is NOT verified: ${r.certificate.error?.code} ${r.certificate.error?.message ?? ''}`));
      else say(paint('red', `✗ connection ${i}: ${r.error.code}: ${r.error.message}`));
      const ocsp = r.certificate.ocsp;
      if (ocsp === null && !r.resumed && r.version) say(paint('dim', '  OCSP: the server stapled no response'));
      if (ocsp) say(paint(ocsp.verdict === 'good' ? 'green' : ocsp.verdict === 'revoked' ? 'red' : 'yellow', `  ${ocspHeadline(ocsp)}: ${ocsp.detail}`));
      if (r.earlyData) say(paint(r.earlyData.accepted ? 'green' : 'yellow', `  ${earlyDataLine(r.earlyData)}`));
    }
  }
  if (code !== 0) {
    const failed = results.find((r) => !r.ok)!;
    process.stderr.write(`tls-lens: ${failed.error?.code ?? failed.certificate.error?.code ?? 'NOT_VERIFIED'}\n`);
  }
  return code;
}
