// DHE_DSS captures of real peers with DSA certificates (a DSA CA, a 2048-bit DSA server leaf with a 256-bit q, DSA
// client certificates), decoded with their key logs: the ServerKeyExchange's and the client's CertificateVerify's DSA
// signatures checked in TLS 1.0 (SHA-1 alone, RFC 2246 §7.4.3) and TLS 1.2 (the pair named: dsa_sha1 from GnuTLS,
// dsa_sha256 from OpenSSL), and the records opened (a DHE_DSS suite is its DHE_RSA twin's records). Then copies with a
// signature byte flipped: the check fails in plain words, an error, and the rest is still decoded.
// Here gnutls-cli 3.7 does not offer DSA-SHA256 in its signature_algorithms (even when its priority names it), so
// GnuTLS signs TLS 1.2 with dsa_sha1 and the dsa_sha256 session is OpenSSL's (s_server/s_client, security level 0);
// and GnuTLS signs a TLS 1.0 CertificateVerify only with a DSA key of 160-bit q ("incompatible with the selected TLS
// protocol" for 2048/256), so that client has a 1024/160 key.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DecodedStream } from '../../src/capture/session.ts';
import type { SignatureCheckEvent } from '../../src/trace/types.ts';
import { pemToDer } from '../../src/x509/pem.ts';
import { usePki } from '../support/pki.ts';
import { captureGnutls } from './gnutls-capture.ts';
import { captureOpenssl, decodeCaptureFile, ours, type CapturedRun } from './helpers.ts';

const BIN = path.resolve(__dirname, '../../bin/tls-lens.js');
const pki = usePki();
let dir: string;
const runs: string[] = [];
afterAll(() => [dir, ...runs].forEach((d) => d && fs.rmSync(d, { recursive: true, force: true })));

/** DSA root -> DSA server leaf (localhost) and DSA client leaves (2048/256 and 1024/160), SHA-256 signed. */
const dsa = { ca: '', caDer: new Uint8Array() as Uint8Array, server: { cert: '', key: '' }, client: { cert: '', key: '' }, client1024: { cert: '', key: '' } };
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tls-lens-dsa-'));
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  run('genpkey', '-genparam', '-algorithm', 'DSA', '-pkeyopt', 'dsa_paramgen_bits:2048', '-pkeyopt', 'dsa_paramgen_q_bits:256', '-out', 'params.pem');
  run('genpkey', '-genparam', '-algorithm', 'DSA', '-pkeyopt', 'dsa_paramgen_bits:1024', '-pkeyopt', 'dsa_paramgen_q_bits:160', '-out', 'params1024.pem');
  const key = (name: string, params = 'params.pem') => run('genpkey', '-paramfile', params, '-out', `${name}.key`);
  key('ca');
  run('req', '-new', '-x509', '-key', 'ca.key', '-subj', '/CN=TLS Lens DSA test root', '-days', '30', '-sha256', '-out', 'ca.pem', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  const issue = (name: string, subject: string, eku: string, params?: string) => {
    key(name, params);
    fs.writeFileSync(path.join(dir, `${name}.ext`), `basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=${eku}\nsubjectAltName=DNS:localhost\nauthorityKeyIdentifier=keyid\n`);
    run('req', '-new', '-key', `${name}.key`, '-subj', subject, '-out', `${name}.csr`);
    run('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '30', '-sha256', '-extfile', `${name}.ext`, '-out', `${name}.pem`);
    return { cert: path.join(dir, `${name}.pem`), key: path.join(dir, `${name}.key`) };
  };
  dsa.server = issue('server', '/CN=localhost', 'serverAuth');
  dsa.client = issue('client', '/CN=TLS Lens DSA test client', 'clientAuth');
  dsa.client1024 = issue('client1024', '/CN=TLS Lens DSA-1024 test client', 'clientAuth', 'params1024.pem');
  dsa.ca = path.join(dir, 'ca.pem');
  dsa.caDer = pemToDer(fs.readFileSync(dsa.ca, 'utf8'))[0];
});

interface Run {
  run: CapturedRun;
  keyLogText: string;
  decoded: DecodedStream[];
}

// The browser profile (the default) refuses DSA certificates; the signatures are checked all the same.
const decodeFile = (file: Uint8Array, keyLogText: string) => decodeCaptureFile(file, keyLogText, [dsa.caDer]);

async function decodeRun(run: CapturedRun): Promise<Run> {
  runs.push(run.dir);
  const keyLogText = fs.readFileSync(run.keyLog, 'utf8');
  return { run, keyLogText, decoded: await decodeFile(new Uint8Array(fs.readFileSync(run.pcap)), keyLogText) };
}

const gnutls = (name: string, priority: string, client: { cert: string; key: string }) =>
  captureGnutls(name, { priority, cert: dsa.server.cert, key: dsa.server.key, caFile: dsa.ca, lines: ['hello from gnutls-cli'], client }).then(decodeRun);

