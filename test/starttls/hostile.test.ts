// Hostile and broken STARTTLS servers (scripted: no real server misbehaves on purpose).
// Injection after the go-ahead, refusals, PREAUTH, silence, closing, overlong lines, and no pipelining.
import { afterEach, describe, expect, it } from 'vitest';
import { TraceRecorder } from '../../src/trace/recorder.ts';
import { runStartTls, StartTlsError, type StartTlsProtocol } from '../../src/starttls/index.ts';
import { ber, berDecode } from '../../src/starttls/ber.ts';
import { connectTransport } from '../support/net.ts';
import { startScriptedServer, type ScriptedConnection, type ScriptedServer } from '../support/scripted.ts';
import { expectStartTlsError, preambles } from './helpers.ts';

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

type Mode = 'same-write' | 'later-write';
const INJECTED = 'INJECTED-COMMAND\r\n';

/** Send the go-ahead, then the injected plaintext: in the same write, or in a second write 40 ms later. */
function goAhead(c: ScriptedConnection, go: string | Uint8Array, mode: Mode): void {
  if (mode === 'same-write') {
    const goBytes = typeof go === 'string' ? Buffer.from(go) : Buffer.from(go);
    c.write(Buffer.concat([goBytes, Buffer.from(INJECTED)]));
  } else {
    c.write(go);
    setTimeout(() => c.write(INJECTED), 40);
  }
}

function mysqlGreeting(): Uint8Array {
  const payload = Buffer.concat([
    Buffer.from([10]), Buffer.from('8.0.0-hostile\0'), Buffer.from([1, 0, 0, 0]), Buffer.alloc(8, 0x41), Buffer.from([0]),
    Buffer.from([0x00, 0xaa]), // capabilities low: PROTOCOL_41 | SSL | TRANSACTIONS | SECURE_CONNECTION
    Buffer.from([45]), Buffer.from([2, 0]), Buffer.from([0x08, 0x00]), // charset, status, capabilities high: PLUGIN_AUTH
    Buffer.from([21]), Buffer.alloc(10), Buffer.alloc(12, 0x42), Buffer.from([0]), Buffer.from('mysql_native_password\0'),
  ]);
  return Buffer.concat([Buffer.from([payload.length & 0xff, payload.length >> 8, 0, 0]), payload]);
}

