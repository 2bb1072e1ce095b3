// Property fuzz of the STARTTLS dialogues: a correct scripted server per protocol (its bytes modelled on what
// Postfix, Dovecot, vsftpd, Prosody, slapd, PostgreSQL and MariaDB send), bent in every way a hostile server can,
// run through runStartTls over an in-memory pair. FUZZ_RUNS / FUZZ_SEED as in test/support/fuzz.ts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { memoryPair, type MemoryTransport } from '../../src/transport/memory.ts';
import { TraceRecorder } from '../../src/trace/recorder.ts';
import { runStartTls, StartTlsError, type StartTlsProtocol, type StartTlsResult } from '../../src/starttls/index.ts';
import { ber } from '../../src/starttls/ber.ts';
import { fuzzRunOptions } from '../support/fuzz.ts';
import { expectPlain } from '../support/plain-words.ts';
import { preambles } from './helpers.ts';

const enc = (s: string) => new TextEncoder().encode(s);
const cat = (...parts: Uint8Array[]) => catAll(parts);
function catAll(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** One server turn: optionally wait for one client write, then send these bytes. The last turn holds the go-ahead. */
interface Turn {
  wait: boolean;
  bytes: Uint8Array;
}

interface Seed {
  name: string;
  turns: Turn[];
  /** A line or unit that repeats inside a reply (a continuation line, a capability, an entry). */
  repeat: Uint8Array;
  refusal: Uint8Array;
  text: boolean;
}

function mysqlGreeting(): Uint8Array {
  const payload = cat(
    Uint8Array.of(10), enc('10.11.6-MariaDB-0+deb12u1\0'), Uint8Array.of(3, 0, 0, 0), enc('AAAAAAAA'), Uint8Array.of(0),
    Uint8Array.of(0xfe, 0xff), Uint8Array.of(45), Uint8Array.of(2, 0), Uint8Array.of(0xff, 0x81), Uint8Array.of(21), new Uint8Array(6),
    Uint8Array.of(0x1d, 0, 0, 0), enc('BBBBBBBBBBBB'), Uint8Array.of(0), enc('mysql_native_password\0'),
  );
  return cat(Uint8Array.of(payload.length & 0xff, payload.length >> 8, 0, 0), payload);
}

const ldapResult = (id: number, op: number, code: number, ...extra: Uint8Array[]) =>
  ber.sequence(ber.integer(id), ber.constructed(op, ber.enumerated(code), ber.octets(''), ber.octets(''), ...extra));
const ldapEntry = ber.sequence(
  ber.integer(1),
  ber.constructed(0x64, ber.octets(''), ber.sequence(
    ber.sequence(ber.octets('supportedExtension'), ber.constructed(0x31, ber.octets('1.3.6.1.4.1.4203.1.11.1'), ber.octets('1.3.6.1.4.1.1466.20037'))),
    ber.sequence(ber.octets('supportedLDAPVersion'), ber.constructed(0x31, ber.octets('3'))),
  )),
);
const XMPP_HEADER =
  `<?xml version='1.0'?><stream:stream xmlns='jabber:client' xml:lang='en' id='7f3e' from='localhost' version='1.0' xmlns:stream='http://etherx.jabber.org/streams'>`;

const t = (wait: boolean, s: string | Uint8Array): Turn => ({ wait, bytes: typeof s === 'string' ? enc(s) : s });

const SEEDS: Record<StartTlsProtocol, Seed> = {
  smtp: {
    name: 'SMTP', text: true, repeat: enc('250-SIZE 10240000\r\n'), refusal: enc('454 4.7.0 TLS not available due to local problem\r\n'),
    turns: [
      t(false, '220 mail.example ESMTP Postfix (Debian/GNU)\r\n'),
      t(true, '250-mail.example\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-STARTTLS\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250 CHUNKING\r\n'),
      t(true, '220 2.0.0 Ready to start TLS\r\n'),
    ],
  },
  lmtp: {
    name: 'LMTP', text: true, repeat: enc('250-8BITMIME\r\n'), refusal: enc('502 5.5.1 Unknown command\r\n'),
    turns: [t(false, '220 mail.example Dovecot (Debian) ready.\r\n'), t(true, '250-mail.example\r\n250-8BITMIME\r\n250-STARTTLS\r\n250 PIPELINING\r\n'), t(true, '220 2.0.0 Begin TLS.\r\n')],
  },
  imap: {
    name: 'IMAP', text: true, repeat: enc('* CAPABILITY IMAP4rev1 STARTTLS\r\n'), refusal: enc('A2 NO [UNAVAILABLE] not now\r\n'),
    turns: [
      t(false, '* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS LOGINDISABLED] Dovecot (Debian) ready.\r\n'),
      t(true, '* CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS LOGINDISABLED\r\nA1 OK Pre-login capabilities listed, post-login capabilities have more.\r\n'),
      t(true, 'A2 OK Begin TLS negotiation now.\r\n'),
    ],
  },
  pop3: {
    name: 'POP3', text: true, repeat: enc('TOP\r\n'), refusal: enc('-ERR TLS support isn\'t enabled.\r\n'),
    turns: [t(false, '+OK Dovecot (Debian) ready.\r\n'), t(true, '+OK\r\nCAPA\r\nTOP\r\nUIDL\r\nRESP-CODES\r\nPIPELINING\r\nAUTH-RESP-CODE\r\nSTLS\r\nUSER\r\nSASL\r\n.\r\n'), t(true, '+OK Begin TLS negotiation now.\r\n')],
  },
  ftp: {
    name: 'FTP', text: true, repeat: enc(' EPRT\r\n'), refusal: enc('530 Please login with USER and PASS.\r\n'),
    turns: [t(false, '220 (vsFTPd 3.0.3)\r\n'), t(true, '211-Features:\r\n AUTH SSL\r\n AUTH TLS\r\n EPRT\r\n PBSZ\r\n PROT\r\n UTF8\r\n211 End\r\n'), t(true, '234 Proceed with negotiation.\r\n')],
  },
  nntp: {
    name: 'NNTP', text: true, repeat: enc('READER\r\n'), refusal: enc('580 Can not initiate TLS negotiation\r\n'),
    turns: [t(false, '200 news.example InterNetNews server INN 2.7 ready\r\n'), t(true, '101 Capability list:\r\nVERSION 2\r\nREADER\r\nSTARTTLS\r\n.\r\n'), t(true, '382 Begin TLS negotiation now\r\n')],
  },
  sieve: {
    name: 'ManageSieve', text: true, repeat: enc('"NOTIFY" "mailto"\r\n'), refusal: enc('NO "TLS not available"\r\n'),
    turns: [
      t(false, '"IMPLEMENTATION" "Dovecot Pigeonhole"\r\n"SIEVE" "fileinto reject envelope"\r\n"NOTIFY" "mailto"\r\n"SASL" ""\r\n"STARTTLS"\r\n"VERSION" "1.0"\r\nOK "Dovecot ready."\r\n'),
      t(true, 'OK "Begin TLS negotiation now."\r\n'),
    ],
  },
  xmpp: {
    name: 'XMPP', text: true, repeat: enc(`<x xmlns='urn:xmpp:x'/>`), refusal: enc(`<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:stream>`),
    turns: [
      t(true, XMPP_HEADER + `<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>`),
      t(true, `<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>`),
    ],
  },
  ldap: {
    name: 'LDAP', text: false, repeat: ldapEntry, refusal: ldapResult(2, 0x78, 52),
    turns: [t(true, cat(ldapEntry, ldapResult(1, 0x65, 0))), t(true, ldapResult(2, 0x78, 0, ber.octets('1.3.6.1.4.1.1466.20037', 0x8a)))],
  },
  postgres: { name: 'PostgreSQL', text: false, repeat: enc('S'), refusal: enc('N'), turns: [t(true, 'S')] },
  mysql: { name: 'MySQL / MariaDB', text: false, repeat: mysqlGreeting(), refusal: cat(Uint8Array.of(8, 0, 0, 0, 0xff, 0x6a, 0x04), enc('nope!')), turns: [t(false, mysqlGreeting())] },
};

const PROTOCOLS = Object.keys(SEEDS) as StartTlsProtocol[];

type Mutation =
  | { kind: 'none' }
  | { kind: 'flip'; turn: number; pos: number; byte: number }
  | { kind: 'insert'; turn: number; pos: number; bytes: readonly number[] }
  | { kind: 'delete'; turn: number; pos: number; len: number }
  | { kind: 'lineEnds'; style: 'lf' | 'cr' | 'none' }
  | { kind: 'truncate'; turn: number; pos: number; then: 'close' | 'stall' }
  | { kind: 'huge'; turn: number; pos: number; size: number; newline: boolean }
  | { kind: 'endless'; turn: number; count: number }
  | { kind: 'replace'; turn: number; bytes: readonly number[] | 'refusal' }
  | { kind: 'inject'; bytes: readonly number[]; sameWrite: boolean }
  | { kind: 'flood'; turn: number; pos: number; lead: readonly number[]; unit: readonly number[]; perWrite: number; writes: number }
  | { kind: 'deep'; turn: number; depth: number }
  | { kind: 'stall' }
  | { kind: 'close' };

const turnIx = fc.nat(7);
const pos = fc.nat(100_000);
const nasty = fc.oneof(
  fc.constantFrom([0], [0xff], [0xc3], [0xfe, 0xff], [0x80, 0x80], [0x0d], [0x0a], [0x0d, 0x0a], [0x22], [0x3c], [0x3e], [0x7b, 0x39, 0x7d]),
  fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 12 }),
);
const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.constant({ kind: 'none' as const }),
  fc.record({ kind: fc.constant('flip' as const), turn: turnIx, pos: fc.oneof(fc.nat(8), pos), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('insert' as const), turn: turnIx, pos, bytes: nasty }),
  fc.record({ kind: fc.constant('delete' as const), turn: turnIx, pos, len: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('lineEnds' as const), style: fc.constantFrom('lf' as const, 'cr' as const, 'none' as const) }),
  fc.record({ kind: fc.constant('truncate' as const), turn: turnIx, pos, then: fc.constantFrom('close' as const, 'stall' as const) }),
  fc.record({ kind: fc.constant('huge' as const), turn: turnIx, pos, size: fc.constantFrom(20_000, 100_000, 3 << 20), newline: fc.boolean() }),
  fc.record({ kind: fc.constant('endless' as const), turn: turnIx, count: fc.constantFrom(3, 999, 1001, 5000) }),
  fc.record({ kind: fc.constant('replace' as const), turn: turnIx, bytes: fc.oneof(fc.constant('refusal' as const), fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 40 })) }),
  fc.record({ kind: fc.constant('inject' as const), bytes: nasty, sameWrite: fc.boolean() }),
  // Many small writes of one short pattern: catches parsers that re-read the whole buffer expensively per read.
  fc.record({ kind: fc.constant('deep' as const), turn: turnIx, depth: fc.constantFrom(40, 12_000) }),
  fc.record({
    kind: fc.constant('flood' as const), turn: turnIx, pos, lead: fc.constantFrom([], [0x27], [0x3c, 0x61, 0x20, 0x22]),
    unit: fc.constantFrom([0x3e], [0x27, 0x3e], [0x3c, 0x61, 0x3e], [0x30, 0x84], [0x30, 0x02, 0x30, 0x00], [0x0a], [0x20]),
    perWrite: fc.constantFrom(1, 7, 64), writes: fc.constantFrom(50, 600),
  }),
  fc.constant({ kind: 'stall' as const }),
  fc.constant({ kind: 'close' as const }),
);
/** Where each write is cut into several: none, a few points, or one byte at a time. */
const splitsArb = fc.oneof(fc.constant<'bytes' | number[]>([]), fc.array(fc.nat(100_000), { maxLength: 4 }), fc.constant<'bytes' | number[]>('bytes'));

