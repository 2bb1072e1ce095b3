// The trace: the one contract between the engine and every reader (UI, CLI, saved files, key log).
// Every event is plain JSON: bytes travel as lowercase hex strings, never as typed arrays. (The engine
// gives the large hex fields of record and app-data events as getters that encode on first read,
// lazy-hex.ts; JSON, structured clone and spread see ordinary strings.)
// Imports nothing from DOM, Worker or Node so that every side can use it.

export type Hex = string;

/** Who sent something. */
export type Side = 'client' | 'server';

/** Which keys protect a record. TLS 1.2 uses 'plaintext' then 'application'. */
export type Epoch = 'plaintext' | 'early' | 'handshake' | 'application';

/**
 * One decoded field. `start`/`end` are byte offsets [start, end) within the bytes of the
 * object that owns the tree (a handshake message, a record, a certificate).
 * `explain` is a key into the explanation catalogue (src/trace/explain.ts), never free prose.
 */
export interface FieldNode {
  name: string;
  start: number;
  end: number;
  /** Decoded value for display, e.g. "TLS_AES_128_GCM_SHA256 (0x1301)". */
  value?: string;
  explain?: string;
  children?: FieldNode[];
}

interface Base {
  /** Position in the trace, 0-based, assigned by the trace recorder. */
  index: number;
  /** Milliseconds since the connection started (injectable clock). */
  t: number;
  /** Which connection of a session (0 = first, 1 = a --reconnect, ...). */
  conn: number;
}

export interface ConnectionEvent extends Base {
  kind: 'connection';
  phase: 'start' | 'transport-open' | 'closed';
  /** On 'start': the endpoint whose engine recorded this trace ('server': our server). Absent: our client, or older traces. */
  recordedBy?: Side;
  target?: string;
  serverName?: string;
  detail?: string;
}

/** One TLS record as it crossed the wire. */
/**
 * Set on an event a copy of the trace left its body out of, to stay small (the app's page keeps application data
 * beyond a window this way); the full event is kept where the trace was recorded and goes into a saved trace.
 */
export interface Summarised {
  /** Bytes left out. */
  length: number;
  /** SHA-256 of the bytes left out, when computed. */
  sha256?: Hex;
  /** True when the recorder still holds the whole event (the person asked to keep application data for saving):
   * a saved trace then has the bytes. Absent or false: this summary is all there is. */
  kept?: boolean;
}

export interface RecordEvent extends Base {
  kind: 'record';
  direction: Side;
  epoch: Epoch;
  /** Record sequence number within its epoch and direction. */
  seq: number;
  /** Outer content type as on the wire (23 for every protected TLS 1.3 record). */
  contentType: number;
  /** The whole record: 5-byte header + fragment. */
  bytes: Hex;
  fields: FieldNode[];
  /** Present for protected records. */
  protection?: {
    cipherSuite: string;
    nonce: Hex;
    /** The per-direction IV the nonce was built from (nonce = iv XOR seq). */
    iv: Hex;
    aad: Hex;
    ciphertext: Hex;
    tag: Hex;
    /** Decrypted (or pre-encryption) inner plaintext, content type and padding stripped. */
    plaintext: Hex;
    innerContentType: number;
    paddingLength: number;
  };
  /** Application data left out: `bytes` holds the 5-byte header only (and a TLS 1.2 AEAD record's 8-byte explicit
   * nonce), `ciphertext` and `plaintext` are empty; `length` is the plaintext's (the fragment's when unprotected). */
  summarised?: Summarised;
}

/** A handshake message, decoded. Its bytes include the 4-byte handshake header. */
export interface HandshakeMessageEvent extends Base {
  kind: 'handshake';
  direction: Side;
  epoch: Epoch;
  msgType: number;
  /** e.g. "ClientHello", "EncryptedExtensions". */
  name: string;
  bytes: Hex;
  fields: FieldNode[];
  /** Indices of the record events that carried this message. */
  records: number[];
}

/** One step of the key schedule (TLS 1.3 HKDF or TLS 1.2 PRF). */
export interface KeyScheduleEvent extends Base {
  kind: 'key';
  /** Function used: HKDF-Extract, HKDF-Expand-Label, Derive-Secret, PRF, ... */
  op: string;
  /** Name of what was produced: "early_secret", "client_handshake_traffic_secret", "server_write_key", ... */
  name: string;
  label?: string;
  /** Context (usually a transcript hash). */
  context?: Hex;
  inputs: { name: string; value: Hex }[];
  output: Hex;
  /** Hash function, e.g. "SHA-256". */
  hash: string;
}

