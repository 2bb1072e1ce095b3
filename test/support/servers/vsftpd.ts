// vsftpd from Debian with explicit FTPS (AUTH TLS), in the foreground.
import fs from 'node:fs';
import path from 'node:path';
import { freePort, waitForPort } from '../net.ts';
import { copyTls, removeDir, spawnLogged, stopChild, tail, tempDir, type RunningServer, type TlsFiles } from '../process.ts';

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
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await stopChild(child);
    removeDir(dir);
  };
  try {
    await waitForPort(port);
  } catch (e) {
    const log = tail(path.join(dir, 'vsftpd.out'));
    await stop();
    throw new Error(`vsftpd did not start: ${(e as Error).message}\n${log}`);
  }
  return { port, dir, stop };
}
