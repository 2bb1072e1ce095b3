// The API views' 0-RTT calls (OpenSSL 1.1.1+), on real traces of our client and our server in memory: early data
// accepted, refused by a server not set up for it, refused as a replay of a used ticket. The client's calls
// (api-calls.ts) and the server program's (server-api.ts), each at the event where it happens.
import { beforeAll, describe, expect, it } from 'vitest';
import { apiCallsFor, apiStepForTrace } from '../../src/ui/api-calls.ts';
import { serverCallsAt, settingsFromTrace, type ServerSettings } from '../../src/ui/both-sides/server-api.ts';
import type { TraceEvent } from '../../src/trace/types.ts';
import { EARLY_TEXT, recordEarlyDataRuns, TICKET_EARLY_DATA, type EarlyDataRuns } from './early-data-traces.ts';

let runs: EarlyDataRuns;
beforeAll(async () => {
  runs = await recordEarlyDataRuns();
});

const at = (events: TraceEvent[], pred: (e: TraceEvent) => boolean, from = 0) => {
  const i = events.findIndex((e, n) => n >= from && pred(e));
  expect(i).toBeGreaterThanOrEqual(0);
  return i;
};
const message = (name: string, direction: 'client' | 'server') => (e: TraceEvent) => e.kind === 'handshake' && e.name === name && e.direction === direction;
const earlyRecord = (e: TraceEvent) => e.kind === 'record' && e.epoch === 'early' && e.protection?.innerContentType === 23;
const names = (calls: { call: string }[]) => calls.map((c) => c.call.replace(/\(.*/s, ''));
/** Indices of the events whose OpenSSL calls include this function. */
const where = (events: TraceEvent[], fn: string, calls: (i: number) => { call: string }[]) => events.flatMap((_, i) => (names(calls(i)).includes(fn) ? [i] : []));
const NO_0RTT = /never gained TLS 1\.3, so (it has|they have) no 0-RTT early data/;

describe('the client’s 0-RTT calls', () => {
  it('accepted: SSL_set_session, SSL_SESSION_get_max_early_data and SSL_write_early_data before SSL_connect, at the ClientHello', () => {
    const c = runs.accepted.client;
    const step = apiCallsFor(c, at(c, message('ClientHello', 'client')));
    expect(names(step.openssl)).toEqual(['SSL_set_session', 'SSL_SESSION_get_max_early_data', 'SSL_write_early_data']);
    expect(step.openssl[2]).toMatchObject({ call: 'SSL_write_early_data(ssl, buf, n, &written)', result: `1, written = ${EARLY_TEXT.length}` });
    // The other two APIs say once that they have no 0-RTT, beside their usual handshake call.
    expect(step.secureTransport.map((c) => c.call)).toEqual(['SSLHandshake(ctx)', '(none)']);
    expect(step.secureTransport[1].note).toMatch(NO_0RTT);
    expect(step.windowsCE[1].note).toMatch(NO_0RTT);
  });

  it('accepted: the record under the early keys is SSL_write_early_data; SSL_write_early_data is called nowhere after it', () => {
    const c = runs.accepted.client;
    const record = at(c, earlyRecord);
    expect(apiCallsFor(c, record).openssl).toEqual([expect.objectContaining({ call: 'SSL_write_early_data(ssl, buf, n, &written)', result: `1, written = ${EARLY_TEXT.length}` })]);
    expect(apiCallsFor(c, record).secureTransport).toEqual([expect.objectContaining({ call: '(none)', note: expect.stringMatching(NO_0RTT) })]);
    // The ClientHello, its early record and that record's app-data event: nothing else.
    const appData = at(c, (e) => e.kind === 'app-data' && e.record === record);
    expect(where(c, 'SSL_write_early_data', (i) => apiCallsFor(c, i).openssl)).toEqual([at(c, message('ClientHello', 'client')), record, appData]);
  });

  it('accepted: EncryptedExtensions settles SSL_get_early_data_status as SSL_EARLY_DATA_ACCEPTED; EndOfEarlyData goes out inside SSL_connect', () => {
    const c = runs.accepted.client;
    const ee = apiCallsFor(c, at(c, message('EncryptedExtensions', 'server')));
    expect(ee.openssl[0].call).toBe('SSL_connect(ssl)');
    expect(ee.openssl[1]).toMatchObject({ call: 'SSL_get_early_data_status(ssl)', result: 'SSL_EARLY_DATA_ACCEPTED' });
    const end = apiCallsFor(c, at(c, message('EndOfEarlyData', 'client')));
    expect(end.openssl).toEqual([expect.objectContaining({ call: 'SSL_connect(ssl)', result: 'in progress', note: expect.stringContaining('EndOfEarlyData') })]);
    expect(end.windowsCE[0].note).toMatch(NO_0RTT);
    // Nothing to send again: no SSL_write of the client's own.
    expect(where(c, 'SSL_write', (i) => apiCallsFor(c, i).openssl)).toEqual([]);
  });

  it('refused by a server not set up for it: no HelloRetryRequest, SSL_EARLY_DATA_REJECTED at EncryptedExtensions, then the program’s own SSL_write after SSL_connect', () => {
    const c = runs.notSetUp.client;
    expect(names(apiCallsFor(c, at(c, message('ClientHello', 'client'))).openssl)).toContain('SSL_write_early_data');
    // One ClientHello: the server refuses by leaving early_data out of EncryptedExtensions, as OpenSSL does.
    expect(c.filter((e) => e.kind === 'handshake' && (e.name === 'ClientHello' || e.name === 'HelloRetryRequest')).map((e) => e.kind === 'handshake' && e.name)).toEqual(['ClientHello']);
    const ee = apiCallsFor(c, at(c, message('EncryptedExtensions', 'server')));
    expect(ee.openssl[1]).toMatchObject({ call: 'SSL_get_early_data_status(ssl)', result: 'SSL_EARLY_DATA_REJECTED' });
    const finished = at(c, message('Finished', 'client'));
    expect(apiCallsFor(c, finished).openssl[0]).toMatchObject({ call: 'SSL_connect(ssl)', result: '1' });
    const resent = at(c, (e) => e.kind === 'record' && e.direction === 'client' && e.protection?.innerContentType === 23, finished);
    const resend = apiCallsFor(c, resent).openssl;
    expect(resend.map((x) => [x.call, x.result])).toEqual([
      ['SSL_get_early_data_status(ssl)', 'SSL_EARLY_DATA_REJECTED'],
      ['SSL_write(ssl, buf, n)', undefined],
    ]);
    expect(resend[1].note).toContain('OpenSSL never resends it');
  });

  it('refused as a replay: the same client calls, SSL_EARLY_DATA_REJECTED at EncryptedExtensions', () => {
    const c = runs.replayed.client;
    expect(apiCallsFor(c, at(c, message('EncryptedExtensions', 'server'))).openssl[1]).toMatchObject({ result: 'SSL_EARLY_DATA_REJECTED' });
  });
});

describe('the server program’s 0-RTT calls', () => {
  const accepting: ServerSettings = { versions: ['TLS1.3'], certificate: 'good', clientAuth: 'none', refuseClientCertificate: false, tickets: 1, acceptEarlyData: true, maxEarlyData: TICKET_EARLY_DATA };

  it('accepted: SSL_CTX_set_max_early_data with the server’s size in the setup; SSL_read_early_data runs the handshake, returns the bytes, then FINISH at EndOfEarlyData; SSL_accept finishes', () => {
    const s = runs.accepted.server;
    const setup = names(serverCallsAt(accepting, s, 0).openssl);
    expect(setup.indexOf('SSL_CTX_set_max_early_data')).toBeLessThan(setup.indexOf('SSL_new'));
    expect(serverCallsAt(accepting, s, 0).openssl.find((c) => c.call.startsWith('SSL_CTX_set_max_early_data'))).toMatchObject({ call: `SSL_CTX_set_max_early_data(ctx, ${TICKET_EARLY_DATA})`, note: expect.stringContaining('SSL_OP_NO_ANTI_REPLAY') });
    const hello = serverCallsAt(accepting, s, at(s, message('ClientHello', 'client'))).openssl[0];
    expect(hello).toMatchObject({ call: 'SSL_read_early_data(ssl, buf, n, &readbytes)', result: 'SSL_READ_EARLY_DATA_ERROR, SSL_get_error → SSL_ERROR_WANT_READ (non-blocking)' });
    // The server's flight is written inside SSL_read_early_data, before the early data arrives.
    expect(serverCallsAt(accepting, s, at(s, message('EncryptedExtensions', 'server'))).openssl[0].call).toBe('SSL_read_early_data(ssl, buf, n, &readbytes)');
    expect(serverCallsAt(accepting, s, at(s, earlyRecord)).openssl[0]).toMatchObject({ call: 'SSL_read_early_data(ssl, buf, n, &readbytes)', result: `SSL_READ_EARLY_DATA_SUCCESS, readbytes = ${EARLY_TEXT.length}` });
    const end = serverCallsAt(accepting, s, at(s, message('EndOfEarlyData', 'client'))).openssl;
    expect(end.map((c) => [c.call, c.result])).toEqual([
      ['SSL_read_early_data(ssl, buf, n, &readbytes)', 'SSL_READ_EARLY_DATA_FINISH, readbytes = 0'],
      ['SSL_get_early_data_status(ssl)', 'SSL_EARLY_DATA_ACCEPTED'],
    ]);
    expect(serverCallsAt(accepting, s, at(s, message('Finished', 'client'))).openssl[0].call).toBe('SSL_accept(ssl)');
    expect(serverCallsAt(accepting, s, at(s, message('NewSessionTicket', 'server'))).openssl[0]).toMatchObject({ call: 'SSL_accept(ssl)', result: '1' });
  });

  it('the trace alone (serve, the Clients view) says the server was set up for 0-RTT and with how many bytes', () => {
    const s = runs.accepted.server;
    expect(settingsFromTrace(s)).toMatchObject({ acceptEarlyData: true, maxEarlyData: TICKET_EARLY_DATA });
    expect(apiStepForTrace(s, 0).openssl.map((c) => c.call)).toContain(`SSL_CTX_set_max_early_data(ctx, ${TICKET_EARLY_DATA})`);
    expect(apiStepForTrace(s, at(s, earlyRecord)).openssl[0].result).toBe(`SSL_READ_EARLY_DATA_SUCCESS, readbytes = ${EARLY_TEXT.length}`);
  });

  it('refused as a replay: the reason in the calls’ notes, the early record skipped, SSL_read_early_data FINISH with nothing read and SSL_EARLY_DATA_REJECTED', () => {
    const s = runs.replayed.server;
    const calls = (i: number) => serverCallsAt(accepting, s, i).openssl;
    expect(calls(at(s, message('ClientHello', 'client')))[0].note).toContain('refused: this ticket was already used for early data');
    const flightEnd = at(s, message('Finished', 'server'));
    // The early record arrives once the flight is written: SSL_read_early_data has said FINISH, SSL_accept skips it.
    const skipped = at(s, (e) => e.kind === 'record' && e.direction === 'client' && e.epoch === 'early' && !e.protection);
    expect(skipped).toBeGreaterThan(flightEnd);
    expect(calls(skipped)[0]).toMatchObject({ call: 'SSL_accept(ssl)', note: expect.stringContaining('after SSL_read_early_data returned SSL_READ_EARLY_DATA_FINISH with nothing read, a record of early data skipped unread') });
    expect(calls(skipped)[0].note).toContain('does not open under the client’s handshake key');
    expect(calls(at(s, (e) => e.kind === 'early-data' && e.outcome === 'skipped'))).toEqual(calls(skipped));
    expect(calls(flightEnd).map((c) => [c.call, c.result])).toEqual([
      ['SSL_read_early_data(ssl, buf, n, &readbytes)', 'SSL_READ_EARLY_DATA_FINISH, readbytes = 0'],
      ['SSL_get_early_data_status(ssl)', 'SSL_EARLY_DATA_REJECTED'],
    ]);
    expect(calls(flightEnd)[0].note).toContain('already used for early data');
    expect(calls(at(s, message('Finished', 'client')))[0].call).toBe('SSL_accept(ssl)');
    expect(s.some((_, i) => calls(i).some((c) => c.result?.startsWith('SSL_READ_EARLY_DATA_SUCCESS')))).toBe(false);
  });

  it('refused by a server not set up for it: no early-data calls at all, SSL_accept reads and skips, the reason in the notes', () => {
    const s = runs.notSetUp.server;
    const plain: ServerSettings = { ...accepting, acceptEarlyData: false };
    const calls = (i: number) => serverCallsAt(plain, s, i).openssl;
    const all = s.flatMap((_, i) => names(calls(i)));
    expect(all).not.toContain('SSL_read_early_data');
    expect(all).not.toContain('SSL_CTX_set_max_early_data');
    expect(calls(at(s, message('ClientHello', 'client')))[0]).toMatchObject({ call: 'SSL_accept(ssl)', note: expect.stringContaining('refused: this server is not set up to accept early data') });
    expect(s.some((e) => e.kind === 'handshake' && e.name === 'HelloRetryRequest')).toBe(false);
    const skipped = calls(at(s, (e) => e.kind === 'record' && e.direction === 'client' && e.epoch === 'early' && !e.protection))[0];
    expect(skipped).toMatchObject({ call: 'SSL_accept(ssl)', note: expect.stringContaining('skipped unread') });
    expect(skipped.note).not.toContain('SSL_READ_EARLY_DATA_FINISH');
    expect(settingsFromTrace(s).acceptEarlyData).toBeUndefined();
  });
});
