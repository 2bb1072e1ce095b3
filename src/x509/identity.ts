// The leaf's identity: the server name against subjectAltName (never the CN), and the form of the CN.
import ipaddr from 'ipaddr.js';
import type { DecodedCertificate } from './certificate.ts';
import { generalNameText, type GeneralName } from './extensions.ts';
import { isIpAddressText, matchServerName, type ReferenceIdentity } from './hostname.ts';
import { attributes, OID_CN } from './names.ts';
import { fail, na, pass, type Step } from './step.ts';

/**
 * CA/B BR 7.1.4.3: a CN repeats a SAN entry in its canonical form. We reject CNs that are
 * mangled forms of an address or name (non-canonical IP text, U-labels, a SAN entry with other
 * letter case). A CN that simply names something else is tolerated by default: the BetterTLS
 * suite expects it to be ignored, and the CN is never used for matching anyway. With
 * `commonNameInSan` (the strict CA/B profile) it is rejected as well.
 */
function commonNameProblem(cn: string, sans: GeneralName[], commonNameInSan: boolean): string | undefined {
  if (/[^\x20-\x7e]/.test(cn)) return `the subject CN "${cn}" is not ASCII; domain names must use A-labels`;
  if (isIpAddressText(cn)) {
    const addr = ipaddr.parse(cn);
    const canonical = addr.kind() === 'ipv6' ? (addr as ipaddr.IPv6).toRFC5952String() : addr.toString();
    if (canonical !== cn) return `the subject CN "${cn}" is an IP address not written in its canonical form (${canonical})`;
  }
  const lower = cn.toLowerCase();
  const twin = sans.find((s) => s.type === 'dns' && s.value.toLowerCase() === lower && s.value !== cn);
  if (twin) return `the subject CN "${cn}" differs from the subjectAltName entry "${(twin as { value: string }).value}" in letter case`;
  if (commonNameInSan && !sans.some((s) => sanText(s) === cn)) {
    return `the subject CN "${cn}" is not one of the subjectAltName entries (CA/B BR 7.1.4.3, checked in the strict profile)`;
  }
  return undefined;
}

/** A SAN entry as a CN would have to repeat it: the DNS name, or the IP address in canonical text. */
function sanText(s: GeneralName): string | undefined {
  if (s.type === 'dns') return s.value;
  if (s.type === 'ip' && (s.bytes.length === 4 || s.bytes.length === 16)) return ipaddr.fromByteArray([...s.bytes]).toString();
  return undefined;
}

function commonNameNote(cn: string, sans: GeneralName[]): string {
  if (sans.some((s) => sanText(s) === cn)) return `the subject CN "${cn}" repeats a subjectAltName entry (it is never used for matching)`;
  return `the subject CN "${cn}" is not among the subjectAltName entries: tolerated, as it is never used for matching (the strict CA/B profile rejects it)`;
}

/** How many SAN entries a mismatch names: a certificate may carry thousands, and the reason must stay readable. */
const SAN_LISTED = 20;

function listed(sans: GeneralName[]): string {
  const shown = sans.slice(0, SAN_LISTED).map(generalNameText).join(', ');
  return sans.length > SAN_LISTED ? `${shown} and ${sans.length - SAN_LISTED} more` : shown;
}

export function leafIdentitySteps(leaf: DecodedCertificate, ctx: { purpose: 'server' | 'client' | 'any'; name?: ReferenceIdentity; commonNameInSan?: boolean }): Step[] {
  const steps: Step[] = [];
  const sans = leaf.subjectAltNames ?? [];
  if (ctx.purpose === 'server') {
    const cns = attributes(leaf.subject, OID_CN);
    const odd = cns.map((cn) => commonNameProblem(cn.text, sans, ctx.commonNameInSan ?? false)).find((p) => p);
    if (odd) steps.push(fail('commonName', 0, 'PROFILE_VIOLATION', odd));
    else if (cns.length) steps.push(pass('commonName', 0, cns.map((cn) => commonNameNote(cn.text, sans)).join('; ')));
  }
  if (ctx.purpose !== 'server') {
    steps.push(na('hostname', 0, 'client certificates are not matched against a name'));
    return steps;
  }
  if (!ctx.name) {
    steps.push(na('hostname', 0, 'no name to check was given'));
    return steps;
  }
  if (sans.length === 0) {
    steps.push(fail('hostname', 0, 'HOSTNAME_MISMATCH', 'the certificate has no subjectAltName; the subject CN is never used'));
    return steps;
  }
  const hit = matchServerName(sans, ctx.name);
  const want = ctx.name.kind === 'dns' ? ctx.name.value : ctx.name.text;
  steps.push(
    hit
      ? pass('hostname', 0, `${want} matches ${generalNameText(hit)}`)
      : fail('hostname', 0, 'HOSTNAME_MISMATCH', `${want} matches none of ${listed(sans)}`),
  );
  return steps;
}
