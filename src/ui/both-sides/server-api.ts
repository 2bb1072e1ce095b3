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

/** What the server's calls depend on: the options a teacher set, or what a server's trace shows (settingsFromTrace). */
export type ServerSettings = Pick<BothSidesRequest, 'versions' | 'certificate' | 'clientAuth' | 'refuseClientCertificate' | 'tickets' | 'breakpoints'> & Partial<BothSidesRequest>;

/**
 * The settings a server program must have had, read from its trace alone (a trace from `tls-lens serve` or the
 * Clients view, where no form was filled in): the version it chose, whether it asked for a certificate, the
 * tickets it sent, the breakpoints it stopped at.
 */
export function settingsFromTrace(events: TraceEvent[]): ServerSettings {
  const handshake = (name: string) => events.filter((e) => e.kind === 'handshake' && e.name === name && e.direction === 'server');
  const tls13 = handshake('EncryptedExtensions').length > 0;
  const paused = (b: string) => events.some((e) => e.kind === 'pause' && e.breakpoint === b);
  return {
    versions: [tls13 ? 'TLS1.3' : 'TLS1.2'],
    certificate: 'good',
    clientAuth: handshake('CertificateRequest').length > 0 ? 'request' : 'none',
    refuseClientCertificate: false,
    tickets: handshake('NewSessionTicket').length,
    breakpoints: {
      client: { afterEachMessage: false, serverAuth: false, clientCertRequest: false },
      server: { clientHello: paused('clientHello'), clientCertificate: paused('clientCertificate'), afterEachMessage: paused('afterEachMessage') },
    },
  };
}

