// TLS 1.0 and 1.1 captures (tcpdump of openssl s_client <-> s_server at security level 0, NSS key logs): the
// ServerKeyExchange signature and the client's CertificateVerify, which carry no algorithm field, checked as their
// peers checked them: an ECDSA key over SHA-1, an RSA key over MD5 || SHA-1 in a PKCS#1 v1.5 block without a
// DigestInfo. Then the same captures with a signature byte flipped: the check fails with its reason, as an error,
// and the rest of the capture is still decoded.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DecodedStream } from '../../src/capture/session.ts';
import type { SignatureCheckEvent } from '../../src/trace/types.ts';
import { usePki } from '../support/pki.ts';
import { captureOpenssl, decodeCaptureFile, ours, type CapturedRun } from './helpers.ts';

const pki = usePki();
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** RSA and DSA client certificates from the test CA (the PKI's own client key is ECDSA). */
let rsaClient: { cert: string; key: string };
let dsaClient: { cert: string; key: string };
beforeAll(() => {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: pki.dir, stdio: 'pipe' });
  const issue = (name: string, ...keyArgs: string[]) => {
    run(...keyArgs);
    run('req', '-new', '-key', `${name}.key`, '-subj', `/CN=TLS Lens ${name} test client`, '-out', `${name}.csr`);
    run('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '30', '-sha256', '-extfile', 'client.ext', '-out', `${name}.pem`);
    return { cert: path.join(pki.dir, `${name}.pem`), key: path.join(pki.dir, `${name}.key`) };
  };
  rsaClient = issue('rsa-client', 'genrsa', '-out', 'rsa-client.key', '2048');
  run('dsaparam', '-out', 'dsa-params.pem', '1024');
  dsaClient = issue('dsa-client', 'gendsa', '-out', 'dsa-client.key', 'dsa-params.pem');
});

interface Run {
  run: CapturedRun;
  keyLogText: string;
  decoded: DecodedStream[];
}

const decodeFile = (file: Uint8Array, keyLogText: string) => decodeCaptureFile(file, keyLogText, [pki.rootDer]);

/** s_server with `cert` asking for a client certificate; each client its own version and suite. */
async function capture(name: string, cert: { cert: string; key: string }, cipher: string, clients: string[][]): Promise<Run> {
  const serverPki = { ...pki, leafCert: cert.cert, leafKey: cert.key };
  const run = await captureOpenssl(serverPki, name, ['-Verify', '1', '-cipher', cipher], clients.map((args) => ({ args })));
  dirs.push(run.dir);
  const keyLogText = fs.readFileSync(run.keyLog, 'utf8');
  const decoded = await decodeFile(new Uint8Array(fs.readFileSync(run.pcap)), keyLogText);
  expect(decoded).toHaveLength(clients.length);
  return { run, keyLogText, decoded };
}

const signatures = (d: DecodedStream) => d.events.filter((e): e is SignatureCheckEvent => e.kind === 'signature');
const checks = (d: DecodedStream) => signatures(d).map((e) => `${e.subject} ${e.scheme} ${e.ok}`);
const errors = (d: DecodedStream) => d.events.flatMap((e) => (e.kind === 'error' ? [e.code] : []));
const notes = (d: DecodedStream) => d.events.flatMap((e) => (e.kind === 'note' ? [e.text] : []));
const finished = (d: DecodedStream) => d.events.flatMap((e) => (e.kind === 'finished' ? [`${e.direction} ${e.ok}`] : []));
const messageBytes = (d: DecodedStream, direction: 'client' | 'server', name: string) => {
  const e = d.events.find((x) => x.kind === 'handshake' && x.direction === direction && x.name === name);
  return Buffer.from(e && e.kind === 'handshake' ? e.bytes : '', 'hex');
};

/** Every handshake message decoded (none shown as bytes only), every check passing, the data decrypted. */
function allChecked(d: DecodedStream, version: '1.0' | '1.1', form: string): void {
  expect(d.session.version).toBe(version);
  expect(checks(d)).toEqual([`ServerKeyExchange ${form} true`, `CertificateVerify ${form} true`]);
  expect(errors(d)).toEqual([]);
  expect(notes(d).filter((n) => /not decoded|nothing in it is checked/.test(n))).toEqual([]);
  expect(finished(d)).toEqual(['client true', 'server true']);
  expect(d.events.find((e) => e.kind === 'cert-result')).toMatchObject({ ok: true });
  expect(Buffer.from(ours(d).data.client, 'hex').toString()).toContain('hello from s_client');
  // What each signed, as the trace shows it: the randoms and params; the handshake messages before the CertificateVerify.
  const [ske, cv] = signatures(d);
  const params = messageBytes(d, 'server', 'ServerKeyExchange');
  expect(ske.signedContent.startsWith(d.session.clientRandom!)).toBe(true);
  expect(ske.signedContent.length).toBe(2 * 64 + 2 * (params.length - 4 - 2 - ske.signature.length / 2));
  expect(cv.signedContent.startsWith(messageBytes(d, 'client', 'ClientHello').toString('hex'))).toBe(true);
  expect(cv.signedContent.endsWith(messageBytes(d, 'client', 'ClientKeyExchange').toString('hex'))).toBe(true);
}

