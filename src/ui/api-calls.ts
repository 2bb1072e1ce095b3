// For the step in view, the call a program would be making in three real TLS APIs:
// OpenSSL, Apple Secure Transport and Windows CE secure sockets. Derived from the trace only.
import type { TraceEvent } from '../trace/types.ts';
import { serverCallsAt, settingsFromTrace } from './both-sides/server-api.ts';
import { withClientEarlyData } from './early-data-api.ts';

export interface ApiCall {
  call: string;
  result?: string;
  note: string;
}

export interface ApiStep {
  openssl: ApiCall[];
  secureTransport: ApiCall[];
  windowsCE: ApiCall[];
}

interface Context {
  starttls: boolean;
  handshakeDone: boolean;
  certError?: { code: string; openssl?: string; secureTransport?: string; windowsCE?: string };
  serverName?: string;
}

function contextAt(events: TraceEvent[], upTo: number): Context {
  const ctx: Context = { starttls: false, handshakeDone: false };
  for (let i = 0; i <= upTo && i < events.length; i++) {
    const e = events[i];
    if (e.kind === 'preamble') ctx.starttls = true;
    if (e.kind === 'connection' && e.serverName) ctx.serverName = e.serverName;
    if (e.kind === 'cert-result' && e.error) ctx.certError = e.error;
    if (e.kind === 'handshake' && e.name === 'Finished' && e.direction === 'client') ctx.handshakeDone = true;
  }
  return ctx;
}

const WOULD_BLOCK: ApiCall = { call: 'SSLHandshake(ctx)', result: 'errSSLWouldBlock', note: 'Waiting for the peer: the read callback had no bytes yet; call SSLHandshake again.' };

/** Whether our server recorded this trace (tls-lens serve, the Clients view, both sides' server): then its calls are a server's. */
export function recordedByServer(events: TraceEvent[]): boolean {
  const start = events.find((e) => e.kind === 'connection' && e.phase === 'start');
  return start?.kind === 'connection' && start.recordedBy === 'server';
}

const WINDOWS_CE_CLIENT_ONLY: ApiCall = { call: '(none)', note: 'Windows CE secure sockets are a client API: a server program there has no calls to show.' };

/** The calls at this step for whichever endpoint recorded the trace: a client's (the usual case) or a server's. */
export function apiStepForTrace(events: TraceEvent[], upTo: number): ApiStep & { side: 'client' | 'server' } {
  if (!recordedByServer(events)) return { side: 'client', ...apiCallsFor(events, upTo) };
  const step = serverCallsAt(settingsFromTrace(events), events, upTo);
  return { side: 'server', openssl: step.openssl, secureTransport: step.secureTransport, windowsCE: [WINDOWS_CE_CLIENT_ONLY] };
}

export function apiCallsFor(events: TraceEvent[], upTo: number): ApiStep {
  return withClientEarlyData(events, upTo, ordinaryCalls(events, upTo));
}

