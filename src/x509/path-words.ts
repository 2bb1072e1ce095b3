// How a certificate is named to a person: by its place on the path as built (leaf first) and its subject,
// never by the bare 0-based `certificate` index that steps and cert-check events carry (that index stays as it is:
// saved traces, Compare and exports read it).
//
// One scheme everywhere (messages, the Certificates view's check list, the Workbench, the CLI):
//   path index 0                    → the leaf "CN=..."
//   an index that is a trust anchor → the trust anchor "CN=..."
//   any other index i               → intermediate i of the path "CN=..."   (i = steps above the leaf)
// So "intermediate 1" is always the leaf's issuer on the path as built, whatever order the server sent the chain in.
// No imports: the UI takes this without pulling in the x509 code.

/** What is known of a certificate on the path: its subject, and whether it is a trust anchor. */
export interface PathMember {
  subject: string;
  anchor: boolean;
}

/** A path as traced (`cert-result`'s path, `ValidationResult.path`): `source` says which one is the anchor. */
export function pathMembers(path: readonly { subject: string; source: 'peer' | 'anchor' }[]): PathMember[] {
  return path.map((p) => ({ subject: p.subject, anchor: p.source === 'anchor' }));
}

/**
 * The short role of the certificate at `index` on the path as built: "the leaf", "intermediate 2", "the trust anchor".
 * Without the path (a step shown before the path is known): "the leaf" or "the certificate 2 above the leaf".
 * -1 (a step about the path as a whole): "the path".
 */
export function pathRole(index: number, path?: readonly PathMember[]): string {
  if (index < 0) return 'the path';
  if (index === 0) return 'the leaf';
  const member = path?.[index];
  if (!member) return `the certificate ${index} above the leaf`;
  return member.anchor ? 'the trust anchor' : `intermediate ${index}`;
}

/**
 * The certificate at `index` on the path as built, in words with its subject:
 * `the leaf "CN=example.com"`, `intermediate 1 of the path "CN=Example CA"`, `the trust anchor "CN=Example Root"`.
 */
export function describePathCertificate(index: number, path?: readonly PathMember[]): string {
  const member = index >= 0 ? path?.[index] : undefined;
  if (!member) return pathRole(index, path);
  const role = pathRole(index, path);
  return `${role.startsWith('intermediate') ? `${role} of the path` : role} "${member.subject}"`;
}

/** 1st, 2nd, 3rd, 4th, ... 11th, 12th, 13th, 21st. */
export function ordinal(n: number): string {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  return `${n}${['th', 'st', 'nd', 'rd'][n % 10] ?? 'th'}`;
}
