// The tickets the engine worker keeps between Connects (src/worker/kept-tickets.ts), and the Connect it resumes
// through the worker's adapter: against the lab's early-data scenario, the second Connect offers the first one's ticket
// and sends the form's early data (typed escapes made CR LF) as 0-RTT, and the summary the page gets says so.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../server/lab/index.ts';
import { startLab } from '../../server/lab/index.ts';
import type { Tls13Session } from '../../src/tls/handshake/options.ts';
import { connectTcp } from '../../src/transport/tcp.ts';
import { utf8 } from '../../src/util/bytes.ts';
import { runEngine, type EngineSession } from '../../src/worker/engine-adapter.ts';
import { KeptTickets } from '../../src/worker/kept-tickets.ts';
import type { ConnectRequest } from '../../src/worker/messages.ts';
import { recorder } from '../tls/helpers.ts';

const ticket = (n: number): Tls13Session => ({ cipherSuite: 0x1301, psk: new Uint8Array([n]), ticket: new Uint8Array([n]), ageAdd: 0, lifetimeSeconds: 60, receivedAt: 0 });

describe('KeptTickets', () => {
  it('gives a ticket to the next Connect to the same server and name, once', () => {
    const kept = new KeptTickets();
    kept.keep({ scenario: 'early-data', serverName: 'lab.tls-lens.test' }, ticket(1));
    expect(kept.take({ scenario: 'good-tls13', serverName: 'lab.tls-lens.test' })).toBeUndefined();
    expect(kept.take({ scenario: 'early-data', serverName: 'other.test' })).toBeUndefined();
    expect(kept.take({ scenario: 'early-data', serverName: 'lab.tls-lens.test' })).toEqual(ticket(1));
    expect(kept.take({ scenario: 'early-data', serverName: 'lab.tls-lens.test' })).toBeUndefined();
  });

  it('keeps the newest per server, a connection without one leaves it, and forgets the oldest server past 16', () => {
    const kept = new KeptTickets();
    kept.keep({ target: 'a.test:443' }, ticket(1));
    kept.keep({ target: 'a.test:443' }, ticket(2));
    kept.keep({ target: 'a.test:443' }, undefined);
    expect(kept.take({ target: 'a.test:443' })).toEqual(ticket(2));
    for (let i = 0; i < 17; i++) kept.keep({ target: `h${i}.test:443` }, ticket(i));
    expect(kept.take({ target: 'h0.test:443' })).toBeUndefined();
    expect(kept.take({ target: 'h16.test:443' })).toEqual(ticket(16));
  });
});

let lab: Lab;
beforeAll(async () => {
  lab = await startLab({ pkiDir: path.join(mkdtempSync(path.join(os.tmpdir(), 'tls-lens-kept-')), 'pki'), only: ['early-data'] });
}, 60_000);
afterAll(async () => {
  await lab?.stop();
});

const request = (over: Partial<ConnectRequest> = {}): ConnectRequest => ({
  scenario: 'early-data',
  serverName: 'lab.tls-lens.test',
  clientCert: 'none',
  breakpoints: { afterEachMessage: false, serverAuth: false, clientCertRequest: false },
  anchorsPem: [lab.pki.root.cert],
  bridgeUrl: 'ws://unused',
  ...over,
});

async function run(req: ConnectRequest, kept: KeptTickets): Promise<{ session: EngineSession; reply: string }> {
  const session = await runEngine(req, await connectTcp('127.0.0.1', lab.byId('early-data')!.port), recorder(), async () => 'continue', undefined, kept.take(req));
  let reply = '';
  if (!req.earlyData) await session.write(utf8.encode('GET / HTTP/1.0\r\n\r\n'));
  for (let data = await session.read(); data !== null; data = await session.read()) reply += utf8.decode(data);
  kept.keep(req, session.ticket);
  return { session, reply };
}

describe('a second Connect through the adapter', () => {
  it('resumes with the kept ticket and sends the typed early data as 0-RTT', async () => {
    const kept = new KeptTickets();
    const first = await run(request(), kept);
    expect(first.session.summary).toMatchObject({ version: 'TLSv1.3', resumed: false });
    expect(first.session.summary.earlyData).toBeUndefined();
    const second = await run(request({ earlyData: 'GET / HTTP/1.0\\r\\n\\r\\n' }), kept);
    expect(second.session.summary).toMatchObject({ resumed: true, earlyData: { offered: true, accepted: true, bytes: 18, resent: 0 } });
    expect(second.reply).toContain('read 18 bytes of early data before the handshake ended: "GET / HTTP/1.0\\r\\n\\r\\n"');
  });

  it('with resumption off (no ticket given), the early data goes after a full handshake, and the summary says why', async () => {
    const kept = new KeptTickets();
    const s = await run(request({ earlyData: 'GET / HTTP/1.0\\r\\n\\r\\n' }), kept);
    expect(s.session.summary).toMatchObject({ resumed: false, earlyData: { offered: false, accepted: false, bytes: 0, resent: 18, reason: 'no TLS 1.3 ticket to resume with' } });
    expect(s.reply).toContain('early data (0-RTT): none');
  });
});
