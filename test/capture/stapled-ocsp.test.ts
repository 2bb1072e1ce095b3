// Captures of `openssl s_server -status_file` with `s_client -status` (TLS 1.3: the staple in the leaf's
// CertificateEntry; TLS 1.2: in CertificateStatus), the responses made by `openssl ocsp` (support/ocsp-pki.ts):
// the decoder checks the staple as the live client does (the same steps and 'ocsp' event), at the capture's time,
// and a verified "revoked" is reported (REVOKED, as the live client names it) while everything after it is still
// decoded.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCapture } from '../../src/capture/capture-file.ts';
import { parseKeyLog } from '../../src/capture/keylog.ts';
import { decodeStream, listingOf, type DecodedStream } from '../../src/capture/session.ts';
import { scanCapture, type TcpStream } from '../../src/capture/streams.ts';
import { connectionResult } from '../../src/capture/summary.ts';
import type { OcspEvent, TraceEvent } from '../../src/trace/types.ts';
import { createVerifier } from '../../src/x509/verifier.ts';
import type { TestPki } from '../tls/helpers.ts';
import { useOcspPki } from '../support/use-ocsp-pki.ts';
import { pcapFile } from './frames.ts';
import { captureOpenssl, ours, type CapturedRun } from './helpers.ts';
import { ocspSteps as expectedSteps } from '../support/ocsp-steps.ts';

const BIN = path.resolve(__dirname, '../../bin/tls-lens.js');
const pki = useOcspPki();
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

interface Run {
  run: CapturedRun;
  keyLogText: string;
  stream: TcpStream;
  decoded: DecodedStream;
}

/** The capture's one stream, decoded with the key log and the chain checked against the test CA. */
async function decode(file: Uint8Array, keyLogText: string): Promise<{ stream: TcpStream; decoded: DecodedStream }> {
  const scan = await scanCapture([file]);
  expect(scan.streams).toHaveLength(1);
  const stream = scan.streams[0];
  return { stream, decoded: await decodeStream(stream, { keyLog: parseKeyLog(keyLogText), verifier: createVerifier({ anchors: [pki.caDer] }) }) };
}

/** s_server stapling `response` for `leaf`; one s_client asking for it. */
async function capture(name: string, version: string, leaf: { cert: string; key: string }, response: string): Promise<Run> {
  // captureOpenssl takes from a PKI only the server's certificate and key and the CA file.
  const serverPki = { leafCert: leaf.cert, leafKey: leaf.key, rootPem: pki.caPem } as TestPki;
  const run = await captureOpenssl(serverPki, name, [version, '-status_file', response], [{ args: [version, '-status'] }]);
  dirs.push(run.dir);
  const keyLogText = fs.readFileSync(run.keyLog, 'utf8');
  return { run, keyLogText, ...(await decode(new Uint8Array(fs.readFileSync(run.pcap)), keyLogText)) };
}

const ocspSteps = (d: DecodedStream) => d.events.flatMap((e) => (e.kind === 'cert-check' && e.check.startsWith('ocsp') ? [[e.check, e.ok]] : []));
const ocspEvents = (d: DecodedStream) => d.events.filter((e): e is OcspEvent => e.kind === 'ocsp');
const errors = (d: DecodedStream) => d.events.flatMap((e) => (e.kind === 'error' ? [e.code] : []));
const finished = (d: DecodedStream) => d.events.flatMap((e) => (e.kind === 'finished' ? [`${e.direction} ${e.ok}`] : []));
const at = (d: DecodedStream, test: (e: TraceEvent) => boolean) => d.events.findIndex(test);
const text = (d: DecodedStream, side: 'client' | 'server') => Buffer.from(ours(d).data[side], 'hex').toString();

const summaryOf = (r: Run) => connectionResult(r.decoded, listingOf(r.stream, r.decoded));

