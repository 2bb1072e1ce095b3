// What a TLS 1.3 server picks from a ClientHello (RFC 8446 §4.1.1, §4.2): cipher suite, group and key share,
// ALPN (RFC 7301 §3.2), and the certificate with its signature scheme (§4.4.2.2), by the server's or the
// client's order of preference. Each refusal is the failure with its alert.
import { decodeCertificate } from '../../x509/certificate.ts';
import { matchServerName, parseReferenceIdentity } from '../../x509/hostname.ts';
import type { GeneralName } from '../../x509/extensions.ts';
import { decodeError, fail, tlsFailure } from '../errors.ts';
import { createSigner, type Signer } from '../handshake/signatures.ts';
import { ExtensionType as X, schemeName } from '../messages/constants.ts';
import { findExtension, type KeyShareEntry } from '../messages/extensions.ts';
import type { ClientHello } from '../messages/handshake.ts';
import { GROUP_NAMES, type Tls13Suite } from '../suites.ts';
import type { ResolvedServerOptions } from './context.ts';
import type { ServerCertificate } from './options.ts';
import { quoted } from './quoted.ts';

/** Order `ours` by whoever's preference rules, keeping only what both have. */
export function mutual<T>(ours: T[], theirs: T[], preference: 'server' | 'client'): T[] {
  return preference === 'server' ? ours.filter((x) => theirs.includes(x)) : theirs.filter((x) => ours.includes(x));
}

export function selectSuite(o: ResolvedServerOptions, ch: ClientHello): Tls13Suite {
  const codes = mutual(o.suites.map((s) => s.code), ch.cipherSuites, o.preference);
  if (codes.length === 0) throw fail.handshake('the client offers none of the TLS 1.3 cipher suites this server accepts');
  return o.suites.find((s) => s.code === codes[0])!;
}

/**
 * The group: among those both support (in the preferred order), one the client already sent a share for; when it
 * sent none usable, the most preferred group and no share (a HelloRetryRequest asks for it).
 */
export function selectGroup(o: ResolvedServerOptions, ch: ClientHello): { group: number; share: KeyShareEntry | null } {
  const supported = findExtension(ch.extensions, X.supported_groups)?.groups;
  const keyShare = findExtension(ch.extensions, X.key_share);
  if (!supported) throw fail.missingExtension('the ClientHello has no supported_groups (RFC 8446 §9.2: required with key_share)');
  if (!keyShare) throw fail.missingExtension('the ClientHello has no key_share: this server does only (EC)DHE key exchange (RFC 8446 §9.2)');
  const shares = keyShare.shares ?? [];
  // RFC 8446 §4.2.8: each share for a group the client supports, in the same order, at most one per group.
  const seen = new Set<number>();
  for (const s of shares) {
    if (seen.has(s.group)) throw fail.illegal(`the ClientHello has two key shares for ${GROUP_NAMES[s.group] ?? s.group}`);
    seen.add(s.group);
    if (!supported.includes(s.group)) throw fail.illegal(`the ClientHello has a key share for group ${s.group}, which its supported_groups does not list`);
  }
  const both = mutual(o.groupCodes, supported, o.preference);
  if (both.length === 0) throw fail.handshake('the client supports none of the groups this server accepts');
  const withShare = both.find((g) => shares.some((s) => s.group === g));
  if (withShare !== undefined) return { group: withShare, share: shares.find((s) => s.group === withShare)! };
  return { group: both[0], share: null };
}

export function selectAlpn(o: ResolvedServerOptions, ch: ClientHello): string | null {
  const offered = findExtension(ch.extensions, X.alpn)?.protocols;
  // RFC 7301 §3.1: the list has at least one name; an empty one is malformed, whatever this server speaks.
  if (offered && offered.length === 0) throw decodeError('the ClientHello\'s ALPN extension lists no protocol (RFC 7301 §3.1)');
  if (!offered || !o.alpn?.length) return null;
  const both = mutual(o.alpn, offered, o.preference);
  if (both.length === 0) throw tlsFailure('NO_APPLICATION_PROTOCOL', `the client offers ALPN ${offered.map(quoted).join(', ')}; this server speaks only ${o.alpn.map(quoted).join(', ')}`);
  return both[0];
}

export interface CertificateChoice {
  certificate: ServerCertificate;
  signer: Signer;
  scheme: number;
}

/**
 * The certificate: those whose names match the SNI first (all when none match or no SNI came), and of those the
 * first whose key can sign with a scheme the client offers.
 */
export async function selectCertificate(o: ResolvedServerOptions, ch: ClientHello, sni: string | undefined, only?: ServerCertificate): Promise<CertificateChoice> {
  const offered = findExtension(ch.extensions, X.signature_algorithms)?.schemes;
  if (!offered) throw fail.missingExtension('the ClientHello has no signature_algorithms: the server cannot prove its identity (RFC 8446 §4.2.3)');
  const all = only ? [only] : o.certificates;
  const named = sni ? all.filter((c) => certificateNames(c, sni)) : [];
  const candidates = named.length ? named : all;
  for (const certificate of candidates) {
    const signer = await signerFor(certificate);
    const schemes = mutual(signer.schemes, offered, o.preference);
    if (schemes.length) return { certificate, signer, scheme: schemes[0] };
  }
  throw fail.handshake(`no certificate of this server can sign with a scheme the client offers (${offered.map(schemeName).join(', ')})`);
}

const leafNames = new WeakMap<ServerCertificate, GeneralName[]>();

function certificateNames(c: ServerCertificate, sni: string): boolean {
  const ref = parseReferenceIdentity(sni);
  if (!ref) return false;
  let names = leafNames.get(c);
  if (!names) {
    // Decoded once per configured certificate: every handshake with SNI asks.
    try {
      names = decodeCertificate(c.chain[0]).subjectAltNames ?? [];
    } catch {
      names = [];
    }
    leafNames.set(c, names);
  }
  return !!matchServerName(names, ref);
}

/** Make something once per configured certificate (key import is slow) and reuse it; a failure is not kept. */
export function oncePerCertificate<T>(make: (c: ServerCertificate) => Promise<T>): (c: ServerCertificate) => Promise<T> {
  const made = new WeakMap<ServerCertificate, Promise<T>>();
  return (c) => {
    let value = made.get(c);
    if (!value) {
      value = make(c);
      made.set(c, value);
      value.catch(() => made.delete(c));
    }
    return value;
  };
}

/** One signer per configured certificate, reused by every handshake. */
export const signerFor = oncePerCertificate((c) => makeSigner(c));

async function makeSigner(c: ServerCertificate): Promise<Signer> {
  const signer = await createSigner(c.chain[0], c.key);
  // A WebCrypto RSA-PSS key is bound to one hash: offer only the schemes with that hash.
  const alg = c.key instanceof Uint8Array ? null : (c.key.algorithm as RsaHashedKeyAlgorithm);
  if (alg?.name === 'RSA-PSS') {
    const hash = alg.hash.name.replace('SHA-', '');
    return { ...signer, schemes: signer.schemes.filter((s) => schemeName(s).endsWith(hash)) };
  }
  return signer;
}