const signatures = (d: DecodedStream) => d.events.filter((e): e is SignatureCheckEvent => e.kind === 'signature');
const checks = (d: DecodedStream) => signatures(d).map((e) => `${e.subject} ${e.scheme} ${e.ok}`);
const errors = (d: DecodedStream) => d.events.flatMap((e) => (e.kind === 'error' ? [e.code] : []));
const finished = (d: DecodedStream) => d.events.flatMap((e) => (e.kind === 'finished' ? [`${e.direction} ${e.ok}`] : []));
const messageBytes = (d: DecodedStream, direction: 'client' | 'server', name: string) => {
  const e = d.events.find((x) => x.kind === 'handshake' && x.direction === direction && x.name === name);
  return Buffer.from(e && e.kind === 'handshake' ? e.bytes : '', 'hex');
};

/** The browser profile's verdict on the DSA chain: refused, with the reason in words (the signatures are still checked). */
function chainRefusedForDsa(d: DecodedStream): void {
  const result = d.events.find((e) => e.kind === 'cert-result');
  expect(result).toMatchObject({ ok: false });
  const step = d.events.find((e) => e.kind === 'cert-check' && !e.ok && e.ok !== null);
  expect(JSON.stringify(step)).toContain('the CA/B Forum Baseline Requirements allow RSA and ECDSA keys only');
}

/** Everything decoded and checked: the one DSA signature ok, both Finished, the data both ways. */
function sessionChecked(d: DecodedStream, version: string, suite: string, expected: string[]): void {
  expect(d.session.version).toBe(version);
  expect(d.session.cipherSuite).toBe(suite);
  expect(checks(d)).toEqual(expected);
  expect(errors(d).filter((c) => c !== 'WEAK_ALGORITHM')).toEqual([]);
  expect(finished(d)).toEqual(['client true', 'server true']);
  expect(d.events.filter((e) => e.kind === 'note' && /not decoded|nothing in it is checked|not checked/.test(e.text))).toEqual([]);
}

/** The capture with one byte flipped, `fromEnd` bytes before the end of `message`, where it lies in the file. */
function flipped(run: CapturedRun, message: Buffer, fromEnd: number): Uint8Array {
  const file = fs.readFileSync(run.pcap);
  const at = file.indexOf(message);
  expect(at).toBeGreaterThan(0);
  file[at + message.length - fromEnd] ^= 0x01;
  return new Uint8Array(file);
}

describe('DHE_DSS, TLS 1.0 (gnutls-serv and gnutls-cli): DSA signatures over SHA-1', () => {
  let r: Run;
  beforeAll(async () => {
    r = await gnutls('dhe-dss-tls10', 'NORMAL:-KX-ALL:+DHE-DSS:+SIGN-DSA-SHA1:-VERS-ALL:+VERS-TLS1.0', dsa.client1024);
  }, 60_000);

  it("the ServerKeyExchange's and the client's CertificateVerify's signatures are verified, the records opened", () => {
    const [d] = r.decoded;
    sessionChecked(d, '1.0', 'TLS_DHE_DSS_WITH_AES_256_CBC_SHA', ['ServerKeyExchange DSA, SHA-1 true', 'CertificateVerify DSA, SHA-1 true']);
    expect(signatures(d)[0].detail).toBe("signed with the server certificate's DSA 2048 bits (q 256 bits) key over SHA-1 of client_random || server_random || params (TLS 1.0/1.1)");
    expect(signatures(d)[1].detail).toBe("signed with the client certificate's DSA 1024 bits (q 160 bits) key over SHA-1 of the handshake messages before it (TLS 1.0/1.1)");
    expect(Buffer.from(ours(d).data.client, 'hex').toString()).toContain('hello from gnutls-cli');
    chainRefusedForDsa(d);
  });

  it('a flipped byte in the signature: the check fails in words, an error, and the rest still decoded', async () => {
    const ske = messageBytes(r.decoded[0], 'server', 'ServerKeyExchange');
    const [d] = await decodeFile(flipped(r.run, ske, 1), r.keyLogText);
    // The client's CertificateVerify covers the altered message too.
    expect(checks(d)).toEqual(['ServerKeyExchange DSA, SHA-1 false', 'CertificateVerify DSA, SHA-1 false']);
    expect(signatures(d)[0].detail).toBe("the signature does not match the certificate's public key over SHA-1 of the signed bytes");
    const error = d.events.find((e) => e.kind === 'error' && e.code === 'SERVER_KEY_EXCHANGE_SIGNATURE_FAILED');
    expect(error && error.kind === 'error' && error.message).toBe("the server's ServerKeyExchange signature does not check out: the signature (DSA, SHA-1) does not verify: the signature does not match the certificate's public key over SHA-1 of the signed bytes");
    // Both Finished cover the altered message; the records still open with the key log's keys.
    expect(finished(d)).toEqual(['client false', 'server false']);
    expect(ours(d).data).toEqual(ours(r.decoded[0]).data);
  });

  it('tls-lens pcap (node:crypto\'s DSA, not the library) gives the same verdicts, intact and altered', () => {
    const pcap = (file: string) => JSON.parse(execFileSync('node', [BIN, 'pcap', file, '--keylog', r.run.keyLog, '--ca', dsa.ca, '--json'], { encoding: 'utf8', timeout: 120_000 })).streams[0];
    const intact = pcap(r.run.pcap);
    expect(intact).toMatchObject({ version: 'TLSv1', cipherSuite: 'TLS_DHE_DSS_WITH_AES_256_CBC_SHA' });
    expect(intact.errors.map((e: { code: string }) => e.code).filter((c: string) => c !== 'WEAK_ALGORITHM')).toEqual([]);
    const file = path.join(r.run.dir, 'altered.pcap');
    fs.writeFileSync(file, flipped(r.run, messageBytes(r.decoded[0], 'server', 'ServerKeyExchange'), 1));
    const altered = pcap(file);
    expect(altered.errors.map((e: { code: string }) => e.code).filter((c: string) => c !== 'WEAK_ALGORITHM')).toEqual(['SERVER_KEY_EXCHANGE_SIGNATURE_FAILED', 'CERTIFICATE_VERIFY_FAILED', 'FINISHED_MISMATCH', 'FINISHED_MISMATCH']);
    expect(altered.errors[altered.errors.findIndex((e: { code: string }) => e.code === 'SERVER_KEY_EXCHANGE_SIGNATURE_FAILED')].message).toBe("the server's ServerKeyExchange signature does not check out: the signature (DSA, SHA-1) does not verify: the signature does not match the certificate's public key over SHA-1 of the signed bytes");
  }, 120_000);
});