export interface TranscriptEvent extends Base {
  kind: 'transcript';
  hash: string;
  /** Names of the messages covered, in order, e.g. ["ClientHello", "ServerHello"]. */
  covers: string[];
  /** Indices of the handshake events covered. */
  messages: number[];
  value: Hex;
}

export interface KeyExchangeEvent extends Base {
  kind: 'key-exchange';
  group: string;
  clientShare?: Hex;
  serverShare?: Hex;
  sharedSecret: Hex;
  /** A hybrid group's pieces in wire order: each share and the shared secret are these parts concatenated. */
  parts?: { part: string; clientShareBytes: number; serverShareBytes: number; secretBytes: number }[];
}

export interface SignatureCheckEvent extends Base {
  kind: 'signature';
  /** What was signed: "CertificateVerify", "ServerKeyExchange", ... */
  subject: string;
  scheme: string;
  /** The exact bytes the signature covers. */
  signedContent: Hex;
  signature: Hex;
  ok: boolean;
  detail?: string;
}

export interface FinishedCheckEvent extends Base {
  kind: 'finished';
  direction: Side;
  expected: Hex;
  received: Hex;
  ok: boolean;
}

/** One certificate check, emitted by the x509 module through the verifier. */
export interface CertificateCheckEvent extends Base {
  kind: 'cert-check';
  /** e.g. "signature", "validity", "hostname", "basicConstraints". */
  check: string;
  /** Position in the built path (0 = leaf), or -1 for the path as a whole. */
  certificate: number;
  ok: boolean | null;
  detail: string;
  /** Project error code when ok === false. */
  code?: string;
  /** Byte range [start, end) in that certificate's DER that the check looked at (e.g. the extension). */
  span?: { start: number; end: number };
}

/** The outcome of certificate verification: the chain as sent and the path as built. */
export interface CertificateResultEvent extends Base {
  kind: 'cert-result';
  ok: boolean;
  /** DER of each certificate as the server sent it. */
  chain: Hex[];
  /** Indices into `chain` or anchors, as built: leaf first. */
  path: { subject: string; issuer: string; sha256: Hex; der: Hex; source: 'peer' | 'anchor' }[];
  error?: { code: string; message: string; openssl?: string; secureTransport?: string; windowsCE?: string };
  /** Set when the user chose to proceed anyway (--insecure or a UI decision). */
  overridden?: boolean;
}

/**
 * A stapled OCSP response (RFC 6066 §8, RFC 8446 §4.4.2.1) and what the client made of it, after the 'cert-check'
 * steps that decided it (check names starting "ocsp"). Times are ISO 8601. Fields the response did not let us
 * read are absent.
 */
export interface OcspEvent extends Base {
  kind: 'ocsp';
  /** Position in the chain as sent of the certificate it is about (0 = leaf). */
  certificate: number;
  /**
   * good / revoked / unknown: the response verified and says so; unverified: it could not be verified (a warning, the
   * handshake goes on, as browsers soft-fail); unchecked: no checker was there to read it.
   */
  verdict: 'good' | 'revoked' | 'unknown' | 'unverified' | 'unchecked';
  /** The verdict in plain words, with why (and, for unverified, which check failed). */
  detail: string;
  /** OCSPResponseStatus: successful, malformedRequest, internalError, tryLater, sigRequired, unauthorized. */
  responseStatus?: string;
  /** The responder as the response names it: a name, or the SHA-1 hash of its key. */
  responder?: string;
  /** Who signed it: the leaf's issuer, or a responder certificate the issuer delegated to (RFC 6960 §4.2.2.2). */
  signedBy?: 'issuer' | 'delegated responder';
  producedAt?: string;
  thisUpdate?: string;
  nextUpdate?: string;
  /** The certificate status the response gives for the certificate it names. */
  certStatus?: 'good' | 'revoked' | 'unknown';
  revocationTime?: string;
  revocationReason?: string;
  /** The CertID of the single response read (RFC 6960 §4.1.1), hashes and serial as hex. */
  certId?: { hashAlgorithm: string; issuerNameHash: Hex; issuerKeyHash: Hex; serialNumber: Hex };
  /** The CertID names this certificate (issuer name hash, issuer key hash, serial). */
  certIdMatches?: boolean;
}

export interface StateEvent extends Base {
  kind: 'state';
  from: string;
  to: string;
}

export interface AlertEvent extends Base {
  kind: 'alert';
  direction: Side;
  level: 'warning' | 'fatal';
  description: number;
  /** e.g. "bad_record_mac". */
  name: string;
  /** Index of the 'record' event that carried it, when known. */
  record?: number;
}

export interface AppDataEvent extends Base {
  kind: 'app-data';
  direction: Side;
  bytes: Hex;
  /** Index of the (first) 'record' event that carried it, when known. */
  record?: number;
  /** The data left out: `bytes` is empty; `length` and `sha256` are the data's. */
  summarised?: Summarised;
}

