// What the Clients view says about one client, from its report and the ClientHello in its trace: what the client
// offered (GREASE marked, each key share with its size, the hybrid share's two parts) and what the server chose
// and why, following the server's selection rules (src/tls/server/negotiate13.ts: the server's order of preference;
// among the groups both support, the first the client already sent a share for).
import type { ClientEntry } from '../../clients/report-message.ts';
import { greaseName, isGrease } from '../../tls/grease.ts';
import { ExtensionType as X, extensionName, groupName, hex4, versionName } from '../../tls/messages/constants.ts';
import { findExtension } from '../../tls/messages/extensions.ts';
import { decodeHandshake, type ClientHello } from '../../tls/messages/handshake.ts';
import { groupByName, suiteByCode } from '../../tls/suites.ts';
import { suite12ByCode } from '../../tls/suites12.ts';
import type { TraceEvent } from '../../trace/types.ts';
import { fromHex } from '../../util/bytes.ts';

export interface Offered {
  code: number;
  name: string;
  grease: boolean;
}

export interface KeyShareFact {
  group: string;
  bytes: number;
  grease: boolean;
  /** For a hybrid share: its parts in wire order. */
  parts?: { part: string; bytes: number }[];
}

export interface HelloFacts {
  versions: Offered[];
  suites: Offered[];
  groups: Offered[];
  keyShares: KeyShareFact[];
  extensions: Offered[];
  alpn: string[];
  serverName: string | null;
  /** How many GREASE values (RFC 8701) the ClientHello carries, in all lists. */
  greaseCount: number;
}

/** The first ClientHello the server read in a trace, or null. */
export function traceClientHello(events: TraceEvent[]): ClientHello | null {
  const e = events.find((x) => x.kind === 'handshake' && x.direction === 'client' && x.name === 'ClientHello');
  if (!e || e.kind !== 'handshake') return null;
  try {
    return decodeHandshake(fromHex(e.bytes)).message as ClientHello;
  } catch {
    return null;
  }
}

const offered = (codes: number[], name: (c: number) => string): Offered[] => codes.map((code) => ({ code, grease: isGrease(code), name: isGrease(code) ? greaseName(code) : name(code) }));
const suiteName = (c: number) => suiteByCode(c)?.name ?? suite12ByCode(c)?.name ?? `unknown suite (0x${hex4(c)})`;
/** A known name without its code point ("x25519"); an unknown one keeps it ("unknown (0x0102)"). */
const withoutCode = (name: string) => (name.startsWith('unknown') ? name : name.replace(/ \(0x[0-9a-f]+\)$/, ''));
const plainGroup = (c: number) => withoutCode(groupName(c));

/** X25519MLKEM768's client share: ML-KEM-768 encapsulation key, then the X25519 public key (draft-ietf-tls-ecdhe-mlkem). */
const HYBRID_PARTS: Record<number, { part: string; bytes: number }[]> = {
  0x11ec: [
    { part: 'ML-KEM-768 encapsulation key', bytes: 1184 },
    { part: 'X25519 public key', bytes: 32 },
  ],
};

export function helloFacts(hello: ClientHello): HelloFacts {
  const ext = (code: number) => findExtension(hello.extensions, code);
  const versions = offered(ext(X.supported_versions)?.versions ?? [hello.legacyVersion], versionName);
  const suites = offered(hello.cipherSuites, suiteName);
  const groups = offered(ext(X.supported_groups)?.groups ?? [], plainGroup);
  const extensions = offered(hello.extensions.map((e) => e.code), extensionName);
  const keyShares: KeyShareFact[] = (ext(X.key_share)?.shares ?? []).map((s) => ({
    group: isGrease(s.group) ? greaseName(s.group) : plainGroup(s.group),
    bytes: s.keyExchange.length,
    grease: isGrease(s.group),
    ...(HYBRID_PARTS[s.group] && s.keyExchange.length === 1216 ? { parts: HYBRID_PARTS[s.group] } : {}),
  }));
  const greaseCount = [versions, suites, groups, extensions].reduce((n, list) => n + list.filter((x) => x.grease).length, 0) + keyShares.filter((k) => k.grease).length;
  return { versions, suites, groups, keyShares, extensions, alpn: ext(X.alpn)?.protocols ?? [], serverName: ext(X.server_name)?.hostName ?? null, greaseCount };
}

