// STARTTLS against real servers from Debian's packages, started here on free 127.0.0.1 ports.
// TLS itself is completed by Node's tls over the transport the STARTTLS layer hands back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { starttlsTranscript, STARTTLS_OID_FOR_TESTS } from './exports.ts';
import { expectStartTlsError, preambles, startTlsEndToEnd, startTlsWithEngine, testCert } from './helpers.ts';
import type { StartTlsProtocol } from '../../src/starttls/index.ts';
import {
  managesieveInstalled, startDovecot, startMariadb, startPostfix, startPostgres, startProsody, startSlapd, startVsftpd,
  type RunningDovecot, type RunningServer,
} from '../support/servers/index.ts';

const cert = testCert();
afterAll(() => cert.cleanup());

/** With the project's engine: the preamble events come first, then TLS records, then preamble events inside TLS. */
async function engineCheck(protocol: StartTlsProtocol, port: number, options = {}) {
  const r = await startTlsWithEngine(protocol, port, options);
  const events = r.recorder.events;
  const firstRecord = events.findIndex((e) => e.kind === 'record');
  const lastPlain = events.findLastIndex((e) => e.kind === 'preamble' && !e.note?.includes('inside TLS'));
  expect(firstRecord).toBeGreaterThan(lastPlain);
  expect(events.some((e) => e.kind === 'handshake' && e.name === 'Finished' && e.direction === 'server')).toBe(true);
  expect(events.some((e) => e.kind === 'error')).toBe(false);
  if (r.result.capabilitiesBefore.includes('STARTTLS')) expect(r.capabilitiesAfter).not.toContain('STARTTLS');
  return r;
}

describe('SMTP against Postfix', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startPostfix(cert);
  });
  afterAll(() => server?.stop());

  it('EHLO, STARTTLS, 220, TLS, EHLO again without STARTTLS', async () => {
    const r = await startTlsEndToEnd('smtp', server.port, {}, cert.certPem);
    expect(r.result.capabilitiesBefore).toContain('STARTTLS');
    expect(r.result.capabilitiesBefore).toContain('PIPELINING');
    expect(r.capabilitiesAfter).not.toContain('STARTTLS');
    expect(r.capabilitiesAfter).toContain('PIPELINING');
    expect(r.tlsProtocol).toMatch(/^TLSv1\.[23]$/);
    const lines = preambles(r.recorder.events);
    expect(lines[0]).toMatchObject({ direction: 'server', protocol: 'SMTP' });
    expect(lines[0].text).toMatch(/^220 /);
    expect(lines.find((e) => e.direction === 'client' && e.text === 'STARTTLS')).toBeTruthy();
    const go = lines.findIndex((e) => e.text === 'STARTTLS');
    expect(lines[go + 1].text).toMatch(/^220 /);
    // Events after the handshake are marked as travelling inside TLS.
    expect(lines.at(-1)!.note).toMatch(/inside TLS/);
    const json = starttlsTranscript('smtp', r.recorder.events, r.result.capabilitiesBefore, r.capabilitiesAfter);
    expect(json.transcript[0].direction).toBe('server');
    expect(json.transcript.some((l) => l.direction === 'client' && /^EHLO /.test(l.line))).toBe(true);
    expect(json.capabilitiesAfter).toEqual(r.capabilitiesAfter);
  });

  it('smtp with the project\'s own TLS engine: preamble, handshake and capabilities in one trace', async () => {
    await engineCheck('smtp', server.port, {});
  });
});

describe('SMTP against Postfix without TLS', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startPostfix(cert, { extraMainCf: ['smtpd_tls_security_level = none'] });
  });
  afterAll(() => server?.stop());

  it('STARTTLS missing from EHLO: sent anyway, and the server\'s refusal is an error, not a plaintext fallback', async () => {
    const { error, recorder } = await expectStartTlsError('smtp', server.port);
    expect(error.code).toBe('STARTTLS_REFUSED');
    expect(preambles(recorder.events).find((e) => e.text === 'STARTTLS')).toMatchObject({ direction: 'client', advertised: false });
    expect(recorder.events.at(-1)).toMatchObject({ kind: 'error', code: 'STARTTLS_REFUSED' });
  });
});