/** A line of a STARTTLS (or other) plaintext preamble. */
export interface PreambleEvent extends Base {
  kind: 'preamble';
  protocol: string;
  direction: Side;
  /** The raw bytes as sent/received. */
  bytes: Hex;
  /** Human-readable rendering (a text line, or a decoded binary packet). */
  text: string;
  note?: string;
  /**
   * On the client's STARTTLS command only: false when the server had not advertised the capability and the command
   * was sent anyway (as `openssl s_client -starttls` does). Absent when it was advertised.
   */
  advertised?: false;
}

/**
 * The breakpoints, one spelling for the engine's options, its pauses, the worker, the page and saved traces:
 * after each handshake message, once the server is authenticated (Secure Transport's errSSLServerAuthCompleted),
 * and when the server asks for a client certificate (errSSLClientCertRequested); on the server's side, after the
 * ClientHello (OpenSSL's client-hello / SNI callback) and on the client's certificate (SSL_CTX_set_verify's callback).
 */
export type BreakpointName = ClientBreakpointName | 'clientHello' | 'clientCertificate';
/** The breakpoints a client can stop at. */
export type ClientBreakpointName = 'afterEachMessage' | 'serverAuth' | 'clientCertRequest';

/** The engine paused (breakpoint) or resumed. */
export interface PauseEvent extends Base {
  kind: 'pause';
  breakpoint: BreakpointName;
  detail?: string;
  /** 'paused' when the engine stops, 'resumed' when it goes on (absent: paused). */
  phase?: 'paused' | 'resumed';
  /** On 'resumed': what the caller decided, e.g. "continue", "abort". */
  decision?: string;
}

export interface ErrorEvent extends Base {
  kind: 'error';
  code: string;
  message: string;
}

/**
 * 0-RTT early data (RFC 8446 §4.2.10) at one side's decision: the client sending it or not offering it, the server
 * taking it or refusing it, the client learning which; and each record a refusing server skips unread ('skipped').
 * `reason` says why in plain words (not-sent, refused, skipped); the readers' sentence is src/trace/early-data-words.ts.
 */
export interface EarlyDataEvent extends Base {
  kind: 'early-data';
  side: Side;
  outcome: 'sent' | 'not-sent' | 'accepted' | 'refused' | 'skipped';
  /** Bytes of early data concerned (the server, deciding before it reads any, leaves it out; skipped: the record's
   * protected fragment, ciphertext and tag). */
  bytes?: number;
  /** The most early data the ticket allows (max_early_data_size), or a refusing server skips, when known. */
  limit?: number;
  /** skipped: the index of the record event skipped. */
  record?: number;
  reason?: string;
}

/** Free-form explanation attached at a point in the trace (e.g. "HelloRetryRequest received"). */
export interface NoteEvent extends Base {
  kind: 'note';
  text: string;
}

/**
 * A TLS 1.2 renegotiation's milestones, for readers that act on them (the ladder's divider, the worker's
 * "refused, connection still up" verdict). `number` counts renegotiations on this connection, from 1.
 * 'refused': nobody renegotiated and the connection goes on (`refusedBy` said no, `reason` in words).
 */
export interface RenegotiationEvent extends Base {
  kind: 'renegotiation';
  phase: 'started' | 'finished' | 'refused';
  number: number;
  /** Who asked: the client, or the server with a HelloRequest. */
  by: 'client' | 'server';
  refusedBy?: 'client' | 'server';
  reason?: string;
  /** 'finished': the suite now in use and how long the handshake took. */
  cipherSuite?: string;
  durationMs?: number;
}

export type TraceEvent =
  | RenegotiationEvent
  | ConnectionEvent
  | RecordEvent
  | HandshakeMessageEvent
  | KeyScheduleEvent
  | TranscriptEvent
  | KeyExchangeEvent
  | SignatureCheckEvent
  | FinishedCheckEvent
  | CertificateCheckEvent
  | CertificateResultEvent
  | OcspEvent
  | StateEvent
  | AlertEvent
  | AppDataEvent
  | PreambleEvent
  | PauseEvent
  | ErrorEvent
  | EarlyDataEvent
  | NoteEvent;

export type TraceEventKind = TraceEvent['kind'];

/** An event before the recorder gives it its index, time and connection number. */
export type NewTraceEvent = TraceEvent extends infer E ? (E extends TraceEvent ? Omit<E, 'index' | 't' | 'conn'> : never) : never;

/** A saved trace file. */
export interface TraceFile {
  format: 'tls-lens-trace';
  version: 1;
  createdAt: string;
  target?: string;
  events: TraceEvent[];
}
