// TLS 1.3 cipher suites and key-exchange groups: the one table every layer reads.
import { EMPTY_RENEGOTIATION_INFO_SCSV, describeSuite12 } from './suites12.ts';
import { greaseName, isGrease } from './grease.ts';
import { IANA_SUITE_NAMES } from './suite-names.generated.ts';
// TLS 1.2 suites belong in their own table (suites12.ts) with the same lookup style; the
// `CipherSuiteInfo` shape below is TLS 1.3 only on purpose (1.2 needs mac/kx/prf fields).

export type HashName = 'SHA-256' | 'SHA-384';
export type AeadName = 'AES-GCM' | 'CHACHA20-POLY1305';

export interface Tls13Suite {
  code: number;
  name: string;
  hash: HashName;
  hashLength: number;
  /** AEAD key length in bytes. */
  keyLength: number;
  /** Per-record nonce length: always 12 in TLS 1.3. */
  ivLength: 12;
  aead: AeadName;
  /** AEAD tag length in bytes (16 for all three). */
  tagLength: 16;
}

function suite(code: number, name: string, hash: HashName, keyLength: number, aead: AeadName): Tls13Suite {
  return { code, name, hash, hashLength: hash === 'SHA-256' ? 32 : 48, keyLength, ivLength: 12, aead, tagLength: 16 };
}

export const TLS13_SUITES: Readonly<Record<number, Tls13Suite>> = {
  0x1301: suite(0x1301, 'TLS_AES_128_GCM_SHA256', 'SHA-256', 16, 'AES-GCM'),
  0x1302: suite(0x1302, 'TLS_AES_256_GCM_SHA384', 'SHA-384', 32, 'AES-GCM'),
  0x1303: suite(0x1303, 'TLS_CHACHA20_POLY1305_SHA256', 'SHA-256', 32, 'CHACHA20-POLY1305'),
};

/** The TLS 1.3 suite with this IANA code, or undefined. */
export function suiteByCode(code: number): Tls13Suite | undefined {
  return TLS13_SUITES[code];
}

/** The TLS 1.3 suite with this IANA name (case-insensitive), or undefined. */
export function suiteByName(name: string): Tls13Suite | undefined {
  const wanted = name.toUpperCase();
  return Object.values(TLS13_SUITES).find((s) => s.name === wanted);
}

export type GroupName = 'x25519' | 'secp256r1' | 'secp384r1' | 'secp521r1' | 'X25519MLKEM768' | 'ffdhe2048' | 'ffdhe3072' | 'ffdhe4096';

export interface NamedGroup {
  code: number;
  name: GroupName;
  /** The client's key-share length on the wire: raw 32 bytes for X25519, uncompressed point for P-curves. */
  shareLength: number;
  /** The server's share length when it differs from the client's (a KEM answers with a ciphertext). */
  serverShareLength?: number;
  /** Hybrid post-quantum groups exist only in TLS 1.3 (no TLS 1.2 ECDHE encoding). */
  tls13Only?: boolean;
  /**
   * RFC 7919 finite-field groups: a TLS 1.3 key share like any other, but in TLS 1.2 they name DHE parameters, never
   * an ECDHE curve.
   */
  finiteField?: boolean;
}

export const GROUPS: Readonly<Record<GroupName, NamedGroup>> = {
  x25519: { code: 0x001d, name: 'x25519', shareLength: 32 },
  secp256r1: { code: 0x0017, name: 'secp256r1', shareLength: 65 },
  secp384r1: { code: 0x0018, name: 'secp384r1', shareLength: 97 },
  secp521r1: { code: 0x0019, name: 'secp521r1', shareLength: 133 },
  // draft-ietf-tls-ecdhe-mlkem: ML-KEM-768 encapsulation key (1184) || X25519 (32); ciphertext (1088) || X25519 back.
  X25519MLKEM768: { code: 0x11ec, name: 'X25519MLKEM768', shareLength: 1216, serverShareLength: 1120, tls13Only: true },
  // RFC 8446 §4.2.8.1: Y, big-endian, left-padded to the prime's size.
  ffdhe2048: { code: 0x0100, name: 'ffdhe2048', shareLength: 256, finiteField: true },
  ffdhe3072: { code: 0x0101, name: 'ffdhe3072', shareLength: 384, finiteField: true },
  ffdhe4096: { code: 0x0102, name: 'ffdhe4096', shareLength: 512, finiteField: true },
};

/** A group usable as a TLS 1.2 ECDHE curve: not a finite-field group, not a TLS 1.3-only hybrid. */
export function isEcdheCurve(code: number): boolean {
  const g = groupByCode(code);
  return !!g && !g.tls13Only && !g.finiteField;
}

/** Group names by IANA code. */
export const GROUP_NAMES: Readonly<Record<number, GroupName>> = Object.fromEntries(
  Object.values(GROUPS).map((g) => [g.code, g.name]),
) as Record<number, GroupName>;

export function groupByCode(code: number): NamedGroup | undefined {
  const name = GROUP_NAMES[code];
  return name ? GROUPS[name] : undefined;
}

/** The group with this name, any case ("x25519mlkem768" finds X25519MLKEM768). */
export function groupByName(name: string): NamedGroup | undefined {
  const wanted = name.toLowerCase();
  return Object.values(GROUPS).find((g) => g.name.toLowerCase() === wanted);
}

/**
 * "TLS_AES_128_GCM_SHA256 (0x1301)" for display in field trees: the engine's suites, then any registered suite by its
 * IANA name (a real client offers many the engine does not run), else "unknown (0x....)".
 */
export function describeSuite(code: number): string {
  const hex = '0x' + code.toString(16).padStart(4, '0');
  const s = suiteByCode(code);
  if (s) return `${s.name} (${hex})`;
  if (code === EMPTY_RENEGOTIATION_INFO_SCSV) return `TLS_EMPTY_RENEGOTIATION_INFO_SCSV (${hex})`;
  const registered = IANA_SUITE_NAMES[code];
  return describeSuite12(code) ?? (registered ? `${registered} (${hex})` : isGrease(code) ? greaseName(code) : `unknown (${hex})`);
}
