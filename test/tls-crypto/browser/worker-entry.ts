// Runs inside a browser Worker (bundled by browser-worker.test.ts): the same crypto core code on
// the browser's WebCrypto, checked against RFC 8448 / RFC 8439 values. Posts one result per check.
import { fromHex, toHex, utf8 } from '../../../src/util/bytes.ts';
import { createAead, webCryptoHasChaCha } from '../../../src/crypto/aead.ts';
import { generateKeyShare, importKeyShare } from '../../../src/crypto/key-exchange.ts';
import { cryptoProvider } from '../../../src/crypto/provider.ts';
import { verifySignature } from '../../../src/crypto/signature.ts';
import { EarlyStage13 } from '../../../src/tls/key-schedule/key-schedule13.ts';
import { Tls13RecordProtector } from '../../../src/tls/record/tls13-protector.ts';
import { suiteByCode } from '../../../src/tls/suites.ts';
import { Transcript } from '../../../src/tls/transcript.ts';
import { S3, S4 } from '../rfc8448.fixture.ts';

type Check = [name: string, run: () => Promise<string | true>];

const eq = (a: string, b: string) => (a === b ? true : `got ${a}, want ${b}`);
const h = fromHex;

const checks: Check[] = [
  ['x25519 shared secret (RFC 8448 §3)', async () => {
    const c = await importKeyShare('x25519', h(S3.clientPrivate));
    if (toHex(c.publicKey) !== S3.clientPublic) return 'public key differs';
    return eq(toHex(await c.computeSharedSecret(h(S3.serverPublic))), S3.sharedSecret);
  }],
  ['key schedule (RFC 8448 §3)', async () => {
    const early = await EarlyStage13.withoutPsk('SHA-256');
    const ks = await early.handshake(h(S3.sharedSecret));
    const t = new Transcript('SHA-256');
    t.add(h(S3.clientHello), 'ClientHello');
    t.add(h(S3.serverHello), 'ServerHello');
    const hs = await ks.trafficSecrets(await t.hash());
    if (toHex(hs.server) !== S3.serverHandshakeTrafficSecret) return 'server hs secret differs';
    const master = await ks.master();
    return eq(toHex((await master.applicationTrafficSecrets(h(S3.hashThroughServerFinished))).client), S3.clientApplicationTrafficSecret);
  }],
  ['PSK binder (RFC 8448 §4)', async () => {
    const ks = await EarlyStage13.withPsk('SHA-256', h(S3.resumptionPsk));
    return eq(toHex(await ks.binderValue('res', h(S4.binderHash))), S4.binder);
  }],
  ['record protection (RFC 8448 §3 server flight)', async () => {
    const p = await Tls13RecordProtector.create(suiteByCode(0x1301)!, h(S3.serverHandshakeKey), h(S3.serverHandshakeIv), 'handshake');
    const payload = h(S3.encryptedExtensions + S3.certificate + S3.certificateVerify + S3.serverFinished);
    return eq(toHex((await p.encrypt(22, payload)).bytes), S3.serverHandshakeRecord);
  }],
  ['ChaCha20-Poly1305 through WebCrypto (RFC 8439 §2.8.2)', async () => {
    if (!(await webCryptoHasChaCha())) return 'this browser has no WebCrypto ChaCha20-Poly1305';
    const aead = await createAead('CHACHA20-POLY1305', h('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f'));
    if (aead.implementation !== 'webcrypto') return `auto-detection chose ${aead.implementation}`;
    const text = "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.";
    const sealed = await aead.seal(h('070000004041424344454647'), h('50515253c0c1c2c3c4c5c6c7'), utf8.encode(text));
    const tamper = Uint8Array.from(sealed);
    tamper[0] ^= 1;
    if ((await aead.open(h('070000004041424344454647'), h('50515253c0c1c2c3c4c5c6c7'), tamper)) !== null) return 'tampered record opened';
    return eq(toHex(sealed.subarray(-16)), '1ae10b594f09e26a7e902ecbd0600691');
  }],
  ['ChaCha20-Poly1305 through noble agrees with WebCrypto', async () => {
    const key = new Uint8Array(32).fill(5);
    const a = await createAead('CHACHA20-POLY1305', key, { chachaImplementation: 'noble' });
    const b = await createAead('CHACHA20-POLY1305', key, { chachaImplementation: 'webcrypto' });
    const n = new Uint8Array(12);
    return eq(toHex(await a.seal(n, n, utf8.encode('same'))), toHex(await b.seal(n, n, utf8.encode('same'))));
  }],
  ['P-256 and P-384: import a raw scalar, agree with a fresh share', async () => {
    for (const group of ['secp256r1', 'secp384r1'] as const) {
      const curve = group === 'secp256r1' ? 'P-256' : 'P-384';
      const pair = (await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: curve }, true, ['deriveBits'])) as CryptoKeyPair;
      const jwk = await crypto.subtle.exportKey('jwk', pair.privateKey);
      const d = Uint8Array.from(atob(jwk.d!.replace(/-/g, '+').replace(/_/g, '/')), (ch) => ch.charCodeAt(0));
      const share = await importKeyShare(group, d);
      const raw = toHex(new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey)));
      if (toHex(share.publicKey) !== raw) return `${group}: public key differs`;
      const other = await generateKeyShare(group);
      if (toHex(await share.computeSharedSecret(other.publicKey)) !== toHex(await other.computeSharedSecret(share.publicKey))) return `${group}: secrets differ`;
    }
    return true;
  }],
  ['P-521: import a raw scalar (66 bytes), agree with a fresh share', async () => {
    const pair = (await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-521' }, true, ['deriveBits'])) as CryptoKeyPair;
    const jwk = await crypto.subtle.exportKey('jwk', pair.privateKey);
    const d = Uint8Array.from(atob(jwk.d!.replace(/-/g, '+').replace(/_/g, '/')), (ch) => ch.charCodeAt(0));
    const share = await importKeyShare('secp521r1', d);
    const raw = toHex(new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey)));
    if (toHex(share.publicKey) !== raw) return 'public key differs';
    const other = await generateKeyShare('secp521r1');
    const secret = await share.computeSharedSecret(other.publicKey);
    if (secret.length !== 66) return `the shared secret is ${secret.length} bytes, not 66`;
    return eq(toHex(secret), toHex(await other.computeSharedSecret(share.publicKey)));
  }],
  ['ECDSA P-521 with SHA-512: DER signatures (66-byte r and s) made and verified', async () => {
    const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-521' }, true, ['sign', 'verify'])) as CryptoKeyPair;
    const pkcs8 = new Uint8Array(await crypto.subtle.exportKey('pkcs8', pair.privateKey));
    const spki = new Uint8Array(await crypto.subtle.exportKey('spki', pair.publicKey));
    const data = utf8.encode('signed in a worker');
    const sign = await cryptoProvider().signature.signer(pkcs8, { kind: 'ecdsa', curve: 'P-521', hash: 'SHA-512' });
    for (let i = 0; i < 4; i++) {
      const der = await sign(data);
      // SEQUENCE with a long-form length: two INTEGERs of up to 67 bytes do not fit in 127.
      if (der[0] !== 0x30 || der[1] !== 0x81) return `not a long-form DER SEQUENCE: ${toHex(der.subarray(0, 3))}`;
      if (!(await verifySignature(spki, { kind: 'ecdsa', hash: 'SHA-512', encoding: 'der' }, data, der))) return 'our signature does not verify';
      if (await verifySignature(spki, { kind: 'ecdsa', hash: 'SHA-512', encoding: 'der' }, utf8.encode('other'), der)) return 'verified over other data';
    }
    return true;
  }],
  ['Ed448 (RFC 8032 §7.4, 1 octet) where WebCrypto has none: verified and signed', async () => {
    // SubjectPublicKeyInfo and PKCS#8 prefixes for id-Ed448 (RFC 8410), then the vector's 57-byte keys.
    const spki = h('3043300506032b6571033a00' + '43ba28f430cdff456ae531545f7ecd0ac834a55d9358c0372bfa0c6c6798c0866aea01eb00742802b8438ea4cb82169c235160627b4c3a9480');
    const pkcs8 = h('3047020100300506032b6571043b0439' + 'c4eab05d357007c632f3dbb48489924d552b08fe0c353a0d4a1f00acda2c463afbea67c5e8d2877c5e3bc397a659949ef8021e954e0a12274e');
    const signature = '26b8f91727bd62897af15e41eb43c377efb9c610d48f2335cb0bd0087810f4352541b143c4b981b7e18f62de8ccdf633fc1bf037ab7cd779805e0dbcc0aae1cbcee1afb2e027df36bc04dcecbf154336c19f0af7e0a6472905e799f1953d2a0ff3348ab21aa4adafd1d234441cf807c03a00';
    if (!(await verifySignature(spki, { kind: 'ed448' }, h('03'), h(signature)))) return 'the RFC signature does not verify';
    const bad = h(signature);
    bad[10] ^= 1;
    if (await verifySignature(spki, { kind: 'ed448' }, h('03'), bad)) return 'a changed signature verifies';
    const sign = await cryptoProvider().signature.signer(pkcs8, { kind: 'ed448' });
    return eq(toHex(await sign(h('03'))), signature);
  }],
  ['X25519 small-order point is illegal_parameter', async () => {
    const s = await generateKeyShare('x25519');
    try {
      await s.computeSharedSecret(new Uint8Array(32));
      return 'accepted the zero point';
    } catch (e) {
      return eq((e as { code?: string }).code ?? String(e), 'ILLEGAL_PARAMETER');
    }
  }],
];

(async () => {
  const results: { name: string; ok: boolean; detail: string }[] = [];
  for (const [name, run] of checks) {
    try {
      const r = await run();
      results.push({ name, ok: r === true, detail: r === true ? '' : r });
    } catch (e) {
      results.push({ name, ok: false, detail: `threw ${(e as Error)?.stack ?? String(e)}` });
    }
  }
  (self as unknown as { postMessage(m: unknown): void }).postMessage(results);
})();
