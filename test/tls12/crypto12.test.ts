// The TLS 1.2 building blocks checked against independent implementations on this machine: the PRF against
// `openssl kdf TLS1-PRF`, RSAES-PKCS1-v1_5 against `openssl pkeyutl -decrypt`, DHE against Node's DiffieHellman,
// and the record protectors by round trip and tampering.
import { execFileSync } from 'node:child_process';
import nodeCrypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { prf } from '../../src/crypto/prf.ts';
import { bigIntToBytes, bytesToBigInt } from '../../src/crypto/ffdhe.ts';
import { dheExchange, rsaExchange } from '../../src/tls/handshake12/key-exchange12.ts';
import { certificateSpki } from '../../src/tls/handshake/signatures.ts';
import { decodeHandshake12, encodeHandshake12, type Tls12Message } from '../../src/tls/messages/tls12.ts';
import { Tls12AeadProtector } from '../../src/tls/record/tls12-aead-protector.ts';
import { Tls12CbcProtector } from '../../src/tls/record/tls12-cbc-protector.ts';
import { suite12ByName } from '../../src/tls/suites12.ts';
import { EXPLANATIONS } from '../../src/trace/explain.ts';
import type { FieldNode } from '../../src/trace/types.ts';
import { concat, fromHex, toHex, utf8 } from '../../src/util/bytes.ts';
import { pemToDer } from '../tls/helpers.ts';
import { usePki } from '../support/pki.ts';

const pki = usePki();

const random = (n: number) => new Uint8Array(nodeCrypto.randomBytes(n));

describe('PRF (RFC 5246 §5)', () => {
  for (const [hash, digest] of [['SHA-256', 'SHA256'], ['SHA-384', 'SHA384']] as const) {
    it(`P_${digest} matches openssl kdf TLS1-PRF`, async () => {
      const secret = random(48);
      const seed = random(64);
      const label = 'key expansion';
      const ours = await prf(hash, secret, label, seed, 104);
      const theirs = execFileSync('openssl', ['kdf', '-keylen', '104', '-kdfopt', `digest:${digest}`, '-kdfopt', `hexsecret:${toHex(secret)}`, '-kdfopt', `hexseed:${toHex(concat(utf8.encode(label), seed))}`, 'TLS1-PRF']).toString().trim();
      expect(toHex(ours)).toBe(theirs.replace(/:/g, '').toLowerCase());
    });
  }
});

describe('key exchanges', () => {
  it('RSAES-PKCS1-v1_5: openssl decrypts our encrypted pre-master secret', async () => {
    const der = pemToDer(fs.readFileSync(pki.rsaCert, 'utf8'));
    const { preMaster, clientPublic } = await rsaExchange(certificateSpki(der), random);
    expect(preMaster.length).toBe(48);
    expect([...preMaster.subarray(0, 2)]).toEqual([3, 3]);
    const file = path.join(pki.dir, 'cke.bin');
    fs.writeFileSync(file, clientPublic);
    const plain = execFileSync('openssl', ['pkeyutl', '-decrypt', '-inkey', pki.rsaKey, '-pkeyopt', 'rsa_padding_mode:pkcs1', '-in', file]);
    expect(toHex(new Uint8Array(plain))).toBe(toHex(preMaster));
  });

  it('DHE with BigInt agrees with Node\'s DiffieHellman (RFC 3526 group 14)', () => {
    const server = nodeCrypto.getDiffieHellman('modp14');
    server.generateKeys();
    const p = new Uint8Array(server.getPrime());
    const g = new Uint8Array(server.getGenerator());
    const ys = new Uint8Array(server.getPublicKey());
    const ours = dheExchange(p, g, ys, random);
    const theirs = new Uint8Array(server.computeSecret(Buffer.from(ours.clientPublic)));
    expect(toHex(ours.preMaster)).toBe(toHex(bigIntToBytes(bytesToBigInt(theirs))));
  });

  it('DHE refuses a 1024-bit group (Logjam) and a degenerate public value', () => {
    const small = nodeCrypto.getDiffieHellman('modp2');
    small.generateKeys();
    expect(() => dheExchange(new Uint8Array(small.getPrime()), Uint8Array.of(2), new Uint8Array(small.getPublicKey()), random)).toThrow(/2048/);
    const big = nodeCrypto.getDiffieHellman('modp14');
    expect(() => dheExchange(new Uint8Array(big.getPrime()), Uint8Array.of(2), Uint8Array.of(1), random)).toThrow(/out of range/);
  });
});