type Action = { write: Uint8Array; huge?: never } | { huge: { size: number; newline: boolean } } | 'wait';

const at = (n: number, len: number) => n % (len + 1);

/** An LDAPMessage (messageID 1) whose protocolOp is `depth` nested SEQUENCEs. */
function nestedBer(depth: number): Uint8Array {
  const nested = new Uint8Array(depth * 4);
  for (let i = depth - 1, len = 0; i >= 0; i--, len += 4) nested.set([0x30, 0x82, (len >> 8) & 0xff, len & 0xff], i * 4);
  const body = cat(Uint8Array.of(0x02, 0x01, 0x01), nested);
  return cat(Uint8Array.of(0x30, 0x83, body.length >> 16, (body.length >> 8) & 0xff, body.length & 0xff), body);
}

/** The server's actions: waits for client writes, writes (already split), and how it ends. */
function plan(seed: Seed, m: Mutation, splits: 'bytes' | number[]): { actions: Action[]; tail: 'tls' | 'close' | 'stall' } {
  const turns: Turn[] = seed.turns.map((x) => ({ ...x, bytes: x.bytes.slice() }));
  const n = turns.length;
  let tail: 'tls' | 'close' | 'stall' = 'tls';
  let cutAfter = n; // turns after this index are not played
  const splice = (b: Uint8Array, p: number, del: number, ins: Uint8Array) => cat(b.subarray(0, p), ins, b.subarray(p + del));
  let huge: { turn: number; pos: number; size: number; newline: boolean } | null = null;
  let inject: { bytes: Uint8Array; sameWrite: boolean } | null = null;
  let flood: { turn: number; pos: number; unit: readonly number[]; perWrite: number; writes: number } | null = null;
  switch (m.kind) {
    case 'flip': {
      const x = turns[m.turn % n];
      if (x.bytes.length) x.bytes[m.pos % x.bytes.length] = m.byte;
      break;
    }
    case 'insert': {
      const x = turns[m.turn % n];
      x.bytes = splice(x.bytes, at(m.pos, x.bytes.length), 0, Uint8Array.from(m.bytes));
      break;
    }
    case 'delete': {
      const x = turns[m.turn % n];
      x.bytes = splice(x.bytes, at(m.pos, x.bytes.length), m.len, new Uint8Array(0));
      break;
    }
    case 'lineEnds':
      if (seed.text) {
        const to = { lf: '\n', cr: '\r', none: '' }[m.style];
        for (const x of turns) x.bytes = enc(Buffer.from(x.bytes).toString('latin1').replace(/\r\n/g, to).replace(/[^\0-\xff]/g, '?'));
      }
      break;
    case 'truncate': {
      const i = m.turn % n;
      turns[i].bytes = turns[i].bytes.slice(0, at(m.pos, turns[i].bytes.length));
      cutAfter = i + 1;
      tail = m.then;
      break;
    }
    case 'huge':
      huge = { turn: m.turn % n, pos: 0, size: m.size, newline: m.newline };
      huge.pos = at(m.pos, turns[huge.turn].bytes.length);
      cutAfter = huge.turn + 1;
      tail = 'stall';
      break;
    case 'endless': {
      const x = turns[m.turn % n];
      x.bytes = catAll([...Array<Uint8Array>(m.count).fill(seed.repeat), x.bytes]);
      break;
    }
    case 'replace':
      turns[m.turn % n].bytes = m.bytes === 'refusal' ? seed.refusal.slice() : Uint8Array.from(m.bytes);
      break;
    case 'inject':
      inject = { bytes: Uint8Array.from(m.bytes), sameWrite: m.sameWrite };
      break;
    case 'deep':
      // Nesting thousands deep: BER SEQUENCEs for the binary protocols, open tags for the text ones.
      turns[m.turn % n].bytes = seed.text ? enc('<a>'.repeat(m.depth)) : nestedBer(m.depth);
      break;
    case 'flood': {
      // The turn up to pos, a lead (an open quote or tag), then the flood in many writes.
      const x = turns[m.turn % n];
      x.bytes = cat(x.bytes.subarray(0, at(m.pos, x.bytes.length)), Uint8Array.from(m.lead));
      flood = { turn: m.turn % n, pos: 0, unit: m.unit, perWrite: m.perWrite, writes: m.writes };
      flood.pos = x.bytes.length;
      cutAfter = flood.turn + 1;
      tail = 'stall';
      break;
    }
    case 'stall':
    case 'close':
      cutAfter = n - 1; // the go-ahead never comes
      tail = m.kind;
      break;
  }
  const split = (b: Uint8Array): Uint8Array[] => {
    if (splits === 'bytes') return Array.from(b, (x) => Uint8Array.of(x));
    const points = [...new Set(splits.map((p) => at(p, b.length)))].sort((a, c) => a - c);
    const out: Uint8Array[] = [];
    let from = 0;
    for (const p of [...points, b.length]) {
      if (p > from) out.push(b.subarray(from, p));
      from = Math.max(from, p);
    }
    return out;
  };
  const actions: Action[] = [];
  for (let i = 0; i < Math.min(cutAfter, n); i++) {
    if (turns[i].wait) actions.push('wait');
    let bytes = turns[i].bytes;
    if (inject?.sameWrite && i === n - 1) bytes = cat(bytes, inject.bytes);
    if (flood && flood.turn === i) {
      for (const c of split(bytes.subarray(0, flood.pos))) actions.push({ write: c });
      const piece = Uint8Array.from(Array<number[]>(flood.perWrite).fill([...flood.unit]).flat());
      for (let w = 0; w < flood.writes; w++) actions.push({ write: piece });
    } else if (huge && huge.turn === i) {
      for (const c of split(bytes.subarray(0, huge.pos))) actions.push({ write: c });
      actions.push({ huge: { size: huge.size, newline: huge.newline } });
    } else for (const c of split(bytes)) actions.push({ write: c });
    if (inject && !inject.sameWrite && i === n - 1) actions.push({ write: inject.bytes });
  }
  // MySQL has no go-ahead: the client's SSL Request comes after the greeting, then TLS.
  if (seed.name === 'MySQL / MariaDB' && tail === 'tls') actions.push('wait');
  return { actions, tail };
}

