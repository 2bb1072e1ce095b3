// Property tests: whatever bytes arrive, in whatever chunks, the record reader ends with records,
// a clean end of stream, or a TlsAlertError — never another exception, never a hang.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concat, fromHex } from '../../src/util/bytes.ts';
import { TlsAlertError } from '../../src/tls/record/alerts.ts';
import { RecordLayer } from '../../src/tls/record/record-layer.ts';
import { RecordReader } from '../../src/tls/record/framing.ts';
import { Tls13RecordProtector } from '../../src/tls/record/tls13-protector.ts';
import { suiteByCode } from '../../src/tls/suites.ts';
import { S3 } from './rfc8448.fixture.ts';
import { cut, scriptedTransport } from './transports.ts';

const AES128 = suiteByCode(0x1301)!;
const serverHs = () => Tls13RecordProtector.create(AES128, fromHex(S3.serverHandshakeKey), fromHex(S3.serverHandshakeIv), 'handshake');

type Outcome = { records: number; end: 'eof' | 'alert'; code?: string };

/** Read until end or error; `switchAfter` installs the handshake keys after that many records. */
async function drain(bytes: Uint8Array, cuts: number[], switchAfter: number | null): Promise<Outcome> {
  const rl = new RecordLayer(scriptedTransport(cut(bytes, cuts)), () => 0);
  if (switchAfter === 0) rl.setReadProtector(await serverHs());
  let records = 0;
  // Each record consumes at least 5 bytes, so this bound can only be hit by a bug.
  for (let guard = 0; guard <= bytes.length / 5 + 2; guard++) {
    let rec;
    try {
      rec = await rl.readRecord();
    } catch (e) {
      if (e instanceof TlsAlertError) return { records, end: 'alert', code: e.code };
      throw e;
    }
    if (!rec) return { records, end: 'eof' };
    records++;
    if (switchAfter !== null && records === switchAfter) rl.setReadProtector(await serverHs());
  }
  throw new Error('reader did not terminate');
}

// A hang detector: a busy machine may be slow, a hang never ends, so the deadline can be generous.
function withDeadline<T>(p: Promise<T>, ms = 15_000): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no result within ${ms} ms (hang)`)), ms))]);
}

const validWire = concat(fromHex(S3.serverHelloRecord), fromHex('140303000101'), fromHex(S3.serverHandshakeRecord));

describe('record reader fuzzing', () => {
  it('random bytes in random chunks, plaintext or protected: only TlsAlertError', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 600 }),
        fc.array(fc.nat({ max: 600 }), { maxLength: 8 }),
        fc.constantFrom<number | null>(null, 0),
        async (bytes, cuts, switchAfter) => {
          await withDeadline(drain(bytes, cuts, switchAfter));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('random bytes behind a valid header still end cleanly', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(20, 21, 22, 23),
        fc.constantFrom(0x0301, 0x0303),
        fc.uint8Array({ maxLength: 300 }),
        fc.nat({ max: 320 }),
        fc.boolean(),
        async (type, version, body, declared, protectedRead) => {
          const bytes = concat(Uint8Array.of(type, version >> 8, version & 0xff, declared >> 8, declared & 0xff), body);
          const out = await withDeadline(drain(bytes, [3, 5, 40], protectedRead ? 0 : null));
          if (declared > body.length) expect(out.code === 'TRUNCATED_RECORD' || out.end === 'alert').toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('mutations of a valid server flight: decrypt exactly when untouched, otherwise an alert', async () => {
    const clean = await drain(validWire, [], 1);
    expect(clean).toEqual({ records: 3, end: 'eof' });

    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat({ max: validWire.length - 1 }), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.option(fc.nat({ max: validWire.length - 1 }), { nil: undefined }),
        fc.array(fc.nat({ max: validWire.length }), { maxLength: 6 }),
        async (flips, truncateAt, cuts) => {
          let bytes = Uint8Array.from(validWire);
          for (const [pos, x] of flips) bytes[pos] ^= x;
          if (truncateAt !== undefined) bytes = bytes.slice(0, truncateAt);
          const out = await withDeadline(drain(bytes, cuts, 1));
          // Plaintext bodies are the handshake layer's business; every byte of the protected record
          // (header included, as it is the AAD) is authenticated, so a change there must be noticed.
          const protectedStart = fromHex(S3.serverHelloRecord).length + 6;
          const touchesProtected = flips.some(([pos]) => pos >= protectedStart) || truncateAt !== undefined;
          if (touchesProtected) expect(out.end === 'alert' || out.records < 3).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('record reader chunking', () => {
  // Records may arrive in any chunking: whole, split (even inside the 5-byte header), several per chunk.
  it('returns the same records, byte for byte, however the stream is cut, with or without reading ahead', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ type: fc.constantFrom(21, 22, 23), body: fc.uint8Array({ maxLength: 700 }) }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat({ max: 6000 }), { maxLength: 10 }),
        fc.boolean(),
        async (records, cuts, ahead) => {
          const wire = records.map(({ type, body }) => concat(Uint8Array.of(type, 3, 3, body.length >> 8, body.length & 0xff), body));
          const joined = concat(...wire);
          const reader = new RecordReader(scriptedTransport(cut(joined, cuts)));
          const got: Uint8Array[] = [];
          for (;;) {
            const r = (ahead && reader.nextBuffered(wire[got.length]?.[0] ?? 23, 16384)) || (await reader.next(16384));
            if (!r) break;
            expect(r.fragment).toEqual(r.bytes.subarray(5));
            got.push(Uint8Array.from(r.bytes));
          }
          expect(got).toEqual(wire);
          expect(reader.buffered).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });
});
