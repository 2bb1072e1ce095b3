// `tls-lens serve` options: parsed and checked before anything listens, so bad usage never half-starts a server.
// Flags are named as in `openssl s_server` where it has one (-naccept, -num_tickets, -verify/-Verify, -www, -keylogfile).
import { parseArgs } from 'node:util';
import { groupByName, suiteByName } from '../tls/suites.ts';
import { suite12ByName } from '../tls/suites12.ts';
import { CliError, EXIT, fromParseArgsError } from './errors.ts';
import { reportUrlProblem } from './serve-post.ts';

export const SERVE_HELP = `usage: tls-lens serve [options]

A TLS 1.3 / 1.2 server of our own: each client's handshake is shown from the server's side, with its
ClientHello fingerprints (JA3, JA4).

  --port N            port to listen on (default 4433; 0: any free port, printed)
  --host ADDR         address to bind (default 127.0.0.1; --host 0.0.0.0 to serve other machines)
  --cert FILE         certificate chain (PEM, leaf first); repeat for several (chosen by SNI and signature schemes)
  --key FILE          private key for the --cert at the same position (PKCS#8, SEC1 or PKCS#1 PEM; default: the
                      key in the --cert file). Without --cert: a throwaway CA and a localhost/127.0.0.1 leaf
  --ocsp FILE         a DER OCSP response (e.g. openssl ocsp -respout) for the --cert at the same position (or the
                      throwaway leaf), stapled for a client that sends status_request (s_server -status_file): TLS 1.3
                      in the leaf's certificate entry, TLS 1.2 as a CertificateStatus message
  --pki-dir DIR       where the throwaway CA and leaf are kept (default $XDG_DATA_HOME/tls-lens/serve-pki)
  --ca FILE           CA certificates (PEM) that client certificates must chain to
  --verify            ask for a client certificate (s_server -verify)
  --Verify            require a client certificate (s_server -Verify)
  --tls1.2 | --tls1.3 serve that version only (same as --versions 1.2 or 1.3)
  --versions LIST     1.3, 1.2 or 1.3,1.2 (default both)
  --groups g,...      groups in preference order: X25519MLKEM768, x25519, secp256r1, secp384r1, ffdhe2048,
                      ffdhe3072, ffdhe4096 (default: all, in that order); the ffdhe groups serve TLS 1.3 key
                      shares and TLS 1.2 DHE
  --suites s,...      cipher suites, TLS 1.3 and 1.2 alike (IANA or OpenSSL names)
  --alpn p,...        ALPN protocols the server accepts, in preference order
  --num-tickets N     TLS 1.3 session tickets after each handshake (default 2)
  --early-data        accept TLS 1.3 0-RTT early data (as s_server -early_data): tickets allow 16384 bytes,
                      each ticket's early data is taken once (a replay's is refused); refused, the handshake
                      goes on without 0-RTT and the early records are skipped unread
  --www               answer an HTTP request with a page describing this client's handshake
  --echo              send back what each client sends
  --renegotiate       TLS 1.2: start a renegotiation (HelloRequest) after the handshake
  --key-update        TLS 1.3: send a KeyUpdate (asking the client for one too) after the handshake
  --keylog FILE       append NSS key log lines (for Wireshark / tshark)
  --trace DIR         save each client's trace as DIR/<n>-<client address>.json
  --report URL        post each client's report and trace to a running TLS Lens app, which lists it in its
                      Clients view (e.g. http://127.0.0.1:5174/api/clients; loopback addresses only)
  --naccept N         stop after N clients
  --timeout MS        per client: give up a handshake or an idle connection after MS ms (default 30000)
  --json              one JSON line per client (and one when listening) instead of the walk
  --no-color          plain text

Ctrl-C stops the server. Exit status: 0 stopped normally; 1 could not serve (port in use, ...); 2 usage.
`;

export type Version = 'TLS1.2' | 'TLS1.3';

