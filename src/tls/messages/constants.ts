// Code points of RFC 8446 (and the extensions people meet in the wild), with their names for display.
import { GROUP_NAMES } from '../suites.ts';
import { greaseName, isGrease } from '../grease.ts';

export const HandshakeType = {
  client_hello: 1,
  server_hello: 2,
  new_session_ticket: 4,
  end_of_early_data: 5,
  encrypted_extensions: 8,
  certificate: 11,
  certificate_request: 13,
  certificate_verify: 15,
  finished: 20,
  key_update: 24,
  message_hash: 254,
} as const;

const HANDSHAKE_NAMES: Record<number, string> = {
  1: 'ClientHello',
  2: 'ServerHello',
  4: 'NewSessionTicket',
  5: 'EndOfEarlyData',
  8: 'EncryptedExtensions',
  11: 'Certificate',
  13: 'CertificateRequest',
  15: 'CertificateVerify',
  20: 'Finished',
  24: 'KeyUpdate',
  254: 'MessageHash',
};

export function handshakeName(type: number): string {
  return HANDSHAKE_NAMES[type] ?? `unknown handshake type ${type}`;
}

/** Record content types, defined by the record layer; here too for the message code that names them. */
export { ContentType } from '../record/content-types.ts';

export const ExtensionType = {
  server_name: 0,
  max_fragment_length: 1,
  status_request: 5,
  supported_groups: 10,
  ec_point_formats: 11,
  signature_algorithms: 13,
  use_srtp: 14,
  heartbeat: 15,
  alpn: 16,
  signed_certificate_timestamp: 18,
  padding: 21,
  encrypt_then_mac: 22,
  extended_master_secret: 23,
  record_size_limit: 28,
  session_ticket: 35,
  pre_shared_key: 41,
  early_data: 42,
  supported_versions: 43,
  cookie: 44,
  psk_key_exchange_modes: 45,
  certificate_authorities: 47,
  oid_filters: 48,
  post_handshake_auth: 49,
  signature_algorithms_cert: 50,
  key_share: 51,
  renegotiation_info: 0xff01,
} as const;

const EXTENSION_NAMES: Record<number, string> = Object.fromEntries(Object.entries(ExtensionType).map(([k, v]) => [v, k]));

export function extensionName(code: number): string {
  return EXTENSION_NAMES[code] ?? (isGrease(code) ? greaseName(code) : `unknown extension (0x${hex4(code)})`);
}

export const SignatureScheme = {
  rsa_pkcs1_sha256: 0x0401,
  rsa_pkcs1_sha384: 0x0501,
  rsa_pkcs1_sha512: 0x0601,
  ecdsa_secp256r1_sha256: 0x0403,
  ecdsa_secp384r1_sha384: 0x0503,
  ecdsa_secp521r1_sha512: 0x0603,
  rsa_pss_rsae_sha256: 0x0804,
  rsa_pss_rsae_sha384: 0x0805,
  rsa_pss_rsae_sha512: 0x0806,
  ed25519: 0x0807,
  ed448: 0x0808,
  rsa_pss_pss_sha256: 0x0809,
  rsa_pss_pss_sha384: 0x080a,
  rsa_pss_pss_sha512: 0x080b,
  rsa_pkcs1_sha1: 0x0201,
  ecdsa_sha1: 0x0203,
} as const;

const SCHEME_NAMES: Record<number, string> = Object.fromEntries(Object.entries(SignatureScheme).map(([k, v]) => [v, k]));

/** RFC 5246 §7.4.1.4.1: before TLS 1.3 a scheme was a pair, hash then signature algorithm. */
const HASHES12: Record<number, string> = { 1: 'md5', 2: 'sha1', 3: 'sha224', 4: 'sha256', 5: 'sha384', 6: 'sha512' };
const SIGNATURES12: Record<number, string> = { 1: 'rsa', 2: 'dsa', 3: 'ecdsa' };

export function schemeName(code: number): string {
  const named = SCHEME_NAMES[code];
  if (named) return named;
  if (isGrease(code)) return greaseName(code);
  // Older clients (OpenSSL's SHA-224 and DSA pairs) still offer pairs TLS 1.3 gave no name: named as the pair.
  const hash = HASHES12[code >> 8];
  const signature = SIGNATURES12[code & 0xff];
  return hash && signature ? `${signature}_${hash} (TLS 1.2 pair)` : `unknown (0x${hex4(code)})`;
}

