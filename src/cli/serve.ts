// `tls-lens serve`: our own TLS server on a local port. For each client: the walk from the server's side (or one
// JSON line), its ClientHello fingerprints, and with --www a page describing that handshake. One client's bad
// behaviour ends that client only: each has a handshake deadline, an idle timeout and a lifetime cap.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { TlsError } from '../tls/errors.ts';
import { keyLogText } from '../tls/keylog.ts';
import { acceptTls, SessionCache12, TicketKeys, type ServerCertificate, type ServerConnection, type ServerOptions } from '../tls/server.ts';
import type { GroupName } from '../tls/suites.ts';
import { TraceRecorder } from '../trace/recorder.ts';
import { socketTransport } from '../transport/tcp.ts';
import { utf8 } from '../util/bytes.ts';
import { checkKeyMatchesCertificate, PrivateKeyError, readPrivateKeyPem } from '../x509/private-key.ts';
import { readRoot } from '../x509/der.ts';
import { CliError, EXIT, fileReason, readInputFile, reportCliError, wantsJson } from './errors.ts';
import { renderEvent, styler } from './render.ts';
import { terminalSafe } from '../util/terminal-safe.ts';
import { anchorsIn, certificatesIn, ensureWritable } from './files.ts';
import { parseServeArgs, SERVE_HELP, type ServeConfig } from './serve-options.ts';
import { DEFAULT_MAX_EARLY_DATA } from '../tls/server/options.ts';
import { defaultPkiDir, ensureThrowawayPki } from './serve-pki.ts';
import { clientReport, reportLines, wwwPage } from './serve-report.ts';
import { ClientReporter } from './serve-post.ts';
import type { ReportingServer } from '../clients/report-message.ts';
import { useNodeHost } from './node-host.ts';
import { stdout } from './stdout.ts';

/** An HTTP request head larger than this is cut off (--www reads no body). */
const MAX_REQUEST_BYTES = 16 * 1024;
/** No client keeps a connection longer than this many --timeout periods. */
const LIFETIME_TIMEOUTS = 10;

export async function run(args: string[]): Promise<number> {
  useNodeHost();
  const json = wantsJson(args);
  let config: ServeConfig;
  try {
    config = parseServeArgs(args);
    if (config.help) {
      stdout().write(SERVE_HELP);
      return EXIT.ok;
    }
    return await serve(config);
  } catch (e) {
    return reportCliError('tls-lens serve', e, json, SERVE_HELP, { jsonLines: true });
  }
}

interface Loaded {
  certificates: ServerCertificate[];
  anchors?: Uint8Array[];
  caNote?: string;
  caFile?: string;
}

async function loadFiles(config: ServeConfig): Promise<Loaded> {
  const out: Loaded = { certificates: [] };
  let pairs = config.certificates;
  if (pairs.length === 0) {
    let pki;
    try {
      pki = await ensureThrowawayPki(config.pkiDir);
    } catch (e) {
      // A directory that cannot be made or written (a file in the way, no permission): the user's to fix, not ours.
      if (!(e as NodeJS.ErrnoException).code) throw e;
      const dir = config.pkiDir ?? defaultPkiDir();
      throw new CliError('UNWRITABLE_FILE', `cannot keep the throwaway CA in ${config.pkiDir ? '--pki-dir' : 'the directory'} "${dir}": ${fileReason(e)} (give --pki-dir DIR, or --cert and --key)`);
    }
    pairs = [{ cert: pki.chainFile, key: pki.keyFile }];
    out.caFile = pki.caFile;
    // The curl line is finished with the address once listening (README: `curl --cacert .../ca.pem https://localhost:4433/`).
    out.caNote = `${pki.generated ? 'made a throwaway CA' : 'using the throwaway CA'}: clients trust ${pki.caFile} (e.g. curl --cacert ${pki.caFile}`;
  }
  for (const { cert, key } of pairs) {
    const chain = certificatesIn({ file: cert, what: '--cert', command: 'tls-lens serve' });
    const keyFile = key ?? cert;
    let loaded;
    try {
      loaded = readPrivateKeyPem(readInputFile(keyFile, '--key').toString('utf8'));
      await checkKeyMatchesCertificate(loaded, chain[0]);
    } catch (e) {
      if (e instanceof PrivateKeyError) throw new CliError('BAD_KEY_INPUT', `${key ? `--key file "${key}"` : `--cert file "${cert}" (no --key given)`}: ${e.message}`);
      throw e;
    }
    const ocspFile = config.ocsp[out.certificates.length];
    out.certificates.push({ chain, key: loaded.pkcs8, ...(ocspFile ? { ocspResponse: ocspResponseIn(ocspFile) } : {}) });
  }
  if (config.ca) out.anchors = anchorsIn({ file: config.ca, what: '--ca', command: 'tls-lens serve' }, 'client').map((c) => c.der);
  return out;
}

/**
 * An --ocsp file: one DER element (what `openssl ocsp -respout` writes) that fits a CertificateStatus (< 2^24 bytes).
 * Its contents are not judged here: a stale or foreign response is the client's to find, as with s_server.
 */
