// OpenLDAP slapd from Debian: no database at all, just the root DSE and StartTLS, in the foreground.
import fs from 'node:fs';
import path from 'node:path';
import { freePort, waitForPort } from '../net.ts';
import { copyTls, spawnLogged, superviseServer, tempDir, type RunningServer, type TlsFiles } from '../process.ts';

/** `extraConf`: more slapd.conf lines after the defaults, e.g. access rules. */
export async function startSlapd(tls: TlsFiles, options: { extraConf?: string[] } = {}): Promise<RunningServer> {
  const dir = tempDir('slapd');
  const port = await freePort();
  const { tlsCert, tlsKey } = copyTls(tls, dir);
  const conf = path.join(dir, 'slapd.conf');
  fs.writeFileSync(
    conf,
    [
      'include /etc/ldap/schema/core.schema',
      `pidfile ${dir}/slapd.pid`,
      `argsfile ${dir}/slapd.args`,
      `TLSCertificateFile ${tlsCert}`,
      `TLSCertificateKeyFile ${tlsKey}`,
      ...(options.extraConf ?? []),
      '',
    ].join('\n'),
  );
  // -d keeps slapd in the foreground; 127.0.0.1 rather than localhost (libldap's hostname check).
  const child = spawnLogged('slapd', dir, 'slapd', ['-f', conf, '-h', `ldap://127.0.0.1:${port}/`, '-d', '0']);
  const stop = await superviseServer({ name: 'slapd', dir, process: child, logs: [path.join(dir, 'slapd.out')], ready: () => waitForPort(port) });
  return { port, dir, stop };
}
