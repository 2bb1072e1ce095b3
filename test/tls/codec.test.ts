import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FieldNode } from '../../src/trace/types.ts';
import { EXPLANATIONS, explainMessage } from '../../src/trace/explain.ts';
import { Reader } from '../../src/tls/codec/reader.ts';
import { Writer } from '../../src/tls/codec/writer.ts';
import { TlsAlertError } from '../../src/tls/record/alerts.ts';
import { HRR_RANDOM } from '../../src/tls/messages/constants.ts';
import { plaintextRecordFields, protectedRecordFields } from '../../src/tls/record/record-fields.ts';
import { decodeHandshake, encodeHandshake, type HandshakeMessage } from '../../src/tls/messages/handshake.ts';

function walk(fields: FieldNode[], visit: (f: FieldNode, parent?: FieldNode) => void, parent?: FieldNode): void {
  for (const f of fields) {
    visit(f, parent);
    if (f.children) walk(f.children, visit, f);
  }
}

const clientHello: HandshakeMessage = {
  type: 'client_hello',
  legacyVersion: 0x0303,
  random: new Uint8Array(32).fill(7),
  sessionId: new Uint8Array(32).fill(1),
  cipherSuites: [0x1301, 0x1302],
  compressionMethods: [0],
  extensions: [
    { code: 0, hostName: 'example.com' },
    { code: 43, versions: [0x0304] },
    { code: 10, groups: [0x1d, 0x17] },
    { code: 51, shares: [{ group: 0x1d, keyExchange: new Uint8Array(32).fill(9) }] },
    { code: 13, schemes: [0x0403, 0x0804] },
    { code: 16, protocols: ['h2', 'http/1.1'] },
    { code: 45, modes: [1] },
    { code: 0x1234, data: Uint8Array.of(1, 2, 3) },
    { code: 41, identities: [{ identity: Uint8Array.of(5, 5, 5), obfuscatedTicketAge: 77 }], binders: [new Uint8Array(32).fill(3)] },
  ],
};

