// Captures made here with tcpdump of openssl s_client <-> s_server (key logs from -keylogfile), decoded by TLS Lens
// and by Debian's tshark with the same key log: the handshake messages (direction, type, length), SNI, cipher suite
// and decrypted application data must agree.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseKeyLog } from '../../src/capture/keylog.ts';
import { decodeStream, type DecodedStream } from '../../src/capture/session.ts';
import { scanCapture } from '../../src/capture/streams.ts';
import { createVerifier } from '../../src/x509/verifier.ts';
import { usePki } from '../support/pki.ts';
import { byDirection, captureOpenssl, ours, tsharkStreams, type CapturedRun, type ClientStep } from './helpers.ts';

const pki = usePki();
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

async function decodeAll(run: CapturedRun, keyLogText: string) {
  const scan = await scanCapture(fs.createReadStream(run.pcap));
  expect(scan.error).toBeUndefined();
  const keyLog = parseKeyLog(keyLogText);
  const verifier = createVerifier({ anchors: [pki.rootDer] });
  const decoded: DecodedStream[] = [];
  for (const s of scan.streams) decoded.push(await decodeStream(s, { keyLog, verifier }));
  return { scan, decoded };
}

/** Capture, decode with both, compare; returns our decoding for further checks. */
async function compare(name: string, serverArgs: string[], clients: { args: string[]; steps?: ClientStep[] }[]) {
  const run = await captureOpenssl(pki, name, serverArgs, clients);
  dirs.push(run.dir);
  const keyLogText = fs.readFileSync(run.keyLog, 'utf8');
  const { scan, decoded } = await decodeAll(run, keyLogText);
  const theirs = tsharkStreams(run.pcap, run.serverPort, run.keyLog);
  expect(scan.streams.length).toBe(clients.length);
  expect(theirs.size).toBe(clients.length);
  scan.streams.forEach((s, i) => {
    const t = theirs.get(i)!;
    const o = ours(decoded[i]);
    expect(byDirection(o.messages, 'client')).toEqual(byDirection(t.messages, 'client'));
    expect(byDirection(o.messages, 'server')).toEqual(byDirection(t.messages, 'server'));
    expect(o.data).toEqual(t.data);
    expect(decoded[i].session.serverName).toBe(t.serverName);
    expect(decoded[i].session.undecrypted).toEqual([]);
    expect(decoded[i].events.filter((e) => e.kind === 'error')).toEqual([]);
    expect(t.suite).not.toBeNull();
    expect(decoded[i].session.cipherSuite).toBeTruthy();
    expect(o.messages.length).toBeGreaterThan(3);
    // Every Finished recomputed from the key log and the captured transcript, and every CertificateVerify
    // checked with the sender's certificate, as for a live session.
    const finished = decoded[i].events.flatMap((e) => (e.kind === 'finished' ? [e] : []));
    const finishedMessages = decoded[i].events.filter((e) => e.kind === 'handshake' && e.name === 'Finished');
    expect(finished.map((f) => `${f.direction} ${f.ok}`)).toEqual(finishedMessages.map((m) => `${m.kind === 'handshake' && m.direction} true`));
    const verifies = decoded[i].events.filter((e) => e.kind === 'handshake' && e.name === 'CertificateVerify').length;
    expect(decoded[i].events.filter((e) => e.kind === 'signature' && e.subject === 'CertificateVerify' && e.ok)).toHaveLength(verifies);
    const keyExchanges = decoded[i].events.filter((e) => e.kind === 'handshake' && e.name === 'ServerKeyExchange').length;
    expect(decoded[i].events.filter((e) => e.kind === 'signature' && e.subject === 'ServerKeyExchange' && e.ok)).toHaveLength(keyExchanges);
  });
  return { run, scan, decoded, theirs, keyLogText };
}

const suiteCode = (d: DecodedStream) => d.events.find((e) => e.kind === 'handshake' && e.msgType === 2 && e.name === 'ServerHello');
const hasData = (d: DecodedStream, side: 'client' | 'server', text: string) =>
  d.events.some((e) => e.kind === 'app-data' && e.direction === side && Buffer.from(e.bytes, 'hex').toString().includes(text));

