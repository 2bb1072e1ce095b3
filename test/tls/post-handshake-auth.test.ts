// TLS 1.3 post-handshake client authentication (RFC 8446 §4.2.6, §4.6.2): against openssl s_server, which sends
// a CertificateRequest after the handshake when `c` is typed on its stdin, and against the hand-built server.
// Node's tls server cannot ask for a certificate after a TLS 1.3 handshake (renegotiate() is TLS 1.2 only), so
// there is no Node interop here (nodejs/node#36926: SSL_verify_client_post_handshake is not exposed). GnuTLS is the
// second implementation.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { connectTls, type BreakInfo, type TlsClientOptions } from '../../src/tls/client.ts';
import { digest } from '../../src/crypto/hash.ts';
import { ExtensionType as X } from '../../src/tls/messages/constants.ts';
import { decodeHandshake, encodeHandshake } from '../../src/tls/messages/handshake.ts';
import type { TraceEvent } from '../../src/trace/types.ts';
import { connectTcp } from '../../src/transport/tcp.ts';
import { memoryPair } from '../../src/transport/memory.ts';
import { concat, fromHex, toHex, utf8 } from '../../src/util/bytes.ts';
import { createVerifier } from '../../src/x509/verifier.ts';
import { runHostileServer, type ServerSide } from './hostile-server.ts';
import { recorder, startSServer, type SServer } from './helpers.ts';
import { usePki } from '../support/pki.ts';

const pki = usePki();
const servers: SServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

const clientCertificate = () => ({ chain: [pki.clientCertDer], privateKey: pki.clientKeyPkcs8 });
type HandshakeEvent = Extract<TraceEvent, { kind: 'handshake' }>;

