// NSS key log files (SSLKEYLOGFILE, also inside pcapng Decryption Secrets Blocks): secrets by ClientHello.random.
// https://firefox-source-docs.mozilla.org/security/nss/legacy/key_log_format/ . Lines that are not key log lines are
// kept as problems with their line number, never dropped silently.

/** Where a line is: its number across every text added, and, for a text added with a name, in that text. */
export interface KeyLogPlace {
  /** 1-based line in the key log text (across files and blocks, in the order they were added). */
  line: number;
  /** The text's name when it was added with one (a capture's Decryption Secrets Block), and the line in it. */
  source?: string;
  sourceLine?: number;
}

export interface KeyLogSecret extends KeyLogPlace {
  label: string;
  secret: Uint8Array;
  text: string;
}

export interface KeyLog {
  /** Client random (lowercase hex) -> label -> secret. */
  byRandom: Map<string, Map<string, KeyLogSecret>>;
  problems: (KeyLogPlace & { text: string; reason: string })[];
  lines: number;
}

/** "key log line 3", or "Decryption Secrets Block line 2": where a reader finds the line. */
export function placeOf(p: KeyLogPlace): string {
  return p.source ? `${p.source} line ${p.sourceLine}` : `key log line ${p.line}`;
}

const LABELS = new Set([
  'CLIENT_RANDOM',
  'CLIENT_EARLY_TRAFFIC_SECRET',
  'CLIENT_HANDSHAKE_TRAFFIC_SECRET',
  'SERVER_HANDSHAKE_TRAFFIC_SECRET',
  'EARLY_EXPORTER_SECRET',
  'EXPORTER_SECRET',
]);
const TRAFFIC = /^(CLIENT|SERVER)_TRAFFIC_SECRET_\d+$/;
/**
 * Labels real key logs hold that are not used here, with why: a problem line says so instead of calling a
 * documented label unknown (OpenSSL writes the RSA line next to the CLIENT_RANDOM one; OpenSSL 3.0 writes its
 * KeyUpdate secrets with a literal N).
 */
const UNUSED = new Map<string, string>(Object.entries({
  RSA: 'an RSA pre-master secret, not used: the same session is decrypted with its CLIENT_RANDOM line',
  PMS_CLIENT_RANDOM: 'a pre-master secret, not used: decrypting needs the CLIENT_RANDOM line with the master secret',
  CLIENT_TRAFFIC_SECRET_N: 'a KeyUpdate secret without its generation number (as OpenSSL 3.0 writes it), not used: each generation is derived from the one before',
  SERVER_TRAFFIC_SECRET_N: 'a KeyUpdate secret without its generation number (as OpenSSL 3.0 writes it), not used: each generation is derived from the one before',
}));

export function emptyKeyLog(): KeyLog {
  return { byRandom: new Map(), problems: [], lines: 0 };
}

/**
 * Add the lines of `text` to `log` (several files or blocks may be added). With `source`, its lines are also
 * numbered within it, and named by it: the line a reader looks for is in that text, not in the file given.
 */
export function addKeyLog(log: KeyLog, text: string, source?: string): KeyLog {
  // Lines end in \r\n, \n or a lone \r (old Mac files, or a log a tool rewrote): each is one line end.
  const lines = text.split(/\r\n|\r|\n/);
  // The empty piece after a final newline is no line: counting it would shift the numbers of the next text.
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  for (const [i, raw] of lines.entries()) {
    const line = ++log.lines;
    const place: KeyLogPlace = source ? { line, source, sourceLine: i + 1 } : { line };
    const t = raw.trim();
    if (t === '' || t.startsWith('#')) continue;
    const parts = t.split(/\s+/);
    const problem = (reason: string) => log.problems.push({ ...place, text: t.length > 120 ? `${t.slice(0, 120)}…` : t, reason });
    if (parts.length !== 3) {
      problem(`expected three fields (label, client random, secret), found ${parts.length}`);
      continue;
    }
    const [label, random, secret] = parts;
    const unused = UNUSED.get(label);
    if (unused) {
      problem(unused);
      continue;
    }
    if (!LABELS.has(label) && !TRAFFIC.test(label)) {
      problem(`unknown label ${label}`);
      continue;
    }
    if (!/^[0-9a-fA-F]{64}$/.test(random)) {
      problem('the client random must be 32 bytes of hex');
      continue;
    }
    if (!/^(?:[0-9a-fA-F]{2})+$/.test(secret) || ![32, 48, 64].includes(secret.length / 2)) {
      problem(`the secret must be 32, 48 or 64 bytes of hex (found ${secret.length} characters)`);
      continue;
    }
    if (label === 'CLIENT_RANDOM' && secret.length !== 96) {
      problem('a CLIENT_RANDOM master secret is 48 bytes');
      continue;
    }
    const key = random.toLowerCase();
    let entry = log.byRandom.get(key);
    if (!entry) log.byRandom.set(key, (entry = new Map()));
    entry.set(label, { ...place, label, secret: hexBytes(secret), text: t });
  }
  return log;
}

export function parseKeyLog(text: string): KeyLog {
  return addKeyLog(emptyKeyLog(), text);
}

function hexBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(2 * i, 2), 16);
  return out;
}