export interface ServeConfig {
  host: string;
  port: number;
  /** Pairs of files; key undefined: the key is in the cert file. Empty: use the throwaway PKI. */
  certificates: { cert: string; key?: string }[];
  /** --ocsp files, by the position of the certificate they are for (the throwaway leaf when no --cert). */
  ocsp: string[];
  pkiDir?: string;
  ca?: string;
  clientAuth: 'none' | 'request' | 'require';
  versions: Version[];
  groups: string[];
  suites?: string[];
  alpn?: string[];
  numTickets: number;
  /** --early-data: accept 0-RTT (tickets announce DEFAULT_MAX_EARLY_DATA bytes). */
  earlyData: boolean;
  mode: 'walk' | 'www' | 'echo';
  renegotiate: boolean;
  keyUpdate: boolean;
  keylog?: string;
  traceDir?: string;
  /** Where each client's report and trace are posted (a TLS Lens app's /api/clients). */
  reportUrl?: string;
  naccept?: number;
  timeoutMs: number;
  json: boolean;
  color: boolean;
  help: boolean;
}

const OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string' },
  cert: { type: 'string', multiple: true },
  key: { type: 'string', multiple: true },
  ocsp: { type: 'string', multiple: true },
  'pki-dir': { type: 'string' },
  ca: { type: 'string' },
  verify: { type: 'boolean' },
  Verify: { type: 'boolean' },
  'tls1.2': { type: 'boolean' },
  'tls1.3': { type: 'boolean' },
  versions: { type: 'string' },
  groups: { type: 'string' },
  suites: { type: 'string' },
  alpn: { type: 'string' },
  'num-tickets': { type: 'string' },
  'early-data': { type: 'boolean' },
  www: { type: 'boolean' },
  echo: { type: 'boolean' },
  renegotiate: { type: 'boolean' },
  'key-update': { type: 'boolean' },
  keylog: { type: 'string' },
  trace: { type: 'string' },
  report: { type: 'string' },
  naccept: { type: 'string' },
  timeout: { type: 'string' },
  json: { type: 'boolean' },
  'no-color': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

// The hybrid first: a client that offers it (Chromium does) gets it; others fall back to x25519 and the P-curves.
export const DEFAULT_GROUPS = ['X25519MLKEM768', 'x25519', 'secp256r1', 'secp384r1', 'ffdhe2048', 'ffdhe3072', 'ffdhe4096'];
export const ALL_GROUPS = DEFAULT_GROUPS;

function usage(message: string): CliError {
  return new CliError('BAD_OPTION_VALUE', message, EXIT.usage, true);
}

function integer(value: string | undefined, option: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) throw usage(`${option} takes a whole number from ${min} to ${max}, got '${value}'`);
  return Number(value);
}

const list = (s?: string) => (s === undefined ? undefined : s.split(',').map((x) => x.trim()).filter(Boolean));

const VERSION_TEXT: Record<Version, string> = { 'TLS1.3': 'TLS 1.3', 'TLS1.2': 'TLS 1.2' };

/**
 * The versions this configuration can negotiate at all: --suites naming suites of one version only turns the
 * other off (as the engine does), and each version left needs a group it can use (TLS 1.2 has no hybrid). A server that could complete no handshake is bad usage, not a listening server that
 * answers every client with protocol_version.
 */
function versionsServed(versions: Version[], suites: string[] | undefined, groups: string[]): Version[] {
  const named13 = suites?.some((s) => suiteByName(s)) ?? true;
  const named12 = suites?.some((s) => !suiteByName(s) && suite12ByName(s)) ?? true;
  const served = versions.filter((v) => (v === 'TLS1.3' ? named13 : named12));
  if (served.length === 0) {
    throw usage(`--suites names no ${versions.map((v) => VERSION_TEXT[v]).join(' or ')} suite, and that is all this server would serve: no handshake could complete`);
  }
  for (const v of served) {
    // Every group is a TLS 1.3 key share; TLS 1.2 has no encoding for the hybrid.
    const usable = v === 'TLS1.3' || groups.some((g) => !groupByName(g)?.tls13Only);
    if (!usable) {
      throw usage(`--groups ${groups.join(',')} leaves ${VERSION_TEXT[v]} without a group (X25519MLKEM768 exists only in TLS 1.3: add x25519, secp256r1, secp384r1 or an ffdhe group, or serve --tls1.3)`);
    }
  }
  return served;
}