describe('DHE_DSS, TLS 1.2 (gnutls-serv and gnutls-cli): the dsa_sha1 pair', () => {
  it('both signatures are verified, the records opened (AES-256-GCM, as DHE_RSA)', async () => {
    const r = await gnutls('dhe-dss-tls12', 'NORMAL:-KX-ALL:+DHE-DSS:+SIGN-DSA-SHA1:-VERS-ALL:+VERS-TLS1.2', dsa.client);
    const [d] = r.decoded;
    sessionChecked(d, '1.2', 'TLS_DHE_DSS_WITH_AES_256_GCM_SHA384', ['ServerKeyExchange dsa_sha1 (TLS 1.2 pair) true', 'CertificateVerify dsa_sha1 (TLS 1.2 pair) true']);
    expect(signatures(d)[0].detail).toBe("signed with the server certificate's DSA 2048 bits (q 256 bits) key over SHA-1 of client_random || server_random || params");
    expect(Buffer.from(ours(d).data.client, 'hex').toString()).toContain('hello from gnutls-cli');
  }, 60_000);
});

describe('DHE_DSS, TLS 1.2 (s_server and s_client): dsa_sha256, and a DSA client certificate', () => {
  let r: Run;
  beforeAll(async () => {
    const serverPki = { ...pki, leafCert: dsa.server.cert, leafKey: dsa.server.key, rootPem: dsa.ca };
    const cipher = 'DHE-DSS-AES128-SHA256:@SECLEVEL=0';
    const run = await captureOpenssl(serverPki, 'dhe-dss-openssl', ['-Verify', '1', '-cipher', cipher, '-client_sigalgs', 'DSA+SHA256'], [
      { args: ['-tls1_2', '-cipher', cipher, '-sigalgs', 'DSA+SHA256', '-cert', dsa.client.cert, '-key', dsa.client.key] },
    ]);
    r = await decodeRun(run);
  }, 60_000);

  it('both DSA signatures are verified', () => {
    const [d] = r.decoded;
    sessionChecked(d, '1.2', 'TLS_DHE_DSS_WITH_AES_128_CBC_SHA256', ['ServerKeyExchange dsa_sha256 (TLS 1.2 pair) true', 'CertificateVerify dsa_sha256 (TLS 1.2 pair) true']);
    const [, cv] = signatures(d);
    expect(cv.detail).toBe("signed with the client certificate's DSA 2048 bits (q 256 bits) key over SHA-256 of the handshake messages before it");
    expect(Buffer.from(ours(d).data.client, 'hex').toString()).toContain('hello from s_client');
  });

  it("a flipped byte in the client's CertificateVerify: that check fails, the rest decoded", async () => {
    const cv = messageBytes(r.decoded[0], 'client', 'CertificateVerify');
    const [d] = await decodeFile(flipped(r.run, cv, 1), r.keyLogText);
    expect(checks(d)).toEqual(['ServerKeyExchange dsa_sha256 (TLS 1.2 pair) true', 'CertificateVerify dsa_sha256 (TLS 1.2 pair) false']);
    expect(errors(d)).toContain('CERTIFICATE_VERIFY_FAILED');
    expect(ours(d).data).toEqual(ours(r.decoded[0]).data);
  });
});
