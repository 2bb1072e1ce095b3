// The client's second flight bent, against our server: our own client (src/tls/client.ts) runs a real handshake
// (TLS 1.3 or 1.2; a client certificate when asked; resuming with a ticket and 0-RTT data) through a transport that
// changes what it writes after the ClientHello. On the wire: bytes flipped, records dropped, doubled, swapped or cut,
// records of another type, ChangeCipherSpec and alerts slipped in (a protected record bent so ends in
// bad_record_mac, as it should). Under the keys: the client's handshake keys come from its trace's key schedule (no
// seam in the engine needed), so its Certificate, CertificateVerify, Finished and EndOfEarlyData are opened, bent
// (bytes, lengths, message type, inner content type, cut, split over records) and sealed again; TLS 1.2's Certificate,
// ClientKeyExchange and CertificateVerify are bent in the clear. The property is checkRun's (support/fuzz-server.ts),
// and every record up to the first bent one (that one too, when it is whole and framed) is in the server's trace.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { hkdfExpandLabel } from '../../src/crypto/hkdf.ts';
import { connectTls, type TlsClientOptions } from '../../src/tls/client.ts';
import type { Tls13Session } from '../../src/tls/handshake/options.ts';
import { Tls13RecordProtector } from '../../src/tls/record/tls13-protector.ts';
import { acceptTls, TicketKeys, type ServerOptions } from '../../src/tls/server.ts';
import { UsedTickets } from '../../src/tls/server/used-tickets.ts';
import { suiteByCode } from '../../src/tls/suites.ts';
import { TraceRecorder } from '../../src/trace/recorder.ts';
import { memoryPair } from '../../src/transport/memory.ts';
import type { Transport } from '../../src/transport/types.ts';
import { concat, fromHex, toHex, utf8 } from '../../src/util/bytes.ts';
import { createVerifier } from '../../src/x509/verifier.ts';
import { fuzzRunOptions } from '../support/fuzz.ts';
import { usePki } from '../support/pki.ts';
import { checkRun, helloLayout, ourTicket, resizeVector, record, records, settle, watchingStrays, wellFramed, type ServerRun } from './support/fuzz-server.ts';
import { serverCertificates } from './support/server-pki.ts';

const HANG_MS = 5000;
/** How long a bent client waits, saying nothing, before it hangs up. */
const IDLE_MS = 250;
const pki = usePki();
const ticketKeys = new TicketKeys();
let base: Partial<ServerOptions> = {};
let session: Tls13Session;

beforeAll(async () => {
  const certs = serverCertificates(pki);
  base = { certificates: [certs.p256, certs.rsa], ticketKeys, clientTrustAnchors: [pki.rootDer], maxEarlyData: 16_384 };
  session = await ourTicket(pki, base);
}, 60_000);

const anySetup = fc.record({
  version: fc.constantFrom('TLS1.3' as const, 'TLS1.2' as const),
  suite: fc.constantFrom(0x1301, 0x1302, 0x1303),
  clientAuth: fc.constantFrom('none' as const, 'request' as const, 'require' as const),
  clientHasCertificate: fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  resume: fc.boolean(),
  earlyData: fc.boolean(),
  acceptEarlyData: fc.boolean(),
  // secp384r1 alone: a HelloRetryRequest (our client's share is x25519; a share for any group both take is used).
  groups: fc.constantFrom(undefined, ['secp384r1']),
  numTickets: fc.constantFrom(0, 1),
});
/** One case in four takes the accepted 0-RTT path (early data, EndOfEarlyData), which the draw above reaches seldom. */
const setup = fc.oneof(
  { weight: 3, arbitrary: anySetup },
  { weight: 1, arbitrary: anySetup.map((s) => ({ ...s, version: 'TLS1.3' as const, suite: 0x1301 as const, resume: true, earlyData: true, acceptEarlyData: true, groups: undefined })) },
);
type Setup = typeof anySetup extends fc.Arbitrary<infer T> ? T : never;

