// The API calls shown for each step, derived from a real trace (the engine against Node's TLS server).
import { beforeAll, describe, expect, it } from 'vitest';
import { apiCallsFor } from '../../src/ui/api-calls.ts';
import type { TraceEvent } from '../../src/trace/types.ts';
import { recordRealTrace, type RealTrace } from './real-trace.ts';

let trace: RealTrace;
beforeAll(async () => {
  trace = await recordRealTrace();
});

const indexOf = (pred: (e: TraceEvent) => boolean) => {
  const i = trace.events.findIndex(pred);
  expect(i).toBeGreaterThanOrEqual(0);
  return i;
};
const clientFinished = () => indexOf((e) => e.kind === 'handshake' && e.name === 'Finished' && e.direction === 'client');

describe('apiCallsFor on a real TLS 1.3 trace', () => {
  it('the connection start sets up a context, with no deferred handshake (no STARTTLS in this trace)', () => {
    const step = apiCallsFor(trace.events, indexOf((e) => e.kind === 'connection' && e.phase === 'start'));
    expect(step.openssl[0].call).toBe('SSL_CTX_new(TLS_client_method())');
    expect(step.secureTransport.map((c) => c.call)).toContain('SSLSetPeerDomainName(ctx, "localhost")');
    expect(step.windowsCE.some((c) => c.call.includes('SSL_FLAG_DEFER_HANDSHAKE'))).toBe(false);
  });

  it('every handshake message before the client Finished happens inside SSL_connect; a server message makes SSLHandshake return errSSLWouldBlock', () => {
    const done = clientFinished();
    const during = trace.events.filter((e) => e.kind === 'handshake' && e.index < done);
    expect(during.length).toBe(6);
    for (const e of during) {
      const step = apiCallsFor(trace.events, e.index);
      expect(step.openssl[0].call).toBe('SSL_connect(ssl)');
      if (e.kind === 'handshake' && e.direction === 'server') expect(step.secureTransport[0].result).toBe('errSSLWouldBlock');
      else expect(step.secureTransport[0].result).toBeUndefined();
      expect(step.windowsCE[0].call).toBe('connect()');
    }
  });

  it('the serverAuth pause is where SSLHandshake returns errSSLServerAuthCompleted', () => {
    const pause = indexOf((e) => e.kind === 'pause' && e.breakpoint === 'serverAuth' && e.phase !== 'resumed');
    const step = apiCallsFor(trace.events, pause);
    expect(step.secureTransport[0]).toMatchObject({ call: 'SSLHandshake(ctx)', result: 'errSSLServerAuthCompleted' });
    expect(step.openssl[0].call).toMatch(/^verify_callback/);
    expect(step.windowsCE[0].call).toMatch(/^SslValidateCertHook/);
  });

  it('a verified chain reads X509_V_OK', () => {
    const step = apiCallsFor(trace.events, indexOf((e) => e.kind === 'cert-result'));
    expect(step.openssl[0]).toMatchObject({ call: 'SSL_get_verify_result(ssl)', result: 'X509_V_OK' });
  });

  it('the client Finished completes SSL_connect (returns 1) and SSLHandshake (noErr)', () => {
    const step = apiCallsFor(trace.events, clientFinished());
    expect(step.openssl[0]).toMatchObject({ call: 'SSL_connect(ssl)', result: '1' });
    expect(step.secureTransport[0].result).toBe('noErr');
  });

  it('after the handshake: tickets arrive inside SSL_read, the echo is SSL_write then SSL_read, the close is SSL_shutdown', () => {
    const after = trace.events.filter((e) => e.index > clientFinished());
    const tickets = after.filter((e) => e.kind === 'handshake' && e.name === 'NewSessionTicket');
    expect(tickets.length).toBe(2);
    for (const t of tickets) expect(apiCallsFor(trace.events, t.index).openssl[0].call).toBe('SSL_read(ssl, buf, n)');
    const appRecords = after.filter((e) => e.kind === 'record' && e.protection?.innerContentType === 23);
    expect(appRecords.map((e) => apiCallsFor(trace.events, e.index).openssl[0].call)).toEqual(['SSL_write(ssl, buf, n)', 'SSL_read(ssl, buf, n)']);
    expect(appRecords.map((e) => apiCallsFor(trace.events, e.index).secureTransport[0].call)).toEqual(['SSLWrite(ctx, buf, n, &processed)', 'SSLRead(ctx, buf, n, &processed)']);
    const close = apiCallsFor(trace.events, indexOf((e) => e.kind === 'alert' && e.description === 0));
    expect(close.openssl[0].call).toBe('SSL_shutdown(ssl)');
    expect(close.secureTransport[0].call).toBe('SSLClose(ctx)');
    expect(apiCallsFor(trace.events, indexOf((e) => e.kind === 'connection' && e.phase === 'closed')).openssl[0].call).toBe('SSL_free(ssl); close(fd)');
  });

  it('an index past the end gives no calls', () => {
    expect(apiCallsFor(trace.events, trace.events.length)).toEqual({ openssl: [], secureTransport: [], windowsCE: [] });
  });
});