export function parseServeArgs(args: string[]): ServeConfig {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: OPTIONS });
  } catch (e) {
    throw fromParseArgsError(e);
  }
  const v = parsed.values;
  if (parsed.positionals.length > 0) throw new CliError('BAD_OPTION_VALUE', `unexpected argument '${parsed.positionals[0]}' (serve takes only options)`, EXIT.usage, true);

  if (v.www && v.echo) throw usage('--www and --echo exclude each other');
  if (v['tls1.2'] && v['tls1.3']) throw usage('--tls1.2 and --tls1.3 exclude each other (leave both out to serve both)');
  if (v.verify && v.Verify) throw usage('--verify asks for a client certificate and --Verify requires one: give one of them');
  const versionNames: Record<string, Version> = { '1.2': 'TLS1.2', '1.3': 'TLS1.3' };
  const versions = v['tls1.2'] ? ['TLS1.2' as const] : v['tls1.3'] ? ['TLS1.3' as const] : (list(v.versions) ?? ['1.3', '1.2']).map((x) => versionNames[x.toLowerCase().replace(/^tls/, '')]);
  if (versions.length === 0 || versions.some((x) => !x)) throw usage('--versions takes 1.3 and/or 1.2, e.g. --versions 1.3,1.2');

  const groups = list(v.groups) ?? DEFAULT_GROUPS;
  if (groups.length === 0) throw usage('--groups needs at least one group');
  for (const g of groups) if (!groupByName(g)) throw usage(`unknown group '${g}' (${ALL_GROUPS.join(', ')})`);
  const suites = list(v.suites);
  for (const s of suites ?? []) if (!suiteByName(s) && !suite12ByName(s)) throw usage(`unknown cipher suite '${s}' (IANA names such as TLS_AES_128_GCM_SHA256, or OpenSSL names such as ECDHE-RSA-AES128-GCM-SHA256)`);
  const served = versionsServed(versions as Version[], suites, groups);
  const alpn = list(v.alpn);
  if (alpn?.some((p) => p.length > 255)) throw usage('an ALPN protocol name is at most 255 bytes');

  const certs = v.cert ?? [];
  const keys = v.key ?? [];
  if (keys.length > certs.length) throw new CliError('MISSING_ARGUMENT', '--key without a --cert: give --cert FILE for each --key', EXIT.usage, true);
  if (keys.length > 0 && keys.length !== certs.length) throw new CliError('MISSING_ARGUMENT', `${certs.length} --cert but ${keys.length} --key: give one --key per --cert, or none when each cert file holds its key`, EXIT.usage, true);
  const ocsp = v.ocsp ?? [];
  if (ocsp.length > Math.max(certs.length, 1)) throw usage(`${ocsp.length} --ocsp for ${certs.length || 'the throwaway'} certificate${certs.length > 1 ? 's' : ''}: give at most one --ocsp per --cert, in the same order`);
  if ((v.verify || v.Verify) && !v.ca) throw new CliError('MISSING_ARGUMENT', '--verify and --Verify need --ca FILE: the CA client certificates must chain to', EXIT.usage, true);

  const reportProblem = v.report === undefined ? null : reportUrlProblem(v.report);
  if (reportProblem) throw usage(reportProblem);

  const host = v.host ?? '127.0.0.1';
  if (!host || /\s/.test(host)) throw usage(`--host takes an address such as 127.0.0.1 or ::1, got '${host}'`);

  return {
    host,
    port: integer(v.port, '--port', 0, 65535) ?? 4433,
    certificates: certs.map((cert, i) => ({ cert, key: keys[i] })),
    ocsp,
    pkiDir: v['pki-dir'],
    ca: v.ca,
    clientAuth: v.Verify ? 'require' : v.verify ? 'request' : 'none',
    versions: served,
    groups: groups.map((g) => groupByName(g)!.name),
    suites,
    alpn,
    numTickets: integer(v['num-tickets'], '--num-tickets', 0, 16) ?? 2,
    earlyData: !!v['early-data'],
    mode: v.www ? 'www' : v.echo ? 'echo' : 'walk',
    renegotiate: !!v.renegotiate,
    keyUpdate: !!v['key-update'],
    keylog: v.keylog,
    traceDir: v.trace,
    reportUrl: v.report,
    naccept: integer(v.naccept, '--naccept', 1, 1_000_000),
    timeoutMs: integer(v.timeout, '--timeout', 100, 3_600_000) ?? 30_000,
    json: !!v.json,
    color: !v['no-color'] && !v.json && !!process.stdout.isTTY,
    help: !!v.help,
  };
}