/** Changes to the handshake plaintext of one record (TLS 1.3: inside the protection). */
const plainOp = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), pos: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('set' as const), pos: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('cut' as const), pos: fc.nat(), fix: fc.boolean() }),
  fc.record({ kind: fc.constant('length' as const), field: fc.nat(), how: fc.constantFrom('zero', 'minus1', 'plus1', 'max', 'any'), value: fc.nat({ max: 0xffffff }) }),
  fc.record({ kind: fc.constant('resize' as const), field: fc.nat(), delta: fc.integer({ min: -40, max: 8 }).filter((d) => d !== 0), byte: fc.nat({ max: 255 }) }),
  fc.record({ kind: fc.constant('type' as const), type: fc.constantFrom(0, 1, 2, 4, 5, 8, 11, 13, 15, 16, 20, 24, 99, 254) }),
  fc.record({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 12 }) }),
  fc.record({ kind: fc.constant('inner-type' as const), type: fc.constantFrom(0, 20, 21, 23, 24) }),
  // Harmless: the same bytes in two records.
  fc.record({ kind: fc.constant('split' as const), pos: fc.nat() }),
  fc.record({ kind: fc.constant('double' as const) }),
);
type PlainOp = typeof plainOp extends fc.Arbitrary<infer T> ? T : never;

/** Changes to the records on the wire. */
const wireOp = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), pos: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('drop' as const) }),
  fc.record({ kind: fc.constant('dup' as const) }),
  fc.record({ kind: fc.constant('swap' as const) }),
  fc.record({ kind: fc.constant('cut' as const), pos: fc.nat() }),
  fc.record({ kind: fc.constant('retype' as const), type: fc.constantFrom(20, 21, 22, 23, 99) }),
  fc.record({ kind: fc.constant('insert' as const), what: fc.constantFrom('ccs', 'bad-ccs', 'warning', 'fatal', 'handshake', 'app-data', 'empty'), byte: fc.nat({ max: 255 }) }),
  // Harmless: one record over two transport writes.
  fc.record({ kind: fc.constant('rechunk' as const), pos: fc.nat() }),
);
type WireOp = typeof wireOp extends fc.Arbitrary<infer T> ? T : never;

const mutation = fc.record({
  setup,
  /** Which of the client's records after its ClientHello is bent (modulo how many there are). */
  target: fc.oneof({ weight: 3, arbitrary: fc.nat({ max: 2 }) }, { weight: 2, arbitrary: fc.nat({ max: 5 }) }),
  change: fc.oneof(fc.record({ plain: plainOp }), fc.record({ wire: wireOp })),
});
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

const u24 = (b: Uint8Array, at: number) => (b[at] << 16) | (b[at + 1] << 8) | b[at + 2];
const u16 = (b: Uint8Array, at: number) => (b[at] << 8) | b[at + 1];

/** The length prefixes of the handshake messages a client sends (RFC 8446 §4.1.2, §4.4, RFC 5246 §7.4), header included. */
function messageLengths(m: Uint8Array, tls12: boolean): { at: number; width: number }[] {
  const out = [{ at: 1, width: 3 }];
  const push = (at: number, width: number) => at + width <= m.length && out.push({ at, width });
  const type = m[0];
  // The second ClientHello, after a HelloRetryRequest: every vector of it.
  if (type === 1) return helloLayout(m).lengths.filter((f) => f.at + f.width <= m.length);
  if (type === 11 && !tls12) {
    // Certificate: context<1>, certificate_list<3> of cert_data<3> + extensions<2>.
    push(4, 1);
    let at = 5 + (m[4] ?? 0);
    push(at, 3);
    at += 3;
    while (at + 3 <= m.length) {
      push(at, 3);
      at += 3 + u24(m, at);
      push(at, 2);
      if (at + 2 > m.length) break;
      at += 2 + u16(m, at);
    }
  } else if (type === 11) {
    push(4, 3);
    let at = 7;
    while (at + 3 <= m.length) {
      push(at, 3);
      at += 3 + u24(m, at);
    }
  } else if (type === 15) push(6, 2); // CertificateVerify: scheme, signature<2>
  else if (type === 16) push(4, m.length > 4 + 1 + (m[4] ?? 0) ? 2 : 1); // ClientKeyExchange: ECDHE point<1> or DH Yc<2>
  return out;
}

