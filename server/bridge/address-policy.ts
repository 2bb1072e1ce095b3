// Which IP addresses the bridge may connect to. Only globally routable unicast addresses pass;
// every special range (loopback, private, link-local, CGNAT, unique-local, multicast, unspecified,
// documentation, IPv4 embedded in IPv6, ...) is refused, using ipaddr.js for the range tables.
import ipaddr from 'ipaddr.js';
import type { Refusal } from './refusal.ts';
import { CLOSE, refusal } from './refusal.ts';

/** Cloud instance-metadata services, named separately for a clearer reason. */
const METADATA = new Set(['169.254.169.254', '169.254.170.2', 'fd00:ec2::254', '100.100.100.200']);

const RANGE_WORDS: Record<string, string> = {
  loopback: 'a loopback address',
  private: 'a private network address',
  linkLocal: 'a link-local address',
  carrierGradeNat: 'a carrier-grade NAT address',
  uniqueLocal: 'a unique-local IPv6 address',
  multicast: 'a multicast address',
  unspecified: 'the unspecified address',
  broadcast: 'the broadcast address',
  ipv4Mapped: 'an IPv4-mapped IPv6 address',
  rfc6145: 'an IPv4-translated IPv6 address',
  rfc6052: 'a NAT64 IPv6 address',
  '6to4': 'a 6to4 IPv6 address',
  teredo: 'a Teredo IPv6 address',
  reserved: 'a reserved address',
  benchmarking: 'a benchmarking address',
};

/** Is `host` an IP literal written in an unusual form (decimal, octal, hex, short, zone id)? */
export function isOddIpLiteral(host: string): boolean {
  if (host.includes('%')) return true;
  return ipaddr.IPv4.isValid(host) && !ipaddr.IPv4.isValidFourPartDecimal(host);
}

/** The canonical literal if `host` is a plain dotted-quad IPv4 or an IPv6 address, else null. */
export function canonicalIpLiteral(host: string): string | null {
  if (ipaddr.IPv4.isValidFourPartDecimal(host)) return ipaddr.IPv4.parse(host).toString();
  if (ipaddr.IPv6.isValid(host) && !host.includes('%')) return ipaddr.IPv6.parse(host).toString();
  return null;
}

export interface AddressCheckOptions {
  /** Test-only: loopback addresses on these ports are permitted. Never set by default. */
  testOnlyLoopbackPorts?: number[];
}

/** Null if the bridge may connect to address:port, else why not. */
export function checkAddress(address: string, port: number, options: AddressCheckOptions = {}): Refusal | null {
  let ip: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    ip = ipaddr.parse(address);
  } catch {
    return refusal('bad-address', CLOSE.refused, `"${address}" is not an IP address`);
  }
  const text = ip.toString();
  if (METADATA.has(text)) return refusal('cloud-metadata', CLOSE.refused, `${text} is a cloud metadata service address`);
  const range = ip.range();
  if (range === 'loopback' && options.testOnlyLoopbackPorts?.includes(port)) return null;
  if (range === 'unicast') return null;
  const words = RANGE_WORDS[range] ?? `a special-purpose address (${range})`;
  const code = `${range.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}-address`;
  return refusal(code, CLOSE.refused, `${text} is ${words}`);
}