function record(type: number, sealed: Uint8Array) {
  return { contentType: type, version: 0x0303, bytes: sealed, fragment: sealed.subarray(5) };
}

describe('record protection', () => {
  for (const [name, etm] of [['TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA', false], ['TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA', true], ['TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256', true], ['TLS_RSA_WITH_AES_256_CBC_SHA', false]] as const) {
    it(`${name}${etm ? ' encrypt-then-MAC' : ' MAC-then-encrypt'}: round trip of every length 0..40, a flipped bit is bad_record_mac`, async () => {
      const suite = suite12ByName(name)!;
      const macKey = random(suite.macLength);
      const key = random(suite.keyLength);
      const tx = await Tls12CbcProtector.create(suite, macKey, key, etm);
      const rx = await Tls12CbcProtector.create(suite, macKey, key, etm);
      for (let n = 0; n <= 40; n++) {
        const data = random(n);
        const sealed = await tx.encrypt(23, data);
        expect(sealed.bytes.length % 16).toBe(5 % 16 + (etm ? suite.macLength % 16 : 0));
        const opened = await rx.decrypt(record(23, sealed.bytes));
        expect(toHex(opened.fragment)).toBe(toHex(data));
      }
      const sealed = await tx.encrypt(23, utf8.encode('attack at dawn'));
      for (const at of [5 + 3, sealed.bytes.length - 1, sealed.bytes.length - 17]) {
        const bad = Uint8Array.from(sealed.bytes);
        bad[at] ^= 0x01;
        await expect(rxAt(suite, macKey, key, etm, sealed.seq).then((p) => p.decrypt(record(23, bad)))).rejects.toMatchObject({ code: 'BAD_RECORD_MAC' });
      }
    });
  }

  it('AES-GCM: 8-byte explicit nonce on the wire, AAD with the sequence number; ChaCha20: no explicit nonce (RFC 7905)', async () => {
    for (const [name, explicit] of [['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 8], ['TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 0]] as const) {
      const suite = suite12ByName(name)!;
      const key = random(suite.keyLength);
      const iv = random(suite.fixedIvLength);
      const tx = await Tls12AeadProtector.create(suite, key, iv);
      const rx = await Tls12AeadProtector.create(suite, key, iv);
      const a = await tx.encrypt(23, utf8.encode('one'));
      const b = await tx.encrypt(22, utf8.encode('two'));
      expect(a.bytes.length).toBe(5 + explicit + 3 + 16);
      if (explicit) expect(toHex(b.bytes.subarray(5, 13))).toBe('0000000000000001');
      expect(utf8.decode((await rx.decrypt(record(23, a.bytes))).fragment)).toBe('one');
      // The content type is authenticated: the same bytes as another type fail.
      await expect(rx.decrypt(record(23, b.bytes))).rejects.toMatchObject({ code: 'BAD_RECORD_MAC' });
    }
  });
});

async function rxAt(suite: NonNullable<ReturnType<typeof suite12ByName>>, macKey: Uint8Array, key: Uint8Array, etm: boolean, seq: bigint) {
  const p = await Tls12CbcProtector.create(suite, macKey, key, etm);
  // Advance the receiver to the record's sequence number with throwaway records of its own.
  const filler = await Tls12CbcProtector.create(suite, macKey, key, etm);
  for (let i = 0n; i < seq; i++) await p.decrypt(record(23, (await filler.encrypt(23, new Uint8Array(0))).bytes));
  return p;
}