/** The calls at this step leaving 0-RTT aside (early-data-api.ts puts those in). */
function ordinaryCalls(events: TraceEvent[], upTo: number): ApiStep {
  const e = events[upTo];
  const ctx = contextAt(events, upTo);
  const peer = ctx.serverName ?? 'the server name';
  if (!e) return { openssl: [], secureTransport: [], windowsCE: [] };

  if (e.kind === 'connection' && e.phase !== 'closed') {
    return {
      openssl: [
        { call: 'SSL_CTX_new(TLS_client_method())', note: 'One context holds the settings: versions, suites, trust store (SSL_CTX_load_verify_locations), verify mode.' },
        { call: 'SSL_new(ctx); SSL_set_fd(ssl, fd); SSL_set_tlsext_host_name(ssl, name)', note: `The TCP connection exists first; SNI and the name to check (SSL_set1_host) are ${peer}.` },
      ],
      secureTransport: [
        { call: 'SSLCreateContext(NULL, kSSLClientSide, kSSLStreamType)', note: 'A session context; it cannot be reused for another session.' },
        { call: 'SSLSetIOFuncs(ctx, readFunc, writeFunc); SSLSetConnection(ctx, conn)', note: 'Secure Transport reads and writes through your callbacks.' },
        { call: `SSLSetPeerDomainName(ctx, "${peer}")`, note: 'The name the certificate must match (optional but strongly advised).' },
      ],
      windowsCE: [
        { call: 'socket(); setsockopt(SOL_SOCKET, SO_SECURE, SO_SEC_SSL)', note: 'Put the socket in secure mode.' },
        { call: 'WSAIoctl(SO_SSL_SET_VALIDATE_CERT_HOOK); WSAIoctl(SO_SSL_SET_PEERNAME)', note: 'Register the certificate-validation callback and the expected peer name.' },
        ...(ctx.starttls ? [{ call: 'WSAIoctl(SO_SSL_SET_FLAGS, SSL_FLAG_DEFER_HANDSHAKE)', note: 'Deferred handshake: the connection starts in plaintext.' }] : []),
        { call: 'connect()', note: ctx.starttls ? 'A plaintext TCP connection for now.' : 'With no deferral, connect() also performs the TLS handshake.' },
      ],
    };
  }

  if (e.kind === 'preamble') {
    const dir = e.direction === 'client' ? 'write' : 'read';
    return {
      openssl: [{ call: `${dir === 'write' ? 'send' : 'recv'}(fd, …)  /* "${e.text.trim()}" */`, note: 'Plaintext before TLS: the application speaks the protocol itself; OpenSSL is not involved until SSL_connect.' }],
      secureTransport: [{ call: `${dir === 'write' ? 'write' : 'read'}(socket, …)`, note: 'Plaintext on the socket; SSLHandshake is called only after the server agrees to STARTTLS.' }],
      windowsCE: [{ call: `${dir === 'write' ? 'send' : 'recv'}(s, …)`, note: 'A deferred-handshake socket sends and receives unencoded data until SO_SSL_PERFORM_HANDSHAKE.' }],
    };
  }

  if (e.kind === 'pause' && e.breakpoint === 'serverAuth') {
    return {
      openssl: [{ call: 'verify_callback(preverify_ok, x509_ctx)', note: 'OpenSSL calls the verify callback for each certificate of the path; SSL_get_verify_result() gives the outcome afterwards.' }],
      secureTransport: [{ call: 'SSLHandshake(ctx)', result: 'errSSLServerAuthCompleted', note: 'With kSSLSessionOptionBreakOnServerAuth set, the handshake stops here so the app can evaluate the chain (SSLCopyPeerTrust) and then call SSLHandshake again — or SSLClose to abort.' }],
      windowsCE: [{ call: 'SslValidateCertHook(dwType, pvArg, dwChainLen, pCertChain, dwFlags)', result: 'SSL_ERR_OKAY to accept', note: 'The validate-certificate hook sees the chain and flags; the handshake succeeds only if it returns SSL_ERR_OKAY.' }],
    };
  }

  if ((e.kind === 'pause' && e.breakpoint === 'clientCertRequest') || (e.kind === 'handshake' && e.name === 'CertificateRequest')) {
    return {
      openssl: [{ call: 'client_cert_cb(ssl, &x509, &pkey)  /* or SSL_CTX_use_certificate + SSL_CTX_use_PrivateKey */', note: 'OpenSSL asks the client-certificate callback, or sends what the context was given; with none it sends an empty Certificate.' }],
      secureTransport: [
        { call: 'SSLHandshake(ctx)', result: 'errSSLClientCertRequested', note: 'With kSSLSessionOptionBreakOnCertRequested set. SSLCopyDistinguishedNames lists the CAs the server accepts.' },
        { call: 'SSLSetCertificate(ctx, identityAndChain); SSLHandshake(ctx)', note: 'Supply the identity (or none to decline), then resume the handshake.' },
      ],
      windowsCE: [{ call: 'WSAIoctl(SO_SSL_PERFORM_HANDSHAKE)', note: 'The provider answers the request during the handshake call with the client certificate it was configured with.' }],
    };
  }

  if (e.kind === 'cert-result') {
    const err = e.error;
    return {
      openssl: [{ call: 'SSL_get_verify_result(ssl)', result: err ? err.openssl ?? err.code : 'X509_V_OK', note: err ? 'The path did not verify; with SSL_VERIFY_PEER the handshake fails with a certificate alert.' : 'The chain verified against the trust store.' }],
      secureTransport: [{ call: 'SSLHandshake(ctx)', result: err ? err.secureTransport ?? 'errSSLXCertChainInvalid' : 'errSSLWouldBlock (continuing)', note: err ? 'Secure Transport aborts the handshake on a bad chain; SSLCopyPeerCertificates shows what was sent.' : 'The chain is acceptable; the handshake goes on.' }],
      windowsCE: [{ call: 'SslValidateCertHook(…, dwFlags)', result: err ? `dwFlags includes ${err.windowsCE ?? 'an error flag'}` : 'dwFlags = 0 → return SSL_ERR_OKAY', note: 'The hook decides: returning anything but SSL_ERR_OKAY fails the handshake.' }],
    };
  }

  if (e.kind === 'handshake') {
    const done = e.name === 'Finished' && e.direction === 'client';
    if (done) {
      return {
        openssl: [{ call: 'SSL_connect(ssl)', result: '1', note: 'The handshake is complete; SSL_get_version / SSL_get_current_cipher / SSL_get0_alpn_selected report what was agreed.' }],
        secureTransport: [{ call: 'SSLHandshake(ctx)', result: 'noErr', note: 'The session is ready for SSLRead and SSLWrite.' }],
        windowsCE: [{ call: ctx.starttls ? 'WSAIoctl(SO_SSL_PERFORM_HANDSHAKE, serverName)' : 'connect()', result: '0', note: 'send and recv now encrypt and decrypt automatically.' }],
      };
    }
    if (ctx.handshakeDone) {
      return {
        openssl: [{ call: 'SSL_read(ssl, buf, n)', note: `${e.name} after the handshake is handled inside SSL_read${e.name === 'NewSessionTicket' ? ' (the session callback / SSL_get1_session keeps it for resumption)' : ''}.` }],
        secureTransport: [{ call: 'SSLRead(ctx, buf, n, &processed)', note: `Post-handshake ${e.name}, processed inside SSLRead.` }],
        windowsCE: [{ call: 'recv(s, …)', note: `The provider handles post-handshake ${e.name} inside recv.` }],
      };
    }
    const waiting = e.direction === 'server';
    return {
      openssl: [{ call: 'SSL_connect(ssl)', result: waiting ? '-1, SSL_get_error → SSL_ERROR_WANT_READ (non-blocking)' : 'in progress', note: `${e.direction === 'client' ? 'Sending' : 'Receiving'} ${e.name} inside SSL_connect (a blocking socket simply waits).` }],
      secureTransport: [waiting ? WOULD_BLOCK : { call: 'SSLHandshake(ctx)', note: `Writes ${e.name} through the write callback.` }],
      windowsCE: [{ call: ctx.starttls ? 'WSAIoctl(SO_SSL_PERFORM_HANDSHAKE, serverName)' : 'connect()', note: `The ${e.name} exchange happens inside this one call.` }],
    };
  }

  if (e.kind === 'record' && (e.protection?.innerContentType ?? e.contentType) === 23) {
    const out = e.direction === 'client';
    return {
      openssl: [{ call: out ? 'SSL_write(ssl, buf, n)' : 'SSL_read(ssl, buf, n)', note: out ? 'Encrypts into one or more records.' : 'Decrypts one record and returns its data.' }],
      secureTransport: [{ call: out ? 'SSLWrite(ctx, buf, n, &processed)' : 'SSLRead(ctx, buf, n, &processed)', note: out ? 'Encrypts and writes through the write callback.' : 'Reads through the read callback and decrypts.' }],
      windowsCE: [{ call: out ? 'send(s, buf, n, 0)' : 'recv(s, buf, n, 0)', note: 'The secure socket encrypts/decrypts transparently.' }],
    };
  }

  if (e.kind === 'alert') {
    const close = e.description === 0;
    const ours = e.direction === 'client';
    if (close) {
      return {
        openssl: [{ call: ours ? 'SSL_shutdown(ssl)' : 'SSL_read(ssl, …)', result: ours ? '0 (sent close_notify; 1 once the peer\'s arrives)' : '0, SSL_get_error → SSL_ERROR_ZERO_RETURN', note: 'An orderly close: close_notify, then the TCP connection can go.' }],
        secureTransport: [{ call: ours ? 'SSLClose(ctx)' : 'SSLRead(ctx, …)', result: ours ? 'noErr' : 'errSSLClosedGraceful', note: 'Then close the connection and CFRelease the context.' }],
        windowsCE: [{ call: ours ? 'closesocket(s)' : 'recv(s, …)', result: ours ? undefined : '0', note: 'Closing the secure socket sends close_notify.' }],
      };
    }
    return {
      openssl: [{ call: ctx.handshakeDone ? 'SSL_read(ssl, …)' : 'SSL_connect(ssl)', result: '-1, SSL_get_error → SSL_ERROR_SSL', note: `ERR_get_error() names the ${e.name} alert (${ours ? 'sent by us' : 'received'}).` }],
      secureTransport: [{ call: ctx.handshakeDone ? 'SSLRead(ctx, …)' : 'SSLHandshake(ctx)', result: ctx.certError?.secureTransport ?? 'errSSLFatalAlert / errSSLPeer…', note: `A fatal ${e.name} alert ends the session.` }],
      windowsCE: [{ call: ctx.handshakeDone ? 'recv(s, …)' : 'WSAIoctl(SO_SSL_PERFORM_HANDSHAKE)', result: 'SOCKET_ERROR', note: 'WSAGetLastError() tells why.' }],
    };
  }

  if (e.kind === 'error') {
    return {
      openssl: [{ call: 'SSL_get_error(ssl, ret)', result: 'SSL_ERROR_SSL', note: `${e.message}${ctx.certError?.openssl ? ` (${ctx.certError.openssl})` : ''}` }],
      secureTransport: [{ call: 'SSLHandshake(ctx)', result: ctx.certError?.secureTransport ?? 'an error OSStatus', note: e.message }],
      windowsCE: [{ call: 'WSAGetLastError()', result: ctx.certError?.windowsCE ?? 'an error code', note: e.message }],
    };
  }

  if (e.kind === 'connection' && e.phase === 'closed') {
    return {
      openssl: [{ call: 'SSL_free(ssl); close(fd)', note: 'Release the connection object and the socket.' }],
      secureTransport: [{ call: 'CFRelease(ctx)', note: 'Close the connection, then release the context (and any certificate references copied).' }],
      windowsCE: [{ call: 'closesocket(s)', note: 'The socket is gone.' }],
    };
  }

  const fallback: ApiCall = { call: ctx.handshakeDone ? 'SSL_read / SSL_write' : 'SSL_connect(ssl)', note: `Inside the library: ${e.kind}.` };
  return {
    openssl: [fallback],
    secureTransport: [{ call: ctx.handshakeDone ? 'SSLRead / SSLWrite' : 'SSLHandshake(ctx)', note: `Inside the library: ${e.kind}.` }],
    windowsCE: [{ call: ctx.handshakeDone ? 'send / recv' : 'WSAIoctl(SO_SSL_PERFORM_HANDSHAKE)', note: `Inside the provider: ${e.kind}.` }],
  };
}
