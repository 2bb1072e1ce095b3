// The bridge allowlist for targets outside the lab: host patterns with ports.
// Entry syntax: "HOST:PORTS" where HOST is an exact name or IP, or "*.example.com" (any subdomain,
// not the apex), and PORTS is one port, "443|8443", or "*". Entries are separated by commas or spaces.

export interface AllowEntry {
  host: string; // lowercase; "*." prefix for subdomain wildcard
  ports: number[] | '*';
}

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
  const host = ((m[1] ?? '') + m[2].replace(/^\[|\]$/g, '')).toLowerCase().replace(/\.$/, '');
  const ports = m[3] === '*' ? '*' : m[3].split('|').map(Number);
  if (ports !== '*' && ports.some((p) => p < 1 || p > 65535)) throw new Error(`bad port in allowlist entry "${raw}"`);
  return { host, ports };
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
