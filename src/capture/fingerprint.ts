// ClientHello fingerprints: JA3 (Salesforce: MD5 of version, suites, extensions, groups and point formats, in
// decimal, GREASE values left out) and JA4 (FoxIO's JA4 TLS client fingerprint: a readable prefix, then truncated
// SHA-256 of the sorted suites and of the sorted extensions plus signature algorithms).
import { md5 } from '@noble/hashes/legacy.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { toHex } from '../util/bytes.ts';
import { ExtensionType, findExtension, type ClientHello } from './engine.ts';

/** RFC 8701 GREASE values: 0x?a?a with both bytes equal. */
export const isGrease = (v: number) => (v & 0x0f0f) === 0x0a0a && v >> 8 === (v & 0xff);

export interface Fingerprints {
  ja3: string;
  ja3Text: string;
  ja4: string;
}

export function clientHelloFingerprints(ch: ClientHello): Fingerprints {
  const suites = ch.cipherSuites.filter((c) => !isGrease(c));
  const extensions = ch.extensions.map((e) => e.code).filter((c) => !isGrease(c));
  const groups = (findExtension(ch.extensions, ExtensionType.supported_groups)?.groups ?? []).filter((g) => !isGrease(g));
  const pointFormatsExt = findExtension(ch.extensions, ExtensionType.ec_point_formats);
  const pointFormats = pointFormatsExt?.data ? Array.from(pointFormatsExt.data.subarray(1)) : [];
  const ja3Text = [ch.legacyVersion, suites.join('-'), extensions.join('-'), groups.join('-'), pointFormats.join('-')].join(',');
  const ja3 = toHex(md5(new TextEncoder().encode(ja3Text)));
  return { ja3, ja3Text, ja4: ja4(ch, suites, extensions) };
}

function ja4(ch: ClientHello, suites: number[], extensions: number[]): string {
  const versions = (findExtension(ch.extensions, ExtensionType.supported_versions)?.versions ?? []).filter((v) => !isGrease(v));
  const version = versions.length ? Math.max(...versions) : ch.legacyVersion;
  const versionCode: Record<number, string> = { 0x0304: '13', 0x0303: '12', 0x0302: '11', 0x0301: '10', 0x0300: 's3' };
  const sni = findExtension(ch.extensions, ExtensionType.server_name) ? 'd' : 'i';
  const two = (n: number) => String(Math.min(n, 99)).padStart(2, '0');
  const alpn = findExtension(ch.extensions, ExtensionType.alpn)?.protocols?.[0];
  const alpnCode = alpn ? alpnChars(alpn) : '00';
  const hex4 = (n: number) => n.toString(16).padStart(4, '0');
  const hash12 = (text: string) => (text ? toHex(sha256(new TextEncoder().encode(text))).slice(0, 12) : '000000000000');
  const suitesPart = hash12([...suites].sort((a, b) => a - b).map(hex4).join(','));
  const sortedExtensions = extensions.filter((e) => e !== ExtensionType.server_name && e !== ExtensionType.alpn).sort((a, b) => a - b).map(hex4).join(',');
  const schemes = (findExtension(ch.extensions, ExtensionType.signature_algorithms)?.schemes ?? []).map(hex4).join(',');
  const extensionsPart = hash12(schemes ? `${sortedExtensions}_${schemes}` : sortedExtensions);
  return `t${versionCode[version] ?? '00'}${sni}${two(suites.length)}${two(extensions.length)}${alpnCode}_${suitesPart}_${extensionsPart}`;
}

/** JA4's ALPN code: first and last character when both are alphanumeric ASCII, else first and last hex digit. */
function alpnChars(alpn: string): string {
  const first = alpn[0];
  const last = alpn[alpn.length - 1];
  const alnum = (c: string) => /^[0-9A-Za-z]$/.test(c);
  if (alnum(first) && alnum(last)) return first + last;
  const hex = toHex(new TextEncoder().encode(alpn));
  return hex[0] + hex[hex.length - 1];
}
