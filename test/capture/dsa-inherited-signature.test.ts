// A TLS 1.2 DHE_DSS server whose DSA certificate leaves its key's parameters to its issuer (RFC 3279 §2.3.2): its
// ServerKeyExchange signature is checked with the issuer's p, q and g, taken from the path the certificate check
// built (RFC 5280 §6.1.6: the working key), else from the chain the server sent; with none to find, it is said to be
// not checkable and why. Neither OpenSSL nor GnuTLS will serve such a certificate (both fail to read its key), so the
// session is a real one between s_client and s_server (dsa_sha256, relayed here byte for byte, with s_client's key
// log), and only the Certificate message is written again with the same certificate, its parameters left out and
// signed again by the CA: the ServerKeyExchange's signature (over the randoms and the DH parameters) is s_server's own.
import { execFileSync } from 'node:child_process';
import { sign } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseKeyLog } from '../../src/capture/keylog.ts';
import { readDsaPublicKey } from '../../src/crypto/dsa.ts';
import { decodeTlsChunks } from '../../src/capture/tls-decoder.ts';
import type { StreamChunk } from '../../src/capture/tcp-reassembly.ts';
import { TraceRecorder } from '../../src/trace/recorder.ts';
import type { SignatureCheckEvent, TraceEvent } from '../../src/trace/types.ts';
import { pemToDer } from '../../src/x509/pem.ts';
import { createVerifier } from '../../src/x509/verifier.ts';
import { expectPlain } from '../support/plain-words.ts';
import { relayedSession, sideBytes } from '../support/tls-relay.ts';
import { encodeTlv, parseTlv } from '../x509/resign.ts';

let dir: string;
const file = (name: string) => path.join(dir, name);
const der = (name: string) => pemToDer(fs.readFileSync(file(name), 'utf8'))[0];
let client: Buffer;
let serverBytes: Buffer;
let keyLog = '';
let bare: Uint8Array;

/** The certificate with its key's Dss-Parms left out, signed again with the CA's key. */
function withoutParameters(cert: Uint8Array): Uint8Array {
  const top = parseTlv(cert)[0];
  const tbs = top.kids![0];
  const spki = tbs.kids![6];
  spki.kids![0] = { tag: 0x30, kids: [spki.kids![0].kids![0]] };
  const signature = sign('sha256', encodeTlv(tbs), { key: fs.readFileSync(file('ca.key')), dsaEncoding: 'der' });
  top.kids![2] = { tag: 0x03, value: Buffer.concat([Uint8Array.of(0), signature]) };
  return encodeTlv(top);
}

const u24 = (n: number) => [n >> 16, (n >> 8) & 0xff, n & 0xff];

/** A TLS 1.2 Certificate message (RFC 5246 §7.4.2) carrying `certs`, in its own record. */
function certificateRecord(certs: Uint8Array[]): Buffer {
  const list = Buffer.concat(certs.map((c) => Buffer.concat([Buffer.from(u24(c.length)), c])));
  const body = Buffer.concat([Buffer.from(u24(list.length)), list]);
  const message = Buffer.concat([Buffer.from([11, ...u24(body.length)]), body]);
  return Buffer.concat([Buffer.from([22, 3, 3, message.length >> 8, message.length & 0xff]), message]);
}