async function waitFor(cond: () => boolean, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// s_server without -verify: no CertificateRequest during the handshake, only the post-handshake one.
async function connectToSServer(options: Partial<TlsClientOptions>) {
  const s = await startSServer(pki);
  servers.push(s);
  const rec = recorder();
  const conn = await connectTls(await connectTcp('127.0.0.1', s.port), { serverName: 'localhost', verifier: createVerifier({ anchors: [pki.rootDer] }), timeoutMs: 10_000, ...options }, rec.emit);
  return { s, conn, events: rec.events as TraceEvent[] };
}

/** Type `c` on s_server; keep a read pending so the client answers; prove with data both ways that the connection survived. */
async function postHandshakeRound(s: SServer, conn: Awaited<ReturnType<typeof connectToSServer>>['conn']) {
  await conn.write(utf8.encode('before\n'));
  await waitFor(() => s.output().includes('before'), 'the first line');
  const reading = conn.read();
  s.type('c\n');
  await waitFor(() => s.output().includes('SSL_do_handshake') || s.output().includes('extension not received'), 's_server to send its request');
  await conn.write(utf8.encode('after\n'));
  await waitFor(() => s.output().includes('after'), 'the line after the request');
  s.type('from server\n');
  expect(utf8.decode((await reading)!)).toBe('from server\n');
}

const clientMessages = (events: TraceEvent[], from: number) =>
  events.slice(from).filter((e): e is HandshakeEvent => e.kind === 'handshake' && e.direction === 'client').map((e) => `${e.name}@${e.epoch}`);

describe('post-handshake authentication against openssl s_server', () => {
  it('sends the certificate after a KeyUpdate; s_server verifies it against the test root', async () => {
    const { s, conn, events } = await connectToSServer({ clientCertificate: clientCertificate() });
    const hello = events.find((e): e is HandshakeEvent => e.kind === 'handshake' && e.name === 'ClientHello')!;
    expect(JSON.stringify(hello.fields)).toContain('post_handshake_auth');
    expect(conn.summary.clientCertificateRequested).toBe(false);
    // The Finished key must come from client_application_traffic_secret_1 after this.
    await conn.keyUpdate(false);
    await postHandshakeRound(s, conn);

    const request = events.find((e): e is HandshakeEvent => e.kind === 'handshake' && e.name === 'CertificateRequest')!;
    expect(request).toMatchObject({ direction: 'server', epoch: 'application' });
    expect(clientMessages(events, events.indexOf(request))).toEqual(['Certificate@application', 'CertificateVerify@application', 'Finished@application']);
    expect(events.some((e) => e.kind === 'note' && e.text.startsWith('post-handshake authentication:'))).toBe(true);
    expect(conn.summary.postHandshakeAuth).toEqual({ offered: true, requests: 1, certificatesSent: 1 });
    // s_server's verify callback saw our chain and accepted it.
    expect(s.output()).toMatch(/depth=0 CN = TLS Lens test client/);
    expect(s.output()).not.toMatch(/verify error/);
    await conn.close();
  });

  it('declines at the client-cert-request breakpoint: empty Certificate + Finished, the connection goes on', async () => {
    const seen: BreakInfo[] = [];
    const { s, conn, events } = await connectToSServer({
      clientCertificate: clientCertificate(),
      breakpoints: { clientCertRequest: true },
      onBreak: async (info) => {
        seen.push(info);
        return 'decline';
      },
    });
    await postHandshakeRound(s, conn);
    expect(seen).toEqual([expect.objectContaining({ breakpoint: 'clientCertRequest', phase: 'post-handshake' })]);
    const request = events.find((e): e is HandshakeEvent => e.kind === 'handshake' && e.name === 'CertificateRequest')!;
    expect(clientMessages(events, events.indexOf(request))).toEqual(['Certificate@application', 'Finished@application']);
    const context = decodeHandshake(fromHex(request.bytes)).message as { context: Uint8Array };
    const certificate = events.find((e): e is HandshakeEvent => e.kind === 'handshake' && e.direction === 'client' && e.name === 'Certificate')!;
    // Certificate = context echoed + an empty list.
    expect(certificate.bytes).toBe(toHex(encodeHandshake({ type: 'certificate', context: context.context, entries: [] }).bytes));
    expect(context.context.length).toBeGreaterThan(0);
    expect(conn.summary.postHandshakeAuth).toEqual({ offered: true, requests: 1, certificatesSent: 0 });
    expect(s.output()).not.toMatch(/TLS Lens test client/);
    await conn.close();
  });

  it('without a certificate the extension is not offered, and s_server cannot ask', async () => {
    const { s, conn, events } = await connectToSServer({});
    const hello = events.find((e): e is HandshakeEvent => e.kind === 'handshake' && e.name === 'ClientHello')!;
    expect(JSON.stringify(hello.fields)).not.toContain('post_handshake_auth');
    await postHandshakeRound(s, conn);
    // OpenSSL refuses to send the request: SSL_verify_client_post_handshake fails with "extension not received".
    expect(s.output()).toMatch(/extension not received/);
    expect(events.some((e) => e.kind === 'handshake' && e.name === 'CertificateRequest')).toBe(false);
    await conn.close();
  });
});

describe('post-handshake authentication from the command line', () => {
  it('connect --cert --key offers it; the request during --send is answered and shown in --json', async () => {
    const s = await startSServer(pki);
    servers.push(s);
    const bin = path.resolve(__dirname, '../../bin/tls-lens.js');
    const args = ['connect', `127.0.0.1:${s.port}`, '--servername', 'localhost', '--ca', pki.rootPem, '--cert', pki.clientCert, '--key', pki.clientKey, '--send', 'ping\\n', '--json'];
    const cli = new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile('node', [bin, ...args], { timeout: 30_000 }, (err, stdout) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout }));
    });
    // The CLI reads the answer until it has been idle for 1.5 s: ask for the certificate meanwhile, then answer.
    await waitFor(() => s.output().includes('ping'), 'the CLI\'s line', 20_000);
    s.type('c\n');
    await waitFor(() => /depth=0 CN = TLS Lens test client/.test(s.output()), 's_server to verify the client certificate');
    s.type('pong\n');
    const { code, stdout } = await cli;
    expect(code).toBe(0);
    const json = JSON.parse(stdout);
    expect(json.received).toBe('pong\n');
    expect(json.clientCertificate).toEqual({ requested: false, sent: false, postHandshake: { offered: true, requests: 1, certificatesSent: 1 } });
    const after = json.messages.slice(json.messages.findIndex((m: { type: string }) => m.type === 'CertificateRequest'));
    // (OpenSSL then sends fresh NewSessionTickets that carry the new client identity.)
    expect(after.map((m: { direction: string; type: string }) => `${m.direction} ${m.type}`).slice(0, 4)).toEqual(['server CertificateRequest', 'client Certificate', 'client CertificateVerify', 'client Finished']);
    expect(s.output()).not.toMatch(/verify error/);
  });
});

