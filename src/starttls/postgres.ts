// PostgreSQL (protocol 3.0, "SSL Session Encryption"): SSLRequest (length 8, code 80877103) and a one-byte 'S' or 'N'.
// With `direct`, PostgreSQL 17+ takes TLS at once; the client must then offer ALPN "postgresql".
import { StartTlsError } from './errors.ts';
import type { ProtocolHandler } from './protocol.ts';

/** Int32 length 8, then the request code 1234 << 16 | 5679 = 0x04d2162f. */
export const SSL_REQUEST = new Uint8Array([0x00, 0x00, 0x00, 0x08, 0x04, 0xd2, 0x16, 0x2f]);

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
    await d.sendBytes(SSL_REQUEST, 'SSLRequest: length=8 code=80877103 (0x04d2162f)');
    const answer = await d.readExact(1, 'the answer to SSLRequest');
    const c = String.fromCharCode(answer[0]);
    if (c === 'S') {
      d.recordReceived(answer, "'S': the server is willing to perform TLS");
      return {
        capabilitiesBefore: ['SSL'],
        injectionHint: "For PostgreSQL this is CVE-2021-23222: libpq once processed bytes buffered after the 'S' as if they came over TLS.",
      };
    }
    if (c === 'N') {
      d.recordReceived(answer, "'N': the server does not do TLS");
      throw new StartTlsError('STARTTLS_REFUSED', 'PostgreSQL: the server answered N to SSLRequest (TLS not enabled); refusing to continue in plaintext');
    }
    if (c === 'E') {
      d.recordReceived(answer, "'E': an ErrorResponse instead of an answer");
      throw new StartTlsError('STARTTLS_REFUSED', 'PostgreSQL: the server answered SSLRequest with an error (a very old server, or not PostgreSQL)');
    }
    d.recordReceived(answer, `unexpected byte 0x${answer[0].toString(16).padStart(2, '0')}`);
    throw new StartTlsError('PROTOCOL_ERROR', `PostgreSQL: unexpected answer 0x${answer[0].toString(16).padStart(2, '0')} to SSLRequest (expected 'S' or 'N')`);
  },
  async afterTls(d) {
    // The server says nothing more until the client's StartupMessage (which would need a user name).
    d.note('PostgreSQL announces no capabilities before a StartupMessage; nothing to compare after TLS');
    return null;
  },
};
