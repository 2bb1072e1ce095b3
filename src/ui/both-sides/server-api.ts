// The calls a server program would make for this run, in OpenSSL and in Apple's Secure Transport (server side),
// from the options the teacher set and what the server's trace shows happened. No React.
import type { TraceEvent } from '../../trace/types.ts';
import type { BothSidesRequest } from '../../worker/both-sides-messages.ts';

export interface ServerCall {
  call: string;
  result?: string;
  note: string;
}

/** The server's trace says: did the handshake finish, which alert did the server send or get, what came after. */
function facts(events: TraceEvent[]) {
  const error = events.find((e) => e.kind === 'error') as { code: string } | undefined;
  const version = events.some((e) => e.kind === 'handshake' && e.name === 'EncryptedExtensions') ? 'TLS1.3' : 'TLS1.2';
  const keyUpdate = events.some((e) => e.kind === 'handshake' && e.name === 'KeyUpdate' && e.direction === 'server');
  const renegotiated = events.some((e) => e.kind === 'renegotiation' && e.phase === 'finished');
  return { error: error?.code, version, keyUpdate, renegotiated };
}

export function serverApiCalls(req: BothSidesRequest, events: TraceEvent[]): { openssl: ServerCall[]; secureTransport: ServerCall[] } {
  const f = facts(events);
  const verify = req.clientAuth === 'require' ? 'SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT' : 'SSL_VERIFY_PEER';
  const openssl: ServerCall[] = [
    { call: 'SSL_CTX_new(TLS_server_method())', note: 'a server context; the versions are limited next' },
    { call: `SSL_CTX_set_min_proto_version(ctx, ${req.versions.includes('TLS1.2') ? 'TLS1_2_VERSION' : 'TLS1_3_VERSION'})`, note: 'the oldest version accepted' },
    req.certificate === 'uploaded'
      ? { call: 'SSL_CTX_use_certificate_chain_file(ctx, "yours.pem")', note: 'your leaf and the certificates after it in the file, presented in that order' }
      : { call: 'SSL_CTX_use_certificate_file(ctx, "server.pem", SSL_FILETYPE_PEM)', note: 'the leaf (and with _chain_file, its chain) the server presents' },
    { call: 'SSL_CTX_use_PrivateKey_file(ctx, "server.key", SSL_FILETYPE_PEM)', note: 'the key that signs CertificateVerify (TLS 1.3) or ServerKeyExchange (TLS 1.2)' },
    { call: 'SSL_CTX_check_private_key(ctx)', result: '1', note: 'the key matches the certificate' },
  ];
  if (req.breakpoints?.server.clientHello) {
    openssl.push({ call: 'SSL_CTX_set_client_hello_cb(ctx, on_client_hello, arg)', note: 'the server’s stop after the ClientHello: the callback returns SSL_CLIENT_HELLO_RETRY, SSL_accept returns -1 with SSL_ERROR_WANT_CLIENT_HELLO_CB, and the program calls SSL_accept again once decided' });
  }
  if (req.clientAuth !== 'none') {
    // A callback when the person or the server's own rule decides on the client's certificate.
    const callback = req.breakpoints?.server.clientCertificate || req.refuseClientCertificate ? 'verify_callback' : 'NULL';
    openssl.push({ call: 'SSL_CTX_load_verify_locations(ctx, "client-ca.pem", NULL)', note: 'the anchors client certificates must chain to' });
    openssl.push({
      call: `SSL_CTX_set_verify(ctx, ${verify}, ${callback})`,
      note: `${req.clientAuth === 'require' ? 'ask for a certificate and fail the handshake without one' : 'ask for a certificate; the client may send none'}${callback === 'NULL' ? '' : '; verify_callback accepts or refuses the chain (returning 0 refuses it)'}`,
    });
  }
  if (req.versions.includes('TLS1.3')) openssl.push({ call: `SSL_CTX_set_num_tickets(ctx, ${req.tickets})`, note: 'TLS 1.3 session tickets sent after the handshake' });
  openssl.push({
    call: 'SSL_accept(ssl)',
    result: f.error ? `-1, SSL_get_error = SSL_ERROR_SSL (${f.error})` : '1',
    note: f.error ? 'the handshake failed; ERR_get_error says why and the alert is already sent' : 'the handshake is complete',
  });
  if (!f.error) {
    if (f.keyUpdate) openssl.push({ call: 'SSL_key_update(ssl, SSL_KEY_UPDATE_REQUESTED)', result: '1', note: 'new sending keys; the client is asked to update its own' });
    if (f.renegotiated) {
      openssl.push({ call: 'SSL_renegotiate(ssl)', result: '1', note: 'TLS 1.2: queue a HelloRequest' });
      openssl.push({ call: 'SSL_do_handshake(ssl)', result: '1', note: 'run the new handshake inside the encrypted connection' });
    }
    openssl.push({ call: 'SSL_write(ssl, line, len)', note: 'one line of application data' });
    openssl.push({ call: 'SSL_shutdown(ssl)', result: '0, then 1', note: 'close_notify sent; the second call waits for the client’s' });
  }
  const auth = req.clientAuth === 'require' ? 'kAlwaysAuthenticate' : req.clientAuth === 'request' ? 'kTryAuthenticate' : 'kNeverAuthenticate';
  const secureTransport: ServerCall[] = [
    { call: 'SSLCreateContext(NULL, kSSLServerSide, kSSLStreamType)', note: 'a server-side context' },
    { call: 'SSLSetCertificate(ctx, identityAndChain)', note: 'a SecIdentity (certificate + key) first, then the chain' },
    { call: `SSLSetClientSideAuthenticate(ctx, ${auth})`, note: 'whether the server asks for a client certificate' },
    {
      call: 'SSLHandshake(ctx)',
      result: f.error ? `an errSSL… code (${f.error})` : 'noErr',
      note: f.version === 'TLS1.3' ? 'Secure Transport never gained TLS 1.3: a program would need Network.framework for this handshake' : 'the TLS 1.2 handshake',
    },
  ];
  if (!f.error && f.renegotiated) secureTransport.push({ call: 'SSLReHandshake(ctx)', result: 'noErr', note: 'a server-started renegotiation' });
  if (!f.error) secureTransport.push({ call: 'SSLClose(ctx)', result: 'noErr', note: 'sends close_notify' });
  return { openssl, secureTransport };
}