for (const [version, label, carrier, next, finishedOrder] of [
  ['-tls1_3', 'TLS 1.3', 'Certificate', 'CertificateVerify', ['server true', 'client true']],
  ['-tls1_2', 'TLS 1.2', 'CertificateStatus', 'ServerKeyExchange', ['client true', 'server true']],
] as const) {
  describe(`a captured ${label} session with a stapled OCSP response (in its ${carrier})`, () => {
    let good: Run;
    let revoked: Run;
    beforeAll(async () => {
      good = await capture(`ocsp-good${version}`, version, pki.leaf, pki.responses.good);
      revoked = await capture(`ocsp-revoked${version}`, version, pki.revoked, pki.responses.revoked);
    }, 90_000);

    it("a good response: every step passes, the verdict is the live client's, right after the chain's", () => {
      const d = good.decoded;
      expect(ocspSteps(d)).toEqual(expectedSteps());
      expect(ocspEvents(d)).toHaveLength(1);
      const e = ocspEvents(d)[0];
      expect(e).toMatchObject({ verdict: 'good', certificate: 0, responseStatus: 'successful', responder: 'CN=OCSP Test Root', signedBy: 'issuer', certStatus: 'good', certIdMatches: true });
      expect(e.certId).toMatchObject({ hashAlgorithm: 'SHA-1', serialNumber: pki.leaf.serial.toLowerCase() });
      // After the chain's verdict and the message carrying the staple, before the message after it.
      const index = d.events.indexOf(e);
      expect(at(d, (x) => x.kind === 'cert-result' && x.ok)).toBeLessThan(index);
      expect(at(d, (x) => x.kind === 'handshake' && x.direction === 'server' && x.name === carrier)).toBeLessThan(index);
      expect(at(d, (x) => x.kind === 'handshake' && x.direction === 'server' && x.name === next)).toBeGreaterThan(index);
      expect(errors(d)).toEqual([]);
      expect(finished(d)).toEqual(finishedOrder);
      expect(summaryOf(good).certificate).toMatchObject({ verified: true, error: null, ocsp: { verdict: 'good', signedBy: 'issuer', certStatus: 'good' } });
    });

    it('a revoked response: REVOKED reported as the live client reports it, and the rest of the capture still decoded', () => {
      const d = revoked.decoded;
      expect(ocspSteps(d)).toEqual(expectedSteps('ocspStatus'));
      const status = d.events.find((e) => e.kind === 'cert-check' && e.check === 'ocspStatus');
      expect(status).toMatchObject({ code: 'REVOKED' });
      const e = ocspEvents(d)[0];
      expect(e).toMatchObject({ verdict: 'revoked', certStatus: 'revoked', revocationReason: 'keyCompromise', certIdMatches: true });
      expect(e.certId!.serialNumber).toBe(pki.revoked.serial.toLowerCase());
      // The certificate check fails after all (a second cert-result), and an error says why.
      const results = d.events.filter((x) => x.kind === 'cert-result');
      expect(results.map((x) => x.kind === 'cert-result' && x.ok)).toEqual([true, false]);
      expect(results[1]).toMatchObject({ error: { code: 'REVOKED', openssl: 'X509_V_ERR_CERT_REVOKED' } });
      expect(errors(d)).toEqual(['REVOKED']);
      const error = d.events.find((x) => x.kind === 'error');
      expect(error && error.kind === 'error' && error.message).toMatch(/^A certificate has been revoked by its issuer: the issuer's responder says the certificate was revoked at .*, reason keyCompromise \(stapled OCSP response\)$/);
      // openssl s_client -status goes on: so does the decoding, every proof after the staple checked, the data decrypted.
      const index = d.events.indexOf(e);
      expect(at(d, (x) => x.kind === 'signature' && x.ok)).toBeGreaterThan(index);
      expect(finished(d)).toEqual(finishedOrder);
      expect(text(d, 'client')).toContain('hello from s_client');
      expect(text(d, 'server')).toContain('hello from s_server');
      expect(summaryOf(revoked)).toMatchObject({ ok: false, certificate: { verified: false, error: { code: 'REVOKED' }, ocsp: { verdict: 'revoked', revocationReason: 'keyCompromise' } }, error: { code: 'REVOKED' } });
    });

    it("the verifier's clock is the capture's: the same packets dated two days later find the response expired", async () => {
      const frames: { time: number; data: Uint8Array }[] = [];
      for await (const item of readCapture([new Uint8Array(fs.readFileSync(good.run.pcap))])) if (item.kind === 'packet') frames.push({ time: item.time + 2 * 86_400_000, data: item.data.slice() });
      const { decoded: d } = await decode(pcapFile(1, frames), good.keyLogText);
      expect(ocspSteps(d)).toEqual(expectedSteps('ocspValidity'));
      const e = ocspEvents(d)[0];
      expect(e.verdict).toBe('unverified');
      expect(e.detail).toMatch(/^the response has expired: nextUpdate .* is not after .*; the response is set aside \(soft-fail, as browsers do\) and the handshake goes on$/);
      // The chain, valid for 30 days, is checked at the same time and still verifies; an unverified staple is no error.
      expect(d.events.find((x) => x.kind === 'cert-result')).toMatchObject({ ok: true });
      expect(errors(d)).toEqual([]);
    });
  });
}

describe('tls-lens pcap', () => {
  it("--json gives the staple's verdict in certificate.ocsp, and the revocation as the stream's error", async () => {
    const r = await capture('ocsp-cli', '-tls1_2', pki.revoked, pki.responses.revoked);
    const json = JSON.parse(execFileSync('node', [BIN, 'pcap', r.run.pcap, '--keylog', r.run.keyLog, '--ca', pki.caPem, '--json'], { encoding: 'utf8', timeout: 120_000 }));
    expect(json.streams[0]).toMatchObject({
      version: 'TLSv1.2',
      ok: false,
      certificate: { verified: false, error: { code: 'REVOKED' }, ocsp: { verdict: 'revoked', certStatus: 'revoked', revocationReason: 'keyCompromise' } },
      errors: [{ code: 'REVOKED' }],
    });
    const out = execFileSync('node', [BIN, 'pcap', r.run.pcap, '--keylog', r.run.keyLog, '--ca', pki.caPem], { encoding: 'utf8', timeout: 120_000 });
    expect(out).toContain('OCSP staple: the certificate is REVOKED');
    expect(out).toMatch(/hello from s_server/);
  }, 180_000);
});
