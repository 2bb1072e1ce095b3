// STARTTLS against protocol libraries (smtp-server for LMTP and SMTP) and, where npm has no server,
// scripted servers that do a real TLS upgrade with Node's tls (NNTP, PostgreSQL direct TLS),
// plus a server that dribbles its replies one byte at a time.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { SMTPServer } from 'smtp-server';
import tls from 'node:tls';
import net from 'node:net';
import { preambles, startTlsEndToEnd, testCert } from './helpers.ts';
import { onTlsLines, startScriptedServer, type ScriptedServer } from '../support/scripted.ts';

const cert = testCert();
afterAll(() => cert.cleanup());

async function listen(server: SMTPServer): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return ((server as unknown as { server: net.Server }).server.address() as net.AddressInfo).port;
}

describe('smtp-server (nodemailer)', () => {
  const servers: SMTPServer[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) await new Promise<void>((r) => s.close(() => r()));
  });

  it('LMTP: LHLO, STARTTLS, 220, TLS, LHLO again over TLS', async () => {
    const s = new SMTPServer({ lmtp: true, key: cert.keyPem, cert: cert.certPem, logger: false, disableReverseLookup: true });
    servers.push(s);
    const r = await startTlsEndToEnd('lmtp', await listen(s), {}, cert.certPem);
    expect(r.result.capabilitiesBefore).toContain('STARTTLS');
    expect(r.capabilitiesAfter).toContain('PIPELINING');
    expect(r.capabilitiesAfter).not.toContain('STARTTLS');
    expect(preambles(r.recorder.events).some((e) => e.direction === 'client' && e.text.startsWith('LHLO '))).toBe(true);
  });

  it('SMTP: the same with EHLO', async () => {
    const s = new SMTPServer({ key: cert.keyPem, cert: cert.certPem, logger: false, disableReverseLookup: true });
    servers.push(s);
    const r = await startTlsEndToEnd('smtp', await listen(s), {}, cert.certPem);
    expect(r.capabilitiesAfter.some((c) => c.startsWith('AUTH'))).toBe(true);
    expect(r.capabilitiesAfter).not.toContain('STARTTLS');
  });

  it('SMTP: hidden STARTTLS that the server still accepts: sent anyway, marked unadvertised, TLS completes', async () => {
    const s = new SMTPServer({ hideSTARTTLS: true, key: cert.keyPem, cert: cert.certPem, logger: false, disableReverseLookup: true });
    servers.push(s);
    const r = await startTlsEndToEnd('smtp', await listen(s), {}, cert.certPem);
    expect(r.result.capabilitiesBefore).not.toContain('STARTTLS');
    expect(r.result.advertised).toBe(false);
    expect(preambles(r.recorder.events).find((e) => e.text === 'STARTTLS')).toMatchObject({ direction: 'client', advertised: false });
    expect(r.tlsProtocol).toMatch(/^TLSv1\.[23]$/);
  });
});

