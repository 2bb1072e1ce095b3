// Hostile ClientHellos against our server: real clients' first flights (OpenSSL TLS 1.3 and 1.2, GnuTLS, Node, curl,
// our own client plain, TLS 1.2 only, resuming with a ticket and with 0-RTT data), bent by fast-check: bits flipped,
// bytes overwritten or inserted, the message cut short, every length prefix made hostile (record, handshake, cipher
// suites, extensions, each extension and the lists inside: SNI, ALPN, supported_versions, groups, key shares, PSK
// identities and binders...), extensions doubled, dropped or moved (pre_shared_key no longer last), the message split
// over records, records of the wrong type, ChangeCipherSpec and alerts slipped in; against servers set up in every
// way that changes the path (versions, client authentication, tickets, 0-RTT, a HelloRetryRequest forced by groups,
// ALPN, whose preference). The property is checkRun's (support/fuzz-server.ts); and a failure the trace does not
// show the record of must come back the same from the records it does show (nothing read is left out).
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { TicketKeys, type ServerOptions } from '../../src/tls/server.ts';
import { UsedTickets } from '../../src/tls/server/used-tickets.ts';
import { concat, toHex } from '../../src/util/bytes.ts';
import { fuzzRunOptions } from '../support/fuzz.ts';
import { usePki } from '../support/pki.ts';
import { captureSeeds, checkRun, feedServer, helloLayout, readLength, record, records, resizeVector, setLength, tableAlert, wellFramed, withExtensions, type Seed } from './support/fuzz-server.ts';
import { serverCertificates } from './support/server-pki.ts';

const HANG_MS = 5000;
const pki = usePki();
const ticketKeys = new TicketKeys();
let seeds: Seed[] = [];
let base: Partial<ServerOptions> = {};

beforeAll(async () => {
  const certs = serverCertificates(pki);
  base = { certificates: [certs.p256, certs.rsa], ticketKeys, clientTrustAnchors: [pki.rootDer], maxEarlyData: 16_384 };
  seeds = await captureSeeds(pki, { ...base, ticketKeys });
}, 60_000);

const serverSetup = fc.record({
  versions: fc.constantFrom(undefined, ['TLS1.3' as const], ['TLS1.2' as const]),
  clientAuth: fc.constantFrom('none' as const, 'request' as const, 'require' as const),
  numTickets: fc.constantFrom(0, 2),
  acceptEarlyData: fc.boolean(),
  // secp384r1 alone: a HelloRetryRequest for every client with no share for it (a share for any group both take is used).
  groups: fc.constantFrom(undefined, ['secp384r1'], ['x25519', 'secp256r1']),
  alpn: fc.constantFrom(undefined, ['h2', 'http/1.1']),
  preference: fc.constantFrom('server' as const, 'client' as const),
});
type Setup = typeof serverSetup extends fc.Arbitrary<infer T> ? T : never;

const helloOp = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('flip' as const), pos: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('set' as const), pos: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('length' as const), field: fc.nat(), how: fc.constantFrom('zero', 'minus1', 'plus1', 'max', 'half', 'double', 'any'), value: fc.nat({ max: 0xffffff }) }) },
  // A vector grown or shrunk with every length around it kept true: the message still parses, its values do not fit.
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('resize' as const), field: fc.nat(), delta: fc.integer({ min: -40, max: 8 }).filter((d) => d !== 0), byte: fc.integer({ min: 0, max: 255 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), pos: fc.nat(), fix: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('ext' as const), op: fc.constantFrom('dup', 'remove', 'move', 'pskFirst', 'empty'), i: fc.nat(), j: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('insert' as const), pos: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }), fix: fc.boolean() }) },
);
type HelloOp = typeof helloOp extends fc.Arbitrary<infer T> ? T : never;

const extraRecord = fc.record({
  at: fc.nat(),
  type: fc.constantFrom('ccs', 'bad-ccs', 'warning', 'fatal', 'app-data', 'unknown-type', 'empty-handshake', 'handshake-garbage'),
  byte: fc.integer({ min: 0, max: 255 }),
});

/** Sometimes (one case in `every`). */
const rarely = <T,>(arb: fc.Arbitrary<T>, every = 8) => fc.oneof({ weight: every - 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });

