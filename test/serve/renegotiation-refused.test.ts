// serve --renegotiate against a client that will not renegotiate: Node's client with SSL_OP_NO_RENEGOTIATION answers
// the HelloRequest with a no_renegotiation warning (RFC 5246 §7.4.1.1 lets it). The connection goes on, as it does
// with `openssl s_server` typing R to such a client: the echo still works and both sides close with close_notify.
import crypto from 'node:crypto';
import fs from 'node:fs';
import tls from 'node:tls';
import { describe, expect, it, vi } from 'vitest';
import { serveForThisFile } from './serve-per-file.ts';

vi.setConfig({ testTimeout: 120_000 });
const serve = serveForThisFile();

describe('serve --renegotiate, TLS 1.2, refused by the client', () => {
  it('the refusal is reported, and the connection carries on: data is echoed after it', async () => {
    const s = await serve(['--renegotiate', '--tls1.2', '--echo', '--timeout', '10000']);
    const socket = await new Promise<tls.TLSSocket>((resolve, reject) => {
      const t = tls.connect({ host: '127.0.0.1', port: s.port, servername: 'localhost', ca: fs.readFileSync(s.caFile), secureOptions: crypto.constants.SSL_OP_NO_RENEGOTIATION }, () => resolve(t));
      t.once('error', reject);
    });
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    // Let the HelloRequest arrive and be refused first.
    await new Promise((r) => setTimeout(r, 500));
    const echoed = new Promise<string>((resolve) => socket.once('data', (d) => resolve(d.toString())));
    socket.write('after the refusal\n');
    expect(await Promise.race([echoed, closed.then(() => 'closed before any echo')])).toBe('after the refusal\n');
    socket.end();
    const [r] = await s.waitForReports(1);
    expect([r.ok, r.version, r.alertReceived]).toEqual([true, 'TLSv1.2', 'no_renegotiation']);
    expect(r.messages.map((m) => m.type)).toContain('HelloRequest');
    expect(r.messages.filter((m) => m.type === 'ClientHello').length).toBe(1);
  });
});
