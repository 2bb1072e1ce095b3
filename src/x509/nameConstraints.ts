// Name constraints (RFC 5280 4.2.1.10, 6.1.3 (b)-(c)): every name of a certificate below a CA
// must be inside a permitted subtree of its type (when the CA lists any of that type) and
// outside every excluded subtree. Types we cannot evaluate fail closed when both sides use them.
import type { DecodedCertificate } from './certificate.ts';
import { generalNameText, type GeneralName, type GeneralSubtree, type NameConstraints } from './extensions.ts';
import { isValidDnsName } from './hostname.ts';
import { attributes, nameWithin, OID_EMAIL } from './names.ts';

/** Largest names x subtrees product that is evaluated. */
export const NAME_CONSTRAINT_WORK_LIMIT = 1 << 20;

export type ConstraintVerdict = { ok: true } | { ok: false; reason: string; malformed?: boolean };

/** Reject constraints that are not well-formed for their type. */
export function validateConstraints(nc: NameConstraints): ConstraintVerdict {
  for (const st of [...(nc.permitted ?? []), ...(nc.excluded ?? [])]) {
    const b = st.base;
    if (b.type === 'dns') {
      if (b.value !== '' && !isValidDnsName(b.value, false)) return { ok: false, malformed: true, reason: `the dNSName constraint "${b.value}" is not a valid name` };
    } else if (b.type === 'ip') {
      if (b.bytes.length !== 8 && b.bytes.length !== 32) return { ok: false, malformed: true, reason: 'an iPAddress constraint must be an address and a mask (8 or 32 bytes)' };
      if (!contiguousMask(b.bytes.subarray(b.bytes.length / 2))) return { ok: false, malformed: true, reason: 'an iPAddress constraint mask is not a CIDR prefix' };
    } else if (b.type === 'email') {
      if (!validEmailConstraint(b.value)) return { ok: false, malformed: true, reason: `the rfc822Name constraint "${b.value}" is not valid` };
    }
  }
  return { ok: true };
}

function contiguousMask(mask: Uint8Array): boolean {
  let zero = false;
  for (const byte of mask) {
    for (let bit = 7; bit >= 0; bit--) {
      const one = (byte >> bit) & 1;
      if (one && zero) return false;
      if (!one) zero = true;
    }
  }
  return true;
}

function validEmailConstraint(v: string): boolean {
  const at = v.split('@');
  if (at.length > 2) return false;
  if (at.length === 2) return at[0].length > 0 && isValidDnsName(at[1], false);
  const host = v.startsWith('.') ? v.slice(1) : v;
  return isValidDnsName(host, false);
}

function validMailbox(v: string): boolean {
  const at = v.split('@');
  return at.length === 2 && at[0].length > 0 && isValidDnsName(at[1], false);
}

function dnsWithin(name: string, base: string): boolean {
  const n = name.toLowerCase();
  const b = base.toLowerCase();
  return b === '' || n === b || n.endsWith('.' + b);
}

/** For a wildcard SAN "*.X", the set of names it stands for; constraints must hold for all of them. */
function dnsPermitted(name: string, base: string): boolean {
  // Every "label.X" lies under the base exactly when X itself does.
  return dnsWithin(name.startsWith('*.') ? name.slice(2) : name, base);
}

function dnsExcluded(name: string, base: string): boolean {
  if (name.startsWith('*.')) {
    const rest = name.slice(2).toLowerCase();
    const b = base.toLowerCase();
    // Excluded if any name the wildcard covers lies in the excluded subtree. "*.X" covers "label.X" and nothing
    // deeper, so it reaches into a subtree under X only when that subtree's base is exactly one label below X.
    const dot = b.indexOf('.');
    return dnsWithin(rest, b) || (dot > 0 && b.slice(dot + 1) === rest);
  }
  return dnsWithin(name, base);
}

function ipWithin(addr: Uint8Array, base: Uint8Array): boolean {
  const half = base.length / 2;
  if (addr.length !== half) return false;
  for (let i = 0; i < half; i++) if ((addr[i] & base[half + i]) !== (base[i] & base[half + i])) return false;
  return true;
}