describe('codec', () => {
  it('writer fills in nested length prefixes and records spans', () => {
    const w = new Writer();
    w.vector('outer', 2, undefined, () => {
      w.u8('a', 1);
      w.opaque('inner', 1, Uint8Array.of(9, 9, 9));
    });
    expect(Array.from(w.finish())).toEqual([0, 5, 1, 3, 9, 9, 9]);
    expect(w.fields[0]).toMatchObject({ name: 'outer', start: 0, end: 7 });
    expect(w.fields[0].children![0]).toMatchObject({ name: 'length', start: 0, end: 2, value: '5' });
  });

  it('reader errors are decode_error alerts that say what and where', () => {
    const r = new Reader(Uint8Array.of(0, 9, 1), [], 0, 3, 'test');
    expect(() => r.opaque('thing', 2)).toThrowError(TlsAlertError);
    try {
      new Reader(Uint8Array.of(0, 9, 1)).opaque('thing', 2);
    } catch (e) {
      expect((e as TlsAlertError).code).toBe('DECODE_ERROR');
      expect((e as TlsAlertError).alertName).toBe('decode_error');
      expect((e as Error).message).toMatch(/thing.*at byte 2/);
    }
  });

  it('ClientHello round-trips; encoder and decoder give the same field tree', () => {
    const enc = encodeHandshake(clientHello);
    const dec = decodeHandshake(enc.bytes);
    expect(dec.name).toBe('ClientHello');
    expect(dec.message).toEqual(expect.objectContaining({ cipherSuites: [0x1301, 0x1302] }));
    const strip = (fs: FieldNode[]): unknown => fs.map((f) => ({ n: f.name, s: f.start, e: f.end, x: f.explain, c: f.children ? strip(f.children) : undefined }));
    expect(strip(dec.fields)).toEqual(strip(enc.fields));
    // Re-encoding the decoded message gives the same bytes.
    expect(encodeHandshake(dec.message).bytes).toEqual(enc.bytes);
    const unknown = JSON.stringify(dec.fields);
    expect(unknown).toContain('unknown extension (0x1234)');
  });

  it('every span lies inside its parent and the bytes; every explain key is in the catalogue', () => {
    const msgs: HandshakeMessage[] = [
      clientHello,
      { type: 'server_hello', isHelloRetryRequest: true, legacyVersion: 0x0303, random: HRR_RANDOM, sessionIdEcho: new Uint8Array(32), cipherSuite: 0x1301, compressionMethod: 0, extensions: [{ code: 43, selectedVersion: 0x0304 }, { code: 51, selectedGroup: 0x18 }, { code: 44, cookie: Uint8Array.of(1, 2) }] },
      { type: 'encrypted_extensions', extensions: [{ code: 16, protocols: ['h2'] }, { code: 0 }] },
      { type: 'certificate_request', context: new Uint8Array(0), extensions: [{ code: 13, schemes: [0x0403] }] },
      { type: 'certificate', context: new Uint8Array(0), entries: [{ certData: Uint8Array.of(0x30, 0), extensions: [] }] },
      { type: 'certificate_verify', scheme: 0x0403, signature: Uint8Array.of(1, 2, 3) },
      { type: 'finished', verifyData: new Uint8Array(32) },
      { type: 'new_session_ticket', lifetime: 7200, ageAdd: 5, nonce: Uint8Array.of(0), ticket: Uint8Array.of(1), extensions: [{ code: 42, maxEarlyData: 1024 }] },
      { type: 'key_update', updateRequested: true },
    ];
    for (const m of msgs) {
      const enc = encodeHandshake(m);
      const dec = decodeHandshake(enc.bytes);
      expect(dec.message.type).toBe(m.type);
      walk(dec.fields, (f, parent) => {
        expect(f.start).toBeGreaterThanOrEqual(parent ? parent.start : 0);
        expect(f.end).toBeLessThanOrEqual(parent ? parent.end : enc.bytes.length);
        expect(f.start).toBeLessThanOrEqual(f.end);
        if (f.explain) expect(EXPLANATIONS[f.explain], f.explain).toBeDefined();
      });
    }
    expect(decodeHandshake(encodeHandshake(msgs[1]).bytes).name).toBe('HelloRetryRequest');
    // Every message has a message-level explanation too.
    for (const m of msgs) expect(explainMessage(decodeHandshake(encodeHandshake(m).bytes).name)).toBeDefined();
  });

  it('record field trees from the record layer are explained too', () => {
    const rec = Uint8Array.of(22, 3, 1, 0, 2, 1, 2);
    const enc = Uint8Array.of(23, 3, 3, 0, 20, ...new Array(20).fill(0));
    for (const f of [...plaintextRecordFields(rec), ...protectedRecordFields(enc, 16)]) expect(EXPLANATIONS[f.explain!], f.explain).toBeDefined();
  });

  it('rejects duplicate extensions and trailing bytes', () => {
    const dup = encodeHandshake({ type: 'encrypted_extensions', extensions: [{ code: 0 }, { code: 0 }] });
    expect(() => decodeHandshake(dup.bytes)).toThrow(/appears twice/);
    const fin = encodeHandshake({ type: 'finished', verifyData: new Uint8Array(32) }).bytes;
    const longer = Uint8Array.from([...fin, 0]);
    expect(() => decodeHandshake(longer)).toThrow(TlsAlertError);
  });

  it('an extension recognised but not allowed in its message is illegal_parameter, decided before its contents (RFC 8446 §4.2)', () => {
    // key_share laid out as a ServerHello's KeyShareEntry (group, key) but sent in EncryptedExtensions: read with
    // the ClientHello layout it would be a malformed vector (decode_error); its place alone decides.
    const serverShape = Uint8Array.of(0x00, 0x1d, 0x00, 0x20, ...new Array(32).fill(7));
    const ee = Uint8Array.of(8, 0, 0, serverShape.length + 6, 0, serverShape.length + 4, 0x00, 0x33, 0, serverShape.length, ...serverShape);
    const err = (() => { try { decodeHandshake(ee); } catch (e) { return e; } })() as TlsAlertError;
    expect(err).toBeInstanceOf(TlsAlertError);
    expect(err.code).toBe('ILLEGAL_PARAMETER');
    expect(err.alertName).toBe('illegal_parameter');
    expect(err.message).toMatch(/EncryptedExtensions must not carry the key_share extension/);
    // The same rule for every message with a TLS 1.3 layout: cookie in a NewSessionTicket, oid_filters in a ClientHello.
    const nst = encodeHandshake({ type: 'new_session_ticket', lifetime: 1, ageAdd: 2, nonce: new Uint8Array(1), ticket: new Uint8Array(1), extensions: [{ code: 44, cookie: Uint8Array.of(1) }] });
    expect(() => decodeHandshake(nst.bytes)).toThrow(expect.objectContaining({ code: 'ILLEGAL_PARAMETER' }));
    const ch = encodeHandshake({ ...clientHello, extensions: [...clientHello.extensions, { code: 48, data: Uint8Array.of(0, 0) }] });
    expect(() => decodeHandshake(ch.bytes)).toThrow(expect.objectContaining({ code: 'ILLEGAL_PARAMETER' }));
    // Still allowed where the table puts them, and a TLS 1.2 ServerHello's older extensions (heartbeat) still decode.
    const sh = encodeHandshake({ type: 'server_hello', isHelloRetryRequest: false, legacyVersion: 0x0303, random: new Uint8Array(32), sessionIdEcho: new Uint8Array(0), cipherSuite: 0xc02f, compressionMethod: 0, extensions: [{ code: 15, data: Uint8Array.of(1) }, { code: 51, share: { group: 0x1d, keyExchange: new Uint8Array(32) } }] });
    expect(decodeHandshake(sh.bytes).message).toMatchObject({ type: 'server_hello', extensions: [{ code: 15 }, { code: 51 }] });
  });

  it('fuzz: random and mutated messages only ever fail with TLS alerts', () => {
    const seeds = [encodeHandshake(clientHello).bytes, encodeHandshake({ type: 'certificate', context: new Uint8Array(0), entries: [{ certData: new Uint8Array(40), extensions: [] }] }).bytes];
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), fc.nat(255), fc.integer({ min: 0, max: 1 }), (random, pos, byte, which) => {
        for (const input of [random, (() => { const s = Uint8Array.from(seeds[which]); s[pos % s.length] = byte; return s; })(), seeds[which].subarray(0, pos % seeds[which].length)]) {
          try {
            decodeHandshake(input);
          } catch (e) {
            if (!(e instanceof TlsAlertError)) throw e;
          }
        }
      }),
      { numRuns: 3000 },
    );
  });
});
