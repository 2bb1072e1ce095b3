// Our client's keying material exporter (RFC 5705 for TLS 1.2, RFC 8446 §7.5 for TLS 1.3) against what real
// servers export from the same connection: `openssl s_server -keymatexport` (no context) for suites with the
// SHA-256 and the SHA-384 PRF, with and without the extended master secret, and Node's TLSSocket for contexts
// (absent, empty, some bytes: in TLS 1.2 an empty context is not the same as none).
import type tls from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { toHex, utf8 } from '../../src/util/bytes.ts';
import { startSServer, type SServer } from '../tls/helpers.ts';
import { expectEcho, nodeEchoServers } from '../support/node-echo.ts';
import { noEmsConfig, opensslKeyingMaterial, printedKeyingMaterial, withOpenSslConf, TLS12_EXPORTER_CASES } from '../support/openssl-keymat.ts';
import { usePki } from '../support/pki.ts';
import { connect12, startSServer12, waitFor } from './helpers12.ts';

const pki = usePki();
const LABEL = 'EXPERIMENTAL-tls-lens';
/** Node exports without a context when it gets none (its types ask for a Buffer all the same). */
const NO_CONTEXT = undefined as unknown as Buffer;
const servers: SServer[] = [];
const echoServers = nodeEchoServers();
const noEms = noEmsConfig();
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await echoServers.closeAll();
  noEms.remove();
});

describe('keying material exporter, our client against openssl s_server', () => {
  for (const c of TLS12_EXPORTER_CASES) {
    it(`TLS 1.2 ${c.suite}, extended master secret ${c.ems ? 'on' : 'off'}: the same bytes as s_server`, async () => {
      const s = await withOpenSslConf(c.ems ? null : noEms.file(), () => startSServer12(pki, ['-cipher', c.openssl, '-keymatexport', LABEL, '-keymatexportlen', '48']));
      servers.push(s);
      const { conn, rec } = await connect12(pki, s.port, { suites: [c.suite] });
      expect(conn.summary.tls12!.extendedMasterSecret).toBe(c.ems);
      await waitFor(() => printedKeyingMaterial(s.output()));
      const ours = await conn.exportKeyingMaterial(LABEL, null, 48);
      expect(toHex(ours)).toBe(opensslKeyingMaterial(s.output()));
      // The derivation is in the trace, with the suite's PRF hash; without EMS a note says what that costs.
      expect(rec.events.filter((e) => e.kind === 'key' && e.name === 'exported_keying_material')).toMatchObject([{ op: 'PRF', label: LABEL, hash: c.prf, output: toHex(ours) }]);
      expect(rec.events.some((e) => e.kind === 'note' && e.text.startsWith('keying material exported without the extended master secret'))).toBe(!c.ems);
      await conn.close();
    });
  }

  it('TLS 1.3 (RFC 8446 §7.5): the same bytes as s_server', async () => {
    const s = await startSServer(pki, ['-keymatexport', LABEL, '-keymatexportlen', '32']);
    servers.push(s);
    const { conn } = await connect12(pki, s.port, { versions: ['TLS1.3'] });
    expect(conn.summary.version).toBe('TLSv1.3');
    await waitFor(() => printedKeyingMaterial(s.output()));
    expect(toHex(await conn.exportKeyingMaterial(LABEL, null, 32))).toBe(opensslKeyingMaterial(s.output()));
    await conn.close();
  });
});

describe('keying material exporter with a context, our client against Node\'s TLS 1.2 server', () => {
  it('no context, an empty one and some bytes: each the same as Node\'s, and the first two differ', async () => {
    const sockets: tls.TLSSocket[] = [];
    const port = await echoServers.start(pki, { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES256-GCM-SHA384' }, (s) => sockets.push(s));
    const { conn } = await connect12(pki, port);
    await expectEcho(conn, 'x');
    const theirs = sockets[0];
    const none = await conn.exportKeyingMaterial(LABEL, null, 32);
    const empty = await conn.exportKeyingMaterial(LABEL, new Uint8Array(0), 32);
    const some = await conn.exportKeyingMaterial(LABEL, utf8.encode('context'), 32);
    expect(toHex(none)).toBe(theirs.exportKeyingMaterial(32, LABEL, NO_CONTEXT).toString('hex'));
    expect(toHex(empty)).toBe(theirs.exportKeyingMaterial(32, LABEL, Buffer.alloc(0)).toString('hex'));
    expect(toHex(some)).toBe(theirs.exportKeyingMaterial(32, LABEL, Buffer.from('context')).toString('hex'));
    expect(toHex(none)).not.toBe(toHex(empty));
    await conn.close();
  });

  it('refuses the labels TLS 1.2 uses itself, and a context longer than a uint16 can say', async () => {
    const port = await echoServers.start(pki, { maxVersion: 'TLSv1.2' });
    const { conn } = await connect12(pki, port);
    await expect(conn.exportKeyingMaterial('key expansion', null, 16)).rejects.toMatchObject({ code: 'BAD_OPTION' });
    await expect(conn.exportKeyingMaterial('master secret for me', null, 16)).rejects.toMatchObject({ code: 'BAD_OPTION' });
    await expect(conn.exportKeyingMaterial(LABEL, new Uint8Array(0x10000), 16)).rejects.toMatchObject({ code: 'BAD_OPTION' });
    await conn.close();
  });
});