/** What the server chose and why, in plain words, one line per choice. */
export function serverChoices(entry: ClientEntry, facts: HelloFacts | null): string[] {
  const r = entry.report;
  const s = entry.server;
  const lines: string[] = [];
  if (!facts) return [r.ok ? 'The ClientHello is not in this report.' : 'No complete ClientHello arrived, so the server chose nothing.'];
  const clientVersions = facts.versions.filter((v) => !v.grease).map((v) => withoutCode(v.name));
  if (r.version) {
    lines.push(`Version ${r.version}: the client offers ${clientVersions.join(', ')}; the server accepts ${s.versions.map((v) => v.replace('TLS', 'TLS ')).join(', ')} and takes the highest both speak.`);
  }
  if (r.group) {
    const clientGroups = facts.groups.filter((g) => !g.grease).map((g) => g.name);
    const mutual = s.groups.filter((g) => clientGroups.includes(g));
    const withShare = mutual.find((g) => facts.keyShares.some((k) => k.group === g));
    const share = facts.keyShares.find((k) => k.group === r.group);
    let why = `Group ${r.group}: the server's order is ${s.groups.join(', ')}; the client supports ${clientGroups.join(', ') || 'none of them'}`;
    if (r.helloRetryRequest) why += `; it sent no key share for a group both support, so the server asked for ${r.group} with a HelloRetryRequest (one more round trip).`;
    else if (withShare === r.group && mutual[0] === r.group) why += `; ${r.group} is the server's first choice among them and the client sent a share for it${share ? ` (${share.bytes} bytes)` : ''}.`;
    else if (withShare === r.group) why += `; the server's first choice ${mutual[0]} came without a key share, and ${r.group} is the first the client sent a share for, which saves a HelloRetryRequest.`;
    else why += '.';
    lines.push(why);
    if (groupByName(r.group)?.code === 0x11ec) {
      lines.push('X25519MLKEM768 is a hybrid: the shared secret joins ML-KEM-768 (post-quantum) and X25519, so it holds as long as either does. The client sends an encapsulation key and an X25519 key (1216 bytes); the server answers with an ML-KEM ciphertext and its X25519 key (1120 bytes).');
    }
  }
  if (r.cipherSuite) {
    const count = facts.suites.filter((x) => !x.grease).length;
    lines.push(
      s.suites?.length
        ? `Cipher suite ${r.cipherSuite}: the first of the server's --suites (${s.suites.join(', ')}) that the client offers among its ${count}.`
        : `Cipher suite ${r.cipherSuite}: the client offers ${count}; the server takes the first of its own preference list (serve's defaults) that the client offers.`,
    );
  }
  if (facts.alpn.length) {
    lines.push(
      r.alpn
        ? `ALPN ${r.alpn}: the client offers ${facts.alpn.join(', ')}; the server speaks ${(s.alpn ?? []).join(', ')} and takes its first that the client offers.`
        : `ALPN: the client offers ${facts.alpn.join(', ')}; ${s.alpn?.length ? `none is among the server's ${s.alpn.join(', ')}` : 'the server is set up with no ALPN, so it answers none'}.`,
    );
  }
  lines.push(
    facts.serverName
      ? `SNI ${facts.serverName}: the server looks for a certificate with this name (its throwaway leaf is for localhost, 127.0.0.1 and ::1).`
      : 'No SNI: clients leave the server name out when they connect to an IP address (RFC 6066 §3 allows only host names).',
  );
  if (facts.greaseCount > 0) lines.push(`GREASE: ${facts.greaseCount} reserved value(s) (RFC 8701) the server must ignore; the client sends them so servers that choke on unknown values are found early.`);
  if (!r.ok) lines.push(`The handshake failed${r.error ? `: ${r.error.message}` : ''}${r.alertSent ? ` (the server sent ${r.alertSent})` : ''}${r.alertReceived ? ` (the client sent ${r.alertReceived})` : ''}.`);
  return lines;
}
