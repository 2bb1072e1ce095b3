// The client's 0-RTT calls for the API view (OpenSSL 1.1.1 and later): SSL_set_session and SSL_write_early_data
// before SSL_connect, SSL_get_early_data_status once the server answered, EndOfEarlyData inside SSL_connect, and the
// program's own SSL_write of refused early data. Secure Transport and Windows CE secure sockets have no 0-RTT.
import type { TraceEvent } from '../trace/types.ts';
import type { ApiCall, ApiStep } from './api-calls.ts';
import { bytesIn, carriesEarlyData, connectionSoFar, earlyDataAnswer, earlyDataRecordOf, earlyDataRecords, ticketEarlyDataLimit } from './early-data-facts.ts';

export const SECURE_TRANSPORT_NO_EARLY_DATA: ApiCall = { call: '(none)', note: 'Secure Transport never gained TLS 1.3, so it has no 0-RTT early data: the data would go with SSLWrite once SSLHandshake returns noErr.' };
const WINDOWS_CE_NO_EARLY_DATA: ApiCall = { call: '(none)', note: 'Windows CE secure sockets never gained TLS 1.3, so they have no 0-RTT early data: the data would go with send() after the handshake.' };

/** The step with the early-data calls put in, when event `upTo` is a 0-RTT step; else the step as it was. */
export function withClientEarlyData(events: TraceEvent[], upTo: number, step: ApiStep): ApiStep {
  const e = events[upTo];
  if (!e) return step;
  if (e.kind === 'handshake' && e.name === 'ClientHello' && e.direction === 'client' && carriesEarlyData(e)) {
    return offerStep(events, events.filter((x) => x.conn === e.conn), upTo, step);
  }
  if (earlyDataRecordOf(events, e)) return writeEarlyStep(events, e);
  if (e.kind === 'handshake' && e.name === 'EndOfEarlyData' && e.direction === 'client') {
    return {
      openssl: [{ call: 'SSL_connect(ssl)', result: 'in progress', note: 'The first SSL_connect after SSL_write_early_data ends the early data: it writes EndOfEarlyData under the early keys, then the client’s Finished.' }],
      secureTransport: [SECURE_TRANSPORT_NO_EARLY_DATA],
      windowsCE: [WINDOWS_CE_NO_EARLY_DATA],
    };
  }
  // Only the server's answer and the client's data after the handshake depend on how 0-RTT went: the scan of the
  // connection so far is left out of every other step.
  const answers = e.kind === 'handshake' && e.direction === 'server' && (e.name === 'EncryptedExtensions' || e.name === 'HelloRetryRequest');
  if (!answers && !(e.kind === 'record' && e.direction === 'client' && e.epoch === 'application')) return step;
  const conn = connectionSoFar(events, upTo);
  const answer = earlyDataAnswer(conn);
  if (answer && e.kind === 'handshake' && e.name === 'EncryptedExtensions') return statusStep(answer, step);
  if (answer === 'refused' && e.kind === 'handshake' && e.name === 'HelloRetryRequest') {
    return { ...step, openssl: step.openssl.map((c) => ({ ...c, note: `${c.note} The HelloRetryRequest turns the early data away unread.` })) };
  }
  if (answer === 'refused' && isFirstDataAfterHandshake(conn)) return resendStep(step);
  return step;
}

/** The ClientHello carrying early_data: OpenSSL's first I/O call is SSL_write_early_data, which writes it. */
function offerStep(events: TraceEvent[], whole: TraceEvent[], upTo: number, step: ApiStep): ApiStep {
  const written = bytesIn(whole, earlyDataRecords(whole));
  // The ticket's size, when the trace holds the connection that received it (connect --reconnect).
  const limit = events.slice(0, upTo).map(ticketEarlyDataLimit).filter((n) => n !== undefined).pop();
  return {
    openssl: [
      { call: 'SSL_set_session(ssl, session)', result: '1', note: 'The session kept from the last connection (SSL_get1_session, or the new-session callback): its ticket is offered as a PSK.' },
      {
        call: 'SSL_SESSION_get_max_early_data(session)',
        result: limit !== undefined ? `${limit}` : 'more than 0',
        note: 'The ticket’s max_early_data_size: how much may go as 0-RTT. With 0, the program would write after SSL_connect instead and SSL_get_early_data_status would say SSL_EARLY_DATA_NOT_SENT.',
      },
      { call: 'SSL_write_early_data(ssl, buf, n, &written)', result: `1, written = ${written || 'n'}`, note: 'The first I/O call on the connection, before SSL_connect: it writes the ClientHello (with early_data), then the data under the client early traffic keys.' },
    ],
    secureTransport: [...step.secureTransport, SECURE_TRANSPORT_NO_EARLY_DATA],
    windowsCE: [...step.windowsCE, WINDOWS_CE_NO_EARLY_DATA],
  };
}

function writeEarlyStep(events: TraceEvent[], e: TraceEvent): ApiStep {
  const record = earlyDataRecordOf(events, e)!;
  return {
    openssl: [{ call: 'SSL_write_early_data(ssl, buf, n, &written)', result: `1, written = ${bytesIn(events, [record])}`, note: 'Encrypted with the client early traffic keys from the ticket’s PSK and sent before the server has answered: no forward secrecy, and the server may not read it.' }],
    secureTransport: [SECURE_TRANSPORT_NO_EARLY_DATA],
    windowsCE: [WINDOWS_CE_NO_EARLY_DATA],
  };
}

/** EncryptedExtensions settles it: early_data there means the server read the 0-RTT data. */
function statusStep(answer: 'accepted' | 'refused', step: ApiStep): ApiStep {
  const status: ApiCall =
    answer === 'accepted'
      ? { call: 'SSL_get_early_data_status(ssl)', result: 'SSL_EARLY_DATA_ACCEPTED', note: 'Asked once SSL_connect has returned 1; settled here: EncryptedExtensions has early_data, so the server read the early data.' }
      : { call: 'SSL_get_early_data_status(ssl)', result: 'SSL_EARLY_DATA_REJECTED', note: 'Asked once SSL_connect has returned 1; settled by now: the server did not read the early data (no early_data in EncryptedExtensions). OpenSSL does not send it again: the program must, with SSL_write.' };
  return {
    openssl: [...step.openssl, status],
    secureTransport: [...step.secureTransport, SECURE_TRANSPORT_NO_EARLY_DATA],
    windowsCE: [...step.windowsCE, WINDOWS_CE_NO_EARLY_DATA],
  };
}

/** The refused early data, written again by the program: the client's first application data after its Finished. */
function isFirstDataAfterHandshake(conn: TraceEvent[]): boolean {
  const e = conn[conn.length - 1];
  const isClientData = (x: TraceEvent) => x.kind === 'record' && x.direction === 'client' && x.epoch === 'application' && (x.protection?.innerContentType ?? x.contentType) === 23;
  if (!isClientData(e)) return false;
  const finished = conn.findIndex((x) => x.kind === 'handshake' && x.name === 'Finished' && x.direction === 'client');
  return finished >= 0 && conn.findIndex((x, i) => i > finished && isClientData(x)) === conn.length - 1;
}

function resendStep(step: ApiStep): ApiStep {
  return {
    ...step,
    openssl: [
      { call: 'SSL_get_early_data_status(ssl)', result: 'SSL_EARLY_DATA_REJECTED', note: 'The server did not read the early data.' },
      { call: 'SSL_write(ssl, buf, n)', note: 'The program sends the refused early data again itself, now under the application keys: OpenSSL never resends it.' },
    ],
  };
}
