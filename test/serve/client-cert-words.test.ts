// `tls-lens serve --Verify` refusing real openssl s_client certificates: its report names the client's certificate
// (never "the server certificate") and says the key purposes by name.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { reportLines } from '../../src/cli/serve-report.ts';
import { makeClientCertPki, type ClientCertPki } from '../support/client-cert-pki.ts';
import { expectPlain } from '../support/plain-words.ts';
import { sClient } from './serve-process.ts';
import { serveForThisFile } from './serve-per-file.ts';

vi.setConfig({ testTimeout: 120_000 });

const serve = serveForThisFile();
let pki: ClientCertPki;
beforeAll(() => {
  pki = makeClientCertPki();
});
afterAll(() => fs.rmSync(pki.dir, { recursive: true, force: true }));

describe('serve --Verify: the words for a refused client certificate', () => {
  for (const version of ['-tls1_3', '-tls1_2']) {
    it(`${version}: a self-signed client certificate, then one for serverAuth only`, async () => {
      const s = await serve(['--Verify', '--ca', pki.caPem]);
      await sClient(s, [version, '-cert', pki.selfSigned.cert, '-key', pki.selfSigned.key]);
      await sClient(s, [version, '-cert', pki.serverOnly.cert, '-key', pki.serverOnly.key]);
      const [self, serverOnly] = await s.waitForReports(2);

      expect([self.ok, self.error?.code, self.alertSent]).toEqual([false, 'SELF_SIGNED_LEAF', 'unknown_ca']);
      expect(self.error?.message).toBe('The client\'s certificate signs itself and is not trusted: "CN=self-signed client" is self-signed and is not a trust anchor');

      expect([serverOnly.ok, serverOnly.error?.code, serverOnly.alertSent]).toEqual([false, 'EXTENDED_KEY_USAGE', 'bad_certificate']);
      expect(serverOnly.error?.message).toBe(
        "the client's certificate: The certificate is not allowed for this purpose: the leaf \"CN=server-only client\": extendedKeyUsage (serverAuth) lacks clientAuth (1.3.6.1.5.5.7.3.2), which a TLS client's certificate needs",
      );
      for (const r of [self, serverOnly]) {
        expect(r.error?.message).not.toMatch(/server certificate|1\.3\.6\.1\.5\.5\.7\.3\.1/);
        expectPlain(r.error?.message, r.error?.code ?? '');
      }
      // The walk's closing line, as serve prints it without --json.
      expect(reportLines(self)[0]).toContain("handshake failed: SELF_SIGNED_LEAF: The client's certificate signs itself and is not trusted");
      const text = s.output();
      expect(text).not.toContain('The server certificate signs itself');
    });
  }
});