describe('TLS 1.2 message codec', () => {
  const messages: [Tls12Message, 'ECDHE' | 'DHE' | 'RSA' | undefined][] = [
    [{ type: 'hello_request' }, undefined],
    [{ type: 'certificate12', chain: [fromHex('3082'), fromHex('308201')] }, undefined],
    [{ type: 'server_key_exchange', kx: 'ECDHE', params: concat(Uint8Array.of(3, 0, 0x1d, 32), new Uint8Array(32).fill(7)), scheme: 0x0403, signature: fromHex('3006020101020101') }, 'ECDHE'],
    [{ type: 'server_key_exchange', kx: 'DHE', params: fromHex('0002ffff00010200020505'), scheme: 0x0804, signature: fromHex('0102') }, 'DHE'],
    [{ type: 'certificate_request12', certificateTypes: [1, 64], schemes: [0x0403, 0x0804], authorities: [fromHex('3000')] }, undefined],
    [{ type: 'server_hello_done' }, undefined],
    [{ type: 'client_key_exchange', kx: 'ECDHE', exchange: new Uint8Array(32).fill(1) }, 'ECDHE'],
    [{ type: 'client_key_exchange', kx: 'RSA', exchange: new Uint8Array(256).fill(1) }, 'RSA'],
    [{ type: 'certificate_verify12', scheme: 0x0403, signature: fromHex('aabb') }, undefined],
    [{ type: 'finished12', verifyData: new Uint8Array(12).fill(9) }, undefined],
    [{ type: 'new_session_ticket12', lifetimeHint: 7200, ticket: fromHex('deadbeef') }, undefined],
  ];
  const walk = (fs: FieldNode[], len: number, out: string[]) => {
    for (const f of fs) {
      expect(f.start).toBeLessThanOrEqual(f.end);
      expect(f.end).toBeLessThanOrEqual(len);
      if (f.explain) out.push(f.explain);
      if (f.children) walk(f.children, len, out);
    }
  };
  for (const [m, kx] of messages) {
    it(`${m.type}${kx ? ` (${kx})` : ''}: encode, decode, same bytes; spans inside; every explain key in the catalogue`, () => {
      const enc = encodeHandshake12(m);
      const dec = decodeHandshake12(enc.bytes, kx);
      expect(toHex(encodeHandshake12(dec.message).bytes)).toBe(toHex(enc.bytes));
      const keys: string[] = [];
      walk(dec.fields, enc.bytes.length, keys);
      for (const k of keys) expect(EXPLANATIONS[k], k).toBeDefined();
    });
  }

  it('a 13-byte Finished and a ServerKeyExchange with explicit curve parameters are refused', () => {
    expect(() => decodeHandshake12(concat(Uint8Array.of(20, 0, 0, 13), new Uint8Array(13)))).toThrow(/12 bytes/);
    expect(() => decodeHandshake12(Uint8Array.of(12, 0, 0, 4, 1, 0, 0, 0), 'ECDHE')).toThrow(/named curves/);
  });
});

describe('version plan', () => {
  it('defaults: both; 1.3 only for 1.3 suites; 1.2 only for 1.2 suites or a 1.2 session; both for a mix; a contradiction is BAD_OPTION', async () => {
    const { planVersions } = await import('../../src/tls/handshake12/index.ts');
    expect(planVersions({})).toMatchObject({ offerTls13: true, tls12: { offerTls13: true } });
    expect(planVersions({}).tls12!.suites.length).toBeGreaterThan(6);
    expect(planVersions({ suites: ['TLS_AES_256_GCM_SHA384'] })).toMatchObject({ offerTls13: true, tls12: null });
    expect(planVersions({ suites: ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'] })).toMatchObject({ offerTls13: false, tls12: { suites: [{ code: 0xc02f }] } });
    expect(planVersions({ suites: ['TLS_AES_128_GCM_SHA256', 'ECDHE-RSA-CHACHA20-POLY1305'] })).toMatchObject({ offerTls13: true, tls12: { suites: [{ code: 0xcca8 }] } });
    expect(planVersions({ versions: ['TLS1.3', 'TLS1.2'] }).tls12!.suites.length).toBeGreaterThan(6);
    expect(() => planVersions({ versions: ['TLS1.2'], suites: ['TLS_AES_128_GCM_SHA256'] })).toThrow(/TLS 1.3 is not offered/);
  });
});