// gnutls-serv has no bind-address option, so it runs with the CLI inside a private network namespace
// (/work/shared/notes/environment.md). In --echo mode the line **REAUTH** makes it call gnutls_reauth(): a
// post-handshake CertificateRequest; it answers "Successfully executed command" once our Finished checks out.
describe('post-handshake authentication against GnuTLS (gnutls-serv)', () => {
  it('connect --cert --key --send "**REAUTH**": the request is answered and GnuTLS accepts it', async () => {
    const bin = path.resolve(__dirname, '../../bin/tls-lens.js');
    const q = (x: string) => `'${x.replace(/'/g, `'\\''`)}'`;
    const script = [
      'ip link set lo up',
      `gnutls-serv --echo -a -p 4433 --x509certfile ${q(pki.leafCert)} --x509keyfile ${q(pki.leafKey)} --x509cafile ${q(pki.rootPem)} > "$LOG" 2>&1 &`,
      'srv=$!',
      // Up to 15 s for gnutls-serv to listen: a busy machine starts it slowly.
      'for i in $(seq 300); do grep -q "listening on IPv4" "$LOG" && break; sleep 0.05; done',
      `node ${q(bin)} connect 127.0.0.1:4433 --servername localhost --ca ${q(pki.rootPem)} --cert ${q(pki.clientCert)} --key ${q(pki.clientKey)} --send '**REAUTH**\\n' --json`,
      'status=$?',
      'kill $srv',
      'exit $status',
    ].join('\n');
    const log = path.join(pki.dir, 'gnutls-serv.log');
    const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile('unshare', ['-n', 'sh', '-c', script], { timeout: 30_000, env: { ...process.env, LOG: log } }, (err, out, errOut) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout: out, stderr: errOut }),
      );
    });
    expect(code, `${stderr}\n${fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : ''}`).toBe(0);
    const json = JSON.parse(stdout);
    expect(json.received).toBe('Successfully executed command\n');
    expect(json.clientCertificate.postHandshake).toEqual({ offered: true, requests: 1, certificatesSent: 1 });
    const after = json.messages.slice(json.messages.findIndex((m: { type: string }) => m.type === 'CertificateRequest'));
    expect(after.map((m: { direction: string; type: string }) => `${m.direction} ${m.type}`).slice(0, 4)).toEqual(['server CertificateRequest', 'client Certificate', 'client CertificateVerify', 'client Finished']);
    expect(fs.readFileSync(log, 'utf8')).toContain('Sending re-auth request');
  });
});

// ---------------------------------------------------------------------------------------------------------

function certificateRequest(context: Uint8Array) {
  return encodeHandshake({ type: 'certificate_request', context, extensions: [{ code: X.signature_algorithms, schemes: [0x0403, 0x0804] }] }).bytes;
}

/** Handshake messages the client sends after the request, split out of its records (until Finished). */
async function readClientFlight(s: ServerSide): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  let buffer: Uint8Array = new Uint8Array(0);
  while (!out.some((m) => m[0] === 20)) {
    const record = await s.records.readRecord();
    if (!record) throw new Error('the client hung up');
    if (record.contentType !== 22) throw new Error(`content type ${record.contentType} inside the client's flight`);
    buffer = concat(buffer, record.fragment);
    while (buffer.length >= 4 && buffer.length >= 4 + ((buffer[1] << 16) | (buffer[2] << 8) | buffer[3])) {
      const n = 4 + ((buffer[1] << 16) | (buffer[2] << 8) | buffer[3]);
      out.push(buffer.subarray(0, n));
      buffer = buffer.subarray(n);
    }
  }
  return out;
}

async function againstHostile(after: (s: ServerSide) => Promise<void>, options: Partial<TlsClientOptions>, rec = recorder()) {
  const [client, server] = memoryPair();
  const serverDone = runHostileServer(server, { certDer: pki.leafDer, keyPkcs8: pki.leafKeyPkcs8, after });
  const conn = await connectTls(client, { serverName: 'localhost', insecure: true, timeoutMs: 5000, ...options }, rec.emit);
  return { conn, events: rec.events as TraceEvent[], serverDone };
}

describe('post-handshake authentication against the hand-built server', () => {
  it('a CertificateRequest after the handshake without post_handshake_auth offered → unexpected_message', async () => {
    const { conn, events, serverDone } = await againstHostile(async (s) => {
      await s.records.writeRecord(22, certificateRequest(Uint8Array.of(1, 2, 3)));
      await s.records.readRecord().catch(() => undefined);
    }, { postHandshakeAuth: false });
    await expect(conn.read()).rejects.toMatchObject({ code: 'UNEXPECTED_MESSAGE' });
    expect(events.filter((e) => e.kind === 'alert' && e.direction === 'client').map((e) => (e as { name: string }).name)).toEqual(['unexpected_message']);
    expect(events.at(-1)).toMatchObject({ kind: 'error', code: 'UNEXPECTED_MESSAGE' });
    await serverDone;
  });

  it('an empty certificate_request_context after the handshake → illegal_parameter', async () => {
    const { conn, events, serverDone } = await againstHostile(async (s) => {
      await s.records.writeRecord(22, certificateRequest(new Uint8Array(0)));
      await s.records.readRecord().catch(() => undefined);
    }, { clientCertificate: clientCertificate() });
    await expect(conn.read()).rejects.toMatchObject({ code: 'ILLEGAL_PARAMETER' });
    expect(events.some((e) => e.kind === 'alert' && e.direction === 'client' && e.name === 'illegal_parameter')).toBe(true);
    await serverDone;
  });

  it('abort at the post-handshake client-cert-request breakpoint ends the connection with user_canceled', async () => {
    const { conn, events, serverDone } = await againstHostile(async (s) => {
      await s.records.writeRecord(22, certificateRequest(Uint8Array.of(9)));
      await s.records.readRecord().catch(() => undefined);
    }, { breakpoints: { clientCertRequest: true }, onBreak: async (info) => (info.phase === 'post-handshake' ? 'abort' : 'continue') });
    await expect(conn.read()).rejects.toMatchObject({ code: 'USER_CANCELED' });
    const pause = events.find((e) => e.kind === 'pause' && e.phase === 'paused') as { detail: string };
    expect(pause.detail).toMatch(/^post-handshake authentication/);
    expect(events.some((e) => e.kind === 'alert' && e.direction === 'client' && e.name === 'user_canceled')).toBe(true);
    expect(events.some((e) => e.kind === 'handshake' && e.direction === 'client' && e.epoch === 'application')).toBe(false);
    await serverDone;
  });

  it('each answer echoes its context; each Finished covers handshake + that exchange only; a reused context → illegal_parameter', async () => {
    const contexts = [Uint8Array.of(0xc0, 0xff, 0xee), Uint8Array.of(0x02)];
    const answers: { flight: Uint8Array[]; expectedFinished: string }[] = [];
    const rec = recorder();
    const events = rec.events as TraceEvent[];
    const r = await againstHostile(async (s) => {
      // The server's own view of the handshake: every message up to the client Finished.
      const handshake = events.filter((e): e is HandshakeEvent => e.kind === 'handshake' && e.epoch !== 'application').map((e) => fromHex(e.bytes));
      for (const [i, context] of contexts.entries()) {
        const request = certificateRequest(context);
        await s.records.writeRecord(22, request);
        const flight = await readClientFlight(s);
        const hash = await digest(s.suite.hash, concat(...handshake, request, ...flight.slice(0, -1)));
        answers.push({ flight, expectedFinished: toHex(await s.schedule.finishedVerifyData(s.secrets.clientApp, hash)) });
        await s.records.writeRecord(23, utf8.encode(`authenticated ${i}`));
      }
      await s.records.writeRecord(22, certificateRequest(contexts[0]));
      await s.records.readRecord().catch(() => undefined);
    }, { clientCertificate: clientCertificate() }, rec);
    expect(utf8.decode((await r.conn.read())!)).toBe('authenticated 0');
    expect(utf8.decode((await r.conn.read())!)).toBe('authenticated 1');
    for (const [i, { flight, expectedFinished }] of answers.entries()) {
      expect(flight.map((m) => m[0])).toEqual([11, 15, 20]);
      const cert = decodeHandshake(flight[0]).message as { context: Uint8Array; entries: { certData: Uint8Array }[] };
      expect(toHex(cert.context)).toBe(toHex(contexts[i]));
      expect(toHex(cert.entries[0].certData)).toBe(toHex(pki.clientCertDer));
      const finished = decodeHandshake(flight[2]).message as { verifyData: Uint8Array };
      expect(toHex(finished.verifyData)).toBe(expectedFinished);
    }
    await expect(r.conn.read()).rejects.toMatchObject({ code: 'ILLEGAL_PARAMETER' });
    expect(r.conn.summary.postHandshakeAuth).toEqual({ offered: true, requests: 2, certificatesSent: 2 });
    expect(await r.serverDone).toBeNull();
  });
});