function emailWithin(mailbox: string, base: string): boolean {
  const at = mailbox.lastIndexOf('@');
  const local = mailbox.slice(0, at);
  const host = mailbox.slice(at + 1).toLowerCase();
  if (base.includes('@')) {
    const bat = base.lastIndexOf('@');
    return base.slice(0, bat) === local && base.slice(bat + 1).toLowerCase() === host;
  }
  const b = base.toLowerCase();
  if (b.startsWith('.')) return host.endsWith(b);
  return host === b;
}

type Kind = 'dns' | 'ip' | 'email' | 'dn' | 'uri' | string;

function kindOf(n: GeneralName): Kind {
  return n.type === 'other' ? n.label : n.type;
}

function matches(name: GeneralName, base: GeneralName, mode: 'permit' | 'exclude'): boolean {
  if (name.type === 'dns' && base.type === 'dns') return mode === 'permit' ? dnsPermitted(name.value, base.value) : dnsExcluded(name.value, base.value);
  if (name.type === 'ip' && base.type === 'ip') return ipWithin(name.bytes, base.bytes);
  if (name.type === 'email' && base.type === 'email') return emailWithin(name.value, base.value);
  if (name.type === 'dn' && base.type === 'dn') return nameWithin(name.name, base.name);
  // Types we do not evaluate (URI, otherName, ...): a permitted subtree never admits them,
  // an excluded subtree always catches them. Both fail closed.
  return mode === 'exclude';
}

/** The names of `cert` that constraints apply to: SAN entries, the subject DN, subject email addresses. */
export function constrainedNames(cert: DecodedCertificate): GeneralName[] {
  const names: GeneralName[] = [...(cert.subjectAltNames ?? [])];
  if (cert.subject.rdns.length > 0) names.push({ type: 'dn', name: cert.subject });
  for (const a of attributes(cert.subject, OID_EMAIL)) names.push({ type: 'email', value: a.text, raw: a.raw });
  return names;
}

/** Check one certificate's names against one CA's constraints. */
export function checkNameConstraints(cert: DecodedCertificate, nc: NameConstraints, budget?: { left: number }): ConstraintVerdict {
  const names = constrainedNames(cert);
  const subtrees = (nc.permitted?.length ?? 0) + (nc.excluded?.length ?? 0);
  const work = names.length * subtrees;
  // Quadratic work on hostile input is refused outright (OpenSSL uses the same bound per check);
  // `budget` also caps the sum over every path examined in one validation.
  if (work > NAME_CONSTRAINT_WORK_LIMIT || (budget && work > budget.left)) {
    return { ok: false, reason: `${names.length} names against ${subtrees} constraints is more work than allowed (${NAME_CONSTRAINT_WORK_LIMIT} comparisons)` };
  }
  if (budget) budget.left -= work;
  for (const name of names) {
    if (name.type === 'email' && !validMailbox(name.value)) return { ok: false, reason: `the email address "${name.value}" is not valid` };
    if (name.type === 'ip' && name.bytes.length !== 4 && name.bytes.length !== 16) return { ok: false, reason: 'an iPAddress name is neither IPv4 nor IPv6' };
    if (name.type === 'dns' && !isValidDnsName(name.value, true)) {
      // A name that is not a host name cannot be shown to be inside or outside a DNS subtree.
      const dnsConstrained = [...(nc.permitted ?? []), ...(nc.excluded ?? [])].some((s) => s.base.type === 'dns');
      if (dnsConstrained) return { ok: false, reason: `the dNSName "${name.value}" is not a valid name under DNS constraints` };
    }
    const kind = kindOf(name);
    const sameKind = (st: GeneralSubtree) => kindOf(st.base) === kind;
    const excluded = (nc.excluded ?? []).filter(sameKind).find((st) => matches(name, st.base, 'exclude'));
    if (excluded) return { ok: false, reason: `${generalNameText(name)} is in the excluded subtree ${generalNameText(excluded.base)}` };
    const permitted = (nc.permitted ?? []).filter(sameKind);
    if (permitted.length > 0 && !permitted.some((st) => matches(name, st.base, 'permit'))) {
      return { ok: false, reason: `${generalNameText(name)} is outside the permitted subtrees (${permitted.map((s) => generalNameText(s.base)).join(', ')})` };
    }
  }
  return { ok: true };
}