export function serverApiCalls(req: ServerSettings, events: TraceEvent[]): { openssl: ServerCall[]; secureTransport: ServerCall[] } {
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

/** The server program's calls at one step of its trace: OpenSSL and Secure Transport (server side). */
export interface ServerStep {
  openssl: ServerCall[];
  secureTransport: ServerCall[];
}

interface StepContext {
  /** Both Finished of the first handshake passed: SSL_accept has returned 1. */
  accepted: boolean;
  /** A renegotiation is under way (SSL_do_handshake / SSLReHandshake are running it). */
  renegotiating: boolean;
}

function stepContext(events: TraceEvent[], upTo: number): StepContext {
  const ctx: StepContext = { accepted: false, renegotiating: false };
  let finished = 0;
  for (let i = 0; i < upTo && i < events.length; i++) {
    const e = events[i];
    if (e.kind === 'handshake' && e.name === 'Finished' && ++finished === 2) ctx.accepted = true;
    if (e.kind === 'renegotiation') ctx.renegotiating = e.phase === 'started';
    // The server's own HelloRequest: SSL_do_handshake runs from here (the engine records 'started' at the ClientHello).
    if (e.kind === 'handshake' && e.name === 'HelloRequest' && e.direction === 'server') ctx.renegotiating = true;
  }
  return ctx;
}

/** The setup calls before any byte is read: the context, certificate and key, whom clients must chain to. */
function setupCalls(req: ServerSettings): ServerStep {
  const whole = serverApiCalls(req, []);
  const untilAccept = (calls: ServerCall[], stop: string) => calls.slice(0, calls.findIndex((c) => c.call.startsWith(stop)));
  return {
    openssl: [...untilAccept(whole.openssl, 'SSL_accept'), { call: 'SSL_new(ctx); SSL_set_fd(ssl, client_fd)', note: 'one connection object per accepted TCP connection, sharing the context’s settings' }],
    secureTransport: [...untilAccept(whole.secureTransport, 'SSLHandshake'), { call: 'SSLSetIOFuncs(ctx, readFunc, writeFunc); SSLSetConnection(ctx, conn)', note: 'the server reads and writes through your callbacks too' }],
  };
}

/**
 * The calls a server program is making at event `upTo` of the server's trace, for the API view beside the client's:
 * the setup at the start, SSL_accept / SSLHandshake while the handshake runs (with the callbacks the breakpoints
 * stand for), SSL_renegotiate + SSL_do_handshake / SSLReHandshake, SSL_key_update, SSL_write / SSL_read, SSL_shutdown
 * / SSLClose, and the failing call when an alert ends it.
 */
export function serverCallsAt(req: ServerSettings, events: TraceEvent[], upTo: number): ServerStep {
  const e = events[upTo];
  if (!e) return { openssl: [], secureTransport: [] };
  if (e.kind === 'connection' && e.phase !== 'closed') return setupCalls(req);
  const ctx = stepContext(events, upTo);
  // The call the handshake's bytes go through at this point.
  const handshakeCall = ctx.renegotiating ? 'SSL_do_handshake(ssl)' : 'SSL_accept(ssl)';
  const stHandshake = ctx.renegotiating ? 'SSLReHandshake(ctx)' : 'SSLHandshake(ctx)';

  if (e.kind === 'pause' && e.phase !== 'resumed') {
    if (e.breakpoint === 'clientHello') {
      return {
        openssl: [{ call: 'on_client_hello(ssl, &alert, arg)', result: 'SSL_CLIENT_HELLO_RETRY', note: 'the client-hello callback pauses the handshake: SSL_accept returns -1 with SSL_ERROR_WANT_CLIENT_HELLO_CB; SSL_client_hello_get0_* show what the client offered' }],
        secureTransport: [{ call: 'SSLHandshake(ctx)', result: 'errSSLClientHelloReceived', note: 'with kSSLSessionOptionBreakOnClientHello set: the program may choose a certificate (SSLSetCertificate), then calls SSLHandshake again' }],
      };
    }
    if (e.breakpoint === 'clientCertificate') {
      return {
        openssl: [{ call: 'verify_callback(preverify_ok, x509_ctx)', result: '1 accepts, 0 refuses', note: 'called for each certificate of the client’s chain; returning 0 fails SSL_accept with a certificate alert' }],
        secureTransport: [{ call: 'SSLHandshake(ctx)', result: 'errSSLClientAuthCompleted', note: 'with kSSLSessionOptionBreakOnClientAuth set: SSLCopyPeerTrust gives the client’s chain to evaluate; SSLHandshake again goes on, SSLClose refuses' }],
      };
    }
    if (e.breakpoint === 'afterEachMessage') {
      return { openssl: [{ call: handshakeCall, note: 'a debugger stopped inside the handshake: OpenSSL has no pause between messages (SSL_CTX_set_info_callback reports each state)' }], secureTransport: [{ call: stHandshake, note: 'Secure Transport runs the whole flight in one call; only its break options stop it' }] };
    }
  }

  if (e.kind === 'handshake') {
    const reading = e.direction === 'client';
    if (e.name === 'HelloRequest') {
      return {
        openssl: [
          { call: 'SSL_renegotiate(ssl)', result: '1', note: 'TLS 1.2: a HelloRequest is queued' },
          { call: 'SSL_do_handshake(ssl)', note: 'sends it and runs the new handshake inside the encrypted connection' },
        ],
        secureTransport: [{ call: 'SSLReHandshake(ctx)', note: 'the server asks the client to start a new handshake' }],
      };
    }
    if (e.name === 'KeyUpdate' && e.direction === 'server') {
      return {
        openssl: [{ call: 'SSL_key_update(ssl, SSL_KEY_UPDATE_REQUESTED)', result: '1', note: 'the KeyUpdate goes out with the next SSL_write (or SSL_do_handshake); the client is asked to update too' }],
        secureTransport: [{ call: '(none)', note: 'Secure Transport never gained TLS 1.3, so it has no KeyUpdate' }],
      };
    }
    const ticket = e.name === 'NewSessionTicket' && e.direction === 'server';
    if (ctx.accepted && !ctx.renegotiating && !ticket) {
      return {
        openssl: [{ call: 'SSL_read(ssl, buf, n)', note: `${e.name} after the handshake is handled inside SSL_read` }],
        secureTransport: [{ call: 'SSLRead(ctx, buf, n, &processed)', note: `${e.name} after the handshake, handled inside SSLRead` }],
      };
    }
    if (ticket && ctx.accepted && !ctx.renegotiating) {
      return {
        openssl: [{ call: 'SSL_accept(ssl)', result: '1', note: `TLS 1.3: the tickets (SSL_CTX_set_num_tickets, ${req.tickets} here) are written as SSL_accept finishes` }],
        secureTransport: [{ call: 'SSLHandshake(ctx)', result: 'noErr', note: 'Secure Transport never gained TLS 1.3: no tickets of this kind' }],
      };
    }
    // The handshake's last message: the call returns success.
    const completes = e.name === 'Finished' && stepContextAfter(events, upTo);
    // TLS 1.3: OpenSSL writes the tickets before SSL_accept returns.
    const ticketsNext = events.slice(upTo + 1).find((n) => n.kind === 'handshake')?.name === 'NewSessionTicket' && e.direction === 'client';
    if (completes && ticketsNext && !ctx.renegotiating) {
      return {
        openssl: [{ call: handshakeCall, result: 'in progress', note: 'the client’s Finished is verified; the session tickets go out next, then SSL_accept returns 1' }],
        secureTransport: [{ call: stHandshake, result: 'noErr', note: 'the session is ready for SSLRead and SSLWrite' }],
      };
    }
    if (completes) {
      return {
        openssl: [{ call: handshakeCall, result: '1', note: ctx.renegotiating ? 'the renegotiation is complete; the connection goes on with the new keys' : 'the handshake is complete: SSL_get_version, SSL_get_current_cipher, SSL_get_peer_certificate report it' }],
        secureTransport: [{ call: stHandshake, result: 'noErr', note: 'the session is ready for SSLRead and SSLWrite' }],
      };
    }
    return {
      openssl: [{ call: handshakeCall, result: reading ? '-1, SSL_get_error → SSL_ERROR_WANT_READ (non-blocking)' : 'in progress', note: `${reading ? 'reading the client’s' : 'writing its'} ${e.name} inside ${handshakeCall.replace(/\(.*/, '')}${e.name === 'CertificateRequest' ? ' (asked for by SSL_CTX_set_verify)' : ''}` }],
      secureTransport: [reading ? { call: stHandshake, result: 'errSSLWouldBlock', note: `the read callback had no bytes yet; the ${e.name} arrives at a later call` } : { call: stHandshake, note: `writes ${e.name} through the write callback` }],
    };
  }

  if (e.kind === 'alert') {
    const ours = e.direction === 'server';
    if (e.description === 0) {
      return {
        openssl: [{ call: ours ? 'SSL_shutdown(ssl)' : 'SSL_read(ssl, …)', result: ours ? '0 (close_notify sent; 1 once the client’s arrives)' : '0, SSL_get_error → SSL_ERROR_ZERO_RETURN', note: 'an orderly close' }],
        secureTransport: [{ call: ours ? 'SSLClose(ctx)' : 'SSLRead(ctx, …)', result: ours ? 'noErr' : 'errSSLClosedGraceful', note: 'then close the connection and release the context' }],
      };
    }
    const call = ctx.accepted && !ctx.renegotiating ? 'SSL_read(ssl, …)' : handshakeCall;
    return {
      openssl: [{ call, result: '-1, SSL_get_error → SSL_ERROR_SSL', note: `${ours ? 'the server sent' : 'the client sent'} ${e.name}; ERR_get_error says why` }],
      secureTransport: [{ call: ctx.accepted && !ctx.renegotiating ? 'SSLRead(ctx, …)' : stHandshake, result: ours ? 'an errSSL… code' : 'errSSLPeer… (the client’s alert)', note: `a fatal ${e.name} alert ends the session` }],
    };
  }

  if (e.kind === 'app-data' || (e.kind === 'record' && (e.protection?.innerContentType ?? e.contentType) === 23)) {
    const out = e.direction === 'server';
    return {
      openssl: [{ call: out ? 'SSL_write(ssl, buf, n)' : 'SSL_read(ssl, buf, n)', note: out ? 'encrypts the line into a record' : 'decrypts one record' }],
      secureTransport: [{ call: out ? 'SSLWrite(ctx, buf, n, &processed)' : 'SSLRead(ctx, buf, n, &processed)', note: out ? 'encrypts and writes through the write callback' : 'reads through the read callback and decrypts' }],
    };
  }

  if (e.kind === 'error') {
    return {
      openssl: [{ call: 'SSL_get_error(ssl, ret)', result: 'SSL_ERROR_SSL', note: e.message }],
      secureTransport: [{ call: stHandshake, result: 'an error OSStatus', note: e.message }],
    };
  }

  if (e.kind === 'connection' && e.phase === 'closed') {
    return {
      openssl: [{ call: 'SSL_free(ssl); close(client_fd)', note: 'the connection object and the socket are released; the context serves the next client' }],
      secureTransport: [{ call: 'CFRelease(ctx)', note: 'a context serves one session only' }],
    };
  }

  const inside = ctx.accepted && !ctx.renegotiating;
  return {
    openssl: [{ call: inside ? 'SSL_read / SSL_write' : handshakeCall, note: `inside the library: ${e.kind}` }],
    secureTransport: [{ call: inside ? 'SSLRead / SSLWrite' : stHandshake, note: `inside the library: ${e.kind}` }],
  };
}

/** Whether the handshake under way is complete once event `at` (a Finished) is through: it is the second Finished
 * of the first handshake, or of the renegotiation. */
function stepContextAfter(events: TraceEvent[], at: number): boolean {
  let since = 0;
  for (let i = 0; i <= at; i++) {
    const e = events[i];
    if (e.kind === 'renegotiation' && e.phase === 'started') since = 0;
    if (e.kind === 'handshake' && e.name === 'Finished') since++;
  }
  return since === 2;
}