const TIMEOUT_MS = 150;
const TLS_FROM_SERVER = Uint8Array.of(0x16, 0x03, 0x03, 0x00, 0x02, 0x02, 0x00);
const TLS_FROM_CLIENT = Uint8Array.of(0x16, 0x03, 0x01, 0x00, 0x01, 0x01);

/** Play the server; returns every byte it sent before the TLS phase and how many bytes of a huge line went out. */
async function playServer(server: MemoryTransport, actions: Action[], tail: string, settled: () => boolean) {
  const sent: Uint8Array[] = [];
  let hugeSent = 0;
  for (const a of actions) {
    if (a === 'wait') {
      if ((await server.read()) === null) return { sent, hugeSent, gone: true };
    } else if ('write' in a) {
      sent.push(a.write);
      await server.write(a.write);
    } else if ('huge' in a) {
      // Megabytes without a newline, written while the client keeps reading; stops once the client gave up.
      const chunk = new Uint8Array(1 << 16).fill(0x78);
      for (let done = 0; done < a.huge.size && !settled(); done += chunk.length) {
        await server.write(chunk);
        hugeSent += chunk.length;
        sent.push(chunk);
        await new Promise((r) => setImmediate(r));
      }
      if (a.huge.newline && !settled()) await server.write(enc('\r\n'));
    }
  }
  if (tail === 'close') await server.close();
  return { sent, hugeSent, gone: false };
}

