// vsftpd from Debian with explicit FTPS (AUTH TLS), in the foreground.
import fs from 'node:fs';
import path from 'node:path';
import { freePort, waitForPort } from '../net.ts';
import { copyTls, spawnLogged, superviseServer, tempDir, type RunningServer, type TlsFiles } from '../process.ts';

export async function startVsftpd(tls: TlsFiles): Promise<RunningServer> {
  const dir = tempDir('vsftpd');
  const port = await freePort();
  const { tlsCert, tlsKey } = copyTls(tls, dir);
  fs.mkdirSync(path.join(dir, 'empty'));
  const conf = path.join(dir, 'vsftpd.conf');
  fs.writeFileSync(
    conf,
    [
      'listen=YES',
      'listen_ipv6=NO',
      'listen_address=127.0.0.1',
      `listen_port=${port}`,
      'background=NO',
      'anonymous_enable=NO',
      'local_enable=YES',
      'ssl_enable=YES',
      `rsa_cert_file=${tlsCert}`,
      `rsa_private_key_file=${tlsKey}`,
      `secure_chroot_dir=${dir}/empty`,
      'seccomp_sandbox=NO',
      `vsftpd_log_file=${dir}/vsftpd.log`,
      '',
    ].join('\n'),
  );
  const child = spawnLogged('vsftpd', dir, 'vsftpd', [conf]);
  const stop = await superviseServer({ name: 'vsftpd', dir, process: child, logs: [path.join(dir, 'vsftpd.out')], ready: () => waitForPort(port) });
  return { port, dir, stop };
}