describe('IMAP, POP3 and ManageSieve against Dovecot', () => {
  let server: RunningDovecot;
  beforeAll(async () => {
    server = await startDovecot(cert);
  });
  afterAll(() => server?.stop());

  it('IMAP: CAPABILITY, STARTTLS tagged OK, CAPABILITY again over TLS', async () => {
    const r = await startTlsEndToEnd('imap', server.imapPort, {}, cert.certPem);
    expect(r.result.capabilitiesBefore).toContain('STARTTLS');
    expect(r.result.capabilitiesBefore).toContain('IMAP4rev1');
    expect(r.capabilitiesAfter).toContain('IMAP4rev1');
    expect(r.capabilitiesAfter).not.toContain('STARTTLS');
    const texts = preambles(r.recorder.events).map((e) => e.text);
    expect(texts).toContain('A2 STARTTLS');
    expect(texts.find((t) => t.startsWith('A2 OK'))).toBeTruthy();
  });

  it('imap with the project\'s own TLS engine: preamble, handshake and capabilities in one trace', async () => {
    await engineCheck('imap', server.imapPort, {});
  });

  it('POP3: CAPA, STLS, +OK, CAPA again over TLS', async () => {
    const r = await startTlsEndToEnd('pop3', server.pop3Port, {}, cert.certPem);
    expect(r.result.capabilitiesBefore).toContain('STLS');
    expect(r.capabilitiesAfter).not.toContain('STLS');
    expect(r.capabilitiesAfter).toContain('UIDL');
  });

  it('pop3 with the project\'s own TLS engine: preamble, handshake and capabilities in one trace', async () => {
    await engineCheck('pop3', server.pop3Port, {});
  });

  it('ManageSieve: STARTTLS, OK, capabilities resent by the server over TLS', async () => {
    expect(managesieveInstalled(), 'dovecot-managesieved is listed in scripts/debian-packages.txt').toBe(true);
    const r = await startTlsEndToEnd('sieve', server.sievePort, {}, cert.certPem);
    expect(r.result.capabilitiesBefore).toContain('STARTTLS');
    expect(r.result.capabilitiesBefore.some((c) => c.startsWith('IMPLEMENTATION '))).toBe(true);
    expect(r.capabilitiesAfter.some((c) => c.startsWith('IMPLEMENTATION '))).toBe(true);
    expect(r.capabilitiesAfter).not.toContain('STARTTLS');
  });

  it('sieve with the project\'s own TLS engine: preamble, handshake and capabilities in one trace', async () => {
    await engineCheck('sieve', server.sievePort, {});
  });
});

describe('PostgreSQL 15', () => {
  let server: RunningServer;
  let plain: RunningServer;
  beforeAll(async () => {
    server = await startPostgres(cert);
    plain = await startPostgres(cert, { ssl: false });
  });
  afterAll(async () => {
    await server?.stop();
    await plain?.stop();
  });

  it("SSLRequest answered 'S', then TLS", async () => {
    const r = await startTlsEndToEnd('postgres', server.port, {}, cert.certPem);
    const lines = preambles(r.recorder.events);
    expect(lines[0]).toMatchObject({ direction: 'client', bytes: '0000000804d2162f' });
    expect(lines[1]).toMatchObject({ direction: 'server', bytes: '53' });
    expect(r.tlsProtocol).toBe('TLSv1.3');
  });

  it('postgres with the project\'s own TLS engine: preamble, handshake and capabilities in one trace', async () => {
    await engineCheck('postgres', server.port, {});
  });

  it("SSLRequest answered 'N' is refused, not a plaintext fallback", async () => {
    const { error, recorder } = await expectStartTlsError('postgres', plain.port);
    expect(error.code).toBe('STARTTLS_REFUSED');
    expect(preambles(recorder.events)[1]).toMatchObject({ direction: 'server', bytes: '4e' });
  });
});

