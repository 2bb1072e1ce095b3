// gnutls-cli (GnuTLS, Debian) against our server over TCP on 127.0.0.1: both versions, resumption (-r) and a
// rehandshake (-e, TLS 1.2 renegotiation started by the client).
import { describe, expect, it } from 'vitest';
import { TicketKeys } from '../../src/tls/server.ts';
import { usePki } from '../support/pki.ts';
import { gnutlsCli as runGnutlsCli } from './support/gnutls-cli.ts';
import { listenersStoppedAfterEach, type TestListener } from './support/listener.ts';
import { serverCertificates } from './support/server-pki.ts';

const pki = usePki();
const startListener = listenersStoppedAfterEach();

function gnutlsCli(port: number, args: string[], input = 'hello gnutls\n'): Promise<string> {
  return runGnutlsCli(port, args, input, { caFile: pki.rootPem });
}

async function listen(): Promise<TestListener> {
  const ticketKeys = new TicketKeys();
  return startListener(() => ({ certificates: [serverCertificates(pki).p256], ticketKeys, timeoutMs: 10_000 }));
}

describe('gnutls-cli against our server', () => {
  it.each([
    ['TLS 1.3', 'NORMAL:-VERS-ALL:+VERS-TLS1.3', 'TLSv1.3'],
    ['TLS 1.2', 'NORMAL:-VERS-ALL:+VERS-TLS1.2', 'TLSv1.2'],
  ])('%s: verified handshake and an echo', async (_, priority, version) => {
    const l = await listen();
    const out = await gnutlsCli(l.port, [`--priority=${priority}`]);
    expect(out).toMatch(/Handshake was completed/);
    expect(out).toContain('HELLO GNUTLS');
    const [a] = await l.settled(1);
    expect(a.connection?.summary.version).toBe(version);
  });

  it.each([
    ['TLS 1.3', 'NORMAL:-VERS-ALL:+VERS-TLS1.3'],
    ['TLS 1.2', 'NORMAL:-VERS-ALL:+VERS-TLS1.2'],
  ])('%s: --resume resumes the session', async (_, priority) => {
    const l = await listen();
    const out = await gnutlsCli(l.port, [`--priority=${priority}`, '--resume']);
    expect(out).toMatch(/This is a resumed session/);
    const all = await l.settled(2);
    expect(all[1].connection?.summary.resumed).toBe(true);
  });

  it('TLS 1.2: --rehandshake renegotiates (RFC 5746)', async () => {
    const l = await listen();
    const out = await gnutlsCli(l.port, ['--priority=NORMAL:-VERS-ALL:+VERS-TLS1.2', '--rehandshake']);
    expect(out).toMatch(/ReHandshake was completed/);
    const [a] = await l.settled(1);
    expect((a.connection as { renegotiations?: number }).renegotiations).toBe(1);
  });
});