function bendPlain(p: Uint8Array, op: PlainOp, tls12: boolean): { content: Uint8Array[]; innerType?: number } {
  const b = Uint8Array.from(p);
  switch (op.kind) {
    case 'flip':
      b[op.pos % b.length] ^= op.mask;
      return { content: [b] };
    case 'set':
      b[op.pos % b.length] = op.byte;
      return { content: [b] };
    case 'cut': {
      const c = b.slice(0, op.pos % b.length);
      if (op.fix && c.length >= 4) {
        const n = c.length - 4;
        c.set([n >> 16, (n >> 8) & 0xff, n & 0xff], 1);
      }
      return { content: [c] };
    }
    case 'length': {
      const fields = messageLengths(b, tls12);
      const f = fields[op.field % fields.length];
      let v = 0;
      for (let i = 0; i < f.width; i++) v = v * 256 + b[f.at + i];
      const max = 2 ** (8 * f.width) - 1;
      const value = Math.max(0, Math.min(max, { zero: 0, minus1: v - 1, plus1: v + 1, max, any: op.value }[op.how]));
      for (let i = 0; i < f.width; i++) b[f.at + i] = (value >>> (8 * (f.width - 1 - i))) & 0xff;
      return { content: [b] };
    }
    case 'resize':
      return { content: [resizeVector(b, messageLengths(b, tls12).map((f) => ({ name: '', ...f })), op.field, op.delta, op.byte)] };
    case 'type':
      b[0] = op.type;
      return { content: [b] };
    case 'append':
      return { content: [concat(b, op.bytes)] };
    case 'inner-type':
      return { content: [b], innerType: op.type };
    case 'split': {
      const at = 1 + (op.pos % Math.max(1, b.length - 1));
      return { content: at < b.length ? [b.slice(0, at), b.slice(at)] : [b] };
    }
    case 'double':
      return { content: [concat(b, b)] };
  }
}

function bendWire(recs: Uint8Array[], i: number, op: WireOp): { recs: Uint8Array[]; chunks?: Uint8Array[] } {
  const out: Uint8Array[] = recs.map((r) => Uint8Array.from(r));
  const r = out[i];
  switch (op.kind) {
    case 'flip':
      r[op.pos % r.length] ^= op.mask;
      break;
    case 'drop':
      out.splice(i, 1);
      break;
    case 'dup':
      out.splice(i, 0, Uint8Array.from(r));
      break;
    case 'swap':
      if (i + 1 < out.length) [out[i], out[i + 1]] = [out[i + 1], out[i]];
      else if (i > 0) [out[i], out[i - 1]] = [out[i - 1], out[i]];
      break;
    case 'cut':
      // The record cut short, its header unchanged: the server waits for the rest, then the client hangs up.
      out.splice(i, out.length - i, r.slice(0, op.pos % r.length));
      break;
    case 'retype':
      r[0] = op.type;
      break;
    case 'insert': {
      const x = op.byte;
      const [type, fragment] = {
        ccs: [20, Uint8Array.of(1)],
        'bad-ccs': [20, Uint8Array.of(x === 1 ? 0 : x)],
        warning: [21, Uint8Array.of(1, x)],
        fatal: [21, Uint8Array.of(2, x)],
        handshake: [22, Uint8Array.of(20, 0, 0, 1, x)],
        'app-data': [23, Uint8Array.of(x, x)],
        empty: [22, new Uint8Array(0)],
      }[op.what] as [number, Uint8Array];
      out.splice(i, 0, record(type, fragment, 0x0303));
      break;
    }
    case 'rechunk': {
      const at = 1 + (op.pos % Math.max(1, r.length - 1));
      const before = concat(...out.slice(0, i), r.subarray(0, at));
      const after = concat(r.subarray(at), ...out.slice(i + 1));
      return { recs: out, chunks: [before, after] };
    }
  }
  return { recs: out };
}