interface Outcome {
  result?: StartTlsResult;
  error?: unknown;
  ms: number;
}

async function fuzzOne(protocol: StartTlsProtocol, m: Mutation, splits: 'bytes' | number[]) {
  const seed = SEEDS[protocol];
  const { actions, tail } = plan(seed, m, splits);
  const [client, server] = memoryPair();
  const recorder = new TraceRecorder();
  let isSettled = false;
  const started = Date.now();
  const running = runStartTls(protocol, client, recorder.emit, { hostname: 'localhost', timeoutMs: TIMEOUT_MS, injectionWaitMs: 10 }).then(
    (result): Outcome => ({ result, ms: Date.now() - started }),
    (error: unknown): Outcome => ({ error, ms: Date.now() - started }),
  );
  const serverDone = playServer(server, actions, tail, () => isSettled);
  // A hang shows up here: far beyond one reply timeout plus the injection wait.
  const hang = new Promise<'hang'>((r) => setTimeout(() => r('hang'), 5000).unref());
  const out = await Promise.race([running, hang]);
  isSettled = true;
  const why = `${protocol} ${JSON.stringify(m)} splits=${JSON.stringify(splits)}`;
  expect(out, `${why}: runStartTls never settled`).not.toBe('hang');
  const { ms, result, error } = out as Outcome;
  const played = await Promise.race([serverDone, new Promise<null>((r) => setTimeout(() => r(null), 50))]);
  const sentSoFar = played ? catAll(played.sent) : null;
  const events = recorder.events;
  const fromServer = catAll(preambles(events).filter((e) => e.direction === 'server').map((e) => Uint8Array.from(Buffer.from(e.bytes, 'hex'))));
  expect(ms, `${why}: took ${ms} ms`).toBeLessThan(3000);
  if (played) {
    // Memory stays bounded: the client stops reading a huge line near its limits (1 MiB in all).
    expect(played.hugeSent, why).toBeLessThanOrEqual((1 << 20) + (3 << 16));
  }
  if (error !== undefined) {
    expect(error, `${why}: ${String(error)}`).toBeInstanceOf(StartTlsError);
    const e = error as StartTlsError;
    expectPlain(e.message, `${why}: ${e.message}`);
    expect(e.message.startsWith(`${seed.name.split(' ')[0]}`), `${why}: ${e.message}`).toBe(true);
    expect(events.filter((x) => x.kind === 'error'), `${why}: ${e.message}`).toHaveLength(1);
    expect(client.closed, why).toBe(true);
    // The trace keeps the server's bytes in order, nothing invented or reordered.
    if (sentSoFar) expect(hex(sentSoFar).startsWith(hex(fromServer)), `${why}: trace ${hex(fromServer)} vs sent ${hex(sentSoFar)}`).toBe(true);
    return e.code;
  }
  // Success: the trace holds exactly what the server sent, and TLS starts right after the go-ahead.
  expect(sentSoFar, why).not.toBeNull();
  expect(hex(fromServer), `${why}: the trace must hold every byte the server sent`).toBe(hex(sentSoFar!));
  expect(m.kind === 'inject', `${why}: injected bytes were accepted`).toBe(false);
  const tls = result!.transport;
  await tls.write(TLS_FROM_CLIENT);
  let got = await server.read();
  // A bent MySQL greeting can still end up whole (a flood completing its length): the SSL Request then comes first.
  if (protocol === 'mysql' && tail !== 'tls' && got?.length === 36) got = await server.read();
  expect(hex(got!), `${why}: the server must see the ClientHello first`).toBe(hex(TLS_FROM_CLIENT));
  await server.write(TLS_FROM_SERVER);
  const back = await tls.read();
  expect(hex(back!), `${why}: the first TLS bytes must reach TLS whole`).toBe(hex(TLS_FROM_SERVER));
  await tls.close();
  return 'ok';
}

describe('STARTTLS dialogues against bent servers (property fuzz)', () => {
  for (const protocol of PROTOCOLS) {
    it(`${protocol}: the correct scripted server succeeds, split at every byte too`, async () => {
      expect(await fuzzOne(protocol, { kind: 'none' }, [])).toBe('ok');
      expect(await fuzzOne(protocol, { kind: 'none' }, 'bytes')).toBe('ok');
    });
  }

  it('every mutation settles in time with a coded, plain, protocol-named error or a clean handover', async () => {
    const codes = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...PROTOCOLS), mutationArb, splitsArb, async (protocol, m, splits) => {
        const code = await fuzzOne(protocol, m, splits);
        codes.set(code, (codes.get(code) ?? 0) + 1);
      }),
      fuzzRunOptions(),
    );
    if (process.env.FUZZ_REPORT) console.log(Object.fromEntries(codes));
    expect(codes.size).toBeGreaterThan(3);
  }, 30_000 + fuzzRunOptions().numRuns * 200);
});
