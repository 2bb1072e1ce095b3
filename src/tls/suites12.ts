// TLS 1.2 cipher suites (RFC 5246, 5289, 7905, 8422): key exchange, authentication, record cipher, MAC and
// PRF hash in one table, looked up like the TLS 1.3 table in suites.ts.
import type { HashName } from './suites.ts';

export type KeyExchange12 = 'ECDHE' | 'DHE' | 'RSA';
export type Cipher12 = 'AES-GCM' | 'CHACHA20-POLY1305' | 'AES-CBC';
export type MacName = 'SHA-1' | 'SHA-256' | 'SHA-384';

export interface Tls12Suite {
  code: number;
  name: string;
  kx: KeyExchange12;
  /** Key type the server certificate must hold. */
  auth: 'ECDSA' | 'RSA';
  cipher: Cipher12;
  keyLength: number;
  /** Implicit (key-block) IV bytes: 4 for GCM, 12 for ChaCha20, 0 for CBC (explicit per-record IV). */
  fixedIvLength: number;
  /** HMAC for CBC suites, null for AEAD. */
  mac: MacName | null;
  macLength: number;
  /** Hash of the PRF and of the Finished / session-hash transcripts. */
  prfHash: HashName;
  /** False for static RSA key transport: whoever gets the server's key later can decrypt recorded traffic. */
  forwardSecrecy: boolean;
  /** CBC with MAC-then-encrypt (Lucky 13, POODLE-style padding oracles) and static RSA: kept to be shown, not chosen. */
  legacy: boolean;
}

const MAC_LENGTH: Record<MacName, number> = { 'SHA-1': 20, 'SHA-256': 32, 'SHA-384': 48 };

function s(code: number, name: string, kx: KeyExchange12, auth: 'ECDSA' | 'RSA', cipher: Cipher12, keyLength: number, mac: MacName | null, prfHash: HashName): Tls12Suite {
  return {
    code,
    name,
    kx,
    auth,
    cipher,
    keyLength,
    fixedIvLength: cipher === 'AES-GCM' ? 4 : cipher === 'CHACHA20-POLY1305' ? 12 : 0,
    mac,
    macLength: mac ? MAC_LENGTH[mac] : 0,
    prfHash,
    forwardSecrecy: kx !== 'RSA',
    legacy: cipher === 'AES-CBC' || kx === 'RSA',
  };
}