describe('TLS 1.3 captures of openssl, decoded like tshark', () => {
  for (const suite of ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256']) {
    it(`${suite}: handshake, certificate check at capture time, data both ways`, async () => {
      const { decoded } = await compare(`t13-${suite}`, ['-tls1_3', '-ciphersuites', suite], [{ args: [] }]);
      const d = decoded[0];
      expect(d.session.version).toBe('1.3');
      expect(d.session.cipherSuite).toBe(suite);
      expect(suiteCode(d)).toBeTruthy();
      expect(hasData(d, 'client', 'hello from s_client')).toBe(true);
      expect(hasData(d, 'server', 'hello from s_server')).toBe(true);
      const result = d.events.find((e) => e.kind === 'cert-result');
      expect(result && result.kind === 'cert-result' && result.ok).toBe(true);
    });
  }

  it('HelloRetryRequest (the server wants P-384)', async () => {
    const { decoded } = await compare('t13-hrr', ['-tls1_3', '-groups', 'P-384'], [{ args: [] }]);
    expect(decoded[0].session.helloRetryRequest).toBe(true);
    expect(decoded[0].events.filter((e) => e.kind === 'handshake' && e.msgType === 1).length).toBe(2);
    expect(decoded[0].session.group).toMatch(/secp384r1/);
  });

  it('PSK resumption with a ticket from the first connection', async () => {
    const { decoded } = await compare('t13-resume', ['-tls1_3'], [{ args: ['-sess_out', '{dir}/s.pem'] }, { args: ['-sess_in', '{dir}/s.pem'] }]);
    expect(decoded[0].session.resumed).toBe(false);
    expect(decoded[1].session.resumed).toBe(true);
    expect(decoded[1].events.some((e) => e.kind === 'handshake' && e.name === 'Certificate')).toBe(false);
    expect(hasData(decoded[1], 'client', 'hello from s_client')).toBe(true);
  });

  it('0-RTT: early data of a resumed session decrypts with CLIENT_EARLY_TRAFFIC_SECRET', async () => {
    const early = fs.mkdtempSync(path.join(os.tmpdir(), 'tls-lens-early-'));
    dirs.push(early);
    fs.writeFileSync(path.join(early, 'early.txt'), 'early data sent before the handshake finished\n');
    const { decoded } = await compare('t13-early', ['-tls1_3', '-early_data'], [
      { args: ['-sess_out', '{dir}/s.pem'] },
      { args: ['-sess_in', '{dir}/s.pem', '-early_data', path.join(early, 'early.txt')] },
    ]);
    const d = decoded[1];
    expect(d.session.resumed).toBe(true);
    // The early data, under the early keys, as tshark decrypts it (compare() checked the bytes match tshark's).
    const earlyRecords = d.events.filter((e) => e.kind === 'record' && e.epoch === 'early' && e.direction === 'client');
    expect(earlyRecords.length).toBeGreaterThanOrEqual(2); // the data, then EndOfEarlyData
    expect(hasData(d, 'client', 'early data sent before the handshake finished')).toBe(true);
    const appData = d.events.find((e) => e.kind === 'app-data' && e.direction === 'client');
    expect(appData && appData.kind === 'app-data' && d.events[appData.record!]).toMatchObject({ kind: 'record', epoch: 'early' });
    expect(d.events.some((e) => e.kind === 'handshake' && e.name === 'EndOfEarlyData' && e.epoch === 'early')).toBe(true);
    expect(d.events.some((e) => e.kind === 'key' && e.name === 'client_early_traffic_secret')).toBe(true);
    // After EndOfEarlyData the client's handshake keys take over: its Finished decrypts.
    expect(d.events.some((e) => e.kind === 'handshake' && e.direction === 'client' && e.name === 'Finished' && e.epoch === 'handshake')).toBe(true);
  });

  it('KeyUpdate both ways: later generations decrypt', async () => {
    const steps: ClientStep[] = [{ type: 'k\n' }, { type: 'after client update\n' }, { serverType: 'k\n' }, { serverType: 'after server update\n' }];
    const { decoded } = await compare('t13-keyupdate', ['-tls1_3'], [{ args: [], steps }]);
    const d = decoded[0];
    expect(d.session.keyUpdates).toBeGreaterThanOrEqual(2);
    expect(hasData(d, 'client', 'after client update')).toBe(true);
    expect(hasData(d, 'server', 'after server update')).toBe(true);
  });

  it('client certificate', async () => {
    const { decoded } = await compare('t13-clientcert', ['-tls1_3', '-Verify', '1'], [{ args: ['-cert', pki.clientCert, '-key', pki.clientKey] }]);
    const names = decoded[0].events.flatMap((e) => (e.kind === 'handshake' && e.direction === 'client' ? [e.name] : []));
    expect(names).toEqual(['ClientHello', 'Certificate', 'CertificateVerify', 'Finished']);
    // Both signatures checked: the server's and the client's.
    expect(decoded[0].events.filter((e) => e.kind === 'signature' && e.ok).length).toBe(2);
  });
});