/** The client's keys for one epoch, found in its trace: opens its records and seals the bent ones, in order. */
interface EpochKeys {
  open: Tls13RecordProtector;
  seal: Tls13RecordProtector;
}

/**
 * The client's transport, bending its `m.target`-th record after the ClientHello (counted over its writes). `wire`
 * gets every record that went to the server; `firstBent` the index of the first one that differs from what the
 * client wrote.
 */
class Bender implements Transport {
  /** Everything that went to the server. */
  private stream: Uint8Array = new Uint8Array(0);
  firstBent = -1;
  private seen = 0;
  private writes = 0;
  /** After a record cut short the client says nothing more (the server waits for the rest, then sees the hang-up). */
  private silent = false;
  private keys = new Map<string, EpochKeys | null>();
  private idle: ReturnType<typeof setTimeout> | undefined;
  /** TLS 1.2: the client's ChangeCipherSpec went by; what follows is under keys this test does not follow. */
  private ccs12 = false;

  constructor(
    private readonly t: Transport,
    private readonly m: Mutation,
    private readonly clientTrace: TraceRecorder,
  ) {}

  read = () => this.t.read();
  close = () => this.t.close();

  /** The whole records that went to the server. */
  get wire(): Uint8Array[] {
    return records(this.stream);
  }

  async write(data: Uint8Array): Promise<void> {
    if (this.silent) return;
    if (this.writes++ === 0) return this.pass([data]);
    const recs = records(data);
    let out = recs;
    let chunks: Uint8Array[] | undefined;
    const i = this.m.target - this.seen;
    this.seen += recs.length;
    if (this.firstBent < 0 && i >= 0 && i < recs.length) {
      const change = this.m.change;
      if ('wire' in change) ({ recs: out, chunks } = bendWire(recs, i, change.wire));
      else out = await this.bendPlain(recs, i, change.plain);
      const k = out.findIndex((r, j) => j >= recs.length || toHex(r) !== toHex(recs[j]));
      const bent = k >= 0 ? k : out.length < recs.length ? out.length : -1;
      // Counted in whole records of the stream (a record cut short is none).
      if (bent >= 0) this.firstBent = records(concat(this.stream, ...out.slice(0, bent))).length;
      if ('wire' in change && change.wire.kind === 'cut') this.silent = true;
    } else out = await this.resealAfter(recs);
    return this.pass(chunks ?? [concat(...out)]);
  }

  private async pass(chunks: Uint8Array[]): Promise<void> {
    this.stream = concat(this.stream, ...chunks);
    if (this.m.setup.version === 'TLS1.2' && records(concat(...chunks)).some((r) => r[0] === 20)) this.ccs12 = true;
    for (const c of chunks) if (c.length) await this.t.write(c);
    // Once bent, a client with nothing more to say hangs up (both sides may wait on each other: a record dropped).
    if (this.firstBent >= 0) {
      clearTimeout(this.idle);
      this.idle = setTimeout(() => void this.t.close(), IDLE_MS);
    }
  }

  /** TLS 1.3 keys of an epoch, from the client's trace (its traffic secret), once. */
  private async epochKeys(secretName: string): Promise<EpochKeys | null> {
    if (this.keys.has(secretName)) return this.keys.get(secretName)!;
    const e = this.clientTrace.events.find((x) => x.kind === 'key' && x.name === secretName) as { output: string } | undefined;
    let keys: EpochKeys | null = null;
    if (e) {
      const suite = suiteByCode(this.m.setup.suite)!;
      const secret = fromHex(e.output);
      const key = await hkdfExpandLabel(suite.hash, secret, 'key', new Uint8Array(0), suite.keyLength);
      const iv = await hkdfExpandLabel(suite.hash, secret, 'iv', new Uint8Array(0), 12);
      keys = { open: await Tls13RecordProtector.create(suite, key, iv, 'handshake'), seal: await Tls13RecordProtector.create(suite, key, iv, 'handshake') };
    }
    this.keys.set(secretName, keys);
    return keys;
  }