const LIST: Tls12Suite[] = [
  s(0xc02b, 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'ECDHE', 'ECDSA', 'AES-GCM', 16, null, 'SHA-256'),
  s(0xc02c, 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'ECDHE', 'ECDSA', 'AES-GCM', 32, null, 'SHA-384'),
  s(0xc02f, 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'ECDHE', 'RSA', 'AES-GCM', 16, null, 'SHA-256'),
  s(0xc030, 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'ECDHE', 'RSA', 'AES-GCM', 32, null, 'SHA-384'),
  s(0xcca9, 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', 'ECDHE', 'ECDSA', 'CHACHA20-POLY1305', 32, null, 'SHA-256'),
  s(0xcca8, 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 'ECDHE', 'RSA', 'CHACHA20-POLY1305', 32, null, 'SHA-256'),
  s(0xc023, 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256', 'ECDHE', 'ECDSA', 'AES-CBC', 16, 'SHA-256', 'SHA-256'),
  s(0xc027, 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256', 'ECDHE', 'RSA', 'AES-CBC', 16, 'SHA-256', 'SHA-256'),
  s(0xc024, 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384', 'ECDHE', 'ECDSA', 'AES-CBC', 32, 'SHA-384', 'SHA-384'),
  s(0xc028, 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384', 'ECDHE', 'RSA', 'AES-CBC', 32, 'SHA-384', 'SHA-384'),
  s(0xc009, 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA', 'ECDHE', 'ECDSA', 'AES-CBC', 16, 'SHA-1', 'SHA-256'),
  s(0xc00a, 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA', 'ECDHE', 'ECDSA', 'AES-CBC', 32, 'SHA-1', 'SHA-256'),
  s(0xc013, 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA', 'ECDHE', 'RSA', 'AES-CBC', 16, 'SHA-1', 'SHA-256'),
  s(0xc014, 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA', 'ECDHE', 'RSA', 'AES-CBC', 32, 'SHA-1', 'SHA-256'),
  s(0x009e, 'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256', 'DHE', 'RSA', 'AES-GCM', 16, null, 'SHA-256'),
  s(0x009f, 'TLS_DHE_RSA_WITH_AES_256_GCM_SHA384', 'DHE', 'RSA', 'AES-GCM', 32, null, 'SHA-384'),
  s(0xccaa, 'TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 'DHE', 'RSA', 'CHACHA20-POLY1305', 32, null, 'SHA-256'),
  s(0x0067, 'TLS_DHE_RSA_WITH_AES_128_CBC_SHA256', 'DHE', 'RSA', 'AES-CBC', 16, 'SHA-256', 'SHA-256'),
  s(0x006b, 'TLS_DHE_RSA_WITH_AES_256_CBC_SHA256', 'DHE', 'RSA', 'AES-CBC', 32, 'SHA-256', 'SHA-256'),
  s(0x0033, 'TLS_DHE_RSA_WITH_AES_128_CBC_SHA', 'DHE', 'RSA', 'AES-CBC', 16, 'SHA-1', 'SHA-256'),
  s(0x0039, 'TLS_DHE_RSA_WITH_AES_256_CBC_SHA', 'DHE', 'RSA', 'AES-CBC', 32, 'SHA-1', 'SHA-256'),
  s(0x009c, 'TLS_RSA_WITH_AES_128_GCM_SHA256', 'RSA', 'RSA', 'AES-GCM', 16, null, 'SHA-256'),
  s(0x009d, 'TLS_RSA_WITH_AES_256_GCM_SHA384', 'RSA', 'RSA', 'AES-GCM', 32, null, 'SHA-384'),
  s(0x003c, 'TLS_RSA_WITH_AES_128_CBC_SHA256', 'RSA', 'RSA', 'AES-CBC', 16, 'SHA-256', 'SHA-256'),
  s(0x002f, 'TLS_RSA_WITH_AES_128_CBC_SHA', 'RSA', 'RSA', 'AES-CBC', 16, 'SHA-1', 'SHA-256'),
  s(0x0035, 'TLS_RSA_WITH_AES_256_CBC_SHA', 'RSA', 'RSA', 'AES-CBC', 32, 'SHA-1', 'SHA-256'),
];

const TLS12_SUITES: Readonly<Record<number, Tls12Suite>> = Object.fromEntries(LIST.map((x) => [x.code, x]));

/** Offered when the caller names none: forward-secret AEAD first, then the legacy ECDHE CBC suites. */
export const DEFAULT_TLS12_SUITES: number[] = [0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc023, 0xc027, 0xc009, 0xc013, 0xc00a, 0xc014];

/**
 * A server's defaults: every ECDHE suite (the client's defaults, then the SHA-384 CBC suites a client may offer
 * alone, as s_server serves them), then finite-field DHE (RFC 7919 groups), chosen only for a client without ECDHE.
 */
export const DEFAULT_SERVER_TLS12_SUITES: number[] = [...DEFAULT_TLS12_SUITES, 0xc024, 0xc028, 0x009e, 0x009f, 0xccaa, 0x0067, 0x006b, 0x0033, 0x0039];

/** TLS_EMPTY_RENEGOTIATION_INFO_SCSV (RFC 5746 §3.3): "I do secure renegotiation", as a suite code. */
export const EMPTY_RENEGOTIATION_INFO_SCSV = 0x00ff;

export function suite12ByCode(code: number): Tls12Suite | undefined {
  return TLS12_SUITES[code];
}

/** By IANA name (case-insensitive; the OpenSSL-style short names like ECDHE-RSA-AES128-GCM-SHA256 too). */
export function suite12ByName(name: string): Tls12Suite | undefined {
  const wanted = name.toUpperCase();
  return LIST.find((x) => x.name === wanted || opensslName(x) === wanted);
}

/** The OpenSSL name of a suite, e.g. ECDHE-ECDSA-AES128-GCM-SHA256 (what `-cipher` takes). */
function opensslName(x: Tls12Suite): string {
  const kx = x.kx === 'RSA' ? '' : x.kx === 'DHE' ? 'DHE-RSA-' : `ECDHE-${x.auth}-`;
  const bits = x.keyLength * 8;
  if (x.cipher === 'CHACHA20-POLY1305') return `${kx}CHACHA20-POLY1305`;
  if (x.cipher === 'AES-GCM') return `${kx}AES${bits}-GCM-${x.prfHash.replace('-', '')}`;
  return `${kx}AES${bits}-${x.mac === 'SHA-1' ? 'SHA' : x.mac!.replace('-', '')}`;
}

/** "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 (0xc02f)" for field trees. */
export function describeSuite12(code: number): string | undefined {
  const x = TLS12_SUITES[code];
  return x ? `${x.name} (0x${code.toString(16).padStart(4, '0')})` : undefined;
}
