// ClientHello fingerprints, one module for every reader (serve, the capture decoder, the UI):
//  - JA3 (Salesforce, BSD-3-Clause): MD5 over "version,suites,extensions,groups,point formats", decimal values
//    joined by '-', GREASE (RFC 8701) left out. Order-sensitive, so clients that shuffle extensions (Chromium since
//    110) give a new JA3 on each connection.
//  - JA4 (FoxIO's TLS client fingerprint, BSD-3-Clause; the other JA4+ methods — JA4S, JA4H, JA4X... — are under the
//    FoxIO License 1.1 and are NOT implemented here): a readable prefix, then the first 12 hex digits of SHA-256 over
//    the sorted suites, and over the sorted extensions (SNI and ALPN left out) plus the signature schemes in order.
//    Sorting makes it stable across extension shuffling.
import { md5 } from '@noble/hashes/legacy.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { ExtensionType as X } from './messages/constants.ts';
import { findExtension } from './messages/extensions.ts';
import type { ClientHello } from './messages/handshake.ts';
import { toHex, utf8 } from '../util/bytes.ts';
import { isGrease } from './grease.ts';

export { isGrease } from './grease.ts';

export interface ClientHelloFingerprints {
  /** MD5 of ja3Text, 32 hex digits. */
  ja3: string;
  /** The JA3 input string ("771,4865-4866,...,29-23-24,0"). */
  ja3Text: string;
  /** e.g. t13d1516h2_8daaf6152771_e5627efa2ab1 */
  ja4: string;
  /** JA4 before hashing (FoxIO's "ja4_r"): the prefix, the sorted suites, the sorted extensions _ the schemes. */
  ja4Raw: string;
}

const NO_HASH = '000000000000';
const hex4 = (n: number) => n.toString(16).padStart(4, '0');

export function clientHelloFingerprints(ch: ClientHello): ClientHelloFingerprints {
  const suites = ch.cipherSuites.filter((c) => !isGrease(c));
  const extensions = ch.extensions.map((e) => e.code).filter((c) => !isGrease(c));
  const groups = (findExtension(ch.extensions, X.supported_groups)?.groups ?? []).filter((g) => !isGrease(g));
  // ec_point_formats body: a one-byte length, then one byte per format.
  const formatsBody = findExtension(ch.extensions, X.ec_point_formats)?.data;
  const pointFormats = formatsBody && formatsBody.length > 0 ? Array.from(formatsBody.subarray(1, 1 + formatsBody[0])) : [];
  const ja3Text = [ch.legacyVersion, suites.join('-'), extensions.join('-'), groups.join('-'), pointFormats.join('-')].join(',');
  return { ja3: toHex(md5(utf8.encode(ja3Text))), ja3Text, ...ja4(ch, suites, extensions) };
}

function ja4(ch: ClientHello, suites: number[], extensions: number[]): { ja4: string; ja4Raw: string } {
  const versions = (findExtension(ch.extensions, X.supported_versions)?.versions ?? []).filter((v) => !isGrease(v));
  const version = versions.length > 0 ? Math.max(...versions) : ch.legacyVersion;
  const versionCode = ({ 0x0304: '13', 0x0303: '12', 0x0302: '11', 0x0301: '10', 0x0300: 's3', 0x0002: 's2' } as Record<number, string>)[version] ?? '00';
  const sni = findExtension(ch.extensions, X.server_name) ? 'd' : 'i';
  const count = (n: number) => String(Math.min(n, 99)).padStart(2, '0');
  const alpn = findExtension(ch.extensions, X.alpn)?.protocols?.[0];
  const prefix = `t${versionCode}${sni}${count(suites.length)}${count(extensions.length)}${alpn ? alpnCode(alpn) : '00'}`;

  const sortedSuites = [...suites].sort((a, b) => a - b).map(hex4).join(',');
  const sortedExtensions = extensions.filter((e) => e !== X.server_name && e !== X.alpn).sort((a, b) => a - b).map(hex4).join(',');
  const schemes = (findExtension(ch.extensions, X.signature_algorithms)?.schemes ?? []).filter((s) => !isGrease(s)).map(hex4).join(',');
  const extensionText = schemes ? `${sortedExtensions}_${schemes}` : sortedExtensions;
  const hash12 = (text: string) => (text ? toHex(sha256(utf8.encode(text))).slice(0, 12) : NO_HASH);
  return { ja4: `${prefix}_${hash12(sortedSuites)}_${hash12(sortedExtensions ? extensionText : '')}`, ja4Raw: `${prefix}_${sortedSuites}_${extensionText}` };
}

/** First and last character of the first ALPN value; if either is not an ASCII letter or digit, the first and last hex digit. */
function alpnCode(alpn: string): string {
  const first = alpn[0];
  const last = alpn[alpn.length - 1];
  const alnum = (c: string) => /^[0-9A-Za-z]$/.test(c);
  if (alnum(first) && alnum(last)) return first + last;
  const hex = toHex(utf8.encode(alpn));
  return hex[0] + hex[hex.length - 1];
}

/** What the fingerprints tell a person, in plain words (for `serve`'s walk and --www page). */
export function explainFingerprints(f: ClientHelloFingerprints): string[] {
  const [prefix] = f.ja4.split('_');
  const version = prefix.slice(1, 3);
  return [
    `JA3 ${f.ja3}: MD5 of "${f.ja3Text}" (TLS version, cipher suites, extensions, groups, point formats, in the client's order, GREASE removed). ` +
      'Same software and settings give the same JA3, unless the client shuffles its extensions (Chromium does), which changes it every connection.',
    `JA4 ${f.ja4}: ${version === '00' ? 'an unknown version' : `TLS ${version[0]}.${version[1]}`} over TCP, ` +
      `${prefix[3] === 'd' ? 'a server name (SNI) sent' : 'no server name (SNI)'}, ${Number(prefix.slice(4, 6))} suites, ${Number(prefix.slice(6, 8))} extensions, ` +
      `ALPN "${prefix.slice(8, 10)}"; then hashes of the sorted suites and of the sorted extensions with the signature schemes. Sorting keeps it stable when extensions are shuffled.`,
  ];
}