/** The capture with one byte of a message flipped where it lies in the file (`at`: from the message's end). */
function flipped(run: CapturedRun, message: Buffer, fromEnd: number): Uint8Array {
  const file = fs.readFileSync(run.pcap);
  const at = file.indexOf(message);
  expect(at).toBeGreaterThan(0);
  file[at + message.length - fromEnd] ^= 0x01;
  return new Uint8Array(file);
}

describe('TLS 1.0, ECDHE-ECDSA: an ECDSA server and client certificate, signatures over SHA-1', () => {
  let r: Run;
  beforeAll(async () => {
    r = await capture('tls10-ecdsa-sigs', { cert: pki.leafCert, key: pki.leafKey }, 'ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0', [['-tls1', '-cipher', 'ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0', '-cert', pki.clientCert, '-key', pki.clientKey]]);
  }, 60_000);

  it('both signatures check out, with the TLS 1.0 form named', () => {
    allChecked(r.decoded[0], '1.0', 'ECDSA, SHA-1');
    const [ske, cv] = signatures(r.decoded[0]);
    expect(ske.detail).toMatch(/^signed with the server certificate's ECDSA key \(P-256\) over SHA-1 of client_random \|\| server_random \|\| params/);
    expect(cv.detail).toMatch(/^signed with the client certificate's ECDSA key \(P-256\) over SHA-1 of the handshake messages before it/);
    // The messages in their own form: the CertificateRequest without signature algorithms, the signature fields explained.
    const request = r.decoded[0].events.find((e) => e.kind === 'handshake' && e.name === 'CertificateRequest');
    expect(JSON.stringify(request)).toContain('"certificate_types"');
    expect(JSON.stringify(request)).not.toContain('supported_signature_algorithms');
  });

  it("a flipped byte in the client's signature: its check fails, said so, and decoding goes on", async () => {
    const cv = messageBytes(r.decoded[0], 'client', 'CertificateVerify');
    const [d] = await decodeFile(flipped(r.run, cv, 1), r.keyLogText);
    expect(checks(d)).toEqual(['ServerKeyExchange ECDSA, SHA-1 true', 'CertificateVerify ECDSA, SHA-1 false']);
    expect(signatures(d)[1].detail).toBe("the signature does not match the certificate's public key over SHA-1 of the signed bytes");
    const error = d.events.find((e) => e.kind === 'error' && e.code === 'CERTIFICATE_VERIFY_FAILED');
    expect(error && error.kind === 'error' && error.message).toBe("the client's CertificateVerify does not check out: the signature (ECDSA, SHA-1) does not verify: the signature does not match the certificate's public key over SHA-1 of the signed bytes");
    // Both Finished cover the altered message; the records still open with the key log's keys.
    expect(finished(d)).toEqual(['client false', 'server false']);
    expect(ours(d).data).toEqual(ours(r.decoded[0]).data);
  });
});

describe('TLS 1.1 and 1.0 with an RSA server and client certificate: MD5 || SHA-1 in a PKCS#1 v1.5 block', () => {
  let r: Run;
  beforeAll(async () => {
    const client = ['-cert', rsaClient.cert, '-key', rsaClient.key];
    r = await capture('tls1x-rsa-sigs', { cert: pki.rsaCert, key: pki.rsaKey }, 'ECDHE-RSA-AES128-SHA:DHE-RSA-AES256-SHA:@SECLEVEL=0', [
      ['-tls1_1', '-cipher', 'ECDHE-RSA-AES128-SHA:@SECLEVEL=0', ...client],
      ['-tls1', '-cipher', 'DHE-RSA-AES256-SHA:@SECLEVEL=0', ...client],
      ['-tls1', '-cipher', 'ECDHE-RSA-AES128-SHA:@SECLEVEL=0', '-cert', dsaClient.cert, '-key', dsaClient.key],
    ]);
  }, 60_000);

  it('ECDHE-RSA in TLS 1.1 and DHE-RSA in TLS 1.0: both signatures check out', () => {
    const form = 'RSA PKCS#1 v1.5, MD5+SHA-1';
    allChecked(r.decoded[0], '1.1', form);
    allChecked(r.decoded[1], '1.0', form);
    expect(r.decoded.slice(0, 2).map((d) => d.session.cipherSuite)).toEqual(['TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA', 'TLS_DHE_RSA_WITH_AES_256_CBC_SHA']);
    expect(signatures(r.decoded[0])[0].detail).toBe("signed with the server certificate's RSA key over MD5 || SHA-1 of client_random || server_random || params (TLS 1.0/1.1: 36 bytes, no DigestInfo)");
  });

  it("a DSA client certificate (OpenSSL's, 1024-bit): its CertificateVerify is checked over SHA-1 alone", () => {
    const d = r.decoded[2];
    expect(d.session.version).toBe('1.0');
    expect(checks(d)).toEqual(['ServerKeyExchange RSA PKCS#1 v1.5, MD5+SHA-1 true', 'CertificateVerify DSA, SHA-1 true']);
    // (OpenSSL 3's dsaparam 1024 makes a 224-bit q.)
    expect(signatures(d)[1].detail).toMatch(/^signed with the client certificate's DSA 1024 bits \(q (160|224) bits\) key over SHA-1 of the handshake messages before it \(TLS 1\.0\/1\.1\)$/);
    expect(notes(d).filter((n) => /not checked/.test(n))).toEqual([]);
    expect(errors(d)).toEqual([]);
    expect(finished(d)).toEqual(['client true', 'server true']);
  });

  it("a flipped byte in the DSA client's CertificateVerify: its check fails, said so, and decoding goes on", async () => {
    const cv = messageBytes(r.decoded[2], 'client', 'CertificateVerify');
    const [, , d] = await decodeFile(flipped(r.run, cv, 1), r.keyLogText);
    expect(checks(d)).toEqual(['ServerKeyExchange RSA PKCS#1 v1.5, MD5+SHA-1 true', 'CertificateVerify DSA, SHA-1 false']);
    expect(signatures(d)[1].detail).toBe("the signature does not match the certificate's public key over SHA-1 of the signed bytes");
    expect(errors(d)).toEqual(['CERTIFICATE_VERIFY_FAILED', 'FINISHED_MISMATCH', 'FINISHED_MISMATCH']);
    expect(ours(d).data).toEqual(ours(r.decoded[2]).data);
  });

  it("a flipped byte in the ServerKeyExchange's signature: not a PKCS#1 block; the CertificateVerify, which covers it, carries another digest", async () => {
    const ske = messageBytes(r.decoded[0], 'server', 'ServerKeyExchange');
    const [d] = await decodeFile(flipped(r.run, ske, 1), r.keyLogText);
    expect(checks(d)).toEqual(['ServerKeyExchange RSA PKCS#1 v1.5, MD5+SHA-1 false', 'CertificateVerify RSA PKCS#1 v1.5, MD5+SHA-1 false']);
    const [skeCheck, cvCheck] = signatures(d);
    expect(skeCheck.detail).toMatch(/^with the key, the signature does not give a PKCS#1 v1\.5 type 1 block/);
    expect(cvCheck.detail).toMatch(/^the PKCS#1 v1\.5 block is well formed, but the 36 bytes it carries are not MD5 \|\| SHA-1 of the signed bytes/);
    expect(errors(d)).toEqual(['SERVER_KEY_EXCHANGE_SIGNATURE_FAILED', 'CERTIFICATE_VERIFY_FAILED', 'FINISHED_MISMATCH', 'FINISHED_MISMATCH']);
    const error = d.events.find((e) => e.kind === 'error' && e.code === 'SERVER_KEY_EXCHANGE_SIGNATURE_FAILED');
    expect(error && error.kind === 'error' && error.message).toMatch(/^the server's ServerKeyExchange signature does not check out: the signature \(RSA PKCS#1 v1\.5, MD5\+SHA-1\) does not verify: with the key/);
    expect(ours(d).data).toEqual(ours(r.decoded[0]).data);
    expect(Buffer.from(ours(d).data.server, 'hex').toString()).toContain('hello from s_server');
  });

  it("a flipped byte in the DHE params: the server's signature carries another digest", async () => {
    const ske = messageBytes(r.decoded[1], 'server', 'ServerKeyExchange');
    const signatureLength = ske.readUInt16BE(ske.length - 256 - 2);
    expect(signatureLength).toBe(256);
    // The last byte of dh_Ys, just before the signature's length.
    const [, d] = await decodeFile(flipped(r.run, ske, 256 + 2 + 1), r.keyLogText);
    expect(checks(d)[0]).toBe('ServerKeyExchange RSA PKCS#1 v1.5, MD5+SHA-1 false');
    expect(signatures(d)[0].detail).toMatch(/^the PKCS#1 v1\.5 block is well formed, but the 36 bytes it carries are not MD5 \|\| SHA-1/);
    expect(errors(d)[0]).toBe('SERVER_KEY_EXCHANGE_SIGNATURE_FAILED');
    expect(ours(d).data).toEqual(ours(r.decoded[1]).data);
  });
});