describe('TLS 1.2 captures of openssl, decoded like tshark', () => {
  const cases: [string, string, string[]][] = [
    ['GCM', 'ECDHE-ECDSA-AES128-GCM-SHA256', []],
    ['ChaCha20-Poly1305', 'ECDHE-ECDSA-CHACHA20-POLY1305', []],
    ['CBC encrypt-then-MAC', 'ECDHE-ECDSA-AES128-SHA256', []],
    ['CBC MAC-then-encrypt', 'ECDHE-ECDSA-AES256-SHA', ['-no_etm']],
  ];
  for (const [label, cipher, clientArgs] of cases) {
    it(`${label} (${cipher})`, async () => {
      const { decoded } = await compare(`t12-${label.replace(/\W+/g, '-')}`, ['-tls1_2', '-cipher', cipher], [{ args: clientArgs }]);
      expect(decoded[0].session.version).toBe('1.2');
      expect(hasData(decoded[0], 'client', 'hello from s_client')).toBe(true);
      expect(hasData(decoded[0], 'server', 'hello from s_server')).toBe(true);
      expect(decoded[0].events.some((e) => e.kind === 'signature' && e.subject === 'ServerKeyExchange' && e.ok)).toBe(true);
      const protectedRecord = decoded[0].events.find((e) => e.kind === 'record' && e.protection);
      expect(protectedRecord && protectedRecord.kind === 'record' && protectedRecord.protection!.cipherSuite).toMatch(label.includes('encrypt-then') ? /encrypt-then-MAC/ : /^TLS_/);
    });
  }

  it("client certificate: the CertificateVerify's scheme checked against the CertificateRequest's list, then its signature", async () => {
    const { run, decoded } = await compare('t12-clientcert', ['-tls1_2', '-Verify', '1', '-client_sigalgs', 'ECDSA+SHA256:ECDSA+SHA384', '-cipher', 'ECDHE-ECDSA-AES128-GCM-SHA256'], [{ args: ['-cert', pki.clientCert, '-key', pki.clientKey] }]);
    const d = decoded[0];
    const names = d.events.flatMap((e) => (e.kind === 'handshake' && e.direction === 'client' ? [e.name] : []));
    expect(names.slice(0, 4)).toEqual(['ClientHello', 'Certificate', 'ClientKeyExchange', 'CertificateVerify']);
    expect(d.events.filter((e) => e.kind === 'signature' && e.ok).map((e) => e.kind === 'signature' && `${e.subject} ${e.scheme}`)).toEqual(['ServerKeyExchange ecdsa_secp256r1_sha256', 'CertificateVerify ecdsa_secp256r1_sha256']);

    // The same capture with the CertificateRequest's first scheme (the one the client used) changed to
    // ecdsa_secp521r1_sha512: same lengths, so the file still parses; the client's scheme is now not on the list.
    const request = d.events.find((e) => e.kind === 'handshake' && e.name === 'CertificateRequest');
    expect(request).toBeTruthy();
    const message = Buffer.from(request!.kind === 'handshake' ? request!.bytes : '', 'hex');
    const schemesAt = 4 + 1 + message[4] + 2;
    expect(message.readUInt16BE(schemesAt)).toBe(0x0403);
    const file = fs.readFileSync(run.pcap);
    const at = file.indexOf(message);
    expect(at).toBeGreaterThan(0);
    file.writeUInt16BE(0x0603, at + schemesAt);
    const scan = await scanCapture([new Uint8Array(file)]);
    const tampered = await decodeStream(scan.streams[0], { keyLog: parseKeyLog(fs.readFileSync(run.keyLog, 'utf8')) });
    const check = tampered.events.find((e) => e.kind === 'signature' && e.subject === 'CertificateVerify');
    expect(check).toMatchObject({ ok: false, scheme: 'ecdsa_secp256r1_sha256' });
    expect(check!.kind === 'signature' && check!.detail).toMatch(/not among the schemes the server's CertificateRequest listed \(ecdsa_secp521r1_sha512, ecdsa_secp384r1_sha384\)/);
    expect(tampered.events.some((e) => e.kind === 'error' && e.code === 'CERTIFICATE_VERIFY_FAILED' && /illegal_parameter/.test(e.message))).toBe(true);
  });

  it('renegotiation started by the client', async () => {
    const steps: ClientStep[] = [{ type: 'R\n' }, { type: 'after renegotiation\n' }, { serverType: 'server after renegotiation\n' }];
    const { decoded } = await compare('t12-reneg', ['-tls1_2', '-client_renegotiation', '-cipher', 'ECDHE-ECDSA-AES128-GCM-SHA256'], [{ args: [], steps }]);
    expect(decoded[0].session.renegotiations).toBe(1);
    expect(hasData(decoded[0], 'client', 'after renegotiation')).toBe(true);
  });

  it('resumption by session id', async () => {
    const { decoded } = await compare('t12-resume-id', ['-tls1_2', '-no_ticket'], [{ args: ['-no_ticket', '-sess_out', '{dir}/s.pem'] }, { args: ['-no_ticket', '-sess_in', '{dir}/s.pem'] }]);
    expect(decoded.map((d) => d.session.resumed)).toEqual([false, true]);
  });

  it('resumption by ticket', async () => {
    const { decoded } = await compare('t12-resume-ticket', ['-tls1_2'], [{ args: ['-sess_out', '{dir}/s.pem'] }, { args: ['-sess_in', '{dir}/s.pem'] }]);
    expect(decoded.map((d) => d.session.resumed)).toEqual([false, true]);
    expect(decoded[1].events.some((e) => e.kind === 'handshake' && e.name === 'Certificate')).toBe(false);
  });
});