/** A minimal server for each protocol that reaches the go-ahead and then injects plaintext. */
function hostileScript(protocol: StartTlsProtocol, mode: Mode) {
  const lines = (greeting: string, replies: Record<string, string>, goCommand: string, go: string) => ({
    onConnect: (c: ScriptedConnection) => c.write(greeting),
    onLine: (line: string, c: ScriptedConnection) => {
      if (line === goCommand) return goAhead(c, go, mode);
      const key = Object.keys(replies).find((k) => line.startsWith(k));
      c.write(key ? replies[key] : '500 what?\r\n');
    },
  });
  switch (protocol) {
    case 'smtp':
      return lines('220 hostile ESMTP\r\n', { EHLO: '250-hostile\r\n250 STARTTLS\r\n' }, 'STARTTLS', '220 go ahead\r\n');
    case 'lmtp':
      return lines('220 hostile LMTP\r\n', { LHLO: '250-hostile\r\n250 STARTTLS\r\n' }, 'STARTTLS', '220 go ahead\r\n');
    case 'imap':
      return lines('* OK hostile\r\n', { 'A1 CAPABILITY': '* CAPABILITY IMAP4rev1 STARTTLS\r\nA1 OK done\r\n' }, 'A2 STARTTLS', 'A2 OK go ahead\r\n');
    case 'pop3':
      return lines('+OK hostile\r\n', { CAPA: '+OK\r\nSTLS\r\n.\r\n' }, 'STLS', '+OK go ahead\r\n');
    case 'nntp':
      return lines('200 hostile\r\n', { CAPABILITIES: '101 caps\r\nVERSION 2\r\nSTARTTLS\r\n.\r\n' }, 'STARTTLS', '382 go ahead\r\n');
    case 'ftp':
      return lines('220 hostile\r\n', { FEAT: '211-Features:\r\n AUTH TLS\r\n211 End\r\n' }, 'AUTH TLS', '234 go ahead\r\n');
    case 'sieve':
      return lines('"IMPLEMENTATION" "hostile"\r\n"STARTTLS"\r\nOK "ready"\r\n', {}, 'STARTTLS', 'OK "go ahead"\r\n');
    case 'postgres':
      return { onData: (_d: Buffer, c: ScriptedConnection) => goAhead(c, 'S', mode) };
    case 'mysql':
      // No go-ahead message in MySQL: the greeting is the last plaintext; extra bytes ride with it or follow the SSL Request.
      if (mode === 'same-write') return { onConnect: (c: ScriptedConnection) => goAhead(c, mysqlGreeting(), mode) };
      return { onConnect: (c: ScriptedConnection) => c.write(mysqlGreeting()), onData: (_d: Buffer, c: ScriptedConnection) => goAhead(c, new Uint8Array(0), mode) };
    case 'xmpp':
      return {
        onData: (d: Buffer, c: ScriptedConnection) => {
          const text = d.toString();
          if (text.includes('<stream:stream')) {
            c.write(`<?xml version='1.0'?><stream:stream xmlns:stream='http://etherx.jabber.org/streams' xmlns='jabber:client' version='1.0' id='x' from='localhost'>` +
              `<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:features>`);
          } else if (text.includes('<starttls')) {
            goAhead(c, `<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>`, mode);
          }
        },
      };
    case 'ldap':
      return {
        onData: (d: Buffer, c: ScriptedConnection) => {
          const [msg] = berDecode(new Uint8Array(d));
          const id = msg.children![0].value[0];
          const op = msg.children![1].tag;
          const result = [ber.enumerated(0), ber.octets(''), ber.octets('')];
          if (op === 3) c.write(ber.sequence(ber.integer(id), ber.constructed(0x65, ...result)));
          else goAhead(c, ber.sequence(ber.integer(id), ber.constructed(0x78, ...result)), mode);
        },
      };
  }
}

const ALL: StartTlsProtocol[] = ['smtp', 'lmtp', 'imap', 'pop3', 'nntp', 'ftp', 'sieve', 'postgres', 'mysql', 'xmpp', 'ldap'];

describe('plaintext injected after the go-ahead', () => {
  for (const protocol of ALL) {
    for (const mode of ['same-write', 'later-write'] as const) {
      it(`${protocol}: ${mode}`, async () => {
        server = await startScriptedServer(hostileScript(protocol, mode)!);
        // A generous wait so that a loaded machine still sees the second write within it.
        const { error, recorder } = await expectStartTlsError(protocol, server.port, { hostname: 'localhost', injectionWaitMs: 1000 });
        expect(error.code).toBe('STARTTLS_INJECTION');
        expect(error.message).toMatch(/CVE-2011-0411/);
        expect(error.message).toMatch(/NO STARTTLS/);
        expect(error.message).toMatch(mode === 'same-write' ? /same read as the go-ahead/ : /within \d+ ms of the go-ahead/);
        const injected = preambles(recorder.events).at(-1)!;
        expect(injected.direction).toBe('server');
        expect(injected.note).toMatch(/INJECTED/);
        expect(injected.text).toContain('INJECTED-COMMAND');
        expect(recorder.events.at(-1)).toMatchObject({ kind: 'error', code: 'STARTTLS_INJECTION' });
        if (protocol === 'postgres') expect(error.message).toMatch(/CVE-2021-23222/);
      });
    }
  }

  it('bytes that arrive after the wait but before the TLS client speaks are refused by the handed-back transport', async () => {
    let conn: ScriptedConnection | undefined;
    server = await startScriptedServer({
      onConnect: (c) => c.write('220 hostile ESMTP\r\n'),
      onLine: (line, c) => {
        if (line.startsWith('EHLO')) c.write('250-hostile\r\n250 STARTTLS\r\n');
        if (line === 'STARTTLS') {
          conn = c;
          c.write('220 go ahead\r\n');
        }
      },
    });
    const recorder = new TraceRecorder();
    const result = await runStartTls('smtp', await connectTransport(server.port), recorder.emit, { injectionWaitMs: 30 });
    expect(conn).toBeDefined();
    // Injected only now, after the layer has handed over: the guard on the returned transport must catch it.
    conn!.write(INJECTED);
    const err = await result.transport.read().then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(StartTlsError);
    expect((err as StartTlsError).code).toBe('STARTTLS_INJECTION');
    expect((err as StartTlsError).message).toMatch(/before the client started the TLS handshake/);
    expect(recorder.events.at(-1)).toMatchObject({ kind: 'error', code: 'STARTTLS_INJECTION' });
    await result.transport.close();
  });
});

