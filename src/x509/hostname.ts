// Server identity (RFC 6125 / RFC 9525 with the CA/B Forum wildcard rules): only the
// subjectAltName counts, never the subject CN. DNS names compare case-insensitively (ASCII);
// a wildcard is allowed only as the whole left-most label and matches exactly one label.
import ipaddr from 'ipaddr.js';

// The Public Suffix List (tldts, with its data) loads on first need: only a wildcard name is checked against it,
// and loading it costs more than a handshake on a cold start. validateChain loads it before matching.
let tldts: typeof import('tldts') | undefined;
let loading: Promise<void> | undefined;
export function loadPublicSuffixList(): Promise<void> {
  // The CLI's bundle (esbuild, CommonJS tldts) hands the exports over as `default`; Vite and tsx as the namespace.
  return (loading ??= import('tldts').then((m) => void (tldts = typeof m.parse === 'function' ? m : (m as unknown as { default: typeof import('tldts') }).default)));
}
import type { GeneralName } from './extensions.ts';

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** A presented or reference DNS name in preferred syntax (LDH labels, A-labels for IDNs). */
export function isValidDnsName(name: string, allowWildcard: boolean): boolean {
  if (name.length === 0 || name.length > 253) return false;
  const labels = name.toLowerCase().split('.');
  return labels.every((l, i) => (allowWildcard && i === 0 && l === '*' && labels.length >= 3 ? true : LABEL.test(l)));
}

export type ReferenceIdentity = { kind: 'dns'; value: string } | { kind: 'ip'; bytes: Uint8Array; text: string };

/**
 * Whether ipaddr.js reads `s` as an IP address in any form. Text that cannot be one (IPv6 has a colon;
 * IPv4, even in its old octal and hex forms, only digits, x and dots) is answered at once: ipaddr.isValid
 * answers by catching an exception, which costs more than the rest of a name check.
 */
export function isIpAddressText(s: string): boolean {
  return (s.includes(':') || /^[0-9a-fA-FxX.]+$/.test(s)) && ipaddr.isValid(s);
}

/** Names read before: a host checks the same server name on every connection, and ipaddr.js reads an IP
 * literal with several regular expressions each time (~0.1 ms a handshake in a Chromium Worker). */
const readNames = new Map<string, ReferenceIdentity | undefined>();
const READ_NAMES_KEPT = 64;
/** Longer text is no name (a DNS name has at most 253 characters): read, never kept (a TLS client's SNI may be long). */
const READ_NAME_LONGEST = 256;

/** Parse what the user typed (a host name or an IP literal, IPv6 with or without brackets). The answer may be
 * shared with other callers: never change it. */
export function parseReferenceIdentity(input: string): ReferenceIdentity | undefined {
  if (input.length > READ_NAME_LONGEST) return readReferenceIdentity(input);
  if (readNames.has(input)) return readNames.get(input);
  const identity = readReferenceIdentity(input);
  if (readNames.size >= READ_NAMES_KEPT) readNames.delete(readNames.keys().next().value!);
  readNames.set(input, identity);
  return identity;
}

function readReferenceIdentity(input: string): ReferenceIdentity | undefined {
  const s = input.trim().replace(/^\[(.*)\]$/, '$1');
  if (isIpAddressText(s) && (ipaddr.IPv6.isValid(s) || ipaddr.IPv4.isValidFourPartDecimal(s))) {
    const addr = ipaddr.parse(s);
    return { kind: 'ip', bytes: new Uint8Array(addr.toByteArray()), text: addr.toString() };
  }
  const dns = s.replace(/\.$/, '').toLowerCase();
  if (!isValidDnsName(dns, false)) return undefined;
  return { kind: 'dns', value: dns };
}

/**
 * A name under which anyone may register (com, co.uk, s3.amazonaws.com), per the Public Suffix
 * List including its private section: a wildcard directly over one would cover unrelated owners.
 */
export function isPublicSuffix(name: string): boolean {
  if (!tldts) throw new Error('the Public Suffix List is not loaded yet (await loadPublicSuffixList() first)');
  const info = tldts.parse(name, { allowPrivateDomains: true });
  return (info.isIcann === true || info.isPrivate === true) && info.publicSuffix === name;
}

/** Does one presented dNSName cover the reference name? Wildcards never span a public suffix. */
export function dnsNameMatches(presented: string, reference: string): boolean {
  const p = presented.toLowerCase().replace(/\.$/, '');
  const r = reference.toLowerCase();
  if (!isValidDnsName(p, true)) return false;
  if (!p.startsWith('*.')) return p === r;
  if (isPublicSuffix(p.slice(2))) return false;
  const suffix = p.slice(1); // ".example.com"
  if (!r.endsWith(suffix)) return false;
  const first = r.slice(0, r.length - suffix.length);
  return first.length > 0 && !first.includes('.');
}

export function ipEquals(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Find the SAN entry that matches, if any. */
export function matchServerName(sans: GeneralName[], ref: ReferenceIdentity): GeneralName | undefined {
  for (const san of sans) {
    if (ref.kind === 'dns' && san.type === 'dns' && dnsNameMatches(san.value, ref.value)) return san;
    if (ref.kind === 'ip' && san.type === 'ip' && ipEquals(san.bytes, ref.bytes)) return san;
  }
  return undefined;
}