function ocspResponseIn(file: string): Uint8Array {
  const der = new Uint8Array(readInputFile(file, '--ocsp'));
  let problem: string | undefined;
  try {
    const root = readRoot(der);
    if (root.tag !== 0x30) problem = 'it is not a DER SEQUENCE';
  } catch (e) {
    problem = (e as Error).message;
  }
  if (!problem && der.length >= 1 << 24) problem = 'it is larger than a CertificateStatus can carry (2^24 - 1 bytes)';
  if (problem) throw new CliError('BAD_INPUT', `--ocsp file "${file}" is not a DER OCSP response: ${problem}`);
  return der;
}

/** Why the listening socket could not be opened, in words (Node's are "listen EADDRNOTAVAIL: address not available ..."). */
function listenReason(e: NodeJS.ErrnoException, config: ServeConfig): string {
  if (e.code === 'EADDRINUSE') return 'the port is in use';
  if (e.code === 'EADDRNOTAVAIL') return `${config.host} is not an address of this machine (--host takes one of its own addresses, such as 127.0.0.1, ::1 or 0.0.0.0 for all)`;
  if (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') return `no address found for the host name ${config.host}`;
  if (e.code === 'EACCES') return config.port < 1024 ? `permission denied (port ${config.port} is below 1024: it needs root, or take a port from 1024 up)` : 'permission denied';
  return e.message;
}

function checkOutputs(config: ServeConfig): void {
  if (config.keylog) ensureWritable(config.keylog, '--keylog');
  try {
    if (config.traceDir) fs.mkdirSync(config.traceDir, { recursive: true });
    if (config.traceDir) fs.accessSync(config.traceDir, fs.constants.W_OK);
  } catch (e) {
    throw new CliError('UNWRITABLE_FILE', `cannot write into --trace directory "${config.traceDir}": ${fileReason(e)}`);
  }
}

async function serve(config: ServeConfig): Promise<number> {
  checkOutputs(config);
  const loaded = await loadFiles(config);
  // One ticket key set and one TLS 1.2 session cache for the whole server, so that a ticket or a session id from
  // one connection resumes the next (a cache per connection would never find a session).
  const engineOptions: ServerOptions = {
    certificates: loaded.certificates,
    versions: config.versions,
    suites: config.suites,
    groups: config.groups as GroupName[],
    ticketKeys: new TicketKeys(),
    sessionCache: new SessionCache12(),
    alpn: config.alpn,
    clientAuth: config.clientAuth,
    clientTrustAnchors: loaded.anchors,
    numTickets: config.numTickets,
    ...(config.earlyData ? { acceptEarlyData: true, maxEarlyData: DEFAULT_MAX_EARLY_DATA } : {}),
    timeoutMs: config.timeoutMs,
    writeTimeoutMs: config.timeoutMs,
  };
  const out = (line: string): void => {
    stdout().write(terminalSafe(line, config.color) + '\n');
  };
  const sockets = new Set<net.Socket>();
  const active = new Set<Promise<void>>();
  let accepted = 0;

  const server = net.createServer({ noDelay: true });
  const listening = new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(new CliError('INTERNAL_ERROR', `cannot listen on ${config.host}:${config.port}: ${listenReason(e, config)}`, EXIT.failed)));
    server.listen(config.port, config.host, () => resolve());
  });
  await listening;
  // Ctrl-C and SIGTERM are ours before the listening line is printed: whoever reads that line may signal at once.
  let stopping = false;
  const stopped = new Promise<void>((resolve) => {
    const stop = () => {
      if (stopping) return;
      stopping = true;
      server.close();
      // Ctrl-C: finished clients are already reported; the ones mid-handshake are cut off.
      for (const s of sockets) s.destroy();
      Promise.allSettled([...active]).then(() => resolve());
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    server.on('close', () => Promise.allSettled([...active]).then(() => resolve()));
  });

  const port = (server.address() as net.AddressInfo).port;
  const url = `https://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}/`;
  if (config.json) out(JSON.stringify({ event: 'listening', host: config.host, port, url, caFile: loaded.caFile ?? null }));
  else {
    out(`tls-lens serve: listening on ${url} (${config.versions.map((v) => v.replace('TLS', 'TLS ')).join(', ')}; groups ${config.groups.join(', ')})`);
    // The leaf names localhost (and the loopback addresses): the curl line uses the name when bound to loopback.
    const curlUrl = config.host === '127.0.0.1' || config.host === 'localhost' ? `https://localhost:${port}/` : url;
    if (loaded.caNote) out(`tls-lens serve: ${loaded.caNote} ${curlUrl})`);
    if (config.reportUrl) out(`tls-lens serve: reporting each client to ${config.reportUrl}`);
  }
  // What the app's Clients view is told about this server, to explain its choices.
  const reporting: ReportingServer = { url, startedAt: new Date().toISOString(), versions: config.versions, groups: config.groups, suites: config.suites, alpn: config.alpn };

  server.on('connection', (socket) => {
    if (stopping) return socket.destroy();
    accepted += 1;
    const n = accepted;
    if (config.naccept && accepted >= config.naccept) server.close();
    sockets.add(socket);
    const job = serveClient(socket, n, engineOptions, config, reporting).then(
      (lines) => {
        for (const l of lines) out(l);
      },
      (e) => {
        out(config.json ? JSON.stringify({ n, ok: false, error: { code: 'INTERNAL_ERROR', message: (e as Error).message } }) : `client #${n}: internal error: ${(e as Error).message}`);
      },
    );
    const tracked = job.finally(() => {
      sockets.delete(socket);
      active.delete(tracked);
    });
    active.add(tracked);
  });

  await stopped;
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
  if (!config.json) out(`tls-lens serve: stopped after ${accepted} client${accepted === 1 ? '' : 's'}`);
  return EXIT.ok;
}