describe('scripted servers with a real TLS upgrade', () => {
  let server: ScriptedServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it('NNTP (RFC 4642): CAPABILITIES, STARTTLS, 382, CAPABILITIES over TLS', async () => {
    server = await startScriptedServer({
      onConnect: (c) => c.write('200 news.example ready (posting ok)\r\n'),
      onLine: (line, c) => {
        if (line === 'CAPABILITIES') c.write('101 Capability list:\r\nVERSION 2\r\nREADER\r\nSTARTTLS\r\n.\r\n');
        else if (line === 'STARTTLS') {
          c.write('382 Continue with TLS negotiation\r\n');
          c.startTls({ certPem: cert.certPem, keyPem: cert.keyPem }).then((secure) =>
            onTlsLines(secure, (l) => {
              if (l === 'CAPABILITIES') secure.write('101 Capability list:\r\nVERSION 2\r\nREADER\r\nAUTHINFO USER\r\n.\r\n');
            }),
          );
        } else c.write('500 unknown\r\n');
      },
    });
    const r = await startTlsEndToEnd('nntp', server.port, {}, cert.certPem);
    expect(r.result.capabilitiesBefore).toEqual(['VERSION 2', 'READER', 'STARTTLS']);
    expect(r.capabilitiesAfter).toEqual(['VERSION 2', 'READER', 'AUTHINFO USER']);
    const note = r.recorder.events.filter((e) => e.kind === 'note').at(-1);
    expect(note).toMatchObject({ text: 'NNTP: capabilities after TLS: added AUTHINFO USER; removed STARTTLS' });
  });

  it('PostgreSQL direct TLS: no SSLRequest, ALPN "postgresql" offered', async () => {
    const tlsServer = tls.createServer({ cert: cert.certPem, key: cert.keyPem, ALPNProtocols: ['postgresql'] });
    const negotiated = new Promise<string | false | null>((resolve) => tlsServer.on('secureConnection', (s) => resolve(s.alpnProtocol)));
    await new Promise<void>((r) => tlsServer.listen(0, '127.0.0.1', r));
    try {
      const port = (tlsServer.address() as net.AddressInfo).port;
      const r = await startTlsEndToEnd('postgres', port, { direct: true }, cert.certPem);
      expect(r.result.alpn).toEqual(['postgresql']);
      expect(preambles(r.recorder.events)).toHaveLength(0);
      expect(await negotiated).toBe('postgresql');
    } finally {
      tlsServer.close();
    }
  });

  it('replies dribbled one byte per write are still read correctly (SMTP multi-line)', async () => {
    const dribble = (c: { write(t: string): void }, text: string) => {
      [...text].forEach((ch, i) => setTimeout(() => c.write(ch), i));
    };
    server = await startScriptedServer({
      onConnect: (c) => dribble(c, '220-slow.example\r\n220 ready\r\n'),
      onLine: (line, c) => {
        if (line.startsWith('EHLO')) dribble(c, '250-slow.example\r\n250-SIZE 1000\r\n250 STARTTLS\r\n');
        else if (line === 'STARTTLS') {
          dribble(c, '220 go\r\n');
          setTimeout(() => c.startTls({ certPem: cert.certPem, keyPem: cert.keyPem }).then((secure) =>
            onTlsLines(secure, (l) => l.startsWith('EHLO') && secure.write('250-slow.example\r\n250 SIZE 1000\r\n')),
          ), 20);
        }
      },
    });
    const r = await startTlsEndToEnd('smtp', server.port, {}, cert.certPem);
    expect(r.result.capabilitiesBefore).toEqual(['SIZE 1000', 'STARTTLS']);
    expect(r.capabilitiesAfter).toEqual(['SIZE 1000']);
  });

  it('XMPP stream header and features dribbled one byte per write, then a stream restart over TLS', async () => {
    const header = (id: string) =>
      `<?xml version='1.0'?><stream:stream xmlns:stream='http://etherx.jabber.org/streams' xmlns='jabber:client' version='1.0' id='${id}' from='localhost'>`;
    server = await startScriptedServer({
      onData: (d, c) => {
        const text = d.toString();
        if (text.includes('<stream:stream')) {
          const reply = header('plain') + `<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>`;
          [...reply].forEach((ch, i) => setTimeout(() => c.write(ch), i / 8));
        } else if (text.includes('<starttls')) {
          c.write(`<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>`);
          c.startTls({ certPem: cert.certPem, keyPem: cert.keyPem }).then((secure) =>
            secure.on('data', (t: Buffer) => {
              if (t.toString().includes('<stream:stream'))
                secure.write(header('tls') + `<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>SCRAM-SHA-1</mechanism><mechanism>PLAIN</mechanism></mechanisms></stream:features>`);
            }),
          );
        }
      },
    });
    const r = await startTlsEndToEnd('xmpp', server.port, { hostname: 'localhost' }, cert.certPem);
    expect(r.result.capabilitiesBefore).toEqual(['starttls (required)']);
    expect(r.capabilitiesAfter).toEqual(['mechanisms: SCRAM-SHA-1 PLAIN']);
  });

  it('IMAP capabilities split by a literal are joined (RFC 9051 4.3)', async () => {
    server = await startScriptedServer({
      onConnect: (c) => c.write('* OK ready\r\n'),
      onLine: (line, c) => {
        if (line === 'A1 CAPABILITY') c.write('* CAPABILITY IMAP4rev1 {8}\r\nSTARTTLS LOGINDISABLED\r\nA1 OK\r\n');
        else if (line === 'A2 STARTTLS') {
          c.write('A2 OK begin TLS\r\n');
          c.startTls({ certPem: cert.certPem, keyPem: cert.keyPem }).then((secure) =>
            onTlsLines(secure, (l) => l === 'A3 CAPABILITY' && secure.write('* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\nA3 OK\r\n')),
          );
        }
      },
    });
    const r = await startTlsEndToEnd('imap', server.port, {}, cert.certPem);
    expect(r.result.capabilitiesBefore).toEqual(['IMAP4rev1', 'STARTTLS', 'LOGINDISABLED']);
    expect(r.capabilitiesAfter).toEqual(['IMAP4rev1', 'AUTH=PLAIN']);
  });
});

