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
  'ext.supported_groups': e('Supported groups', 'The key-exchange groups (elliptic curves, hybrids, finite-field groups) the client can use, in order of preference.', rfc(8446, '4.2.7')),
  'ext.key_share': e('Key share', 'The client\'s ephemeral public keys, one per group it guesses the server will pick. The server answers with its own share in one of these groups, and both compute the same shared secret ((EC)DHE).', rfc(8446, '4.2.8')),
  'ext.key_share.entry': e('Key share entry', 'A group and a public key in that group.', rfc(8446, '4.2.8')),
  'ext.key_share.group': e('Key share group', 'The group of this public key: a curve (x25519, secp256r1 for P-256, secp384r1, secp521r1), the hybrid X25519MLKEM768, or a finite-field group of RFC 7919 (ffdhe2048, ffdhe3072, ffdhe4096).', rfc(8446, '4.2.8')),
  'ext.key_share.key': e('Public key', 'The ephemeral public key: 32 raw bytes for X25519, an uncompressed point (0x04 || X || Y) for the P-curves, Y = g^x mod p padded to the prime\'s size for a finite-field group. A fresh one for every connection gives forward secrecy.', rfc(8446, '4.2.8.2')),
  'ext.key_share.hrr': e('Requested group', 'In a HelloRetryRequest: the group the server wants a key share for, because the client sent none it accepts.', rfc(8446, '4.2.8')),
  'ext.signature_algorithms': e('Signature algorithms', 'Which signature schemes the sender accepts in CertificateVerify (the proof that the peer holds the certificate\'s private key).', rfc(8446, '4.2.3')),
  'ext.signature_algorithms_cert': e('Signature algorithms for certificates', 'Which signature schemes the sender accepts on certificates themselves, when that differs from CertificateVerify.', rfc(8446, '4.2.3')),
  'ext.psk_key_exchange_modes': e('PSK key exchange modes', 'How a pre-shared key may be used: psk_dhe_ke (with a fresh (EC)DHE, keeps forward secrecy) or psk_ke (PSK alone).', rfc(8446, '4.2.9')),
  'ext.pre_shared_key.identities': e('PSK identities', 'The tickets the client offers to resume earlier sessions.', rfc(8446, '4.2.11')),
  'ext.pre_shared_key.identity': e('PSK identity', 'One ticket and its obfuscated age.', rfc(8446, '4.2.11')),
  'ext.pre_shared_key.ticket': e('Ticket', 'The opaque ticket the server gave in a NewSessionTicket. Only the server can read it.', rfc(8446, '4.2.11')),
  'ext.pre_shared_key.age': e('Obfuscated ticket age', 'How long the client has held the ticket, in milliseconds, plus the server\'s ticket_age_add (mod 2^32) so that observers cannot link connections.', rfc(8446, '4.2.11.1')),
  'ext.pre_shared_key.binders': e('PSK binders', 'One HMAC per identity over the ClientHello so far, keyed from the PSK. It proves the client holds the key and ties the PSK to this handshake. This extension must come last.', rfc(8446, '4.2.11.2')),
  'ext.pre_shared_key.binder': e('PSK binder', 'HMAC(binder finished key, transcript hash of the ClientHello up to the binders).', rfc(8446, '4.2.11.2')),
  'ext.pre_shared_key.selected': e('Selected identity', 'Which of the client\'s PSK identities the server accepted (0-based). Its presence means the session is resumed.', rfc(8446, '4.2.11')),
  'ext.cookie': e('Cookie', 'A value the server sends in a HelloRetryRequest and the client must return unchanged in its second ClientHello, so the server can stay stateless.', rfc(8446, '4.2.2')),
  'ext.early_data': e('Early data', 'Announces 0-RTT data (data sent before the handshake completes). In a NewSessionTicket it says how much early data the ticket allows.', rfc(8446, '4.2.10')),
  'ext.status_request.type': e('Certificate status type', '1 = ocsp: the client asks for (or the server staples) a signed OCSP response saying whether the certificate is revoked. The server fetches it from its CA and sends it in the handshake, so the client need not ask the CA itself (which would tell the CA which sites it visits).', rfc(6066, '8')),
  'ext.status_request.responders': e('OCSP responders', 'Responders the client trusts (empty: the server knows its own responder, the usual case).', rfc(6066, '8')),
  'ext.status_request.extensions': e('OCSP request extensions', 'Extensions for the OCSP request, such as a nonce (DER, usually empty: a stapled response is fetched ahead of time and cannot carry this client\'s nonce).', rfc(6066, '8')),
  'ext.status_request.response': e('Stapled OCSP response', 'The DER OCSPResponse from the CA\'s responder, signed by the CA (or a responder it delegated): the status of the certificate (good, revoked, unknown) and the period it covers. TLS 1.3 carries it in the leaf\'s certificate entry, TLS 1.2 in a CertificateStatus message after the Certificate. The certificate view shows the checks.', rfc(6960, '4.2.1')),
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

  // TLS 1.2 (src/tls/messages/tls12.ts)
  'ske.params': e('Key exchange parameters', 'The server\'s ephemeral Diffie-Hellman values for this connection only. They are signed together with both randoms, so an attacker cannot swap them.', rfc(5246, '7.4.3')),
  'ske.curve_type': e('Curve type', '3 = named_curve: the group is named by its code. Explicit curve parameters are no longer allowed.', rfc(8422, '5.4')),
  'ske.named_curve': e('Named curve', 'The elliptic curve the server picked from the client\'s supported_groups, e.g. x25519 or secp256r1.', rfc(8422, '5.4')),
  'ske.ec_public': e('Server ECDH public key', 'The server\'s ephemeral public point (32 raw bytes for X25519, 0x04 || X || Y for P-curves). Fresh per connection: forward secrecy.', rfc(8422, '5.4')),
  'ske.dh_p': e('DH prime p', 'The finite-field Diffie-Hellman modulus chosen by the server. Below 2048 bits it is considered too weak (Logjam).', rfc(5246, '7.4.3')),
  'ske.dh_g': e('DH generator g', 'The generator of the Diffie-Hellman group, usually 2.', rfc(5246, '7.4.3')),
  'ske.dh_ys': e('Server DH public value Ys', 'g^x mod p for the server\'s secret x. The client answers with g^y mod p; both then compute g^(xy) mod p.', rfc(5246, '7.4.3')),
  'ske.signature': e('Signature over the key exchange', 'The server signs client_random || server_random || params with its certificate key. This is how a TLS 1.2 server proves it holds the key in an (EC)DHE handshake.', rfc(5246, '7.4.3')),
  'cr12.types': e('Certificate types', 'Which kinds of client key the server accepts, e.g. rsa_sign (1) or ecdsa_sign (64).', rfc(5246, '7.4.4')),
  'cr12.authorities': e('Certificate authorities', 'Names of CAs the server trusts for client certificates; empty means "any".', rfc(5246, '7.4.4')),
  'ext.certificate_authorities': e('Certificate authorities', 'The names of the CAs the sender trusts: in a CertificateRequest, the client should pick a certificate that chains to one of them.', rfc(8446, '4.2.4')),
  'ext.certificate_authorities.name': e('Distinguished name', 'The DER-encoded subject name of one acceptable certificate authority.', rfc(8446, '4.2.4')),
  'cr12.authority': e('Distinguished name', 'The DER-encoded name of one acceptable certificate authority.', rfc(5246, '7.4.4')),
  'cke.ecdh': e('Client ECDH public key', 'The client\'s ephemeral public point on the server\'s curve. With the server\'s point it gives the pre-master secret.', rfc(8422, '5.7')),
  'cke.dh': e('Client DH public value Yc', 'g^y mod p for the client\'s secret y.', rfc(5246, '7.4.7.2')),
  'cke.rsa': e('Encrypted pre-master secret', 'Static RSA: the client picks the 48-byte pre-master secret and encrypts it to the server\'s certificate key (RSAES-PKCS1-v1_5). Anyone who later gets that key can decrypt a recording: no forward secrecy.', rfc(5246, '7.4.7.1')),
  'cv12.signature': e('Client signature', 'The client signs every handshake message so far with its certificate key, proving it holds that key.', rfc(5246, '7.4.8')),
  // TLS 1.0 and 1.1's signed messages: no algorithm field, the certificate's key decides (src/tls/messages/tls12.ts, 'tls10').
  'ske10.signature': e('Signature over the key exchange (TLS 1.0/1.1)', 'No algorithm field: the certificate\'s key decides. An RSA key signs MD5 || SHA-1 of client_random || server_random || params (36 bytes in a PKCS#1 v1.5 block, without the DigestInfo later versions add); an ECDSA key signs their SHA-1 hash.', rfc(4346, '7.4.3')),
  'cv10.signature': e('Client signature (TLS 1.0/1.1)', 'The client signs the handshake messages so far with its certificate key, no algorithm field: an RSA key signs MD5 || SHA-1 of them (36 bytes, PKCS#1 v1.5 without a DigestInfo), an ECDSA key their SHA-1 hash.', rfc(4346, '7.4.8')),
  'fin12.verify_data': e('Finished verify_data (TLS 1.2)', 'PRF(master_secret, "client finished" or "server finished", Hash(handshake messages)), 12 bytes. Matching values prove both sides saw the same handshake and share the master secret.', rfc(5246, '7.4.9')),
  'nst12.lifetime': e('Ticket lifetime hint', 'How long the server suggests keeping the ticket, in seconds (0: unspecified).', rfc(5077, '3.3')),
  'nst12.ticket': e('Session ticket', 'The session state (master secret and more), encrypted with a key only the server knows. The client returns it in the session_ticket extension to resume without server-side storage.', rfc(5077, '3.3')),
  'ext.renegotiation_info': e('Renegotiation info', 'Empty on the first handshake; on a renegotiation it carries the previous Finished values, binding the new handshake to the old one (the fix for the 2009 renegotiation attack).', rfc(5746, '3.2')),
  'ext.ec_point_formats': e('EC point formats', 'Which point encodings the sender accepts; only uncompressed (0) is used today.', rfc(8422, '5.1.2')),
  'ext.session_ticket': e('Session ticket extension', 'Empty: "I can store a ticket". With data: a ticket from an earlier connection, offered to resume.', rfc(5077, '3.2')),
  'record.content_type': e('Content type', 'What the record carries: 22 handshake, 23 application data, 21 alert, 20 change_cipher_spec. Encrypted TLS 1.3 records always say 23 here; the real type is hidden inside the encryption.', rfc(8446, '5.1')),
  'record.legacy_version': e('Record version', 'A fixed value kept for old middleboxes: 0x0303, or 0x0301 in the very first ClientHello. It does not say which TLS version is in use.', rfc(8446, '5.1')),
  'record.length': e('Record length', 'How many bytes of fragment follow this 5-byte header. At most 16384 for plaintext, 16384 + 256 for an encrypted TLS 1.3 record.', rfc(8446, '5.1')),
  'record.fragment': e('Fragment', 'The record\'s content. Handshake messages may be split across records or share one.', rfc(8446, '5.1')),
  'record.encrypted_record': e('Encrypted record', 'AEAD ciphertext of the content, its real content type and optional zero padding. The nonce is the per-direction IV XOR the record sequence number.', rfc(8446, '5.2')),
  'record.auth_tag': e('Authentication tag', 'The last 16 bytes: proof that the record was not altered. A record whose tag does not verify ends the connection with bad_record_mac.', rfc(8446, '5.2')),


  // Whole messages, keyed by the name a 'handshake' event carries: 'msg.' + name.
  'msg.ClientHello': e('ClientHello', 'The client opens the handshake: its random, the cipher suites and groups it supports, a key share (its half of the Diffie-Hellman exchange, sent right away to save a round trip), and the server name.', rfc(8446, '4.1.2')),
  'msg.ServerHello': e('ServerHello', 'The server picks the cipher suite and group and sends its own key share. From here both sides can compute the handshake keys; everything after this is encrypted.', rfc(8446, '4.1.3')),
  'msg.HelloRetryRequest': e('HelloRetryRequest', 'A ServerHello with a special random: "send me a key share for this other group" (and maybe a cookie). The client sends a second ClientHello; the first is replaced by its hash in the transcript.', rfc(8446, '4.1.4')),
  'msg.EncryptedExtensions': e('EncryptedExtensions', 'The server\'s answers to extensions that need no key exchange (ALPN, server name acknowledgement), already encrypted with the handshake keys.', rfc(8446, '4.3.1')),
  'msg.CertificateRequest': e('CertificateRequest', 'The server asks the client to authenticate with a certificate and says which signature algorithms it accepts.', rfc(8446, '4.3.2')),
  'msg.Certificate': e('Certificate', 'The certificate chain: the sender\'s own certificate first, then the certificates that link it to a trusted root.', rfc(8446, '4.4.2')),
  'msg.CertificateVerify': e('CertificateVerify', 'A signature over the whole handshake so far with the certificate\'s private key: proof that the sender owns the certificate, not just a copy of it.', rfc(8446, '4.4.3')),
  'msg.Finished': e('Finished', 'An HMAC over the whole handshake with a key from the handshake secret. When both Finished messages check out, the two sides agree on everything that was said.', rfc(8446, '4.4.4')),
  'msg.NewSessionTicket': e('NewSessionTicket', 'After the handshake the server hands out a ticket; a later connection can present it to resume without a certificate exchange.', rfc(8446, '4.6.1')),
  'msg.KeyUpdate': e('KeyUpdate', 'The sender switches to the next generation of traffic keys, so that no key protects too much data.', rfc(8446, '4.6.3')),
  'msg.EndOfEarlyData': e('EndOfEarlyData', 'Marks the end of 0-RTT data sent before the handshake completed.', rfc(8446, '4.5')),
};

/** The explanation of a whole handshake message by its display name ("ClientHello", "HelloRetryRequest", ...). */
export function explainMessage(name: string): Explanation | undefined {
  return EXPLANATIONS[`msg.${name}`];
}

/** The explanation for a key, or undefined when the catalogue has none. */
export function explain(key: string): Explanation | undefined {
  return EXPLANATIONS[key];
}
