// The bridge allowlist for targets outside the lab: host patterns with ports.
// Entry syntax: "HOST:PORTS" where HOST is an exact name or IP, or "*.example.com" (any subdomain,
// not the apex), and PORTS is one port, "443|8443", or "*". Entries are separated by commas or spaces.
// An entry naming an exact loopback or private IP address with its port(s) is the one way to reach this
// machine or its networks (a user inspecting their own server); names and wildcards never reach such addresses.
import { canonicalIpLiteral, checkAddress, isOddIpLiteral } from './address-policy.ts';

export interface AllowEntry {
  host: string; // lowercase; "*." prefix for subdomain wildcard; an IP literal in canonical form
  ports: number[] | '*';
  /** The entry names an exact loopback or private address: the address policy lets it through on these ports. */
  local?: boolean;
}

/** Refusal codes of the address ranges an exact entry may open (never metadata, link-local, multicast, ...). */
const LOCAL_CODES = new Set(['loopback-address', 'private-address', 'unique-local-address']);

export interface Allowlist {
  entries: AllowEntry[];
  /** Opt-in: any host on PUBLIC_TLS_PORTS (its addresses are still checked). */
  publicTlsPorts: boolean;
}

/** Well-known TLS and STARTTLS ports allowed for any public host when the user opts in. */
export const PUBLIC_TLS_PORTS = [443, 8443, 465, 587, 25, 993, 143, 995, 110, 853];

export function parseAllowEntry(raw: string): AllowEntry {
  const m = /^(\*\.)?([a-z0-9_.-]+|\[[0-9a-f:.]+\]):(\*|\d{1,5}(\|\d{1,5})*)$/i.exec(raw.trim());
  if (!m) throw new Error(`bad allowlist entry "${raw}": expected host:port, *.domain:port, host:443|8443 or host:*`);
  const written = ((m[1] ?? '') + m[2].replace(/^\[|\]$/g, '')).toLowerCase().replace(/\.$/, '');
  const ports = m[3] === '*' ? '*' : m[3].split('|').map(Number);
  if (ports !== '*' && ports.some((p) => p < 1 || p > 65535)) throw new Error(`bad port in allowlist entry "${raw}"`);
  const literal = m[1] ? null : canonicalIpLiteral(written);
  if (!literal) return { host: written, ports };
  const refused = checkAddress(literal, 0);
  return { host: literal, ports, ...(refused && LOCAL_CODES.has(refused.code) ? { local: true } : {}) };
}

/**
 * Why the bridge would never honour `entry` (so start-up refuses it with this reason), or null.
 * Checked by the start-up configuration; the bridge itself stays strict whatever it is given.
 */
export function unhonouredReason(raw: string, entry: AllowEntry): string | null {
  const host = entry.host;
  if (isOddIpLiteral(host)) return `"${raw}": ${host} is an IP address in an unusual notation; write it as a plain dotted quad`;
  if (host === 'localhost' || host.endsWith('.localhost')) {
    return `"${raw}": the bridge never follows a name to this machine (a name can be pointed anywhere); write the address instead, e.g. 127.0.0.1:${entry.ports === '*' ? 'PORT' : entry.ports[0]}`;
  }
  const literal = canonicalIpLiteral(host);
  if (!literal) return null;
  const refused = checkAddress(literal, 0);
  if (!refused) return null;
  if (!entry.local) return `"${raw}": ${refused.message}, where the bridge never connects`;
  if (entry.ports === '*') return `"${raw}": ${refused.message}; name its port(s) (e.g. ${host.includes(':') ? `[${host}]` : host}:8443): the bridge opens a loopback or private address only on the ports listed`;
  return null;
}

/** Whether an exact entry opens the loopback or private `address` (canonical literal) on `port`. */
export function allowsLocalAddress(list: Allowlist, address: string, port: number): boolean {
  return list.entries.some((e) => e.local === true && e.host === address && e.ports !== '*' && e.ports.includes(port));
}

/** The start-up warning for each entry that opens a loopback or private address. */
export function localEntryWarnings(entries: AllowEntry[]): string[] {
  return entries
    .filter((e) => e.local)
    .map((e) => {
      const where = `${e.host.includes(':') ? `[${e.host}]` : e.host}:${e.ports === '*' ? '*' : e.ports.join('|')}`;
      return `Warning: the bridge relays to ${where}, an address of this machine or its private network (allowed by an explicit entry): every page allowed to use the bridge can reach that server.`;
    });
}

export function parseAllowlist(text: string | string[] | undefined): AllowEntry[] {
  const items = Array.isArray(text) ? text : (text ?? '').split(/[\s,]+/);
  return items.filter((s) => s.trim()).map(parseAllowEntry);
}

export function allowlistMatches(list: Allowlist, host: string, port: number): boolean {
  if (list.publicTlsPorts && PUBLIC_TLS_PORTS.includes(port)) return true;
  return list.entries.some((e) => {
    const hostOk = e.host.startsWith('*.') ? host.endsWith(e.host.slice(1)) && host.length > e.host.length - 1 : host === e.host;
    return hostOk && (e.ports === '*' || e.ports.includes(port));
  });
}
