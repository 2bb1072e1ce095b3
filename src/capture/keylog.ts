// NSS key log files (SSLKEYLOGFILE, also inside pcapng Decryption Secrets Blocks): secrets by ClientHello.random.
// https://firefox-source-docs.mozilla.org/security/nss/legacy/key_log_format/ . Lines that are not key log lines are
// kept as problems with their line number, never dropped silently.

export interface KeyLogSecret {
  label: string;
  secret: Uint8Array;
  /** 1-based line in the key log text (across files and blocks, in the order they were added). */
  line: number;
  text: string;
}

export interface KeyLog {
  /** Client random (lowercase hex) -> label -> secret. */
  byRandom: Map<string, Map<string, KeyLogSecret>>;
  problems: { line: number; text: string; reason: string }[];
  lines: number;
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

export function emptyKeyLog(): KeyLog {
  return { byRandom: new Map(), problems: [], lines: 0 };
}

/** Add the lines of `text` to `log` (several files or blocks may be added). */
export function addKeyLog(log: KeyLog, text: string): KeyLog {
  for (const raw of text.split(/\r?\n/)) {
    const line = ++log.lines;
    const t = raw.trim();
    if (t === '' || t.startsWith('#')) continue;
    const parts = t.split(/\s+/);
    const problem = (reason: string) => log.problems.push({ line, text: t.length > 120 ? `${t.slice(0, 120)}…` : t, reason });
    if (parts.length !== 3) {
      problem(`expected three fields (label, client random, secret), found ${parts.length}`);
      continue;
    }
    const [label, random, secret] = parts;
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
    entry.set(label, { label, secret: hexBytes(secret), line, text: t });
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
