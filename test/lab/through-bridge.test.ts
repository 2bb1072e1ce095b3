// The whole path a browser uses: WebSocket → bridge → lab server, with a real TLS client on top
// (Node's tls over the WebSocket stream), plus the lab API served next to the bridge.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { createWebSocketStream } from 'ws';
import type { RunningServer } from '../../server/app.ts';
import { startServer } from '../../server/app.ts';
import { connect, ending, opened } from '../bridge/helpers.ts';

let app: RunningServer;
beforeAll(async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tls-lens-through-'));
  app = await startServer({ port: 0, distDir: path.join(dir, 'dist'), lab: { pkiDir: path.join(dir, 'pki') } });
}, 60_000);
afterAll(async () => {
  await app?.stop();
});

interface Outcome {
  authorized?: boolean;
  authorizationError?: string;
  protocol?: string | null;
  reply: string;
  error?: string;
}

/** TLS through the bridge; `plaintext` runs first on the raw stream (STARTTLS preambles). */
async function tlsViaBridge(query: string, opts: tls.ConnectionOptions & { request?: string; plaintext?: (s: import('node:stream').Duplex) => Promise<void> } = {}): Promise<Outcome> {
  const ws = connect(app, query);
  await opened(ws);
  const stream = createWebSocketStream(ws);
  stream.on('error', () => {});
  if (opts.plaintext) await opts.plaintext(stream);
  const { request, plaintext: _p, ...tlsOpts } = opts;
  return new Promise((resolve) => {
    let reply = '';
    const sock = tls.connect({ socket: stream, servername: 'lab.tls-lens.test', ca: app.lab!.pki.root.cert, rejectUnauthorized: false, ...tlsOpts });
    const out: Outcome = { reply: '' };
    const done = () => {
      clearTimeout(timer);
      sock.destroy();
      ws.terminate();
      resolve({ ...out, reply });
    };
    // A deadline for a hang only (a busy machine may be slow): it ends at once when the server answers or closes.
    const timer = setTimeout(done, 15_000);
    sock.once('secureConnect', () => {
      out.authorized = sock.authorized;
      out.authorizationError = sock.authorizationError ? String(sock.authorizationError) : undefined;
      out.protocol = sock.getProtocol();
      if (request) sock.write(request);
      else done();
    });
    sock.on('data', (d) => (reply += d));
    sock.on('end', done);
    sock.on('error', (e: NodeJS.ErrnoException) => {
      out.error = e.code ?? e.message;
      done();
    });
  });
}

/** Reads from the raw stream until `pattern` has appeared. */
function until(stream: import('node:stream').Duplex, pattern: RegExp): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const on = (d: Buffer) => {
      text += d.toString('latin1');
      if (pattern.test(text)) {
        stream.off('data', on);
        stream.pause();
        resolve(text);
      }
    };
    stream.on('data', on);
    stream.resume();
  });
}

const GET = 'GET / HTTP/1.1\r\nHost: lab.tls-lens.test\r\n\r\n';