describe('refused, missing and impossible STARTTLS', () => {
  it('SMTP 454 is STARTTLS_REFUSED', async () => {
    server = await startScriptedServer({
      onConnect: (c) => c.write('220 x ESMTP\r\n'),
      onLine: (line, c) => c.write(line.startsWith('EHLO') ? '250-x\r\n250 STARTTLS\r\n' : '454 4.7.0 TLS not available due to local problem\r\n'),
    });
    const { error } = await expectStartTlsError('smtp', server.port);
    expect(error.code).toBe('STARTTLS_REFUSED');
    expect(error.message).toMatch(/454/);
  });

  it('IMAP PREAUTH means TLS is impossible: PREAUTH error, nothing sent', async () => {
    server = await startScriptedServer({ onConnect: (c) => c.write('* PREAUTH [CAPABILITY IMAP4rev1] logged in as you\r\n') });
    const { error, recorder } = await expectStartTlsError('imap', server.port);
    expect(error.code).toBe('PREAUTH');
    expect(preambles(recorder.events).filter((e) => e.direction === 'client')).toHaveLength(0);
    expect(server.connections[0].received).toHaveLength(0);
  });

  it('IMAP STARTTLS answered NO is refused', async () => {
    server = await startScriptedServer({
      onConnect: (c) => c.write('* OK x\r\n'),
      onLine: (line, c) => c.write(line.startsWith('A1') ? '* CAPABILITY IMAP4rev1 STARTTLS\r\nA1 OK\r\n' : 'A2 NO [UNAVAILABLE] not now\r\n'),
    });
    expect((await expectStartTlsError('imap', server.port)).error.code).toBe('STARTTLS_REFUSED');
  });

  it('FTP without FEAT: AUTH TLS is still asked, and its refusal is STARTTLS_REFUSED', async () => {
    server = await startScriptedServer({
      // RFC 959 multi-line greeting with a line that carries no code.
      onConnect: (c) => c.write('220-Welcome\r\nplain text line\r\n220 ready\r\n'),
      onLine: (line, c) => c.write(line === 'FEAT' ? '500 unknown command\r\n' : '502 AUTH not implemented\r\n'),
    });
    const { error, recorder } = await expectStartTlsError('ftp', server.port);
    expect(error.code).toBe('STARTTLS_REFUSED');
    expect(preambles(recorder.events).filter((e) => e.direction === 'client').map((e) => e.text)).toEqual(['FEAT', 'AUTH TLS']);
  });

  it('FTP FEAT without AUTH TLS: AUTH TLS is sent anyway (marked unadvertised); its refusal is STARTTLS_REFUSED', async () => {
    server = await startScriptedServer({
      onConnect: (c) => c.write('220 ready\r\n'),
      onLine: (l, c) => c.write(l === 'FEAT' ? '211-Features:\r\n MDTM\r\n SIZE\r\n211 End\r\n' : '504 Security mechanism not understood\r\n'),
    });
    const { error, recorder } = await expectStartTlsError('ftp', server.port);
    expect(error.code).toBe('STARTTLS_REFUSED');
    expect(preambles(recorder.events).find((e) => e.text === 'AUTH TLS')).toMatchObject({ advertised: false });
  });

  it('NNTP STARTTLS answered 580 is refused', async () => {
    server = await startScriptedServer({
      onConnect: (c) => c.write('201 no posting\r\n'),
      onLine: (line, c) => c.write(line === 'CAPABILITIES' ? '101 caps\r\nVERSION 2\r\nSTARTTLS\r\n.\r\n' : '580 Can not initiate TLS negotiation\r\n'),
    });
    expect((await expectStartTlsError('nntp', server.port)).error.code).toBe('STARTTLS_REFUSED');
  });

  it('ManageSieve STARTTLS answered NO is refused', async () => {
    server = await startScriptedServer({ onConnect: (c) => c.write('"STARTTLS"\r\nOK\r\n'), onLine: (_l, c) => c.write('NO "not now"\r\n') });
    expect((await expectStartTlsError('sieve', server.port)).error.code).toBe('STARTTLS_REFUSED');
  });

  it('POP3 without STLS in CAPA: STLS is sent anyway (marked unadvertised); -ERR is STARTTLS_REFUSED', async () => {
    server = await startScriptedServer({ onConnect: (c) => c.write('+OK x\r\n'), onLine: (l, c) => c.write(l === 'CAPA' ? '+OK\r\nUSER\r\n.\r\n' : '-ERR unknown command\r\n') });
    const { error, recorder } = await expectStartTlsError('pop3', server.port);
    expect(error.code).toBe('STARTTLS_REFUSED');
    expect(preambles(recorder.events).find((e) => e.text === 'STLS')).toMatchObject({ advertised: false });
  });

  it('LDAP StartTLS answered unavailable is refused', async () => {
    server = await startScriptedServer({
      onData: (d, c) => {
        const [msg] = berDecode(new Uint8Array(d));
        const id = msg.children![0].value[0];
        const op = msg.children![1].tag;
        if (op === 3) c.write(ber.sequence(ber.integer(id), ber.constructed(0x65, ber.enumerated(0), ber.octets(''), ber.octets(''))));
        else c.write(ber.sequence(ber.integer(id), ber.constructed(0x78, ber.enumerated(52), ber.octets(''), ber.octets('TLS already started'))));
      },
    });
    const { error } = await expectStartTlsError('ldap', server.port);
    expect(error.code).toBe('STARTTLS_REFUSED');
    expect(error.message).toMatch(/unavailable/);
  });

  it('XMPP <failure/> is refused', async () => {
    server = await startScriptedServer({
      onData: (d, c) => {
        if (d.toString().includes('<stream:stream'))
          c.write(`<stream:stream xmlns:stream='http://etherx.jabber.org/streams' version='1.0'><stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:features>`);
        else c.write(`<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:stream>`);
      },
    });
    expect((await expectStartTlsError('xmpp', server.port)).error.code).toBe('STARTTLS_REFUSED');
  });

  it('XMPP with a DOCTYPE is a protocol error (RFC 6120 11.1)', async () => {
    server = await startScriptedServer({ onData: (_d, c) => c.write(`<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'b'>]><stream:stream>`) });
    expect((await expectStartTlsError('xmpp', server.port)).error.code).toBe('PROTOCOL_ERROR');
  });

  it('MySQL greeting without CLIENT_SSL: the SSL Request is sent anyway, marked unadvertised, with a note', async () => {
    const g = Buffer.from(mysqlGreeting());
    g[4 + 1 + 14 + 4 + 8 + 1 + 1] = 0x80; // capabilities low byte 2: drop CLIENT_SSL (0x0800)
    server = await startScriptedServer({ onConnect: (c) => c.write(g) });
    const recorder = new TraceRecorder();
    const transport = await connectTransport(server.port);
    const result = await runStartTls('mysql', transport, recorder.emit, { timeoutMs: 5000 });
    await result.transport.close();
    expect(result.advertised).toBe(false);
    const lines = preambles(recorder.events);
    expect(lines[0].text).toMatch(/server version: 8\.0\.0-hostile/);
    expect(lines[1]).toMatchObject({ direction: 'client', advertised: false });
    expect(lines[1].text).toMatch(/^SSL Request/);
    expect(recorder.events.some((e) => e.kind === 'note' && /lacks the CLIENT_SSL capability flag: sending the command anyway/.test(e.text))).toBe(true);
  });

  it('MySQL ERR packet instead of a greeting is refused with its message', async () => {
    const msg = Buffer.from("Host '127.0.0.1' is not allowed to connect");
    const payload = Buffer.concat([Buffer.from([0xff, 0x6a, 0x04]), msg]);
    server = await startScriptedServer({ onConnect: (c) => c.write(Buffer.concat([Buffer.from([payload.length, 0, 0, 0]), payload])) });
    const { error } = await expectStartTlsError('mysql', server.port);
    expect(error.code).toBe('STARTTLS_REFUSED');
    expect(error.message).toMatch(/1130.*not allowed/);
  });
});

