// The explanation catalogue: every `explain` key a field tree carries maps to a title, a few plain sentences
// for a student, and the RFC section that defines the field. Views look keys up here; the engine never
// writes prose into the trace.

export interface Explanation {
  title: string;
  text: string;
  /** e.g. "RFC 8446 §4.1.2" */
  rfc: string;
  url: string;
}

function rfc(num: number, section: string): { rfc: string; url: string } {
  return { rfc: `RFC ${num} §${section}`, url: `https://www.rfc-editor.org/rfc/rfc${num}#section-${section}` };
}

const e = (title: string, text: string, ref: { rfc: string; url: string }): Explanation => ({ title, text, ...ref });

export const EXPLANATIONS: Readonly<Record<string, Explanation>> = {
  'codec.length': e('Length prefix', 'How many bytes follow in this part. TLS puts the length before variable-size data so the reader knows where it ends.', rfc(8446, '3.4')),

  'hs.msg_type': e('Handshake message type', 'One byte naming the handshake message: 1 = ClientHello, 2 = ServerHello, 8 = EncryptedExtensions, 11 = Certificate, 15 = CertificateVerify, 20 = Finished, and so on.', rfc(8446, '4')),
  'hs.body': e('Handshake message body', 'The message itself, after a 3-byte length. A message may be split over several records, or several messages may share one record.', rfc(8446, '4')),

  'ch.legacy_version': e('Legacy version', 'Always 0x0303 (TLS 1.2) for compatibility with old middleboxes. The versions really offered are in the supported_versions extension.', rfc(8446, '4.1.2')),
  'ch.random': e('Client random', '32 random bytes from the client. They make every handshake unique and feed the transcript that all keys depend on.', rfc(8446, '4.1.2')),
  'ch.session_id': e('Legacy session ID', 'Unused by TLS 1.3 itself. Clients send 32 random bytes here ("middlebox compatibility mode") so that the handshake looks like a TLS 1.2 resumption to old network equipment; the server must echo it.', rfc(8446, '4.1.2')),
  'ch.cipher_suites': e('Cipher suites', 'The encryption and hash combinations the client accepts, in order of preference. In TLS 1.3 a suite only names the AEAD cipher and the hash for HKDF.', rfc(8446, '4.1.2')),
  'ch.cipher_suite': e('Cipher suite', 'One offered suite, e.g. TLS_AES_128_GCM_SHA256 = AES-128 in GCM mode with SHA-256 for the key schedule.', rfc(8446, 'B.4')),
  'ch.compression': e('Legacy compression methods', 'TLS 1.3 forbids compression (it leaked secrets, see CRIME); this list must contain only 0, "null".', rfc(8446, '4.1.2')),

  'sh.legacy_version': e('Legacy version', 'Always 0x0303 in a TLS 1.3 ServerHello; the real version is in supported_versions.', rfc(8446, '4.1.3')),
  'sh.random': e('Server random', '32 random bytes from the server. A special fixed value means "HelloRetryRequest"; the last 8 bytes carry a downgrade warning when a TLS 1.3 server is pushed to TLS 1.2 or below.', rfc(8446, '4.1.3')),
  'sh.session_id_echo': e('Session ID echo', 'The server copies the client\'s legacy_session_id. A client must abort if it differs.', rfc(8446, '4.1.3')),
  'sh.cipher_suite': e('Selected cipher suite', 'The one suite the server chose from the client\'s list. A suite the client did not offer is an error.', rfc(8446, '4.1.3')),
  'sh.compression': e('Legacy compression method', 'Must be 0 (no compression).', rfc(8446, '4.1.3')),

  'ext.list': e('Extensions', 'Optional features, each as type + length + data. Most of TLS 1.3 lives in extensions: versions, key shares, signature algorithms, PSKs.', rfc(8446, '4.2')),
  'ext.type': e('Extension type', 'Which extension this is. Unknown types are shown as such; a server must not answer with extensions the client did not offer.', rfc(8446, '4.2')),
  'ext.unknown': e('Unknown extension data', 'An extension this tool does not decode. Its bytes are shown as they are.', rfc(8446, '4.2')),
  'ext.opaque': e('Extension data', 'The body of a known extension that this view does not break down further.', rfc(8446, '4.2')),
  'ext.server_name': e('Server Name Indication (SNI)', 'The host name the client wants to reach, sent in clear so that one IP address can serve many sites with different certificates. An empty server_name from the server means it used the name.', rfc(6066, '3')),
  'ext.server_name.type': e('Server name type', '0 = host_name, a DNS name. No other type is defined.', rfc(6066, '3')),
  'ext.alpn': e('Application-Layer Protocol Negotiation', 'Which application protocol runs inside TLS (e.g. "h2", "http/1.1"). The client lists choices; the server picks exactly one.', rfc(7301, '3.1')),
  'ext.supported_versions': e('Supported versions', 'The TLS versions the client can speak. Offering 0x0304 here is what makes a ClientHello a TLS 1.3 ClientHello.', rfc(8446, '4.2.1')),
  'ext.supported_versions.selected': e('Selected version', 'The version the server chose; 0x0304 means TLS 1.3.', rfc(8446, '4.2.1')),
  'ext.supported_groups': e('Supported groups', 'The key-exchange groups (elliptic curves) the client can use, in order of preference.', rfc(8446, '4.2.7')),
  'ext.key_share': e('Key share', 'The client\'s ephemeral public keys, one per group it guesses the server will pick. The server answers with its own share in one of these groups, and both compute the same shared secret (ECDHE).', rfc(8446, '4.2.8')),
  'ext.key_share.entry': e('Key share entry', 'A group and a public key in that group.', rfc(8446, '4.2.8')),
  'ext.key_share.group': e('Key share group', 'The curve of this public key: x25519, secp256r1 (P-256) or secp384r1 (P-384).', rfc(8446, '4.2.8')),
  'ext.key_share.key': e('Public key', 'The ephemeral public key: 32 raw bytes for X25519, an uncompressed point (0x04 || X || Y) for the P-curves. A fresh one for every connection gives forward secrecy.', rfc(8446, '4.2.8.2')),
  'ext.key_share.hrr': e('Requested group', 'In a HelloRetryRequest: the group the server wants a key share for, because the client sent none it accepts.', rfc(8446, '4.2.8')),
  'ext.signature_algorithms': e('Signature algorithms', 'Which signature schemes the sender accepts in CertificateVerify (the proof that the peer holds the certificate\'s private key).', rfc(8446, '4.2.3')),
  'ext.signature_algorithms_cert': e('Signature algorithms for certificates', 'Which signature schemes the sender accepts on certificates themselves, when that differs from CertificateVerify.', rfc(8446, '4.2.3')),
  'ext.psk_key_exchange_modes': e('PSK key exchange modes', 'How a pre-shared key may be used: psk_dhe_ke (with a fresh ECDHE, keeps forward secrecy) or psk_ke (PSK alone).', rfc(8446, '4.2.9')),
  'ext.pre_shared_key.identities': e('PSK identities', 'The tickets the client offers to resume earlier sessions.', rfc(8446, '4.2.11')),
  'ext.pre_shared_key.identity': e('PSK identity', 'One ticket and its obfuscated age.', rfc(8446, '4.2.11')),
  'ext.pre_shared_key.ticket': e('Ticket', 'The opaque ticket the server gave in a NewSessionTicket. Only the server can read it.', rfc(8446, '4.2.11')),
  'ext.pre_shared_key.age': e('Obfuscated ticket age', 'How long the client has held the ticket, in milliseconds, plus the server\'s ticket_age_add (mod 2^32) so that observers cannot link connections.', rfc(8446, '4.2.11.1')),
  'ext.pre_shared_key.binders': e('PSK binders', 'One HMAC per identity over the ClientHello so far, keyed from the PSK. It proves the client holds the key and ties the PSK to this handshake. This extension must come last.', rfc(8446, '4.2.11.2')),
  'ext.pre_shared_key.binder': e('PSK binder', 'HMAC(binder finished key, transcript hash of the ClientHello up to the binders).', rfc(8446, '4.2.11.2')),
  'ext.pre_shared_key.selected': e('Selected identity', 'Which of the client\'s PSK identities the server accepted (0-based). Its presence means the session is resumed.', rfc(8446, '4.2.11')),
  'ext.cookie': e('Cookie', 'A value the server sends in a HelloRetryRequest and the client must return unchanged in its second ClientHello, so the server can stay stateless.', rfc(8446, '4.2.2')),
  'ext.early_data': e('Early data', 'Announces 0-RTT data (data sent before the handshake completes). In a NewSessionTicket it says how much early data the ticket allows.', rfc(8446, '4.2.10')),
  'ext.record_size_limit': e('Record size limit', 'The largest record plaintext the sender is willing to receive.', rfc(8449, '4')),

  'cert.context': e('Certificate request context', 'Empty in a server\'s Certificate. In a client\'s Certificate it repeats the context of the CertificateRequest.', rfc(8446, '4.4.2')),
  'cert.list': e('Certificate list', 'The sender\'s certificate first (the leaf), then certificates that help build a path to a trusted root.', rfc(8446, '4.4.2')),
  'cert.entry': e('Certificate entry', 'One X.509 certificate (DER) followed by its own extensions (e.g. OCSP status, SCTs).', rfc(8446, '4.4.2')),
  'cert.data': e('Certificate (DER)', 'An X.509 certificate in its binary DER encoding. The certificate view decodes it.', rfc(5280, '4.1')),
  'cr.context': e('Certificate request context', 'An identifier the client must echo in its Certificate; empty during the handshake.', rfc(8446, '4.3.2')),
  'cv.algorithm': e('Signature scheme', 'How the CertificateVerify signature was made, e.g. ecdsa_secp256r1_sha256 or rsa_pss_rsae_sha256. It must be one the client offered and must match the certificate\'s key.', rfc(8446, '4.4.3')),
  'cv.signature': e('Signature', 'A signature with the certificate\'s private key over 64 spaces, "TLS 1.3, server CertificateVerify", a zero byte, and the transcript hash. It proves the server owns the certificate.', rfc(8446, '4.4.3')),
  'fin.verify_data': e('Finished verify_data', 'HMAC over the transcript hash with a key derived from the handshake traffic secret. Matching values prove both sides saw the same handshake and hold the same keys.', rfc(8446, '4.4.4')),
  'nst.lifetime': e('Ticket lifetime', 'How many seconds the client may keep using this ticket (at most 7 days).', rfc(8446, '4.6.1')),
  'nst.age_add': e('Ticket age add', 'A random number the client adds to the ticket age when it uses the ticket, to hide the age from observers.', rfc(8446, '4.6.1')),
  'nst.nonce': e('Ticket nonce', 'Makes each ticket\'s PSK different: PSK = HKDF-Expand-Label(resumption_master_secret, "resumption", nonce).', rfc(8446, '4.6.1')),
  'nst.ticket': e('Ticket', 'Opaque to the client: it hands it back in pre_shared_key to resume.', rfc(8446, '4.6.1')),
  'ku.request_update': e('Request update', '1 asks the peer to update its sending keys too; 0 does not. After KeyUpdate the sender uses the next generation of traffic keys.', rfc(8446, '4.6.3')),
};

/** The explanation for a key, or undefined when the catalogue has none. */
export function explain(key: string): Explanation | undefined {
  return EXPLANATIONS[key];
}
