// A certificate the person uploads for the both-sides server: a chain and key made by openssl (a root, a leaf for
// another name, a SEC1 key as `openssl ecparam` writes it), the run with it, and bad input refused in plain words
// before either side writes a byte.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TraceRecorder } from '../../src/trace/recorder.ts';
import type { TraceEvent } from '../../src/trace/types.ts';
import { runBothSides } from '../../src/ui/both-sides/run-both.ts';
import type { BothSidesRequest, Side, SideOutcome } from '../../src/worker/both-sides-messages.ts';

let dir = '';
const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');
const BASE: BothSidesRequest = { versions: ['TLS1.3', 'TLS1.2'], suites: [], groups: [], helloRetry: false, certificate: 'uploaded', clientAuth: 'none', clientHasCertificate: true, refuseClientCertificate: false, tickets: 0, renegotiate: false, keyUpdate: false };

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'both-upload-'));
  openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'root.key');
  openssl('req', '-x509', '-new', '-key', 'root.key', '-subj', '/CN=Upload test root', '-days', '3', '-out', 'root.pem', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'leaf.key');
  openssl('req', '-new', '-key', 'leaf.key', '-subj', '/CN=upload.tls-lens.test', '-out', 'leaf.csr');
  fs.writeFileSync(path.join(dir, 'leaf.ext'), 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:upload.tls-lens.test\n');
  openssl('x509', '-req', '-in', 'leaf.csr', '-CA', 'root.pem', '-CAkey', 'root.key', '-CAcreateserial', '-days', '2', '-extfile', 'leaf.ext', '-out', 'leaf.pem');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function run(uploaded: BothSidesRequest['uploaded']) {
  const traces = { client: new TraceRecorder(() => 0), server: new TraceRecorder(() => 0) };
  let outcome: { client: SideOutcome; server: SideOutcome } | null = null;
  let detail = '';
  await runBothSides(traces, { ...BASE, uploaded }, { handshakeDone: (client, server) => (outcome = { client, server }), finished: (d) => (detail = d) });
  const events: Record<Side, TraceEvent[]> = { client: traces.client.events, server: traces.server.events };
  return { events, outcome: outcome!, detail };
}

describe('an uploaded server certificate', () => {
  it('a chain (root after the leaf) and a SEC1 key: the server presents it, the client trusts its root and asks for its name', async () => {
    const r = await run({ chainPem: read('leaf.pem') + read('root.pem'), keyPem: read('leaf.key') });
    expect(r.outcome.server).toMatchObject({ ok: true });
    expect(r.outcome.client).toMatchObject({ ok: true });
    expect(r.events.server.some((e) => e.kind === 'note' && e.text.includes('uploaded certificate (2 in the chain, EC P-256 key)'))).toBe(true);
    const hello = r.events.server.find((e) => e.kind === 'handshake' && e.name === 'ClientHello');
    expect(JSON.stringify(hello)).toContain('upload.tls-lens.test');
    const result = r.events.client.find((e) => e.kind === 'cert-result') as { ok: boolean; chain: string[] } | undefined;
    expect(result?.ok).toBe(true);
    expect(result?.chain.length).toBe(2);
  });

  it('the chain and key in one file, in any order', async () => {
    const r = await run({ chainPem: read('root.pem') + read('leaf.key') + read('leaf.pem'), keyPem: '' });
    expect(r.outcome.client).toMatchObject({ ok: true });
  });

  it('a key that is not the certificate\'s: refused in plain words, neither side writes a byte', async () => {
    const r = await run({ chainPem: read('leaf.pem'), keyPem: read('root.key') });
    expect(r.outcome.server).toMatchObject({ ok: false, code: 'BAD_UPLOADED_CERTIFICATE' });
    expect((r.outcome.server as { message: string }).message).toMatch(/^Your private key cannot be used: .*not the key of this certificate/);
    expect(r.outcome.client).toMatchObject({ ok: false, code: 'NO_SERVER' });
    expect(r.detail).toMatch(/^server: BAD_UPLOADED_CERTIFICATE: Your private key/);
    for (const side of ['client', 'server'] as const) expect(r.events[side].some((e) => e.kind === 'record' || e.kind === 'handshake')).toBe(false);
    expect(r.events.server.find((e) => e.kind === 'error')).toMatchObject({ code: 'BAD_UPLOADED_CERTIFICATE' });
  });

  it('text that holds no certificate, and a truncated one: refused with where and why', async () => {
    const none = await run({ chainPem: 'hello, this is not a certificate', keyPem: read('leaf.key') });
    expect(none.outcome.server).toMatchObject({ ok: false, code: 'BAD_UPLOADED_CERTIFICATE' });
    expect((none.outcome.server as { message: string }).message).toMatch(/^Your certificate cannot be used: the certificate file, byte 0: no "-----BEGIN CERTIFICATE-----" block.*\.$/);
    const pem = read('leaf.pem');
    const truncated = await run({ chainPem: pem.slice(0, pem.length / 2) + '\n-----END CERTIFICATE-----\n', keyPem: read('leaf.key') });
    expect(truncated.outcome.server).toMatchObject({ ok: false, code: 'BAD_UPLOADED_CERTIFICATE' });
    expect((truncated.outcome.server as { message: string }).message).toMatch(/^Your certificate cannot be used: the certificate file, block 1/);
    const keyMissing = await run({ chainPem: pem, keyPem: '' });
    expect((keyMissing.outcome.server as { message: string }).message).toMatch(/^Your private key cannot be used: no private key found/);
  });
});
