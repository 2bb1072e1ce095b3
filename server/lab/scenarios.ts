// The catalogue of lab scenarios: what each one is for, and how its real server is configured.
// Servers live in sibling modules; this file only describes.
import type { LabPki } from './pki.ts';
import { LAB_HOST } from './pki.ts';
import type { LabScenario, TlsVersionName } from '../../src/lab/scenario.ts';

export type { LabProtocol, LabScenario, TlsVersionName } from '../../src/lab/scenario.ts';

export type ScenarioText = Pick<LabScenario, 'id' | 'title' | 'description' | 'protocol' | 'tlsVersions' | 'whatToNotice' | 'clientCertificate'>;

/** What a Node `tls` scenario server presents and accepts. */
export interface NodeTlsSpec extends ScenarioText {
  kind: 'node-tls';
  leaf: keyof LabPki['leaves'];
  /** Which certificates follow the leaf in the Certificate message. */
  chain: 'intermediate' | 'none' | 'issuer-root';
  minVersion: TlsVersionName;
  maxVersion: TlsVersionName;
  ciphers?: string;
  ecdhCurve?: string;
  /** TLS 1.2: send HelloRequest when the first application data arrives, answer after the new handshake. */
  renegotiateOnFirstData?: boolean;
  /** Staple the lab OCSP responder's answer about the leaf for a client that sends status_request (RFC 6066 §8). */
  stapleOcsp?: boolean;
}

export interface KeyUpdateSpec extends ScenarioText {
  kind: 'openssl-keyupdate';
}
export interface SmtpSpec extends ScenarioText {
  kind: 'smtp';
}
export interface DovecotSpec extends ScenarioText {
  kind: 'dovecot';
  protocol: 'imap' | 'pop3';
}
/** Served by our own server engine (tls-lens-server.ts): what Node's tls and a per-connection s_server cannot do. */
export interface TlsLensSpec extends ScenarioText {
  kind: 'tls-lens';
}
export type ScenarioSpec = NodeTlsSpec | KeyUpdateSpec | SmtpSpec | DovecotSpec | TlsLensSpec;

export const LAB_USER = { user: 'student', password: 'tls-lens' };

const T13: TlsVersionName[] = ['TLSv1.3'];
const T12: TlsVersionName[] = ['TLSv1.2'];
const BOTH: TlsVersionName[] = ['TLSv1.2', 'TLSv1.3'];

