// A decoded capture stream in the shape of `tls-lens connect --json` (version, cipherSuite, serverName, starttls
// transcript, messages with direction/type/length, certificate verdict), plus the stream's endpoints and what
// could not be decrypted. Built from the trace events, as every reader of a trace is.
import { starttlsTranscript, type StartTlsProtocol } from '../starttls/index.ts';
import type { CertificateResultEvent, OcspEvent } from '../trace/types.ts';
import { lastAlert, type HandshakeResult } from '../trace/handshake-result.ts';
import type { DecodedStream, StreamListing } from './session.ts';
import type { CaptureGap, Undecrypted } from './stream-direction.ts';

export interface CapturedConnectionResult extends HandshakeResult {
  /** With the stapled OCSP response's verdict (the 'ocsp' event's fields), as `connect --json` gives it, when one was checked. */
  certificate: HandshakeResult['certificate'] & { ocsp?: Omit<OcspEvent, 'kind' | 'index' | 't' | 'conn'> };
  /** OpenSSL's names, as `connect --json` gives them. */
  version: 'TLSv1.3' | 'TLSv1.2' | 'TLSv1.1' | 'TLSv1' | 'SSLv3' | null;
  tls12?: { renegotiations: number };
  starttls?: ReturnType<typeof starttlsTranscript>;
  stream: StreamListing;
  keyUpdates: number;
  undecrypted: Undecrypted[];
  /** Holes in the capture, each with the records lost in it when the next record told (under keys). */
  gaps: CaptureGap[];
  errors: { code: string; message: string }[];
}

const VERSION_NAMES: Record<NonNullable<DecodedStream['session']['version']>, NonNullable<CapturedConnectionResult['version']>> = {
  '1.3': 'TLSv1.3',
  '1.2': 'TLSv1.2',
  '1.1': 'TLSv1.1',
  '1.0': 'TLSv1',
  'SSL 3.0': 'SSLv3',
};

export function connectionResult(decoded: DecodedStream, listing: StreamListing): CapturedConnectionResult {
  const { events, session } = decoded;
  // The last: a verified revocation in a stapled OCSP response fails the check after the chain's result, as live.
  const cert = events.findLast((e): e is CertificateResultEvent => e.kind === 'cert-result');
  const ocsp = events.findLast((e): e is OcspEvent => e.kind === 'ocsp');
  const handshakes = events.filter((e) => e.kind === 'handshake');
  const errors = events.flatMap((e) => (e.kind === 'error' ? [{ code: e.code, message: e.message }] : []));
  const finished = handshakes.filter((e) => e.kind === 'handshake' && e.name === 'Finished');
  const first = handshakes[0];
  const lastFinished = finished[1] ?? finished[0];
  const verified = cert?.ok === true;
  const result: CapturedConnectionResult = {
    ok: finished.length >= 2 && errors.length === 0 && (verified || session.resumed),
    version: session.version ? VERSION_NAMES[session.version] : null,
    cipherSuite: session.cipherSuite,
    group: session.group?.replace(/ \(0x[0-9a-f]+\)$/, '') ?? null,
    helloRetryRequest: session.helloRetryRequest,
    alpn: session.alpn,
    resumed: session.resumed,
    serverName: session.serverName,
    certificate: {
      verified,
      error: cert?.error ? { code: cert.error.code, message: cert.error.message } : null,
      chain: cert ? cert.path.map((p) => ({ subject: p.subject, issuer: p.issuer, sha256: p.sha256 })) : [],
      ...(ocsp ? { ocsp: ocspFields(ocsp) } : {}),
    },
    messages: handshakes.map((e) => (e.kind === 'handshake' ? { direction: e.direction, type: e.name, length: e.bytes.length / 2 } : { direction: '', type: '', length: 0 })),
    alertSent: lastAlert(events, 'client'),
    alertReceived: lastAlert(events, 'server'),
    error: errors[0] ?? null,
    timing: { handshakeMs: first && lastFinished ? Math.round((lastFinished.t - first.t) * 1000) / 1000 : 0 },
    clientCertificate: {
      requested: handshakes.some((e) => e.kind === 'handshake' && e.direction === 'server' && e.msgType === 13),
      sent: handshakes.some((e) => e.kind === 'handshake' && e.direction === 'client' && e.msgType === 11),
    },
    stream: listing,
    keyUpdates: session.keyUpdates,
    undecrypted: session.undecrypted,
    gaps: session.gaps,
    errors,
  };
  if (session.version === '1.2') result.tls12 = { renegotiations: session.renegotiations };
  if (decoded.start.kind === 'starttls' && decoded.start.protocol) result.starttls = starttlsTranscript(decoded.start.protocol as StartTlsProtocol, events, []);
  return result;
}

function ocspFields(e: OcspEvent): Omit<OcspEvent, 'kind' | 'index' | 't' | 'conn'> {
  const { kind: _k, index: _i, t: _t, conn: _c, ...fields } = e;
  return fields;
}