const framing = fc.record({
  /** Where the ClientHello is cut into records. */
  cuts: fc.array(fc.nat(), { maxLength: 4 }),
  extra: rarely(extraRecord, 5),
  retype: rarely(fc.record({ at: fc.nat(), type: fc.constantFrom(0, 20, 21, 23, 24, 255) })),
  recordLength: rarely(fc.record({ at: fc.nat(), value: fc.nat({ max: 0xffff }) })),
  recordVersion: rarely(fc.record({ at: fc.nat(), version: fc.constantFrom(0x0300, 0x0304, 0x03ff, 0x0203, 0x1603, 0x0000) })),
  /** One transport write per record (else all at once). */
  chunked: fc.boolean(),
});

const mutation = fc.record({ seed: fc.nat(), setup: serverSetup, ops: fc.array(helloOp, { minLength: 0, maxLength: 3 }), framing });
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

/** Apply one change to the ClientHello handshake message (header included). */
function bend(hs: Uint8Array, op: HelloOp): Uint8Array {
  const b = Uint8Array.from(hs);
  switch (op.kind) {
    case 'flip':
      b[op.pos % b.length] ^= op.mask;
      return b;
    case 'set':
      b[op.pos % b.length] = op.byte;
      return b;
    case 'length': {
      const { lengths } = helloLayout(b);
      const f = lengths[op.field % lengths.length];
      if (f.at + f.width > b.length) return b;
      const v = readLength(b, f);
      const max = 2 ** (8 * f.width) - 1;
      const value = { zero: 0, minus1: v - 1, plus1: v + 1, max, half: v >> 1, double: v * 2, any: op.value }[op.how];
      setLength(b, f, Math.max(0, Math.min(max, value)));
      return b;
    }
    case 'resize':
      return resizeVector(b, helloLayout(b).lengths, op.field, op.delta, op.byte);
    case 'truncate': {
      const cut = b.slice(0, 4 + (op.pos % Math.max(1, b.length - 4)));
      if (op.fix) setLength(cut, { name: '', at: 1, width: 3 }, cut.length - 4);
      return cut;
    }
    case 'insert': {
      const p = 4 + (op.pos % Math.max(1, b.length - 4));
      const out = concat(b.subarray(0, p), op.bytes, b.subarray(p));
      if (op.fix) setLength(out, { name: '', at: 1, width: 3 }, out.length - 4);
      return out;
    }
    case 'ext': {
      const layout = helloLayout(b);
      if (layout.extensionsAt < 0 || layout.extensions.length === 0) return b;
      const exts = layout.extensions.map((e) => b.slice(e.start, Math.min(e.end, b.length)));
      const i = op.i % exts.length;
      const j = op.j % (exts.length + 1);
      if (op.op === 'dup') exts.splice(j, 0, exts[i]);
      else if (op.op === 'remove') exts.splice(i, 1);
      else if (op.op === 'move') exts.splice(j, 0, ...exts.splice(i, 1));
      else if (op.op === 'pskFirst') {
        // pre_shared_key (41) moved away from the end (RFC 8446 §4.2.11: it must be last).
        const k = layout.extensions.findIndex((e) => e.code === 41);
        if (k >= 0) exts.splice(j % exts.length, 0, ...exts.splice(k, 1));
        else exts.splice(j, 0, Uint8Array.of(0, 41, 0, 0));
      } else exts[i] = exts[i].slice(0, 4).fill(0, 2, 4); // the same extension with no data
      return withExtensions(b, layout, exts);
    }
  }
}

