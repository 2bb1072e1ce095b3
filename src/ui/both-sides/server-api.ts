// The calls a server program would make for this run, in OpenSSL and in Apple's Secure Transport (server side),
// from the options the teacher set and what the server's trace shows happened. No React.
import type { TraceEvent } from '../../trace/types.ts';
import type { BothSidesRequest } from '../../worker/both-sides-messages.ts';
import { DEFAULT_MAX_EARLY_DATA } from '../../tls/server/options.ts';
import { bytesIn, carriesEarlyData, earlyDataAnswer, earlyDataRecordOf, earlyDataRecords, earlyDataRefusal, isSkippedEarlyRecord, ticketEarlyDataLimit } from '../early-data-facts.ts';

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

/** What the server's calls depend on: the options a teacher set, or what a server's trace shows (settingsFromTrace).
 * `maxEarlyData`: the max_early_data_size its tickets announce when it accepts 0-RTT (absent: both sides' own). */
export type ServerSettings = Pick<BothSidesRequest, 'versions' | 'certificate' | 'clientAuth' | 'refuseClientCertificate' | 'tickets' | 'breakpoints'> & Partial<BothSidesRequest> & { maxEarlyData?: number };

/** The N of SSL_CTX_set_max_early_data(ctx, N): 0 for a server not set up for 0-RTT (OpenSSL's default). */
function earlyDataLimit(req: ServerSettings): number {
  return req.acceptEarlyData && req.versions.includes('TLS1.3') ? (req.maxEarlyData ?? DEFAULT_MAX_EARLY_DATA) : 0;
}

/**
 * The settings a server program must have had, read from its trace alone (a trace from `tls-lens serve` or the
 * Clients view, where no form was filled in): the version it chose, whether it asked for a certificate, the
 * tickets it sent, the breakpoints it stopped at.
 */