describe('TLS through the bridge to the lab', () => {
  it('good-tls13 by scenario id and by lab host:port', async () => {
    const byId = await tlsViaBridge('scenario=good-tls13', { request: GET });
    expect(byId).toMatchObject({ authorized: true, protocol: 'TLSv1.3' });
    expect(byId.reply).toContain('TLS Lens lab scenario: good-tls13');
    const port = app.lab!.byId('good-tls13')!.port;
    const byTarget = await tlsViaBridge(`target=lab.tls-lens.test:${port}`, { request: GET });
    expect(byTarget.reply).toContain('TLS Lens lab scenario: good-tls13');
  });

  it('expired: the certificate problem reaches the client intact', async () => {
    expect(await tlsViaBridge('scenario=expired')).toMatchObject({ authorized: false, authorizationError: 'CERT_HAS_EXPIRED' });
  });

  it('client-cert-required with the downloadable client certificate and key', async () => {
    const cert = await (await fetch(`${app.url}/api/lab/client-cert`)).text();
    const key = await (await fetch(`${app.url}/api/lab/client-key`)).text();
    const r = await tlsViaBridge('scenario=client-cert-required', { cert, key, request: GET });
    expect(r.reply).toContain('client certificate: TLS Lens Lab Student (verified)');
    const none = await tlsViaBridge('scenario=client-cert-required', { request: GET });
    expect(none.error).toMatch(/CERTIFICATE_REQUIRED/);
  });

  it('SMTP STARTTLS through the bridge', async () => {
    const r = await tlsViaBridge('scenario=smtp-starttls', {
      rejectUnauthorized: true,
      plaintext: async (s) => {
        await until(s, /^220 /m);
        s.write('EHLO client.test\r\n');
        await until(s, /^250 /m);
        s.write('STARTTLS\r\n');
        await until(s, /^220 /m);
      },
    });
    expect(r).toMatchObject({ authorized: true });
  });

  it('IMAP STARTTLS through the bridge (Dovecot on its own loopback address)', async () => {
    const r = await tlsViaBridge('scenario=imap-starttls', {
      rejectUnauthorized: true,
      request: 'a LOGIN student tls-lens\r\nb LOGOUT\r\n',
      plaintext: async (s) => {
        await until(s, /^\* OK/m);
        s.write('a STARTTLS\r\n');
        await until(s, /^a OK/m);
      },
    });
    expect(r.authorized).toBe(true);
    expect(r.reply).toMatch(/a OK .*Logged in/);
  });

  it('every TLS scenario completes a handshake through the bridge, in one of its listed versions', async () => {
    const cert = await (await fetch(`${app.url}/api/lab/client-cert`)).text();
    const key = await (await fetch(`${app.url}/api/lab/client-key`)).text();
    const list: Array<{ id: string; protocol: string; tlsVersions: string[] }> = await (await fetch(`${app.url}/api/lab`)).json();
    const tlsOnes = list.filter((s) => s.protocol === 'tls');
    expect(tlsOnes.length).toBe(18);
    for (const s of tlsOnes) {
      const r = await tlsViaBridge(`scenario=${s.id}`, { cert, key, ecdhCurve: 'X25519:P-384:P-256' });
      expect(r.error, s.id).toBeUndefined();
      expect(s.tlsVersions, s.id).toContain(r.protocol);
    }
  });

  it('loopback ports that are not lab endpoints stay refused while the lab runs', async () => {
    const end = await ending(connect(app, `target=127.0.0.1:${app.port}`));
    expect(end.code).toBe(4403);
    expect(end.reason).toMatch(/^loopback-address: /);
    expect((await ending(connect(app, 'target=lab.tls-lens.test:1'))).reason).toMatch(/^not-a-lab-endpoint: /);
  });
});

describe('the HTTP API next to the bridge', () => {
  it('GET /api/lab lists the scenarios with the documented fields', async () => {
    const res = await fetch(`${app.url}/api/lab`);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    const list = await res.json();
    expect(list.length).toBe(app.lab!.scenarios.length);
    for (const s of list) {
      for (const k of ['id', 'title', 'description', 'host', 'port', 'protocol', 'tlsVersions', 'whatToNotice', 'bridgePath']) expect(s).toHaveProperty(k);
    }
    expect(list.find((s: { id: string }) => s.id === 'imap-starttls')).toMatchObject({ protocol: 'imap', credentials: { user: 'student', password: 'tls-lens' } });
  });

  it('serves the lab root, the client certificate chain and its key as PEM downloads', async () => {
    const ca = await fetch(`${app.url}/api/lab/ca.pem`);
    expect(ca.headers.get('content-disposition')).toMatch(/attachment/);
    expect(await ca.text()).toBe(app.lab!.pki.root.cert);
    const cert = await (await fetch(`${app.url}/api/lab/client-cert`)).text();
    expect(cert.match(/BEGIN CERTIFICATE/g)?.length).toBe(2);
    const key = await (await fetch(`${app.url}/api/lab/client-key.pem`)).text();
    expect(key).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(new X509Certificate(cert).checkPrivateKey(createPrivateKey(key))).toBe(true);
  });

  it('describes the bridge for the UI', async () => {
    const info = await (await fetch(`${app.url}/api/bridge`)).json();
    expect(info).toMatchObject({ path: '/bridge', subprotocol: 'tls-lens.bridge.v1', tokenRequired: false, maxMessageBytes: 65536 });
    expect(info.closeCodes.refused).toBe(4403);
  });

  it('answers only to its own Host name (no DNS rebinding onto the API)', async () => {
    const http = await import('node:http');
    const status = await new Promise<number>((resolve) =>
      http.get({ host: '127.0.0.1', port: app.port, path: '/api/lab/client-key', headers: { host: 'evil.example:80' } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      }),
    );
    expect(status).toBe(421);
  });

  it('without a built app, / says so in plain words; unknown API paths are 404 JSON', async () => {
    const page = await fetch(`${app.url}/`);
    expect(await page.text()).toContain('TLS Lens is not built yet');
    const nope = await fetch(`${app.url}/api/nothing`);
    expect(nope.status).toBe(404);
    expect((await nope.json()).error).toBe('not-found');
  });
});