  /** Which epoch's keys open a protected record (early data first, then handshake), with its plaintext. */
  private async open(r: Uint8Array): Promise<{ keys: EpochKeys; type: number; content: Uint8Array } | null> {
    if (r[0] !== 23) return null;
    for (const name of ['client_early_traffic_secret', 'client_handshake_traffic_secret']) {
      const keys = await this.epochKeys(name);
      if (!keys) continue;
      try {
        const raw = { contentType: 23, version: u16(r, 1), bytes: r, fragment: r.subarray(5) };
        const opened = await keys.open.decryptAt(raw, keys.open.nextSeq);
        // decryptAt leaves the counter: move it on by hand, in step with the sealing side.
        await keys.open.decrypt(raw);
        return { keys, type: opened.contentType, content: opened.fragment };
      } catch {
        // Not this epoch's record.
      }
    }
    return null;
  }

  /**
   * Records not bent under keys we follow are opened and sealed again, before the bend (the same bytes: the sequence
   * numbers of both sides move on) and after it (their numbers follow the bent records').
   */
  private async resealAfter(recs: Uint8Array[]): Promise<Uint8Array[]> {
    if (this.m.setup.version !== 'TLS1.3' || !('plain' in this.m.change)) return recs;
    const out: Uint8Array[] = [];
    for (const r of recs) {
      const o = await this.open(r);
      out.push(o ? (await o.keys.seal.encrypt(o.type, o.content)).bytes : r);
    }
    return out;
  }

  private async bendPlain(recs: Uint8Array[], i: number, op: PlainOp): Promise<Uint8Array[]> {
    const tls12 = this.m.setup.version === 'TLS1.2';
    const out: Uint8Array[] = [];
    for (let j = 0; j < recs.length; j++) {
      const r = recs[j];
      const o = tls12 ? null : await this.open(r);
      if (j !== i) {
        out.push(o ? (await o.keys.seal.encrypt(o.type, o.content)).bytes : r);
        continue;
      }
      if (o) {
        // Under the client's keys (handshake messages, or 0-RTT data): bend the plaintext, seal it again.
        const bent = o.content.length ? bendPlain(o.content, op, false) : { content: [o.content] };
        for (const c of bent.content) out.push((await o.keys.seal.encrypt(bent.innerType ?? o.type, c)).bytes);
      } else if (r[0] === 22 && !this.ccs12) {
        const bent = bendPlain(r.subarray(5), op, tls12);
        for (const c of bent.content) out.push(record(bent.innerType ?? 22, c, u16(r, 1)));
      } else out.push(r);
    }
    return out;
  }
}

function serverOptions(s: Setup): ServerOptions {
  return { ...base, versions: [s.version], clientAuth: s.clientAuth, acceptEarlyData: s.acceptEarlyData, groups: s.groups, numTickets: s.numTickets, usedTickets: new UsedTickets() } as ServerOptions;
}

function clientOptions(s: Setup): TlsClientOptions {
  const resume = s.version === 'TLS1.3' && s.resume;
  return {
    serverName: 'localhost',
    verifier: createVerifier({ anchors: [pki.rootDer] }),
    versions: [s.version],
    suites: s.version === 'TLS1.3' ? [s.suite] : undefined,
    ...(s.clientHasCertificate ? { clientCertificate: { chain: [pki.clientCertDer], privateKey: pki.clientKeyPkcs8 } } : {}),
    ...(resume ? { session, ...(s.earlyData ? { earlyData: utf8.encode('GET / early\r\n') } : {}) } : {}),
    timeoutMs: HANG_MS * 4,
  };
}

interface FlightRun {
  server: ServerRun;
  client: string;
  bender: Bender;
}