describe('LDAP against slapd', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startSlapd(cert);
  });
  afterAll(() => server?.stop());

  it('root DSE, StartTLS extended operation, root DSE again over TLS', async () => {
    const r = await startTlsEndToEnd('ldap', server.port, {}, cert.certPem);
    expect(r.result.capabilitiesBefore).toContain(`supportedExtension: ${STARTTLS_OID_FOR_TESTS}`);
    expect(r.capabilitiesAfter).toContain('supportedLDAPVersion: 3');
    const lines = preambles(r.recorder.events);
    const request = lines.find((e) => e.direction === 'client' && e.text.includes('ExtendedRequest'))!;
    expect(request.bytes).toContain(Buffer.from(STARTTLS_OID_FOR_TESTS).toString('hex'));
    const response = lines.find((e) => e.direction === 'server' && e.text.includes('ExtendedResponse'))!;
    expect(response.text).toMatch(/resultCode 0 \(success\)/);
  });

  it('ldap with the project\'s own TLS engine: preamble, handshake and capabilities in one trace', async () => {
    await engineCheck('ldap', server.port, {});
  });
});

describe('FTP against vsftpd', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startVsftpd(cert);
  });
  afterAll(() => server?.stop());

  it('FEAT, AUTH TLS, 234; PBSZ 0 and PROT P over TLS', async () => {
    const r = await startTlsEndToEnd('ftp', server.port, {}, cert.certPem);
    expect(r.result.capabilitiesBefore).toContain('AUTH TLS');
    expect(r.result.capabilitiesBefore).toContain('PROT');
    const texts = preambles(r.recorder.events).map((e) => e.text);
    expect(texts).toContain('AUTH TLS');
    expect(texts.find((t) => t.startsWith('234'))).toBeTruthy();
    const pbsz = texts.indexOf('PBSZ 0');
    expect(texts[pbsz + 1]).toMatch(/^200/);
    const prot = texts.indexOf('PROT P');
    expect(texts[prot + 1]).toMatch(/^200/);
    expect(r.capabilitiesAfter.length).toBeGreaterThan(0);
  });

  it('ftp with the project\'s own TLS engine: preamble, handshake and capabilities in one trace', async () => {
    await engineCheck('ftp', server.port, {});
  });
});

describe('XMPP against Prosody', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startProsody(cert);
  });
  afterAll(() => server?.stop());

  it('stream header, features, <starttls/>, <proceed/>, new stream over TLS', async () => {
    const r = await startTlsEndToEnd('xmpp', server.port, { hostname: 'localhost' }, cert.certPem);
    expect(r.result.capabilitiesBefore).toContain('starttls (required)');
    expect(r.capabilitiesAfter.some((c) => c.startsWith('mechanisms:'))).toBe(true);
    expect(r.capabilitiesAfter.some((c) => c.startsWith('starttls'))).toBe(false);
    expect(preambles(r.recorder.events).some((e) => e.direction === 'server' && e.text.includes('<proceed'))).toBe(true);
  });

  it('xmpp with the project\'s own TLS engine: preamble, handshake and capabilities in one trace', async () => {
    await engineCheck('xmpp', server.port, { hostname: 'localhost' });
  });

  it('an unknown domain ends in a stream error', async () => {
    const { error } = await expectStartTlsError('xmpp', server.port, { hostname: 'no-such-host.example' });
    expect(error.code).toBe('STARTTLS_REFUSED');
    expect(error.message).toMatch(/host-unknown/);
  });
});

describe('MySQL protocol against MariaDB', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startMariadb(cert);
  }, 90_000);
  afterAll(() => server?.stop());

  it('greeting with CLIENT_SSL, SSL Request packet, then TLS', async () => {
    const r = await startTlsEndToEnd('mysql', server.port, {}, cert.certPem);
    expect(r.result.capabilitiesBefore).toContain('CLIENT_SSL');
    expect(r.result.capabilitiesBefore).toContain('CLIENT_PROTOCOL_41');
    const lines = preambles(r.recorder.events);
    expect(lines[0].text).toMatch(/server version: .*MariaDB/);
    expect(lines[1].direction).toBe('client');
    expect(lines[1].bytes.slice(0, 8)).toBe('20000001'); // 32-byte payload, sequence 1
    expect(r.tlsProtocol).toMatch(/^TLSv1\.[23]$/);
  });

  it('mysql with the project\'s own TLS engine: preamble, handshake and capabilities in one trace', async () => {
    await engineCheck('mysql', server.port, {});
  });
});