/**
 * What this client offers for CertificateVerify, in preference order (and our server in a CertificateRequest).
 * ed448 is verified by @noble/curves where WebCrypto has no Ed448 (Chromium), so every host can check it.
 */
export const DEFAULT_SIGNATURE_SCHEMES: number[] = [
  SignatureScheme.ecdsa_secp256r1_sha256,
  SignatureScheme.ecdsa_secp384r1_sha384,
  SignatureScheme.ecdsa_secp521r1_sha512,
  SignatureScheme.ed25519,
  SignatureScheme.ed448,
  SignatureScheme.rsa_pss_rsae_sha256,
  SignatureScheme.rsa_pss_rsae_sha384,
  SignatureScheme.rsa_pss_rsae_sha512,
  SignatureScheme.rsa_pss_pss_sha256,
  SignatureScheme.rsa_pss_pss_sha384,
  SignatureScheme.rsa_pss_pss_sha512,
];

/** Also accepted in certificates (signature_algorithms_cert): PKCS#1 v1.5 is still how most CAs sign. */
export const DEFAULT_CERT_SIGNATURE_SCHEMES: number[] = [
  ...DEFAULT_SIGNATURE_SCHEMES,
  SignatureScheme.rsa_pkcs1_sha256,
  SignatureScheme.rsa_pkcs1_sha384,
  SignatureScheme.rsa_pkcs1_sha512,
];

export const ProtocolVersion = { TLS10: 0x0301, TLS11: 0x0302, TLS12: 0x0303, TLS13: 0x0304 } as const;

export function versionName(v: number): string {
  switch (v) {
    case 0x0300:
      return 'SSL 3.0 (0x0300)';
    case 0x0301:
      return 'TLS 1.0 (0x0301)';
    case 0x0302:
      return 'TLS 1.1 (0x0302)';
    case 0x0303:
      return 'TLS 1.2 (0x0303)';
    case 0x0304:
      return 'TLS 1.3 (0x0304)';
    default:
      return (v & 0xff0f) === 0x0a0a ? `GREASE (0x${hex4(v)})` : `unknown (0x${hex4(v)})`;
  }
}

export function groupName(code: number): string {
  const n = GROUP_NAMES[code];
  if (n) return `${n} (0x${hex4(code)})`;
  if (isGrease(code)) return greaseName(code);
  const more: Record<number, string> = {
    0x15: 'secp224r1',
    0x16: 'secp256k1',
    0x19: 'secp521r1',
    0x1a: 'brainpoolP256r1',
    0x1b: 'brainpoolP384r1',
    0x1c: 'brainpoolP512r1',
    0x1e: 'x448',
    0x1f: 'brainpoolP256r1tls13',
    0x20: 'brainpoolP384r1tls13',
    0x21: 'brainpoolP512r1tls13',
    0x29: 'curveSM2',
    0x100: 'ffdhe2048',
    0x101: 'ffdhe3072',
    0x102: 'ffdhe4096',
    0x103: 'ffdhe6144',
    0x104: 'ffdhe8192',
    0x11eb: 'SecP256r1MLKEM768',
    0x11ec: 'X25519MLKEM768',
    0x11ed: 'SecP384r1MLKEM1024',
    0x6399: 'X25519Kyber768Draft00',
  };
  return `${more[code] ?? 'unknown'} (0x${hex4(code)})`;
}

export const PskKeyExchangeMode = { psk_ke: 0, psk_dhe_ke: 1 } as const;

/** SHA-256("HelloRetryRequest"): the ServerHello.random that marks a HelloRetryRequest (RFC 8446 §4.1.3). */
export const HRR_RANDOM = new Uint8Array([
  0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c,
  0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
]);

/** Last 8 bytes of ServerHello.random when a TLS 1.3 server negotiates TLS 1.2 / 1.1 or below (RFC 8446 §4.1.3). */
export const DOWNGRADE_TLS12 = new Uint8Array([0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x01]);
export const DOWNGRADE_TLS11 = new Uint8Array([0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x00]);

export function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}