async function runCase(m: Mutation): Promise<FlightRun> {
  const { value, stray } = await watchingStrays(async () => {
    const [c, s] = memoryPair();
    const serverTrace = new TraceRecorder(() => 0);
    const clientTrace = new TraceRecorder(() => 0);
    const bender = new Bender(c, m, clientTrace);
    const accepting = acceptTls(s, { ...serverOptions(m.setup), recorder: serverTrace.emit, timeoutMs: HANG_MS * 4 });
    const connecting = connectTls(bender, clientOptions(m.setup), clientTrace.emit).then(
      async (conn) => {
        // A client whose flight was bent may think all went well: it waits for the server's word, or its hang-up.
        const got = await Promise.race([conn.read().then(() => 'ok', (e) => (e as { code: string }).code), new Promise<string>((r) => setTimeout(() => r('ok'), 50))]);
        await c.close();
        return got;
      },
      async (e: { code: string }) => {
        await c.close();
        return e.code;
      },
    );
    const server = await settle(accepting, serverTrace, HANG_MS);
    await c.close();
    const client = await connecting;
    return { server, client, bender };
  });
  return { ...value, server: { ...value.server, stray } };
}

/** What an unbent flight ends in: a required certificate missing is refused, unless a ticket resumed the session. */
function unbentOutcome(s: Setup, r: ServerRun): string {
  const resumed = r.trace.events.some((e) => e.kind === 'note' && /^PSK identity \d+ accepted/.test(e.text));
  return s.clientAuth === 'require' && !s.clientHasCertificate && !resumed ? 'CERTIFICATE_REQUIRED' : 'ok';
}

describe('fuzzing the server with a bent second flight', () => {
  it('unbent, every setup completes', async () => {
    await fc.assert(
      fc.asyncProperty(setup, async (s) => {
        const r = await runCase({ setup: s, target: 99, change: { wire: { kind: 'drop' } } });
        checkRun(r.server, r.bender.wire, JSON.stringify(s));
        expect(r.server.code, r.server.message).toBe(unbentOutcome(s, r.server));
      }),
      { ...fuzzRunOptions(), numRuns: Math.min(fuzzRunOptions().numRuns, 30) },
    );
  }, 120_000);

  it('every bent flight settles with the right alert, a plain message, and the records it read in the trace', async () => {
    const codes = new Map<string, number>();
    const messages = new Set<string>();
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        const r = await runCase(m);
        const why = `${JSON.stringify(m)} sent ${r.bender.wire.map(toHex).join(' ')}`;
        const traced = checkRun(r.server, r.bender.wire, why);
        codes.set(r.server.code, (codes.get(r.server.code) ?? 0) + 1);
        if (process.env.FUZZ_MESSAGES) messages.add(`${r.server.code}: ${r.server.message.replace(/\d+/g, 'N')}`);
        const first = r.bender.firstBent;
        // (Not when the unbent flight fails too: a required certificate missing ends it before the bend, maybe.)
        const failsUnbent = m.setup.clientAuth === 'require' && !m.setup.clientHasCertificate;
        if (r.server.code !== 'ok' && !r.server.received && first >= 0 && !failsUnbent) {
          // Every record before the first bent one was read (the server's failure came from the bend), and the bent
          // one too when it is whole and framed.
          const least = first + (first < r.bender.wire.length && wellFramed(r.bender.wire[first]) ? 1 : 0);
          expect(traced, `${why}: ${r.server.code} ${r.server.message}`).toBeGreaterThanOrEqual(Math.min(least, r.bender.wire.length));
        }
        // A change that leaves the content the same (the same records over other writes; a message or data over two
        // records under the same keys, RFC 8446 §5.1) changes nothing.
        const harmless = 'wire' in m.change ? m.change.wire.kind === 'rechunk' : m.change.plain.kind === 'split';
        if (harmless) expect(r.server.code, `${why}: ${r.server.message}`).toBe(unbentOutcome(m.setup, r.server));
      }),
      fuzzRunOptions(),
    );
    if (process.env.FUZZ_REPORT) console.log(Object.fromEntries(codes));
    if (process.env.FUZZ_MESSAGES) console.log([...messages].sort().join('\n'));
    expect(codes.size, JSON.stringify([...codes])).toBeGreaterThan(5);
  }, 600_000);
});
