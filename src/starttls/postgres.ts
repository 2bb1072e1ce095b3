// PostgreSQL (protocol 3.0, "SSL Session Encryption"): SSLRequest (length 8, code 80877103) and a one-byte 'S' or 'N'.
// With `direct`, PostgreSQL 17+ takes TLS at once; the client must then offer ALPN "postgresql".
import { StartTlsError } from './errors.ts';
import type { PlaintextCodec, PlaintextDescription, ProtocolHandler } from './protocol.ts';

/** Int32 length 8, then the request code 1234 << 16 | 5679 = 0x04d2162f. */
export const SSL_REQUEST = new Uint8Array([0x00, 0x00, 0x00, 0x08, 0x04, 0xd2, 0x16, 0x2f]);

const SSL_REQUEST_CODE = 80877103;
const ANSWERS: Record<string, string> = {
  S: "'S': the server is willing to perform TLS",
  N: "'N': the server does not do TLS",
  E: "'E': an ErrorResponse instead of an answer",
};

/** The client's startup-phase packet (Int32 length including itself, then Int32 code) in words. */
function describeRequest(p: Uint8Array): PlaintextDescription {
  const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const length = p.length >= 4 ? dv.getUint32(0) : p.length;
  const code = p.length >= 8 ? dv.getUint32(4) : undefined;
  if (code === SSL_REQUEST_CODE && length === 8) return { text: 'SSLRequest: length=8 code=80877103 (0x04d2162f)' };
  return { text: `startup packet: length=${length}${code === undefined ? '' : ` code=${code} (0x${code.toString(16).padStart(8, '0')})`}, not an SSLRequest` };
}

/** The server's one-byte answer to SSLRequest in words. */
function describeAnswer(b: number): PlaintextDescription {
  return { text: ANSWERS[String.fromCharCode(b)] ?? `unexpected byte 0x${b.toString(16).padStart(2, '0')}` };
}

/** PostgreSQL's plaintext: the client's length-prefixed SSLRequest, the server's one byte; 'S' is the go-ahead. */
export const postgresCodec: PlaintextCodec = {
  unitLength(side, buf, index) {
    if (side === 'server') return index === 0 && buf.length >= 1 ? 1 : null; // anything after the answer is not framed
    if (buf.length < 4) return null;
    const length = new DataView(buf.buffer, buf.byteOffset, buf.byteLength).getUint32(0);
    return length >= 8 && length <= buf.length ? length : null;
  },
  describe: (side, unit) => (side === 'client' ? describeRequest(unit) : describeAnswer(unit[0])),
  switchesToTls: (side, unit) => side === 'server' && unit.length === 1 && unit[0] === 0x53,
};

export const postgres: ProtocolHandler = {
  id: 'postgres',
  name: 'PostgreSQL',
  defaultPort: 5432,
  rfc: 'PostgreSQL protocol 3.0, SSLRequest',
  async negotiate(d, options) {
    if (options.direct) {
      d.note('direct TLS: no SSLRequest preamble; the TLS ClientHello must offer ALPN "postgresql" (PostgreSQL 17 and later)');
      return { capabilitiesBefore: [], alpn: ['postgresql'] };
    }
    await d.sendBytes(SSL_REQUEST, describeRequest(SSL_REQUEST).text);
    const answer = await d.readExact(1, 'the answer to SSLRequest');
    const c = String.fromCharCode(answer[0]);
    d.recordReceived(answer, describeAnswer(answer[0]).text);
    if (c === 'S') {
      return {
        capabilitiesBefore: ['SSL'],
        injectionHint: "For PostgreSQL this is CVE-2021-23222: libpq once processed bytes buffered after the 'S' as if they came over TLS.",
      };
    }
    if (c === 'N') {
      throw new StartTlsError('STARTTLS_REFUSED', 'PostgreSQL: the server answered N to SSLRequest (TLS not enabled); refusing to continue in plaintext');
    }
    if (c === 'E') {
      throw new StartTlsError('STARTTLS_REFUSED', 'PostgreSQL: the server answered SSLRequest with an error (a very old server, or not PostgreSQL)');
    }
    throw new StartTlsError('PROTOCOL_ERROR', `PostgreSQL: unexpected answer 0x${answer[0].toString(16).padStart(2, '0')} to SSLRequest (expected 'S' or 'N')`);
  },
  async afterTls(d) {
    // The server says nothing more until the client's StartupMessage (which would need a user name).
    d.note('PostgreSQL announces no capabilities before a StartupMessage; nothing to compare after TLS');
    return null;
  },
};