function tls13(spec: Omit<NodeTlsSpec, 'kind' | 'protocol' | 'tlsVersions' | 'minVersion' | 'maxVersion' | 'chain' | 'leaf'> & Partial<NodeTlsSpec>): NodeTlsSpec {
  return { kind: 'node-tls', protocol: 'tls', tlsVersions: T13, minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3', chain: 'intermediate', leaf: 'good', ...spec };
}

/** A TLS 1.2-only server with the RSA leaf (so the suite is ECDHE-RSA) and the lab intermediate. */
function tls12Rsa(spec: Omit<NodeTlsSpec, 'kind' | 'protocol' | 'tlsVersions' | 'minVersion' | 'maxVersion' | 'chain' | 'leaf'>): NodeTlsSpec {
  return { kind: 'node-tls', protocol: 'tls', tlsVersions: T12, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', leaf: 'goodRsa', chain: 'intermediate', ...spec };
}

export const SCENARIOS: ScenarioSpec[] = [
  tls13({
    id: 'good-tls13',
    title: 'A good chain over TLS 1.3',
    description: 'TLS 1.3 only; the server sends its leaf for lab.tls-lens.test and the lab intermediate, which chain to the lab root.',
    whatToNotice: 'Everything after ServerHello is encrypted, and the chain leaf → intermediate → lab root verifies step by step.',
  }),
  tls12Rsa({
    id: 'tls12-only',
    title: 'TLS 1.2 only',
    description: 'The server refuses TLS 1.3 and presents an RSA leaf, so the whole handshake is TLS 1.2 with ECDHE-RSA.',
    whatToNotice: 'Certificate and ServerKeyExchange travel in the clear, and ChangeCipherSpec really switches keys before Finished.',
  }),
  tls13({
    id: 'chacha20-only',
    title: 'ChaCha20-Poly1305 only',
    description: 'The server accepts only TLS_CHACHA20_POLY1305_SHA256 (TLS 1.3) or ECDHE-ECDSA-CHACHA20-POLY1305 (TLS 1.2).',
    tlsVersions: BOTH,
    minVersion: 'TLSv1.2',
    ciphers: 'TLS_CHACHA20_POLY1305_SHA256:ECDHE-ECDSA-CHACHA20-POLY1305',
    whatToNotice: 'ServerHello picks ChaCha20-Poly1305 even if the client listed AES-GCM first; a client without it gets a handshake_failure alert.',
  }),
  tls13({
    id: 'p384-hrr',
    title: 'P-384 only (HelloRetryRequest)',
    description: 'The server accepts only the secp384r1 group for key exchange.',
    ecdhCurve: 'P-384',
    whatToNotice: 'A client that sent only an X25519 key share gets a HelloRetryRequest asking for secp384r1, then sends a second ClientHello.',
  }),
  tls13({
    id: 'expired',
    title: 'Expired leaf certificate',
    description: 'The leaf was valid during 2020 only; the chain is otherwise correct.',
    leaf: 'expired',
    whatToNotice: "The certificate check fails on the leaf's notAfter date (X509_V_ERR_CERT_HAS_EXPIRED), not on the signature.",
  }),
  tls13({
    id: 'not-yet-valid',
    title: 'Leaf not yet valid',
    description: 'The leaf becomes valid in 2099; the chain is otherwise correct.',
    leaf: 'notYetValid',
    whatToNotice: "The certificate check fails on the leaf's notBefore date (X509_V_ERR_CERT_NOT_YET_VALID).",
  }),
  tls13({
    id: 'wrong-host',
    title: 'Wrong host name',
    description: 'The leaf chains to the lab root but is issued for somewhere-else.tls-lens.test.',
    leaf: 'wrongHost',
    whatToNotice: 'Chain and dates verify, yet the subjectAltName does not match lab.tls-lens.test (X509_V_ERR_HOSTNAME_MISMATCH).',
  }),
  tls13({
    id: 'self-signed',
    title: 'Self-signed leaf',
    description: 'The server presents a leaf for lab.tls-lens.test that signs itself, and nothing else.',
    leaf: 'selfSigned',
    chain: 'none',
    whatToNotice: 'Issuer equals subject and no trust anchor matches (X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT).',
  }),
  tls13({
    id: 'unknown-root',
    title: 'Unknown root',
    description: 'The leaf is issued by "Unknown Root CA", which the server also sends, but which no trust store holds.',
    leaf: 'unknownRoot',
    chain: 'issuer-root',
    whatToNotice: 'The chain is complete and every signature is valid, but it ends at a root that is not trusted (X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN).',
  }),
  tls13({
    id: 'missing-intermediate',
    title: 'Missing intermediate',
    description: 'The server sends only its leaf and forgets the lab intermediate that issued it.',
    chain: 'none',
    whatToNotice: "No certificate in the message or the trust store issued the leaf, so path building stops (X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY).",
  }),
  tls13({
    id: 'ocsp-good',
    title: 'OCSP stapling: a good response',
    description:
      'The server staples an OCSP response from the lab intermediate saying its leaf is good: made fresh when the lab starts, current for an hour (remade after half of it).',
    stapleOcsp: true,
    whatToNotice:
      "The response rides in the leaf's entry of the encrypted Certificate message (status_request). After the chain, the client checks it: signed by the issuer (the lab intermediate) and the signature verifies with its key, the CertID's hashes and serial name this leaf, thisUpdate ≤ now < nextUpdate, and only then the status: good.",
  }),
  tls13({
    id: 'ocsp-revoked',
    title: 'OCSP stapling: a revoked certificate',
    description: 'The leaf chains to the lab root and names lab.tls-lens.test, but the response the server staples, from the lab intermediate, says it was revoked (keyCompromise).',
    leaf: 'revoked',
    stapleOcsp: true,
    whatToNotice:
      'Chain, name and dates all verify; the stapled response is verified too, and says "revoked": the client ends the handshake with a certificate_revoked alert (X509_V_ERR_CERT_REVOKED), as browsers do. openssl s_client -status would only print it.',
  }),
  tls13({
    id: 'client-cert-requested',
    title: 'Client certificate requested',
    description: 'The server sends CertificateRequest but continues without a client certificate; the reply says what it received.',
    clientCertificate: 'requested',
    whatToNotice: 'CertificateRequest arrives inside the encrypted flight; the client answers with its own Certificate (possibly empty) before Finished.',
  }),
  tls13({
    id: 'client-cert-required',
    title: 'Client certificate required',
    description: 'The server requires a client certificate issued by the lab CA and aborts the handshake otherwise.',
    clientCertificate: 'required',
    whatToNotice: 'Without the lab client certificate the server answers Finished with a certificate_required alert (116).',
  }),
  tls13({
    id: 'session-tickets',
    title: 'Session tickets and resumption',
    description: 'The server issues session tickets (NewSessionTicket after the handshake in TLS 1.3, before Finished in TLS 1.2).',
    tlsVersions: BOTH,
    minVersion: 'TLSv1.2',
    whatToNotice: 'Connect twice: the second ClientHello carries a pre_shared_key, and the server skips Certificate and CertificateVerify.',
  }),
  {
    kind: 'tls-lens',
    id: 'early-data',
    title: '0-RTT early data',
    description:
      "TLS Lens's own server, TLS 1.3: its tickets allow 16384 bytes of early data and it accepts them, each ticket's once. Its answer says what it read as early data.",
    protocol: 'tls',
    tlsVersions: T13,
    whatToNotice:
      'Connect twice, the second time with some early data typed in the handshake options (e.g. GET / HTTP/1.0\\r\\n\\r\\n). The second ClientHello carries early_data and pre_shared_key (the first ticket), and the early data records follow it at once, under client_early_traffic_secret, before the server has answered; early_data in EncryptedExtensions says the server took them, and the client ends them with EndOfEarlyData before its Finished. Early data can be replayed, so the server takes each ticket\'s early data once: a ClientHello sent again with the same ticket (a replay) is answered with a HelloRetryRequest, its early data left unread, and a client resends the data after the handshake. The app offers each ticket once, the newest from the last Connect.',
  },
  {
    kind: 'openssl-keyupdate',
    id: 'key-update',
    title: 'Key update from the server',
    description: 'openssl s_server, TLS 1.3: right after the handshake it sends KeyUpdate, a line of text, then KeyUpdate with update_requested.',
    protocol: 'tls',
    tlsVersions: T13,
    whatToNotice: 'After each KeyUpdate the server traffic secret moves to the next generation, and update_requested obliges the client to update its own keys too.',
  },
  tls12Rsa({
    id: 'renegotiation-tls12',
    title: 'TLS 1.2 renegotiation from the server',
    description: 'TLS 1.2 only; when the first application data arrives the server sends HelloRequest and answers only after a new handshake.',
    renegotiateOnFirstData: true,
    whatToNotice: 'A second full handshake runs inside the encrypted connection, bound to the first by renegotiation_info (RFC 5746).',
  }),
  {
    kind: 'smtp',
    id: 'smtp-starttls',
    title: 'SMTP with STARTTLS',
    description: 'A real SMTP server (smtp-server library): EHLO, STARTTLS, then TLS with the good lab chain; AUTH is refused (538) until TLS is on.',
    protocol: 'smtp',
    tlsVersions: BOTH,
    whatToNotice: 'The greeting, EHLO and STARTTLS are plaintext anyone can read or strip; the TLS handshake begins only after "220 Ready to start TLS".',
  },
  {
    kind: 'dovecot',
    id: 'imap-starttls',
    title: 'IMAP with STARTTLS',
    description: 'A real Dovecot IMAP server: the capability list advertises STARTTLS and LOGINDISABLED until TLS is on.',
    protocol: 'imap',
    tlsVersions: BOTH,
    whatToNotice: 'Before STARTTLS the capabilities say LOGINDISABLED; after the handshake the client must ask again and may log in.',
  },
  {
    kind: 'dovecot',
    id: 'pop3-starttls',
    title: 'POP3 with STARTTLS',
    description: 'A real Dovecot POP3 server: STLS upgrades the connection; USER/PASS are refused before it.',
    protocol: 'pop3',
    tlsVersions: BOTH,
    whatToNotice: 'POP3 calls it STLS; the "+OK Begin TLS negotiation" line is the last plaintext before the ClientHello.',
  },
];

export function publicScenario(spec: ScenarioSpec, port: number, address: string): LabScenario {
  const server = spec.kind === 'node-tls' ? 'node-tls' : spec.kind === 'openssl-keyupdate' ? 'openssl-s_server' : spec.kind === 'smtp' ? 'smtp-server' : spec.kind === 'tls-lens' ? 'tls-lens' : 'dovecot';
  const out: LabScenario = {
    id: spec.id,
    title: spec.title,
    description: spec.description,
    host: LAB_HOST,
    port,
    address,
    protocol: spec.protocol,
    tlsVersions: spec.tlsVersions,
    whatToNotice: spec.whatToNotice,
    bridgePath: `/bridge?scenario=${encodeURIComponent(spec.id)}`,
    server,
  };
  if (spec.clientCertificate) out.clientCertificate = spec.clientCertificate;
  if (spec.protocol !== 'tls') out.credentials = { ...LAB_USER };
  return out;
}
