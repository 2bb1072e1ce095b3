// The worker's engine adapter when a Connect starts before the page has the lab's files (ConnectRequest
// labFilesPending): the handshake runs, against Node's TLS server, up to the point that needs them (the chain
// check, a client certificate) and waits there; the anchors and client certificate they bring are the ones used.
import fs from 'node:fs';
import tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import { connectTcp } from '../../src/transport/tcp.ts';
import { runEngine } from '../../src/worker/engine-adapter.ts';
import type { ConnectRequest } from '../../src/worker/messages.ts';
import type { CertificateResultEvent } from '../../src/trace/types.ts';
import { recorder } from '../tls/helpers.ts';
import { usePki } from '../support/pki.ts';

const pki = usePki();

async function withServer<T>(options: tls.TlsOptions, run: (port: number) => Promise<T>): Promise<T> {
  const server = tls.createServer({ key: fs.readFileSync(pki.leafKey), cert: fs.readFileSync(pki.leafCert), minVersion: 'TLSv1.3', ...options }, (s) => {
    s.on('error', () => {});
    s.end('hello');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  try {
    return await run((server.address() as { port: number }).port);
  } finally {
    server.close();
  }
}

const request = (over: Partial<ConnectRequest>): ConnectRequest => ({
  target: 'localhost:443',
  clientCert: 'none',
  breakpoints: { afterEachMessage: false, serverAuth: false, clientCertRequest: false },
  anchorsPem: [],
  bridgeUrl: 'ws://unused',
  ...over,
});

/** A promise and its resolver. */
function later<T>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const settledWithin = (p: Promise<unknown>, ms: number) => Promise.race([p.then(() => true, () => true), new Promise((r) => setTimeout(() => r(false), ms))]);

describe('runEngine with the lab files on their way', () => {
  it('waits for them to check the chain, then trusts the anchor they bring', async () => {
    await withServer({}, async (port) => {
      const rec = recorder();
      const req = request({ labFilesPending: true });
      const files = later<ConnectRequest>();
      const session = runEngine(req, await connectTcp('127.0.0.1', port), rec, async () => 'continue', files.promise);
      // The server's flight arrives and is read; the chain check waits for the anchors.
      expect(await settledWithin(session, 300)).toBe(false);
      expect(rec.events.some((e) => e.kind === 'handshake' && e.direction === 'server')).toBe(true);
      expect(rec.events.some((e) => e.kind === 'cert-result')).toBe(false);
      files.resolve({ ...req, anchorsPem: [fs.readFileSync(pki.rootPem, 'utf8')], labFilesPending: false });
      const s = await session;
      expect(s.summary.version).toBe('TLSv1.3');
      const result = rec.events.find((e): e is CertificateResultEvent => e.kind === 'cert-result');
      expect(result?.ok).toBe(true);
      expect(new TextDecoder().decode((await s.read())!)).toBe('hello');
      await s.close().catch(() => {});
    });
  });

  it('without the lab anchor the same chain is refused (the anchor did the work)', async () => {
    await withServer({}, async (port) => {
      const rec = recorder();
      const req = request({ labFilesPending: true });
      const session = runEngine(req, await connectTcp('127.0.0.1', port), rec, async () => 'continue', Promise.resolve({ ...req, labFilesPending: false }));
      await expect(session).rejects.toThrow();
      expect(rec.events.find((e): e is CertificateResultEvent => e.kind === 'cert-result')?.ok).toBe(false);
    });
  });

  it('answers a certificate request with the lab client certificate the files bring', async () => {
    const keyPem = `-----BEGIN PRIVATE KEY-----\n${Buffer.from(pki.clientKeyPkcs8).toString('base64')}\n-----END PRIVATE KEY-----\n`;
    let peerCertificate = '';
    const server = tls.createServer({ key: fs.readFileSync(pki.leafKey), cert: fs.readFileSync(pki.leafCert), minVersion: 'TLSv1.3', requestCert: true, rejectUnauthorized: true, ca: fs.readFileSync(pki.rootPem) }, (s) => {
      peerCertificate = String(s.getPeerCertificate().subject?.CN ?? '');
      s.on('error', () => {});
      s.end('hello');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const rec = recorder();
      const req = request({ labFilesPending: true, clientCert: 'lab' });
      const full = { ...req, anchorsPem: [fs.readFileSync(pki.rootPem, 'utf8')], labClientCert: { certPem: fs.readFileSync(pki.clientCert, 'utf8'), keyPem }, labFilesPending: false };
      const s = await runEngine(req, await connectTcp('127.0.0.1', (server.address() as { port: number }).port), rec, async () => 'continue', new Promise((r) => setTimeout(() => r(full), 50)));
      expect(new TextDecoder().decode((await s.read())!)).toBe('hello');
      expect(peerCertificate).toBe('TLS Lens test client');
      await s.close().catch(() => {});
    } finally {
      server.close();
    }
  });
});

/** A TCP transport that holds what is written until flushed or read, as the bridge's WebSocket transport does. */
function holdingUntilFlush(inner: Awaited<ReturnType<typeof connectTcp>>) {
  let held: Uint8Array[] = [];
  const send = async () => {
    const out = held;
    held = [];
    for (const d of out) await inner.write(d);
  };
  return {
    held: () => held.length,
    transport: {
      write: async (data: Uint8Array) => void held.push(data.slice()),
      flush: () => void send(),
      read: async () => {
        await send();
        return inner.read();
      },
      close: async () => {
        await send();
        await inner.close();
      },
    },
  };
}

describe('runEngine with a transport that holds writes until flushed', () => {
  it('has our Finished on its way when the handshake resolves, before the caller tells anyone', async () => {
    await withServer({}, async (port) => {
      const rec = recorder();
      const holding = holdingUntilFlush(await connectTcp('127.0.0.1', port));
      const s = await runEngine(request({ anchorsPem: [fs.readFileSync(pki.rootPem, 'utf8')] }), holding.transport, rec, async () => 'continue');
      // Nothing is held: the flush reached the transport through the adapter's wrapper (it did not before).
      expect(holding.held()).toBe(0);
      expect(rec.events.some((e) => e.kind === 'handshake' && e.direction === 'client' && e.msgType === 20)).toBe(true);
      expect(new TextDecoder().decode((await s.read())!)).toBe('hello');
      await s.close().catch(() => {});
    });
  });
});
