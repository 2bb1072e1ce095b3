// Deciding where a bridge session may go. The decision is made here, on the server:
// lab scenarios map to their loopback port; anything else must match the allowlist, its name is
// resolved here, EVERY resolved address must pass the address policy, and the session then
// connects to those checked addresses (never to the name again, so DNS rebinding cannot slip in).
import { promises as dns } from 'node:dns';
import type { Refusal } from './refusal.ts';
import { CLOSE, refusal } from './refusal.ts';
import { canonicalIpLiteral, checkAddress, isOddIpLiteral } from './address-policy.ts';
import type { Allowlist } from './allowlist.ts';
import { allowlistMatches, allowsLocalAddress } from './allowlist.ts';

export interface LabEndpoint {
  id: string;
  port: number;
  /** Loopback address of this scenario's server (the lab's default address when absent). */
  address?: string;
}

export interface LabEndpoints {
  /** The name lab certificates are issued for (clients send it as SNI). */
  host: string;
  /** Loopback address the lab servers listen on. */
  address: string;
  byId(id: string): LabEndpoint | undefined;
  byPort(port: number): LabEndpoint | undefined;
}

export interface TargetPolicy {
  lab?: LabEndpoints;
  allow: Allowlist;
  testOnlyLoopbackPorts?: number[];
  /** Replaceable for tests; defaults to the system resolver (getaddrinfo). */
  lookup?: (host: string) => Promise<string[]>;
}

export interface Target {
  /** What the client asked for, for logs: "example.com:443" or "scenario good-tls13". */
  label: string;
  host: string;
  port: number;
  /** Checked addresses to try in order. */
  addresses: string[];
  scenario?: string;
}

export type TargetDecision = { ok: true; target: Target } | { ok: false; refusal: Refusal };

const HOSTNAME = /^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

async function systemLookup(host: string): Promise<string[]> {
  const found = await dns.lookup(host, { all: true, verbatim: true });
  return found.map((a) => a.address);
}

/** Splits "host:port" / "[v6]:port"; null when malformed. */
export function parseTarget(raw: string): { host: string; port: number } | null {
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(raw) ?? /^([^:[\]]+):(\d{1,5})$/.exec(raw);
  if (!m) return null;
  const port = Number(m[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return null;
  return { host: m[1].toLowerCase().replace(/\.$/, ''), port };
}

const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '::1']);

export async function decideTarget(query: URLSearchParams, policy: TargetPolicy): Promise<TargetDecision> {
  const scenario = query.get('scenario');
  const rawTarget = query.get('target');
  if (scenario !== null) {
    const s = policy.lab?.byId(scenario);
    if (!s) return fail('unknown-scenario', CLOSE.unknownScenario, `there is no lab scenario "${scenario.slice(0, 40)}"`);
    return ok({ label: `scenario ${s.id}`, host: policy.lab!.host, port: s.port, addresses: [s.address ?? policy.lab!.address], scenario: s.id });
  }
  if (rawTarget === null) return fail('missing-target', CLOSE.badRequest, 'add ?target=host:port or ?scenario=id to the bridge URL');
  const parsed = parseTarget(rawTarget);
  if (!parsed) return fail('bad-target', CLOSE.badRequest, 'the target must be host:port (IPv6 as [addr]:port) with a port from 1 to 65535');
  const { host, port } = parsed;
  const label = `${host}:${port}`;

  // Lab endpoints: the lab name (or loopback) on a port where a lab server listens.
  const lab = policy.lab;
  if (lab && (host === lab.host || LOOPBACK_NAMES.has(host))) {
    const s = lab.byPort(port);
    if (s) return ok({ label, host, port, addresses: [s.address ?? lab.address], scenario: s.id });
    if (host === lab.host) return fail('not-a-lab-endpoint', CLOSE.refused, `no lab scenario listens on port ${port}`);
  }

  if (isOddIpLiteral(host)) return fail('odd-literal', CLOSE.refused, `"${host}" is an IP address in an unusual notation; write it as a plain dotted quad`);
  const literal = canonicalIpLiteral(host);
  if (!literal && !HOSTNAME.test(host)) return fail('bad-target', CLOSE.badRequest, `"${host.slice(0, 60)}" is not a valid host name`);
  // An exact allow entry for this loopback or private address and port (the user's own server) lets it through;
  // a name or wildcard entry never does.
  if (literal && allowsLocalAddress(policy.allow, literal, port)) return ok({ label, host, port, addresses: [literal] });
  // A literal's class is known without asking anyone: say that rather than "not allowlisted".
  if (literal) {
    const bad = checkAddress(literal, port, { testOnlyLoopbackPorts: policy.testOnlyLoopbackPorts });
    if (bad) return { ok: false, refusal: bad };
  }
  if (!allowlistMatches(policy.allow, host, port)) {
    return fail('not-allowlisted', CLOSE.refused, `${label} is not on the bridge allowlist (TLS_LENS_BRIDGE_ALLOW)`);
  }

  let addresses: string[];
  if (literal) addresses = [literal];
  else {
    try {
      addresses = await (policy.lookup ?? systemLookup)(host);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      return fail('dns-failed', CLOSE.dnsFailed, `${host} does not resolve (${code})`);
    }
    if (addresses.length === 0) return fail('dns-failed', CLOSE.dnsFailed, `${host} has no addresses`);
  }
  // Every address must pass: one bad answer refuses the whole name.
  for (const a of addresses) {
    const bad = checkAddress(a, port, { testOnlyLoopbackPorts: policy.testOnlyLoopbackPorts });
    if (bad) return { ok: false, refusal: literal ? bad : { ...bad, message: `${host} resolves to ${bad.message.replace(/^\S+ is /, '')} (${a})` } };
  }
  return ok({ label, host, port, addresses });
}

function ok(target: Target): TargetDecision {
  return { ok: true, target };
}
function fail(code: string, close: number, message: string): TargetDecision {
  return { ok: false, refusal: refusal(code, close, message) };
}