export function settingsFromTrace(events: TraceEvent[]): ServerSettings {
  const handshake = (name: string) => events.filter((e) => e.kind === 'handshake' && e.name === name && e.direction === 'server');
  const tls13 = handshake('EncryptedExtensions').length > 0;
  const paused = (b: string) => events.some((e) => e.kind === 'pause' && e.breakpoint === b);
  // Tickets announcing early data, or early data taken: the server was set up for 0-RTT.
  const maxEarlyData = handshake('NewSessionTicket').map(ticketEarlyDataLimit).find((n) => n !== undefined);
  const acceptEarlyData = (maxEarlyData ?? 0) > 0 || earlyDataAnswer(events) === 'accepted';
  return {
    versions: [tls13 ? 'TLS1.3' : 'TLS1.2'],
    certificate: 'good',
    clientAuth: handshake('CertificateRequest').length > 0 ? 'request' : 'none',
    refuseClientCertificate: false,
    tickets: handshake('NewSessionTicket').length,
    ...(acceptEarlyData ? { acceptEarlyData, ...(maxEarlyData ? { maxEarlyData } : {}) } : {}),
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
  openssl.push(...earlyDataSetup(req, events));
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
  const untilAccept = (calls: ServerCall[], ...stops: string[]) => calls.slice(0, calls.findIndex((c) => stops.some((stop) => c.call.startsWith(stop))));
  return {
    openssl: [...untilAccept(whole.openssl, 'SSL_read_early_data', 'SSL_accept'), { call: 'SSL_new(ctx); SSL_set_fd(ssl, client_fd)', note: 'one connection object per accepted TCP connection, sharing the context’s settings' }],
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
  const finishAt = earlyDataFinishAt(req, events);
  const readingEarly = !ctx.renegotiating && finishAt >= 0 && upTo < finishAt;
  const handshakeCall = ctx.renegotiating ? 'SSL_do_handshake(ssl)' : readingEarly ? READ_EARLY : 'SSL_accept(ssl)';
  const stHandshake = ctx.renegotiating ? 'SSLReHandshake(ctx)' : 'SSLHandshake(ctx)';
  // SSL_read_early_data says "not yet" and "failed" in its own words.
  const failed = (why: string) => (readingEarly ? `SSL_READ_EARLY_DATA_ERROR, SSL_get_error → ${why}` : `-1, SSL_get_error → ${why}`);
  const early = earlyDataStep(req, events, upTo, handshakeCall);
  if (early) return early;

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
      openssl: [{ call: handshakeCall, result: reading ? failed('SSL_ERROR_WANT_READ (non-blocking)') : 'in progress', note: `${reading ? 'reading the client’s' : 'writing its'} ${e.name} inside ${handshakeCall.replace(/\(.*/, '')}${e.name === 'CertificateRequest' ? ' (asked for by SSL_CTX_set_verify)' : ''}` }],
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
      openssl: [{ call, result: failed('SSL_ERROR_SSL'), note: `${ours ? 'the server sent' : 'the client sent'} ${e.name}; ERR_get_error says why` }],
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

const READ_EARLY = 'SSL_read_early_data(ssl, buf, n, &readbytes)';
const SECURE_TRANSPORT_NO_EARLY_DATA: ServerCall = { call: '(none)', note: 'Secure Transport never gained TLS 1.3, so it has no 0-RTT early data: the client’s data would come with SSLRead after the handshake' };

/** SSL_CTX_set_max_early_data, and for the run's list SSL_read_early_data as the first I/O call, when set up for 0-RTT. */
function earlyDataSetup(req: ServerSettings, events: TraceEvent[]): ServerCall[] {
  const limit = earlyDataLimit(req);
  if (limit === 0) return [];
  const calls: ServerCall[] = [
    {
      call: `SSL_CTX_set_max_early_data(ctx, ${limit})`,
      result: '1',
      note: `tickets allow ${limit} bytes of 0-RTT early data; with it above 0, OpenSSL’s anti-replay makes each ticket single-use (offered again: a full handshake, its early data ignored) unless SSL_OP_NO_ANTI_REPLAY is set`,
    },
  ];
  if (events.length === 0) return calls;
  const read = bytesIn(events, earlyDataRecords(events));
  const taken = earlyDataAnswer(events) === 'accepted';
  calls.push({
    call: READ_EARLY,
    result: taken ? `SSL_READ_EARLY_DATA_SUCCESS (${read} bytes), then SSL_READ_EARLY_DATA_FINISH` : 'SSL_READ_EARLY_DATA_FINISH, readbytes = 0',
    note: `the first I/O call, in place of SSL_accept: it runs the handshake as far as the client’s early data${taken ? '' : `; nothing read (${refusalWords(events)})`}`,
  });
  return calls;
}

/** Why no early data was read, in the trace's words. */
function refusalWords(events: TraceEvent[]): string {
  if (earlyDataAnswer(events) === null) return 'the client sent no early data';
  return `refused: ${earlyDataRefusal(events) ?? 'the server did not take it'}`;
}

/**
 * Where SSL_read_early_data returns SSL_READ_EARLY_DATA_FINISH, for a server set up for 0-RTT: at EndOfEarlyData
 * when it took early data, else once its first flight is written (TLS 1.3); Infinity while that has not come.
 * -1 when SSL_read_early_data is not the call: not set up, or TLS 1.2 (where it would run the whole handshake before
 * saying FINISH; SSL_accept then returns 1 at once, so the view keeps SSL_accept).
 */
function earlyDataFinishAt(req: ServerSettings, events: TraceEvent[]): number {
  if (earlyDataLimit(req) === 0) return -1;
  const wrote = (name: string) => events.findIndex((e) => e.kind === 'handshake' && e.name === name && e.direction === 'server');
  const end = events.findIndex((e) => e.kind === 'handshake' && e.name === 'EndOfEarlyData' && e.direction === 'client');
  if (end >= 0) return end;
  const tls13 = wrote('EncryptedExtensions') >= 0;
  if (!tls13 && wrote('ServerHello') >= 0) return -1;
  const flightEnd = wrote('Finished');
  return tls13 && flightEnd >= 0 ? flightEnd : Infinity;
}

/** The server's calls at a 0-RTT step: the ClientHello offering it, early data read or skipped, SSL_read_early_data's
 * FINISH, a HelloRetryRequest turning it away. Null at any other step. */
function earlyDataStep(req: ServerSettings, events: TraceEvent[], upTo: number, handshakeCall: string): ServerStep | null {
  const e = events[upTo];
  const noEarlyData = [SECURE_TRANSPORT_NO_EARLY_DATA];
  const record = earlyDataRecordOf(events, e);
  if (record) {
    return { openssl: [{ call: READ_EARLY, result: `SSL_READ_EARLY_DATA_SUCCESS, readbytes = ${bytesIn(events, [record])}`, note: 'the client’s early data, decrypted with its early traffic keys before the handshake is complete: it may be a replay, so only what is safe to repeat belongs there' }], secureTransport: noEarlyData };
  }
  if (isSkippedEarlyRecord(e)) {
    const how = e?.kind === 'record' && e.epoch === 'plaintext' ? 'it came in the clear before the second ClientHello' : 'it does not open under the client’s handshake key, so it is taken for early data (RFC 8446 §4.2.10); the first record that opens is the client’s second flight';
    // Set up for 0-RTT, SSL_read_early_data has said FINISH by now (at the end of the server's flight).
    const after = earlyDataLimit(req) > 0 && handshakeCall !== READ_EARLY ? 'after SSL_read_early_data returned SSL_READ_EARLY_DATA_FINISH with nothing read, ' : '';
    return { openssl: [{ call: handshakeCall, note: `${after}a record of early data skipped unread, 0-RTT ${refusalWords(events)}: ${how}. OpenSSL skips up to recv_max_early_data (16384 bytes unless SSL_CTX_set_recv_max_early_data says otherwise), then fails with unexpected_message` }], secureTransport: noEarlyData };
  }
  if (upTo === earlyDataFinishAt(req, events)) return finishStep(events, e);
  if (e?.kind === 'handshake' && e.name === 'ClientHello' && e.direction === 'client' && carriesEarlyData(e)) {
    const verdict = earlyDataAnswer(events) === 'accepted' ? 'it is taken' : refusalWords(events);
    return {
      openssl: [{ call: handshakeCall, result: handshakeCall === READ_EARLY ? 'SSL_READ_EARLY_DATA_ERROR, SSL_get_error → SSL_ERROR_WANT_READ (non-blocking)' : '-1, SSL_get_error → SSL_ERROR_WANT_READ (non-blocking)', note: `reading the client’s ClientHello, which offers 0-RTT early data: ${verdict}` }],
      secureTransport: [{ call: 'SSLHandshake(ctx)', result: 'errSSLWouldBlock', note: 'the read callback had no bytes yet; the ClientHello arrives at a later call' }, ...noEarlyData],
    };
  }
  if (e?.kind === 'handshake' && e.name === 'HelloRetryRequest' && earlyDataRefusal(events.slice(0, upTo))) {
    return {
      openssl: [{ call: handshakeCall, result: 'in progress', note: 'the HelloRetryRequest asks for a key share, and so refuses the early data: the client drops it, and the records already on their way are skipped until the second ClientHello (as OpenSSL does)' }],
      secureTransport: [{ call: 'SSLHandshake(ctx)', note: 'writes HelloRetryRequest through the write callback' }, ...noEarlyData],
    };
  }
  return null;
}

/** SSL_read_early_data's last answer: FINISH, after EndOfEarlyData or with nothing read; then SSL_accept goes on. */
function finishStep(events: TraceEvent[], e: TraceEvent): ServerStep {
  const endOfEarlyData = e.kind === 'handshake' && e.name === 'EndOfEarlyData';
  const answer = earlyDataAnswer(events);
  const status = answer === 'accepted' ? 'SSL_EARLY_DATA_ACCEPTED' : answer === 'refused' ? 'SSL_EARLY_DATA_REJECTED' : 'SSL_EARLY_DATA_NOT_SENT';
  const note = endOfEarlyData
    ? `EndOfEarlyData read: no more early data (${bytesIn(events, earlyDataRecords(events))} bytes came with SSL_READ_EARLY_DATA_SUCCESS before it); SSL_accept (or SSL_do_handshake) now reads the client’s Finished`
    : `its first flight written, ${refusalWords(events)}; SSL_accept (or SSL_do_handshake) now finishes the handshake`;
  return {
    openssl: [
      { call: READ_EARLY, result: 'SSL_READ_EARLY_DATA_FINISH, readbytes = 0', note },
      { call: 'SSL_get_early_data_status(ssl)', result: status, note: 'what became of the client’s 0-RTT, as the server decided it' },
    ],
    secureTransport: endOfEarlyData ? [SECURE_TRANSPORT_NO_EARLY_DATA] : [{ call: 'SSLHandshake(ctx)', note: 'writes Finished through the write callback' }, SECURE_TRANSPORT_NO_EARLY_DATA],
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
