// Where each extension may appear (RFC 8446 §4.2's table, plus record_size_limit from RFC 8449 §4). The decoder
// consults it before reading an extension's contents: a recognised extension in the wrong message is
// illegal_parameter, whatever its bytes hold, and its body is never read with the wrong message's layout.
import { ExtensionType as X, extensionName } from './constants.ts';
import type { ExtensionContext } from './extensions.ts';

const CH = 'client_hello';
const SH = 'server_hello';
const HRR = 'hello_retry_request';
const EE = 'encrypted_extensions';
const CR = 'certificate_request';
const CT = 'certificate';
const NST = 'new_session_ticket';

/** The TLS 1.3 messages each recognised extension may travel in. */
const TLS13_PLACES: Readonly<Record<number, readonly ExtensionContext[]>> = {
  [X.server_name]: [CH, EE],
  [X.max_fragment_length]: [CH, EE],
  [X.status_request]: [CH, CR, CT],
  [X.supported_groups]: [CH, EE],
  [X.signature_algorithms]: [CH, CR],
  [X.use_srtp]: [CH, EE],
  [X.heartbeat]: [CH, EE],
  [X.alpn]: [CH, EE],
  [X.signed_certificate_timestamp]: [CH, CR, CT],
  [X.padding]: [CH],
  [X.record_size_limit]: [CH, EE],
  [X.pre_shared_key]: [CH, SH],
  [X.early_data]: [CH, EE, NST],
  [X.supported_versions]: [CH, SH, HRR],
  [X.cookie]: [CH, HRR],
  [X.psk_key_exchange_modes]: [CH],
  [X.certificate_authorities]: [CH, CR],
  [X.oid_filters]: [CR],
  [X.post_handshake_auth]: [CH],
  [X.signature_algorithms_cert]: [CH, CR],
  [X.key_share]: [CH, SH, HRR],
};

/** Extensions TLS 1.3 introduced: a TLS 1.2 ServerHello cannot legitimately carry them outside the table either. */
const NEW_IN_TLS13 = new Set<number>([
  X.pre_shared_key, X.early_data, X.supported_versions, X.cookie, X.psk_key_exchange_modes,
  X.certificate_authorities, X.oid_filters, X.post_handshake_auth, X.signature_algorithms_cert, X.key_share,
]);

/**
 * Why `code` may not appear in a message of `ctx`, or null when it may (or when the table does not know it:
 * unknown extensions and TLS 1.2-only ones are judged later, against what was offered and the version chosen).
 * A ServerHello is decoded before its version is known, and a TLS 1.2 ServerHello carries the older extensions
 * TLS 1.3 moved to EncryptedExtensions; so there only extensions new in TLS 1.3 are held to the table.
 */
export function misplacedExtension(code: number, ctx: ExtensionContext): string | null {
  const places = TLS13_PLACES[code];
  if (!places || places.includes(ctx)) return null;
  if (ctx === SH && !NEW_IN_TLS13.has(code)) return null;
  return `${placeName(ctx)} must not carry the ${extensionName(code)} extension: it belongs only in ${places.map(placeName).join(', ')} (RFC 8446 §4.2)`;
}

function placeName(ctx: ExtensionContext): string {
  return {
    client_hello: 'ClientHello',
    server_hello: 'ServerHello',
    hello_retry_request: 'HelloRetryRequest',
    encrypted_extensions: 'EncryptedExtensions',
    certificate_request: 'CertificateRequest',
    certificate: 'Certificate',
    new_session_ticket: 'NewSessionTicket',
  }[ctx];
}