describe('silence, closing, oversize and pipelining', () => {
  it('a silent server is a TIMEOUT, not a hang', async () => {
    server = await startScriptedServer({});
    const started = Date.now();
    const { error, recorder } = await expectStartTlsError('smtp', server.port, { timeoutMs: 300 });
    expect(error.code).toBe('TIMEOUT');
    expect(Date.now() - started).toBeLessThan(3000);
    expect(recorder.events.at(-1)).toMatchObject({ kind: 'error', code: 'TIMEOUT' });
  });

  it('a server that stops answering after EHLO times out too', async () => {
    server = await startScriptedServer({ onConnect: (c) => c.write('220 x\r\n') });
    expect((await expectStartTlsError('smtp', server.port, { timeoutMs: 300 })).error.code).toBe('TIMEOUT');
  });

  it('a server that closes is CLOSED', async () => {
    server = await startScriptedServer({ onConnect: (c) => c.socket.end('220 x\r\n') });
    expect((await expectStartTlsError('smtp', server.port)).error.code).toBe('CLOSED');
  });

  it('an endless line is cut off at the limit', async () => {
    server = await startScriptedServer({ onConnect: (c) => c.write('220 ' + 'x'.repeat(20_000)) });
    const { error } = await expectStartTlsError('smtp', server.port, { maxLineLength: 1000 });
    expect(error.code).toBe('PROTOCOL_ERROR');
    expect(error.message).toMatch(/longer than 1000 bytes/);
  });

  it('SMTP reply codes that change inside a multi-line reply are a protocol error', async () => {
    server = await startScriptedServer({ onConnect: (c) => c.write('220-x\r\n250 y\r\n') });
    expect((await expectStartTlsError('smtp', server.port)).error.code).toBe('PROTOCOL_ERROR');
  });

  it('STARTTLS is never pipelined: each command waits for the complete reply', async () => {
    const arrivals: string[] = [];
    server = await startScriptedServer({
      onConnect: (c) => {
        // Multi-line greeting, sent in two pieces: the client must wait for the final "220 " line.
        c.write('220-first line\r\n');
        setTimeout(() => c.write('220 last line\r\n'), 50);
      },
      onLine: (line, c) => {
        arrivals.push(`${c.received.length}:${line}`);
        if (line.startsWith('EHLO')) {
          c.write('250-x\r\n250-PIPELINING\r\n');
          setTimeout(() => c.write('250 STARTTLS\r\n'), 50);
        } else if (line === 'STARTTLS') c.write('220 go\r\n');
      },
    });
    const recorder = new TraceRecorder();
    const result = await runStartTls('smtp', await connectTransport(server.port), recorder.emit);
    expect(result.capabilitiesBefore).toEqual(['PIPELINING', 'STARTTLS']);
    // Each command arrived in its own TCP chunk, and nothing followed STARTTLS.
    const chunks = server.connections[0].received.map((b) => b.toString());
    expect(chunks).toEqual(['EHLO tls-lens.localdomain\r\n', 'STARTTLS\r\n']);
    expect(arrivals).toEqual(['1:EHLO tls-lens.localdomain', '2:STARTTLS']);
    await result.transport.close();
  });
});