/** The server's bytes with the record holding its Certificate message (one message per record, as s_server writes them) replaced. */
function replaceCertificate(server: Buffer, certs: Uint8Array[]): Buffer {
  const out: Buffer[] = [];
  let replaced = 0;
  for (let p = 0; p < server.length; ) {
    const length = server.readUInt16BE(p + 3);
    const record = server.subarray(p, p + 5 + length);
    if (record[0] === 22 && record[5] === 11 && replaced === 0) {
      expect((record[6] << 16) | (record[7] << 8) | record[8]).toBe(length - 4);
      out.push(certificateRecord(certs));
      replaced++;
    } else out.push(record);
    p += 5 + length;
  }
  expect(replaced).toBe(1);
  return Buffer.concat(out);
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tls-lens-capture-dsa-inherited-'));
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  // Two parameter sets: the session's has the smaller p, so the server's y is below the other's p too (with the other
  // set the key is usable, and the signature does not verify).
  for (const name of ['a', 'b']) {
    openssl('genpkey', '-genparam', '-algorithm', 'DSA', '-pkeyopt', 'dsa_paramgen_bits:2048', '-pkeyopt', 'dsa_paramgen_q_bits:256', '-out', `params-${name}.pem`);
    openssl('genpkey', '-paramfile', `params-${name}.pem`, '-out', `key-${name}.pem`);
  }
  const p = (name: string) => readDsaPublicKey(new Uint8Array(execFileSync('openssl', ['pkey', '-in', file(`key-${name}.pem`), '-pubout', '-outform', 'DER']))).p;
  const [mine, other] = p('a') < p('b') ? ['a', 'b'] : ['b', 'a'];
  fs.renameSync(file(`params-${mine}.pem`), file('params.pem'));
  fs.renameSync(file(`params-${other}.pem`), file('other-params.pem'));
  openssl('genpkey', '-paramfile', 'params.pem', '-out', 'ca.key');
  openssl('genpkey', '-paramfile', 'params.pem', '-out', 'server.key');
  openssl('req', '-new', '-x509', '-key', 'ca.key', '-subj', '/CN=TLS Lens DSA capture root', '-days', '30', '-sha256', '-out', 'ca.pem', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  openssl('genpkey', '-paramfile', 'other-params.pem', '-out', 'other-ca.key');
  openssl('req', '-new', '-x509', '-key', 'other-ca.key', '-subj', '/CN=TLS Lens DSA capture root', '-days', '30', '-sha256', '-out', 'other-ca.pem');
  fs.writeFileSync(file('server.ext'), 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost\nauthorityKeyIdentifier=keyid\n');
  openssl('req', '-new', '-key', 'server.key', '-subj', '/CN=localhost', '-out', 'server.csr');
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '30', '-sha256', '-extfile', 'server.ext', '-out', 'server.pem');
  bare = withoutParameters(der('server.pem'));

  const cipher = 'DHE-DSS-AES128-SHA256:@SECLEVEL=0';
  const session = await relayedSession(['-cert', file('server.pem'), '-key', file('server.key'), '-cipher', cipher, '-tls1_2'], ['-tls1_2', '-cipher', cipher, '-sigalgs', 'DSA+SHA256', '-keylogfile', file('keys.log')]);
  expect(session.clientOutput).toMatch(/Cipher is DHE-DSS-AES128-SHA256/);
  keyLog = fs.readFileSync(file('keys.log'), 'utf8');
  client = sideBytes(session, 'client');
  serverBytes = sideBytes(session, 'server');
}, 120_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The session decoded with the server's Certificate message carrying `certs`, checked against `anchors` (none: no check). */
async function decode(certs: Uint8Array[], anchors?: Uint8Array[]): Promise<TraceEvent[]> {
  const server = replaceCertificate(serverBytes, certs);
  // The whole of each flight in turn: the client's hello, the server's flight, and so on (what each waits for is there).
  const ordered: StreamChunk[] = [];
  const helloLength = 5 + client.readUInt16BE(3);
  ordered.push({ direction: 'client', time: 0, bytes: new Uint8Array(client.subarray(0, helloLength)) });
  ordered.push({ direction: 'server', time: 1, bytes: new Uint8Array(server) });
  ordered.push({ direction: 'client', time: 2, bytes: new Uint8Array(client.subarray(helloLength)) });
  const rec = new TraceRecorder(() => 0);
  await decodeTlsChunks(ordered, { keyLog: parseKeyLog(keyLog), emit: rec.emit, ...(anchors ? { verifier: createVerifier({ anchors }) } : {}) });
  return rec.events;
}

const skeSignature = (events: TraceEvent[]) => events.find((e): e is SignatureCheckEvent => e.kind === 'signature' && e.subject === 'ServerKeyExchange');
const notes = (events: TraceEvent[]) => events.flatMap((e) => (e.kind === 'note' ? [e.text] : []));

describe('a DHE_DSS ServerKeyExchange signed with a DSA key whose parameters are its issuer\'s', () => {
  it('as s_server sent it (the key with its parameters): verified', async () => {
    const events = await decode([der('server.pem')]);
    expect(skeSignature(events)).toMatchObject({ ok: true, scheme: 'dsa_sha256 (TLS 1.2 pair)' });
  });

  it('checked with the CA\'s p, q and g from the path the certificate check built', async () => {
    const events = await decode([bare], [der('ca.pem')]);
    const sig = skeSignature(events);
    expect(sig).toMatchObject({ ok: true, scheme: 'dsa_sha256 (TLS 1.2 pair)' });
    expect(sig?.detail).toBe('signed with the server certificate\'s DSA 2048 bits (q 256 bits) key (its p, q and g inherited from "CN=TLS Lens DSA capture root", on the path the certificate check built) over SHA-256 of client_random || server_random || params');
  });

  it('with no certificate check, from the chain the server sent', async () => {
    const events = await decode([bare, der('ca.pem')]);
    expect(skeSignature(events)?.detail).toBe('signed with the server certificate\'s DSA 2048 bits (q 256 bits) key (its p, q and g inherited from "CN=TLS Lens DSA capture root", on the chain the server sent) over SHA-256 of client_random || server_random || params');
  });

  it('another parameter set up the chain: the signature does not verify', async () => {
    // A CA of the same name with another parameter set, sent after the leaf.
    const events = await decode([bare, der('other-ca.pem')]);
    const sig = skeSignature(events);
    expect(sig?.ok).toBe(false);
    // The other q is another number: r or s may be above it (refused before any arithmetic), else the check fails.
    expect(sig?.detail).toMatch(/^(the signature does not match the certificate's public key \(its p, q and g inherited from "CN=TLS Lens DSA capture root", on the chain the server sent\) over SHA-256 of the signed bytes|the signature's [rs] is not below q \(it must be between 0 and q\))$/);
    expect(events.some((e) => e.kind === 'error' && e.code === 'SERVER_KEY_EXCHANGE_SIGNATURE_FAILED')).toBe(true);
  });

  it('with no issuer sent and no check: not checkable, and why', async () => {
    const events = await decode([bare]);
    expect(skeSignature(events)).toBeUndefined();
    const note = notes(events).find((t) => t.startsWith('the ServerKeyExchange signature is not checkable'));
    expect(note).toBe('the ServerKeyExchange signature is not checkable: the DSA parameters are inherited from the issuer (RFC 3279 §2.3.2), and no certificate sent with it is its issuer: nothing gives p, q, g');
    expectPlain(note, 'the note');
  });
});