/** The ClientHello as records (cut as `f.cuts` say), then the seed's other records, then the framing changes. */
function frame(hs: Uint8Array, rest: Uint8Array[], f: Mutation['framing']): Uint8Array[] {
  const cuts = [...new Set(f.cuts.map((c) => 1 + (c % Math.max(1, hs.length - 1))))].filter((c) => c < hs.length).sort((a, b) => a - b);
  const pieces = [0, ...cuts, hs.length].slice(1).map((end, k, all) => hs.slice(k === 0 ? 0 : all[k - 1], end));
  // A message of more than 2^14 bytes (a length made hostile) needs several records anyway.
  const recs = pieces.flatMap((p) => (p.length > 16_384 ? [p.slice(0, 16_384), p.slice(16_384)] : [p])).map((p) => record(22, p));
  recs.push(...rest);
  if (f.extra) {
    const x = f.extra;
    const fragment = {
      ccs: Uint8Array.of(1),
      'bad-ccs': Uint8Array.of(x.byte === 1 ? 2 : x.byte),
      warning: Uint8Array.of(1, x.byte),
      fatal: Uint8Array.of(2, x.byte),
      'app-data': Uint8Array.of(x.byte, 1, 2, 3),
      'unknown-type': Uint8Array.of(x.byte),
      'empty-handshake': new Uint8Array(0),
      'handshake-garbage': Uint8Array.of(x.byte, 0, 0, 1, 0),
    }[x.type];
    const type = { ccs: 20, 'bad-ccs': 20, warning: 21, fatal: 21, 'app-data': 23, 'unknown-type': 24 + (x.byte % 200), 'empty-handshake': 22, 'handshake-garbage': 22 }[x.type];
    recs.splice(x.at % (recs.length + 1), 0, record(type, fragment, 0x0303));
  }
  if (f.retype) recs[f.retype.at % recs.length][0] = f.retype.type;
  if (f.recordVersion) {
    const r = recs[f.recordVersion.at % recs.length];
    r[1] = f.recordVersion.version >> 8;
    r[2] = f.recordVersion.version & 0xff;
  }
  if (f.recordLength) {
    const r = recs[f.recordLength.at % recs.length];
    r[3] = f.recordLength.value >> 8;
    r[4] = f.recordLength.value & 0xff;
  }
  return recs;
}

function options(s: Setup): ServerOptions {
  return { ...base, ...s, usedTickets: new UsedTickets() } as ServerOptions;
}

/** How many runs fed the traced records again (reported with FUZZ_REPORT: the check did run). */
let replayed = 0;

async function runCase(m: Mutation): Promise<{ code: string; message: string }> {
  const seed = seeds[m.seed % seeds.length];
  const hs = seed.records[0].subarray(5);
  const bent = m.ops.reduce(bend, Uint8Array.from(hs));
  const recs = frame(bent, seed.records.slice(1), m.framing);
  const stream = concat(...recs);
  const why = `${seed.name} ${JSON.stringify(m)} sent ${toHex(stream)}`;
  const r = await feedServer(m.framing.chunked ? recs : [stream], options(m.setup), HANG_MS);
  // What was on the wire, as whole records (a hostile record length moves the boundaries).
  const wire = records(stream);
  const traced = checkRun(r, wire, why);
  // Nothing read is left out: when the trace stops before a record the server could read whole, the failure must
  // come from the records it shows, so feeding those alone ends the same way.
  if (tableAlert(r.code) && !r.received && traced < wire.length && wellFramed(wire[traced])) {
    replayed++;
    const again = await feedServer(wire.slice(0, traced), options(m.setup), HANG_MS);
    expect(again.code, `${why}: the trace shows ${traced} records; those alone end in ${again.code} (${again.message}), not ${r.code} (${r.message})`).toBe(r.code);
  }
  return r;
}

describe('fuzzing the server with hostile ClientHellos', () => {
  it('seeds: every recorded first flight is a ClientHello the server answers', async () => {
    expect(seeds.map((s) => s.name)).toEqual(['openssl', 'openssl-tls1_2', 'gnutls', 'node', 'curl', 'ours', 'ours-tls1_2', 'ours-psk', 'ours-0rtt']);
    for (const seed of seeds) {
      const r = await feedServer(seed.records, options({ versions: undefined, clientAuth: 'none', numTickets: 2, acceptEarlyData: true, groups: undefined, alpn: undefined, preference: 'server' }), HANG_MS);
      checkRun(r, seed.records, seed.name);
      // The client hung up after its first flight: the server had answered it and was waiting for the next.
      expect([seed.name, r.code]).toEqual([seed.name, 'CLOSED']);
    }
  });

  it('every bent ClientHello settles with the right alert, a plain message, and the records it read in the trace', async () => {
    const codes = new Map<string, number>();
    const messages = new Set<string>();
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        const r = await runCase(m);
        codes.set(r.code, (codes.get(r.code) ?? 0) + 1);
        if (process.env.FUZZ_MESSAGES) messages.add(`${r.code}: ${r.message.replace(/\d+/g, 'N')}`);
      }),
      fuzzRunOptions(),
    );
    if (process.env.FUZZ_REPORT) console.log({ ...Object.fromEntries(codes), replayed });
    if (process.env.FUZZ_MESSAGES) console.log([...messages].sort().join('\n'));
    // The mutations reach the checks: many distinct failures, not only hang-ups.
    expect(codes.size, JSON.stringify([...codes])).toBeGreaterThan(5);
  }, 600_000);
});