/** Serve one client to the end and return what to print. Never throws for anything the client does. */
async function serveClient(socket: net.Socket, n: number, options: ServerOptions, config: ServeConfig, reporting: ReportingServer): Promise<string[]> {
  const client = `${socket.remoteAddress}:${socket.remotePort}`;
  const rec = new TraceRecorder();
  const started = Date.now();
  // Idle: no bytes either way for --timeout. Lifetime: a cap however busy the client keeps it.
  socket.setTimeout(config.timeoutMs, () => socket.destroy());
  const lifetime = setTimeout(() => socket.destroy(), config.timeoutMs * LIFETIME_TIMEOUTS);
  let connection: ServerConnection | null = null;
  let failure: unknown = null;
  let handshakeMs: number | null = null;
  let request = '';
  const reporter = config.reportUrl ? new ClientReporter(config.reportUrl, reporting, n) : null;
  try {
    connection = await acceptTls(socketTransport(socket), { ...options, recorder: rec.emit });
    handshakeMs = Date.now() - started;
    // The app lists the client now, not only when it leaves (an interactive s_client may stay for minutes).
    void reporter?.send('handshake', clientReport({ client, n, events: rec.events, connection, failure: null, handshakeMs, connectionMs: handshakeMs }), rec.toFile(client));
    if (config.keyUpdate && connection.summary.version === 'TLSv1.3') await connection.keyUpdate(true);
    if (config.renegotiate && connection.summary.version === 'TLSv1.2') await renegotiateIfWilling(connection, rec);
    if (config.mode === 'echo') await echo(connection);
    else request = await readRequest(connection);
    if (config.mode === 'www' && request) {
      const page = utf8.encode(wwwPage(clientReport({ client, n, events: rec.events, connection, failure: null, handshakeMs, connectionMs: Date.now() - started }), request));
      const head = `HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: ${page.length}\r\nConnection: close\r\n\r\n`;
      await connection.write(utf8.encode(head));
      await connection.write(page);
    }
    await connection.close();
  } catch (e) {
    // Ended by the client, a timeout or a TLS failure (the engine has sent its alert): reported, never rethrown.
    if (!connection || !socket.destroyed) failure = e;
  } finally {
    clearTimeout(lifetime);
    socket.destroy();
  }
  const report = clientReport({ client, n, events: rec.events, connection: handshakeMs !== null ? connection : null, failure: handshakeMs === null ? failure : null, handshakeMs, connectionMs: Date.now() - started });
  if (config.keylog) fs.appendFileSync(config.keylog, keyLogText(rec.events));
  if (config.traceDir) fs.writeFileSync(path.join(config.traceDir, `${n}-${client.replace(/[^\w.-]+/g, '_')}.json`), JSON.stringify(rec.toFile(client), null, 1));
  await reporter?.send('closed', report, rec.toFile(client));
  if (config.json) return [JSON.stringify(report)];
  const paint = styler(config.color);
  const walk = rec.events.flatMap((e) => renderEvent(e, { color: config.color, verbose: false }));
  return [paint('bold', `── client #${n} ${client} (arrows: → client to server, ← server to client)`), ...walk, ...reportLines(report)];
}

/**
 * --renegotiate: a client may refuse (no_renegotiation) or not do RFC 5746 at all; the connection is still up and
 * goes on, as with s_server's R. Anything else (the connection ended) is a failure.
 */
async function renegotiateIfWilling(connection: ServerConnection, rec: TraceRecorder): Promise<void> {
  try {
    await connection.renegotiate();
  } catch (e) {
    if (!(e instanceof TlsError && e.code === 'BAD_OPTION')) throw e;
    rec.emit({ kind: 'note', text: `no renegotiation: ${e.message}; the connection goes on` });
  }
}

/** Send back what the client sends until it closes; the idle timeout ends a silent one. */
async function echo(connection: ServerConnection): Promise<void> {
  for (;;) {
    const data = await connection.read();
    if (data === null) return;
    await connection.write(data);
  }
}

/** The HTTP request head (up to the blank line), or whatever came before the client closed. */
async function readRequest(connection: ServerConnection): Promise<string> {
  let text = '';
  while (!text.includes('\r\n\r\n') && text.length < MAX_REQUEST_BYTES) {
    const data = await connection.read();
    if (data === null) break;
    text += utf8.decode(data);
  }
  return text.slice(0, MAX_REQUEST_BYTES);
}
